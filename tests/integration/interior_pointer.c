/* The only pointer left to a 100-byte block points 10 bytes into it (from a
 * global): the block is possibly lost, not definitely.
 * expect: summary.possibly_lost.blocks == 1 and summary.possibly_lost.bytes == 100
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: cluster_with('make_interior') is None or cluster_with('make_interior').kind == 'possible'
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior;

static NOINLINE void make_interior(void) {
  char *p = malloc(100);
  memset(p, 1, 100);
  interior = p + 10;
}

int main(void) {
  make_interior();
  clobber_stack();
  return 0;
}
