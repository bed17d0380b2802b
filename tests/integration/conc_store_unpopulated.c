/* The concurrent mark (concurrent=1) and a page never populated before
 * the arm (concmove.h's shape): B, a big block (its own mapping, fresh
 * from the kernel, never touched: calloc leaves it as mapped) is kept in
 * a global; the concurrent pass finds nothing resident in it. At the gate
 * the program stores the only pointer to C into one of its pages: the
 * first touch of a page the arm write-protected while it was not there
 * (UFFD_FEATURE_WP_UNPOPULATED) must count as written, or C is called
 * lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include "concmove.h"

static void **volatile big;

static void prepare(void) { big = calloc(1, 1 << 20); }

static int store_at_gate(void *c) {
  big[70000] = c;
  return 0;
}

static void *stored(void) {
  void *c = big[70000];
  free(big);
  return c;
}
