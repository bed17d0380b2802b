/* A suppressions file given to the wrapper (--suppressions=FILE): the
 * matching leak goes to suppressed, the other stays definitely lost.
 * file: supp.txt: # a comment line
 * file: supp.txt: leak:file_suppressed_fn
 * run: wrapper --suppressions={tmp}/supp.txt
 * expect: summary.suppressed.blocks == 1 and summary.suppressed.bytes == 48
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 32
 * expect: cluster_with('reported_fn') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void file_suppressed_fn(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }
static NOINLINE void reported_fn(void) { void *p = malloc(32); memset(p, 1, 32); sink(p); }

int main(void) {
  file_suppressed_fn();
  reported_fn();
  clobber_stack();
  return 0;
}
