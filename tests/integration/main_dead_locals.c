/* A block whose only pointer is a local of main is lost once main has
 * returned (the exit scan runs after main returned: main's frame is dead,
 * and so is the stack below it).
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 64
 * expect: cluster_with('make_for_main') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void *make_for_main(void) { void *p = malloc(64); memset(p, 1, 64); return p; }

int main(void) {
  void *volatile local = make_for_main();
  clobber_stack(); /* only the heap guard matters here: `local` stays */
  return local == NULL;
}
