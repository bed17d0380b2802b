/* The report lists every complete scan: the JSON `scans` array has one
 * entry per scan of the log (pid, number and kind equal to what run.py's
 * log_scans() reads from the log itself, and so do the live blocks and
 * the lost bytes), and the text report sums them up in one line of the
 * LEAK SUMMARY (count, median and longest pause) instead of one Notes line
 * per scan. The program asks for two scans (api), runs 0.5 s under
 * periodic scans (interval=0.1; how many run is not assumed) and exits (the
 * exit scan).
 * run: wrapper --interval=0.1
 * timeout: 30
 * expect: stdout == 'scans=2\n'
 * expect: [(s.pid, s.scan, s.kind) for s in r.scans] == [(s.pid, s.scan, s.kind) for s in log_scans()]
 * expect: [s.kind for s in r.scans].count('api') == 2 and r.scans[-1].kind == 'exit'
 * expect: [s.blocks for s in r.scans] == [sum(t.blocks for t in s.totals.values()) for s in log_scans()]
 * expect: [s.lost_bytes for s in r.scans] == [s.totals.definitely_lost.bytes + s.totals.indirectly_lost.bytes for s in log_scans()]
 * expect: r.scans[-1].lost_bytes == 48 and r.scans[-1].reachable_bytes > 0
 * expect: all(0 <= s.pause_ms <= s.scan_ms for s in r.scans)
 * expect: all(a.time <= b.time for a, b in zip(r.scans, r.scans[1:]))
 * expect: re.search(r'^   scans: %d \(.*\), pause median \d+\.\d{3} ms, max \d+\.\d{3} ms$' % len(r.scans), stderr, re.M)
 * expect: 'phases (ms)' not in stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

void *kept; /* reachable to the end */

static NOINLINE void leak_48(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }

int main(void) {
  kept = malloc(100);
  leak_48();
  clobber_stack();
  int n = (leakgraph_scan() >= 0) + (leakgraph_scan() >= 0);
  if (!leakgraph_active()) n = 2;
  sleep_for(0.5);
  printf("scans=%d\n", n);
  return 0;
}
