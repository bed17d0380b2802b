/* The shim's own exitcode option (no wrapper) follows the default
 * --fail-on: a cycle of possibly lost blocks (two 64-byte blocks pointing at
 * each other, reachable only through a global pointing 40 bytes into one)
 * and nothing else is not a failing leak, so the program keeps its status 0.
 * run: direct
 * options: exitcode=23
 * exit: 0
 * expect: summary.possibly_lost.blocks == 2 and summary.possibly_lost.bytes == 128
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].kind == 'possible' and clusters[0].cyclic
 * expect: summary.cyclic_clusters == 1
 * expect: has_frame(clusters[0], 'make_possible_cycle_shim')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior; /* points 40 bytes into the first block */

static NOINLINE void make_possible_cycle_shim(void) {
  void **a = malloc(64), **b = malloc(64);
  memset(a, 0, 64);
  memset(b, 0, 64);
  a[0] = b;
  b[0] = a;
  interior = (char *)a + 40;
}

int main(void) {
  make_possible_cycle_shim();
  clobber_stack();
  return 0;
}
