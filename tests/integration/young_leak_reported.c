/* A young scan reports a young leak (full_every=1000, interval=0.05,
 * min_age=1: a block lost in one scan is logged): after two scans the
 * program leaks a 77-byte block, then waits for two more scans. A young
 * scan logs its cluster (the scan after the leak judged the block young,
 * and no word anywhere points at it: the sweep of the clean pages finds
 * none either). The exit scan reports it too.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'waited=2\n'
 * expect: any(c.entry_size == 77 for s in log_scans() if s.young for c in s.clusters)
 * expect: cluster_with('leak_young').blocks == 1 and summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_young(void) {
  char *p = malloc(77);
  memset(p, 7, 77);
  sink(p);
}

int main(void) {
  int waited = 0;
  waited += wait_for_scans(2) == 0;
  leak_young();
  clobber_stack();
  int have = scans_in_own_log();
  waited += wait_for_scans(have + 2) == 0;
  printf("waited=%d\n", waited);
  return 0;
}
