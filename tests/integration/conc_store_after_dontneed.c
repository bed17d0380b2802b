/* The concurrent mark (concurrent=1) and a page of a heap block dropped
 * with madvise(MADV_DONTNEED) during the pass (concmove.h's shape): B, a
 * big block (its own mapping) kept in a global and touched whole before
 * the scan, is read by the concurrent pass; at the gate the program drops
 * one of its pages (the kernel forgets the page's write protection with
 * it) and stores the only pointer to C there. The page comes back on the
 * write: the finish must count it written, or C is called lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <sys/mman.h>
#include "concmove.h"

static void **volatile big;

static void prepare(void) {
  big = malloc(1 << 20);
  memset(big, 0, 1 << 20);
}

static int store_at_gate(void *c) {
  uintptr_t page = ((uintptr_t)&big[4096] + 4095) & ~(uintptr_t)4095;
  if (madvise((void *)page, 4096, MADV_DONTNEED) != 0) return -1;
  ((void **)page)[3] = c;
  big[0] = (void *)page;
  return 0;
}

static void *stored(void) {
  void *c = ((void **)big[0])[3];
  free(big);
  return c;
}
