/* Stacks are exact without frame pointers: a chain of seven calls, built
 * -O2 -fomit-frame-pointer, with frames of different shapes (a plain one, a
 * large local array, alloca — which makes the compiler keep a CFA based on
 * RBP — and one that calls through a function pointer) ends in a leak. The
 * entry block's stack must name every function, innermost first, then main:
 * no frame skipped, none invented (the shim's unwinder reads the DWARF
 * rules, as gdb does).
 * build: -O2 -fomit-frame-pointer -fno-optimize-sibling-calls
 * expect: summary.definitely_lost.blocks == 1
 * expect: [f['function'] for f in clusters[0].entry.stack][:8] == ['leaf', 'via_pointer', 'with_alloca', 'with_array', 'plain_c', 'plain_b', 'plain_a', 'main']
 */
#include <alloca.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static volatile int depth_guard = 1;

NOINLINE void leaf(void) { void *p = malloc(77); memset(p, 7, 77); sink(p); }

NOINLINE void via_pointer(void) {
  void (*volatile fn)(void) = leaf;
  fn();
  depth_guard++;
}

NOINLINE void with_alloca(int n) {
  char *buf = alloca((size_t)n);
  memset(buf, 1, (size_t)n);
  via_pointer();
  depth_guard += buf[n / 2];
}

NOINLINE void with_array(int n) {
  volatile char big[4096];
  big[n % 4096] = 1;
  with_alloca(n + 100);
  depth_guard += big[n % 4096];
}

NOINLINE void plain_c(int n) { with_array(n); depth_guard++; }
NOINLINE void plain_b(int n) { plain_c(n + 1); depth_guard++; }
NOINLINE void plain_a(int n) { plain_b(n + 1); depth_guard++; }

int main(void) {
  plain_a(depth_guard);
  clobber_stack();
  return 0;
}
