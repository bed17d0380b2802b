/* The program leaks a block, asks for a scan (leakgraph_scan returns the
 * 64 lost bytes), then is killed by SIGKILL: the wrapper exits 137, the log
 * is incomplete, and the API scan's leak is in the report.
 * exit: 137
 * expect: stdout == 'scan=64\n'
 * expect: len(processes) == 1 and not processes[0].complete and processes[0].end is None
 * expect: cluster_with('leak_before_kill') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 64
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_before_kill(void) { void *p = malloc(64); memset(p, 1, 64); sink(p); }

int main(void) {
  leak_before_kill();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 64;
  printf("scan=%ld\n", lost);
  fflush(stdout);
  kill(getpid(), SIGKILL);
  return 0;
}
