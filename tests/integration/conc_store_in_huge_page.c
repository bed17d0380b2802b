/* The concurrent mark (concurrent=1) and a transparent huge page
 * (concmove.h's shape): B, a 6 MiB block kept in a global, is asked for
 * huge pages on a 2 MiB-aligned part (MADV_HUGEPAGE; the kernel may or may
 * not grant them) and touched whole before the scan; the concurrent pass
 * reads it. At the gate the program stores the only pointer to C in the
 * middle of that part: the write must count as written whether the page
 * is huge or not, or C is called lost.
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
  big = malloc(6 << 20);
  uintptr_t a = ((uintptr_t)big + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1);
  madvise((void *)a, 2 << 20, MADV_HUGEPAGE);
  memset(big, 0, 6 << 20);
}

static uintptr_t slot(void) {
  return (((uintptr_t)big + (2 << 20) - 1) & ~(uintptr_t)((2 << 20) - 1)) + (1 << 20) + 40;
}

static int store_at_gate(void *c) {
  *(void **)slot() = c;
  return 0;
}

static void *stored(void) {
  void *c = *(void **)slot();
  free(big);
  return c;
}
