/* A block (with a child) kept alive only by a global is still reachable;
 * a control block dropped at the same time is lost.
 * expect: cluster_with('make_kept') is None and cluster_with('make_kept_child') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 * expect: summary.still_reachable.blocks >= 2
 */
#include <stdlib.h>
#include "testutil.h"

struct kept { void *child; char pad[56]; };
struct kept *global_keep;

static NOINLINE void *make_kept_child(void) { return malloc(33); }

static NOINLINE void make_kept(void) {
  struct kept *k = malloc(sizeof *k);
  k->child = make_kept_child();
  global_keep = k;
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  make_kept();
  control_leak();
  clobber_stack();
  return 0;
}
