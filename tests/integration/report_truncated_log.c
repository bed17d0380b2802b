/* leakgraph-report on a real log cut in the middle of its last record: a
 * report is still produced (exit 0), the process is marked truncated and
 * incomplete, and the leak found by the scans before the cut is there.
 * mangle: truncate
 * expect: report_exit == 0 and r is not None
 * expect: processes[0].truncated and not processes[0].complete
 * expect: cluster_with('leak_for_report') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_for_report(void) { void *p = malloc(99); memset(p, 1, 99); sink(p); }
static NOINLINE void more_work(void) {
  for (int i = 0; i < 50; i++) free(malloc(100 + i));
}

int main(void) {
  leak_for_report();
  clobber_stack();
  leakgraph_scan();
  more_work();
  return 0;
}
