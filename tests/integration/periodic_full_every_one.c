/* full_every=1 keeps every periodic scan full, as before young scans were
 * the default: with interval=0.02 the program leaks a 66-byte block
 * (leak_now) at once, waits until its log holds 4 scans and exits. No
 * scan is young, the second periodic scan already logs the leak (lost
 * through two full scans: the default min_age 2), and no born list is
 * kept (the log's NOTE at start says so) or used (no NOTE of a young
 * scan).
 * run: direct
 * options: interval=0.02:full_every=1
 * timeout: 120
 * expect: stdout == 'waited=1\n'
 * expect: not any(s.young for s in log_scans())
 * expect: any(c.entry_size == 66 for s in log_scans() if s.kind == 'periodic' and s.scan <= 3 for c in s.clusters)
 * expect: not any('was young' in n for n in log_notes())
 * expect: any(n.startswith('young scans off: full_every is 1;') and n.endswith('no born lists') for n in log_notes())
 * expect: cluster_with('leak_now').blocks == 1 and summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_now(void) {
  char *p = malloc(66);
  memset(p, 6, 66);
  sink(p);
}

int main(void) {
  leak_now();
  clobber_stack();
  printf("waited=%d\n", wait_for_scans(4) == 0);
  return 0;
}
