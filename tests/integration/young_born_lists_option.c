/* born_lists=yes keeps the born lists for young scans (born.h): with
 * interval=0.02 and the default full_every (10), the program allocates 50
 * blocks it keeps, waits until its log holds 4 scans, allocates 50 more
 * and waits for 2 more scans. The NOTE at start says the lists are kept;
 * the young scans after the first take their young blocks from the lists
 * (their NOTE says so), and nothing leaks.
 * run: direct
 * options: interval=0.02:born_lists=yes
 * timeout: 120
 * expect: stdout == 'waited=2\n'
 * expect: 'young scans on: 1 periodic scan in 10 is full, the others young; born lists kept' in log_notes()
 * expect: any('was young' in n and 'from the born lists' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

void *kept[100]; /* a global: every block stays reachable */

static NOINLINE void keep(int from) {
  for (int i = from; i < from + 50; i++) {
    kept[i] = malloc(48);
    memset(kept[i], i, 48);
  }
}

int main(void) {
  int waited = 0;
  keep(0);
  waited += wait_for_scans(4) == 0;
  keep(50);
  int have = scans_in_own_log();
  waited += wait_for_scans(have + 2) == 0;
  printf("waited=%d\n", waited);
  return 0;
}
