/* concurrent=api: leakgraph_scan() marks with the world running, periodic
 * scans keep the snapshot. With full periodic scans every 50 ms
 * (interval=0.05, full_every=1), the program waits for two of them, then
 * scans through the API: exactly one scan's NOTE says it was concurrent,
 * and it is the API scan's; both kinds of scan report the leaked 40-byte
 * block (min_age=0).
 * run: direct
 * options: concurrent=api:interval=0.05:full_every=1:min_age=0
 * timeout: 90
 * expect: stdout == 'waited=1 scanned=1\n'
 * expect: [n.split()[1] for n in log_notes() if 'was concurrent' in n] == [str(s.scan) for s in log_scans() if s.kind == 'api']
 * expect: len([s for s in log_scans() if s.kind == 'api']) == 1 and len([s for s in log_scans() if s.kind == 'periodic']) >= 2
 * expect: all(s.totals.definitely_lost.blocks == 1 for s in log_scans() if s.kind in ('api', 'periodic'))
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak(void) {
  char *p = malloc(40);
  memset(p, 3, 40);
}

int main(void) {
  leak();
  clobber_stack();
  int waited = wait_for_scans(2) == 0;
  int scanned = !leakgraph_active() || leakgraph_scan() >= 0;
  printf("waited=%d scanned=%d\n", waited, scanned);
  return 0;
}
