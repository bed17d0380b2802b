/* Full periodic scans (interval=0.1, full_every=1: each judges every
 * block) while the program leaks a 64-byte block (leak_early), waits until its log holds 4 scans (counted, not timed: a
 * loaded machine may scan late), leaks a 96-byte block (leak_mid), waits
 * for 4 scans more, and is then killed by SIGKILL (raise): no exit scan,
 * no END. The
 * report still reads the log: the process is not complete, has many scans,
 * and its clusters are the union of what the periodic scans logged --
 * both leaks, each once, each first seen in a periodic scan.
 * run: direct
 * options: interval=0.1:full_every=1
 * exit: 137
 * timeout: 30
 * expect: stdout == 'leaked=2\n'
 * expect: len(processes) == 1 and not processes[0].complete and processes[0].end is None
 * expect: processes[0].scans >= 8
 * expect: all(s.kind == 'periodic' for s in log_scans())
 * expect: cluster_with('leak_early') is not None and cluster_with('leak_mid') is not None
 * expect: len(clusters_with('leak_early')) == 1 and len(clusters_with('leak_mid')) == 1
 * expect: 1 <= cluster_with('leak_early').first_seen_scan < cluster_with('leak_mid').first_seen_scan
 * expect: summary.definitely_lost.blocks == 2 and summary.definitely_lost.bytes == 160
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

static NOINLINE void leak_early(void) { void *p = malloc(64); memset(p, 1, 64); sink(p); }
static NOINLINE void leak_mid(void) { void *p = malloc(96); memset(p, 2, 96); sink(p); }

int main(void) {
  leak_early();
  clobber_stack();
  if (wait_for_scans(4) < 0) return 3;
  leak_mid();
  clobber_stack();
  if (wait_for_scans(8) < 0) return 3;
  printf("leaked=2\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
