/* Someone else planted a log at the name this run's log would take: the
 * shim takes the next name that the same glob matches (app.1.log), and the
 * report over the glob reads both, warning that app.log belongs to another
 * user (uid 65534).
 * needs: root
 * setup: LD_PRELOAD={shim} LEAKGRAPH_OPTIONS=log={tmp}/logs/app.log:quiet=1 /bin/true && chown 65534:65534 logs/app.log
 * run: direct
 * log: {tmp}/logs/app.log
 * report_on: {tmp}/logs/*.log
 * expect: logs == ['app.1.log', 'app.log']
 * expect: count_lines(report_stderr, 'app.log is owned by uid 65534, not by you') == 1
 * expect: 'app.1.log is owned' not in report_stderr
 * expect: len(processes) == 2 and summary.definitely_lost.blocks == 1
 * expect: [p.owner_uid for p in processes] == [0, 65534]
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void planted_leak(void) { void *p = malloc(16); memset(p, 1, 16); sink(p); }

int main(void) {
  planted_leak();
  clobber_stack();
  return 0;
}
