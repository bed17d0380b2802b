/* A block that points at itself and at nothing else: one cyclic cluster of
 * one block, definitely lost.
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].cyclic and clusters[0].blocks == 1
 * expect: clusters[0].bytes == 40 and clusters[0].entry.size == 40
 * expect: has_frame(clusters[0].entry, 'make_self_loop')
 */
#include <stdlib.h>
#include "testutil.h"

struct loop { struct loop *self; char pad[32]; };

static NOINLINE void make_self_loop(void) {
  struct loop *l = malloc(sizeof *l);
  l->self = l;
}

int main(void) {
  make_self_loop();
  clobber_stack();
  return 0;
}
