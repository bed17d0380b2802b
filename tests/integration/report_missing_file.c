/* leakgraph-report on a path that does not exist: a clear message naming
 * it, exit 3.
 * mangle: missing
 * expect: report_exit == 3
 * expect: mangled_name in report_stderr
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
