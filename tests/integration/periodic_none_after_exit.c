/* Once the exit has abandoned a periodic scan in flight, the scanner
 * thread starts no other: the exit scan is the last. The test knob
 * LEAKGRAPH_TEST_SCAN_GATE holds every snapshot child at a gate that
 * never opens, and LEAKGRAPH_TEST_EXIT_WAITS_SCANNER makes the exit, after
 * it abandoned the held scan, wait until the scanner thread came back
 * for its next periodic scan (interval=0.05) and either gave it up or
 * took the scan lock — so without the check the scanner would begin a
 * second periodic scan every time, before the exit scan. The program
 * leaks one block, waits until its log holds the first periodic scan's
 * SCAN_BEGIN and returns from main. Expected: one periodic SCAN_BEGIN
 * only (never ended), then the exit scan, which reports the leak.
 * run: direct
 * options: interval=0.05
 * env: LEAKGRAPH_TEST_SCAN_GATE={tmp}/gate-never
 * env: LEAKGRAPH_TEST_EXIT_WAITS_SCANNER=1
 * timeout: 30
 * expect: report_exit == 0
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 0)]
 * expect: [(b.kind, b.ended) for b in log_scan_begins()] == [('periodic', False), ('exit', True)]
 * expect: [s.kind for s in log_scans()] == ['exit']
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
