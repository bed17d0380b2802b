/* The shim copies the suppressions file into the log (SUPPRESSIONS source
 * 3): the report applies it from the log even after the file is gone, and
 * never opens a path the log names.
 * file: supp.txt: leak:copied_supp_fn
 * run: shell {direct} {prog}; status=$?; rm supp.txt; exit $status
 * options: suppressions={tmp}/supp.txt
 * expect: not exists('supp.txt')
 * expect: summary.suppressed.blocks == 1 and summary.suppressed.bytes == 48
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 32
 * expect: cluster_with('copied_supp_fn') is None and cluster_with('reported_fn') is not None
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void copied_supp_fn(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }
static NOINLINE void reported_fn(void) { void *p = malloc(32); memset(p, 1, 32); sink(p); }

int main(void) {
  copied_supp_fn();
  reported_fn();
  clobber_stack();
  return 0;
}
