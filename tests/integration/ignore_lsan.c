/* __lsan_ignore_object on a lost block: neither it nor the block it points
 * at is reported; a control leak is.
 * expect: cluster_with('make_ignored') is None and cluster_with('make_ignored_child') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 */
#include <stdlib.h>
#include "testutil.h"

extern void __lsan_ignore_object(const void *p) __attribute__((weak));

struct parent { void *child; char pad[40]; };

static NOINLINE void *make_ignored_child(void) { return malloc(24); }

static NOINLINE void make_ignored(void) {
  struct parent *p = malloc(sizeof *p);
  p->child = make_ignored_child();
  if (__lsan_ignore_object) __lsan_ignore_object(p);
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  make_ignored();
  control_leak();
  clobber_stack();
  return 0;
}
