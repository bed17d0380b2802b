/* The concurrent mark (concurrent=1) and realloc(3) moving a big block
 * during the pass (concmove.h's shape): B, a big block (its own mapping,
 * which glibc grows or moves with mremap) kept in a global, is read by the
 * concurrent pass; at the gate the program reallocates it four times
 * bigger and stores the only pointer to C in the new part. The block is a
 * new one for the scan (born during it, not in its copy of the table, in
 * a mapping made during the pass): the finish reads it whole, as a born
 * block on the table's written pages and as a mapping no indexed block
 * covers, or C is called lost.
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

static void prepare(void) {
  big = malloc(1 << 20);
  memset(big, 0, 1 << 20);
}

static int store_at_gate(void *c) {
  void **p = realloc(big, 4 << 20);
  if (!p) return -1;
  big = p;
  p[(3 << 20) / sizeof(void *)] = c;
  return 0;
}

static void *stored(void) {
  void *c = big[(3 << 20) / sizeof(void *)];
  free(big);
  return c;
}
