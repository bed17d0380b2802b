/* leakgraph installed in a directory whose path has a space (LD_PRELOAD
 * splits on spaces): the wrapper preloads the shim through a link of its
 * own without one, and the run is traced and reported as anywhere else.
 * setup: mkdir 'sp ace' && cp {build}/libleakgraph.so {build}/leakgraph {build}/leakgraph-report 'sp ace'/
 * run: shell './sp ace/leakgraph' --log={tmp}/logs/lg.%p.log {prog}
 * expect: stdout == 'traced\n' and exit_code == 0
 * expect: 'cannot carry' not in stderr and 'LEAK SUMMARY:' in stderr
 * expect: summary.definitely_lost.blocks == 1 and cluster_with('space_leak') is not None
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void space_leak(void) { void *p = malloc(20); memset(p, 1, 20); sink(p); }

int main(void) {
  space_leak();
  clobber_stack();
  printf("traced\n");
  return 0;
}
