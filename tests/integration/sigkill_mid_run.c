/* Periodic scans (interval=0.1) while the program leaks a 64-byte block
 * (leak_early), runs 0.8 s, leaks a 96-byte block (leak_mid), runs 0.8 s
 * more, and is then killed by SIGKILL (raise): no exit scan, no END. The
 * report still reads the log: the process is not complete, has many scans,
 * and its clusters are the union of what the periodic scans logged --
 * both leaks, each once, each first seen in a periodic scan.
 * run: direct
 * options: interval=0.1
 * exit: 137
 * timeout: 30
 * expect: stdout == 'leaked=2\n'
 * expect: len(processes) == 1 and not processes[0].complete and processes[0].end is None
 * expect: processes[0].scans >= 4
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
  sleep_for(0.8);
  leak_mid();
  clobber_stack();
  sleep_for(0.8);
  printf("leaked=2\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
