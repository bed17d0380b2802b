/* --fail-on=possible fails on a cycle of possibly lost blocks: two 64-byte
 * blocks pointing at each other, reachable only through an interior
 * pointer (a global points 40 bytes into one), nothing else leaking; the
 * wrapper exits 23.
 * run: wrapper --error-exitcode=23 --fail-on=possible
 * exit: 23
 * expect: summary.possibly_lost.blocks == 2 and summary.possibly_lost.bytes == 128
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].kind == 'possible' and clusters[0].cyclic
 * expect: summary.cyclic_clusters == 1
 * expect: has_frame(clusters[0], 'make_possible_cycle_failing')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior; /* points 40 bytes into the first block */

static NOINLINE void make_possible_cycle_failing(void) {
  void **a = malloc(64), **b = malloc(64);
  memset(a, 0, 64);
  memset(b, 0, 64);
  a[0] = b;
  b[0] = a;
  interior = (char *)a + 40;
}

int main(void) {
  make_possible_cycle_failing();
  clobber_stack();
  return 0;
}
