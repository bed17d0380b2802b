/* A block reallocated 100 times and kept in a global: nothing is lost (the
 * old blocks of the chain must not be reported).
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: summary.possibly_lost.blocks == 0 and len(clusters) == 0
 */
#include <stdlib.h>
#include "testutil.h"

char *chain;

static NOINLINE void realloc_chain(void) {
  chain = malloc(16);
  for (int i = 1; i <= 100; i++) {
    size_t n = (i % 10 == 0) ? 8 : 16 + (size_t)i * 24;
    chain = realloc(chain, n);
    chain[n - 1] = (char)i;
  }
}

int main(void) {
  realloc_chain();
  clobber_stack();
  return 0;
}
