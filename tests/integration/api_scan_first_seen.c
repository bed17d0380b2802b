/* A leak made before an API scan is first seen in scan 1; a leak made after
 * it is first seen in scan 2 (the exit scan). leakgraph_scan() returns the
 * lost bytes at that moment (20).
 * expect: stdout == 'scan=20\n'
 * expect: cluster_with('leak_early').first_seen_scan == 1
 * expect: cluster_with('leak_late').first_seen_scan == 2
 * expect: processes[0].scans == 2
 * expect: summary.definitely_lost.blocks == 2
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_early(void) { void *p = malloc(20); memset(p, 1, 20); sink(p); }
static NOINLINE void leak_late(void) { void *p = malloc(30); memset(p, 1, 30); sink(p); }

int main(void) {
  leak_early();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 20;
  printf("scan=%ld\n", lost);
  leak_late();
  clobber_stack();
  return 0;
}
