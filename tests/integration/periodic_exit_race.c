/* A periodic scan's child and the exit race for the right to write: the
 * test knob LEAKGRAPH_TEST_SCAN_GATE holds every snapshot child before it
 * claims that right, and the program's own atexit handler (which runs
 * before the shim's exit check) creates the gate's file, so the held
 * child goes on just as the exit tries to abandon it. Either may win;
 * expected either way: the log is complete and readable, a periodic scan
 * either ended before the exit scan began or left no record but its
 * SCAN_BEGIN, nothing follows the exit scan but the END, no snapshot
 * failed, and the exit scan reports the leak.
 * run: direct
 * options: interval=0.02
 * env: LEAKGRAPH_TEST_SCAN_GATE={tmp}/gate
 * timeout: 30
 * expect: report_exit == 0
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 0)]
 * expect: [s.kind for s in log_scans()][-1] == 'exit'
 * expect: [b.kind for b in log_scan_begins()][-1] == 'exit'
 * expect: all(b.kind == 'periodic' for b in log_scan_begins()[:-1])
 * expect: not any('snapshot process failed' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_once')
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void leak_once(void) { void *p = malloc(31); memset(p, 1, 31); sink(p); }

static void open_gate(void) {
  const char *t = getenv("LG_TEST_TMP");
  char path[4096];
  snprintf(path, sizeof path, "%s/gate", t ? t : ".");
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
}

int main(void) {
  atexit(open_gate);
  leak_once();
  clobber_stack();
  /* Bounded: 60 s at most (the runner's timeout ends it sooner). */
  for (int i = 0; i < 6000 && getenv("LD_PRELOAD") && records_in_own_log(5) < 1; i++) sleep_for(0.01);
  return 0;
}
