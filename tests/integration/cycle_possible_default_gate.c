/* The default --fail-on (definite,indirect,cycle) fails on a cycle of lost
 * blocks only: two 64-byte blocks pointing at each other, reachable only
 * through an interior pointer (a global points 40 bytes into one), form a
 * cyclic cluster of possibly lost blocks, and nothing else leaks. Neither
 * the wrapper (--error-exitcode=23) nor the report tool
 * (--error-exitcode=5, checked to exit 0) fails.
 * run: wrapper --error-exitcode=23
 * report: --error-exitcode=5
 * exit: 0
 * expect: summary.possibly_lost.blocks == 2 and summary.possibly_lost.bytes == 128
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].kind == 'possible' and clusters[0].cyclic
 * expect: summary.cyclic_clusters == 1
 * expect: has_frame(clusters[0], 'make_possible_cycle_default')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior; /* points 40 bytes into the first block */

static NOINLINE void make_possible_cycle_default(void) {
  void **a = malloc(64), **b = malloc(64);
  memset(a, 0, 64);
  memset(b, 0, 64);
  a[0] = b;
  b[0] = a;
  interior = (char *)a + 40;
}

int main(void) {
  make_possible_cycle_default();
  clobber_stack();
  return 0;
}
