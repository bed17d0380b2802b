/* One block of 48 bytes whose only pointer is dropped: 1 definite, 1 cluster.
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 48
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].blocks == 1 and clusters[0].bytes == 48
 * expect: not clusters[0].cyclic and clusters[0].entry.size == 48
 * expect: has_frame(clusters[0].entry, 'leak_one')
 * expect: frame_of(clusters[0].entry, 'leak_one')['file'].endswith('one_leak.c')
 * expect: frame_of(clusters[0].entry, 'leak_one')["line"] == 17
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_one(void) {
  char *p;
  /* the test checks the line of the malloc call below: line 17 */
  p = malloc(48);
  memset(p, 'x', 48);
  sink(p);
}

int main(void) {
  leak_one();
  clobber_stack();
  return 0;
}
