/* The exit does not wait for a periodic scan in flight: the exit scan
 * supersedes it. The test knob LEAKGRAPH_TEST_SCAN_GATE names a file that
 * never appears, so every snapshot child waits (up to 60 s) before it may
 * write; the program leaks one block, waits until its log holds the first
 * periodic scan's SCAN_BEGIN (that scan's child is now held at the gate)
 * and returns from main. Expected: the exit abandons the held scan at once
 * (the run ends well within the 30 s timeout, not after the child's 60 s),
 * the log is complete and readable, the periodic scan began but never
 * ended and wrote nothing (no SCAN_END, no NOTE that a snapshot failed),
 * and the exit scan, the log's last, reports the leak.
 * run: direct
 * options: interval=0.05
 * env: LEAKGRAPH_TEST_SCAN_GATE={tmp}/gate-never
 * timeout: 30
 * expect: report_exit == 0
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 0)]
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: [(b.kind, b.ended) for b in log_scan_begins()][0] == ('periodic', False)
 * expect: [(b.kind, b.ended) for b in log_scan_begins()][-1] == ('exit', True)
 * expect: not any('snapshot process failed' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_once')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_once(void) { void *p = malloc(31); memset(p, 1, 31); sink(p); }

int main(void) {
  leak_once();
  clobber_stack();
  /* Bounded: 60 s at most (the runner's timeout ends it sooner). */
  for (int i = 0; i < 6000 && getenv("LD_PRELOAD") && records_in_own_log(5) < 1; i++) sleep_for(0.01);
  return 0;
}
