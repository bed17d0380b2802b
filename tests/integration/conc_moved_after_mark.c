/* The concurrent mark (concurrent=1) and a pointer moved into a heap
 * block after the concurrent pass has read it (concmove.h's shape): the
 * only pointer to a block C is hidden (XOR-ed in a global: the concurrent
 * pass never reaches C); at the scan's test gate after the concurrent
 * mark ("marked") a second thread stores it into block B (reachable from
 * a global, read already), erases the hidden copy, and waits in read(2)
 * while a third thread opens the gate (so no register of a stopped
 * thread holds C). The finish, with the world stopped, reads again the marked
 * blocks on written pages (B's) and finds C. A finish that did not would
 * call C lost (64 bytes).
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

void **volatile a, **volatile b; /* module data */

static void prepare(void) {
  a = calloc(8, sizeof(void *));
  b = calloc(8, sizeof(void *));
}

static int store_at_gate(void *c) {
  b[5] = c;
  return 0;
}

static void *stored(void) {
  void *c = b[5];
  free(a);
  free(b);
  return c;
}
