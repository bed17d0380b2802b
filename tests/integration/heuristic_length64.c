/* A block whose first 8 bytes hold the size of the rest (sqlite's way of
 * tracking its allocations), kept only through a pointer just past that
 * length: with the default heuristics it is still reachable, counted under
 * `length64` (which valgrind tries before `newarray`, which it also fits).
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.heuristics.length64.blocks == 1
 * expect: summary.still_reachable.heuristics.length64.bytes == 64
 * expect: 'newarray' not in summary.still_reachable.heuristics
 * expect: 'reachable via heuristic: length64: 64 bytes in 1 blocks' in stderr
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *payload;

static NOINLINE void keep_length64(void) {
  uint64_t *p = malloc(64);
  p[0] = 64 - 8;
  memset(p + 1, 7, 64 - 8);
  payload = (char *)(p + 1);
}

int main(void) {
  keep_length64();
  clobber_stack();
  return 0;
}
