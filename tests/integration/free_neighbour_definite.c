/* A dropped 40-byte block followed in memory by a freed 2000-byte block:
 * glibc puts the freed chunk in a bin of main_arena (libc's data), whose
 * pointer to that chunk's header is 8 bytes before the end of the 40-byte
 * block. The dropped block is still definitely lost, not possibly.
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 * expect: summary.possibly_lost.blocks == 0
 * expect: cluster_with('leak_before_free_chunk') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void *keep;

static NOINLINE void leak_before_free_chunk(void) {
  void *p = malloc(40);
  void *q = malloc(2000); /* beyond tcache: free() puts it in a bin */
  keep = malloc(4000);    /* keeps q's chunk from merging into top */
  memset(p, 1, 40);
  free(q);
  sink(p);
}

int main(void) {
  leak_before_free_chunk();
  clobber_stack_only();
  return 0;
}
