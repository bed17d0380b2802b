/* min_age=3 with full periodic scans (interval=0.1, full_every=1: the
 * streak counts the scans that judged the block): the program leaks a
 * 111-byte block (leak_early) at once, runs 1.5 s (many scans), then leaks
 * a 222-byte block (leak_late) just before it exits. Every cluster that a
 * periodic scan logs has been lost through at least 3 scans in a row, so
 * its scan number is at least first_seen_scan + 2; the early leak is logged
 * by a periodic scan; the late one, lost for no periodic scan at all, only
 * by the exit scan (first seen there, or in a periodic scan that ran in
 * the instant before), which logs everything.
 * run: direct
 * options: interval=0.1:min_age=3:full_every=1
 * timeout: 30
 * expect: stdout == 'done\n'
 * expect: processes[0].complete and processes[0].scans >= 6
 * expect: all(s.scan >= c.first_seen_scan + 2 for s in log_scans() if s.kind == 'periodic' for c in s.clusters)
 * expect: any(c.entry_size == 111 for s in log_scans() if s.kind == 'periodic' for c in s.clusters)
 * expect: not any(c.entry_size == 222 for s in log_scans() if s.kind == 'periodic' for c in s.clusters)
 * expect: [s.kind for s in log_scans()][-1] == 'exit'
 * expect: cluster_with('leak_early').first_seen_scan <= 3
 * expect: cluster_with('leak_late').first_seen_scan >= processes[0].scans - 1
 * expect: summary.definitely_lost.blocks == 2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

static NOINLINE void leak_early(void) { void *p = malloc(111); memset(p, 1, 111); sink(p); }
static NOINLINE void leak_late(void) { void *p = malloc(222); memset(p, 2, 222); sink(p); }

int main(void) {
  leak_early();
  clobber_stack();
  double end = now() + 1.5;
  for (double t = now(); t < end; t = now()) {
    struct timespec ts = {0, (long)((end - t < 0.05 ? end - t : 0.05) * 1e9)};
    nanosleep(&ts, NULL);
  }
  leak_late();
  clobber_stack();
  printf("done\n");
  return 0;
}
