/* The most recently allocated block, of 40 bytes, is dropped: it is
 * definitely lost. (glibc's main_arena.top, in libc's data, then holds the
 * address of the top chunk, which is 8 bytes before the end of a 40-byte
 * block: an interior pointer that only the allocator's bookkeeping holds.
 * A block must not be kept "possibly lost" by it.)
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 * expect: summary.possibly_lost.blocks == 0
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_last(void) { void *p = malloc(40); memset(p, 1, 40); sink(p); }

int main(void) {
  leak_last();
  clobber_stack_only();
  return 0;
}
