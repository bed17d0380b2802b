/* Allocations made between __lsan_disable() and __lsan_enable() are not
 * reported when leaked; a leak after __lsan_enable() is.
 * expect: cluster_with('leak_while_disabled') is None
 * expect: cluster_with('leak_while_enabled') is not None
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern void __lsan_disable(void) __attribute__((weak));
extern void __lsan_enable(void) __attribute__((weak));

static NOINLINE void leak_while_disabled(void) { void *p = malloc(31); memset(p, 1, 31); sink(p); }
static NOINLINE void leak_while_enabled(void) { void *p = malloc(37); memset(p, 1, 37); sink(p); }

int main(void) {
  if (__lsan_disable) __lsan_disable();
  leak_while_disabled();
  if (__lsan_enable) __lsan_enable();
  leak_while_enabled();
  clobber_stack();
  return 0;
}
