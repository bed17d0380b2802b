/* leakgraph_ignore on a lost block: neither it nor the block it points at
 * is reported; a control leak is.
 * expect: cluster_with('make_ignored') is None and cluster_with('make_ignored_child') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 */
#include <stdlib.h>
#include "leakgraph.h"
#include "testutil.h"

struct parent { void *child; char pad[40]; };

static NOINLINE void *make_ignored_child(void) { return malloc(24); }

static NOINLINE void make_ignored(void) {
  struct parent *p = malloc(sizeof *p);
  p->child = make_ignored_child();
  leakgraph_ignore(p);
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  make_ignored();
  control_leak();
  clobber_stack();
  return 0;
}
