/* The program defines __lsan_default_suppressions returning
 * "leak:suppressed_fn": that leak's bytes are counted as suppressed, the
 * other leak is still definitely lost.
 * expect: summary.suppressed.blocks == 1 and summary.suppressed.bytes == 48
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 32
 * expect: cluster_with('reported_fn') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

const char *__lsan_default_suppressions(void) { return "leak:suppressed_fn\n"; }

static NOINLINE void suppressed_fn(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }
static NOINLINE void reported_fn(void) { void *p = malloc(32); memset(p, 1, 32); sink(p); }

int main(void) {
  suppressed_fn();
  reported_fn();
  clobber_stack();
  return 0;
}
