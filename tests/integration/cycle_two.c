/* Two blocks pointing at each other, nothing else pointing at them: one
 * cyclic cluster; valgrind's split: the lower-addressed block is definitely
 * lost, the other indirectly lost.
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 1
 * expect: summary.definitely_lost.bytes + summary.indirectly_lost.bytes == 64
 * expect: len(clusters) == 1 and clusters[0].cyclic and clusters[0].blocks == 2
 * expect: summary.cyclic_clusters == 1
 * expect: has_frame(clusters[0].entry, 'make_pair')
 */
#include <stdlib.h>
#include "testutil.h"

struct pair { struct pair *other; char pad[24]; };

static NOINLINE void make_pair(void) {
  struct pair *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  a->other = b;
  b->other = a;
}

int main(void) {
  make_pair();
  clobber_stack();
  return 0;
}
