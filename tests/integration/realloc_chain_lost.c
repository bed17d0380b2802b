/* A block grown and shrunk by 100 reallocs whose final pointer is dropped:
 * exactly one definitely lost block, of the final size (2416 bytes), and
 * no trace of the intermediate blocks.
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 2416
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: len(clusters) == 1 and clusters[0].entry.size == 2416
 * expect: has_frame(clusters[0].entry, 'realloc_chain')
 */
#include <stdlib.h>
#include "testutil.h"

static NOINLINE void realloc_chain(void) {
  char *p = malloc(16);
  for (int i = 1; i <= 100; i++) {
    size_t n = (i % 10 == 0) ? 8 : 16 + (size_t)i * 24; /* shrink now and then */
    p = realloc(p, n);
    p[n - 1] = (char)i;
  }
  p = realloc(p, 2416);
  p[0] = 1;
  sink(p);
}

int main(void) {
  realloc_chain();
  clobber_stack();
  return 0;
}
