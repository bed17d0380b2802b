/* A suppressions file given to leakgraph-report (--suppressions=FILE), with
 * a `*` wildcard and a file-name pattern: both matching leaks go to
 * suppressed, the third stays definitely lost.
 * file: supp.txt: leak:wild_*_fn
 * file: supp.txt: leak:*supp_report_other.c
 * lib: supp_report_other.c
 * report: --suppressions={tmp}/supp.txt
 * expect: summary.suppressed.blocks == 2 and summary.suppressed.bytes == 48 + 50
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 32
 * expect: cluster_with('reported_fn') is not None
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void wild_card_fn(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }
static NOINLINE void reported_fn(void) { void *p = malloc(32); memset(p, 1, 32); sink(p); }

int main(void) {
  void *h = dlopen(getenv("LG_TEST_LIB"), RTLD_NOW);
  void (*other)(void) = h ? (void (*)(void))dlsym(h, "other_leak_50") : NULL;
  if (!other) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  other();
  wild_card_fn();
  reported_fn();
  clobber_stack();
  return 0;
}
