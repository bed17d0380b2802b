/* Every scan says in a NOTE the most memory its own mappings took at once
 * (what `make bench` measures as the scan's extra memory): 40,000 blocks
 * of 256 bytes, one API scan, then the exit scan. Each note names the
 * scan, counts at least the scan's records (16 bytes a block) and at most
 * a few times the heap, and gives the heap as the blocks judged (10,000
 * KiB of them and the 312 KiB array of pointers, and a little of stdio).
 * expect: len([n for n in log_notes() if re.match(r"scan \d+ memory \(KiB\): peak \d+ in the scan's own mappings, blocks \d+ \(\d+\.\d%\)$", n)]) == 2
 * expect: all(40000 * 16 // 1024 <= int(re.search(r'peak (\d+)', n).group(1)) <= 4 * int(re.search(r'blocks (\d+)', n).group(1)) for n in log_notes() if ' memory (KiB): ' in n)
 * expect: all(10300 <= int(re.search(r'blocks (\d+)', n).group(1)) <= 10400 for n in log_notes() if ' memory (KiB): ' in n)
 */
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

#define N 40000

void **blocks; /* a global: every block is reachable */

int main(void) {
  blocks = malloc(N * sizeof *blocks);
  for (int i = 0; i < N; i++) {
    blocks[i] = malloc(256);
    memset(blocks[i], 0, 256);
  }
  leakgraph_scan();
  return 0;
}
