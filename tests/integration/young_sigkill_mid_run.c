/* A daemon killed by SIGKILL before its first full periodic scan is
 * reported from its young scans (interval=0.1, the default full_every 10
 * and min_age 2): the program leaks a 64-byte block (leak_early), waits
 * until its log holds 3 scans (counted, not timed), leaks a 96-byte block
 * (leak_mid), waits for 6 scans, and is then killed by SIGKILL (raise):
 * no exit scan, no END, and no full scan (scan 10 would be the first).
 * Each leak is found lost by the young scan after it and logged by the
 * young scan after that (it judges again the blocks the one before found
 * lost): the report holds both, each once.
 * run: direct
 * options: interval=0.1
 * exit: 137
 * timeout: 60
 * expect: stdout == 'leaked=2\n'
 * expect: len(processes) == 1 and not processes[0].complete and processes[0].end is None
 * expect: processes[0].scans >= 6
 * expect: all(s.kind == 'periodic' and s.young for s in log_scans() if s.scan < 10)
 * expect: any(c.entry_size == 64 for s in log_scans() if s.young for c in s.clusters)
 * expect: any(c.entry_size == 96 for s in log_scans() if s.young for c in s.clusters)
 * expect: len(clusters_with('leak_early')) == 1 and len(clusters_with('leak_mid')) == 1
 * expect: 1 <= cluster_with('leak_early').first_seen_scan < cluster_with('leak_mid').first_seen_scan
 * expect: summary.definitely_lost.blocks == 2 and summary.definitely_lost.bytes == 160
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_early(void) { void *p = malloc(64); memset(p, 1, 64); sink(p); }
static NOINLINE void leak_mid(void) { void *p = malloc(96); memset(p, 2, 96); sink(p); }

int main(void) {
  leak_early();
  clobber_stack();
  if (wait_for_scans(3) < 0) return 3;
  leak_mid();
  clobber_stack();
  if (wait_for_scans(6) < 0) return 3;
  printf("leaked=2\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
