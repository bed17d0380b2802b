/* scan_signal=USR2, no interval: scans are triggered from outside. The
 * parent forks a helper process that sends SIGUSR2 to the parent three
 * times, 200 ms apart, and exits; meanwhile the parent leaks a 77-byte
 * block (at once, well before the first signal). The parent
 * waits in a sleep loop (resuming after interruptions) for 1.2 s: the
 * signal does not kill it (the shim took USR2), its work is not disturbed
 * (a checksum over its data stays right), then it reaps the helper.
 * Expected for the parent: at least two scans of kind signal, then the
 * exit scan; min_age (default 2) respected -- the first signal scan logs
 * no cluster, the second logs the leak (first seen in scan 1); the report
 * shows the leak with first_seen_scan 1 and nothing else lost.
 * run: direct
 * options: scan_signal=USR2
 * timeout: 30
 * expect: out_int('status') == 0 and out_int('sum') == 4950
 * expect: len(processes) == 2 and all(p.complete for p in processes)
 * expect: [p.scans for p in processes if p.pid == out_int('parent')][0] >= 3
 * expect: len([s for s in log_scans() if s.pid == out_int('parent') and s.kind == 'signal']) >= 2
 * expect: [s.kind for s in log_scans() if s.pid == out_int('parent')][-1] == 'exit'
 * expect: [s.clusters for s in log_scans() if s.pid == out_int('parent') and s.kind == 'signal'][0] == []
 * expect: [c.entry_size for c in [s for s in log_scans() if s.pid == out_int('parent') and s.kind == 'signal'][1].clusters] == [77]
 * expect: [c.first_seen_scan for c in [s for s in log_scans() if s.pid == out_int('parent') and s.kind == 'signal'][1].clusters] == [1]
 * expect: cluster_with('leak_before_signals').pid == out_int('parent')
 * expect: cluster_with('leak_before_signals').first_seen_scan == 1
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 77
 * expect: [p.scans for p in processes if p.pid == out_int('helper')] == [1]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_before_signals(void) { void *p = malloc(77); memset(p, 1, 77); sink(p); }

static int data[100];

int main(void) {
  for (int i = 0; i < 100; i++) data[i] = i;
  fflush(stdout);
  pid_t helper = fork(); /* before the leak: the helper has none */
  if (helper < 0) { perror("fork"); return 1; }
  if (helper == 0) {
    /* Another process: the signals come from outside the parent. Without
     * the shim (--plain) USR2 would kill the parent: send nothing then. */
    for (int i = 0; i < 3 && leakgraph_active(); i++) {
      sleep_for(0.2);
      kill(getppid(), SIGUSR2);
    }
    _exit(0);
  }
  leak_before_signals(); /* 200 ms before the first signal */
  clobber_stack();
  sleep_for(1.2);
  int status = -1;
  while (waitpid(helper, &status, 0) < 0) {}
  long sum = 0;
  for (int i = 0; i < 100; i++) sum += data[i];
  printf("parent=%d helper=%d status=%d sum=%ld\n", (int)getpid(), (int)helper, status, sum);
  return 0;
}
