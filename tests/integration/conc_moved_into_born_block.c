/* The concurrent mark's pre-cleaning takes the blocks born during the
 * pass (concmark.h, As built: the table's written pages are pre-cleaned
 * too) and a pointer stored into such a block after the round read it: a
 * second thread holds the only pointer to a block C hidden (XOR-ed in a
 * global); at the gate after the concurrent mark ("marked") it allocates
 * a block N (born since the table's copy, not in the scan's index) and
 * keeps it in a global; the first pre-cleaning round finds N on the
 * table's written pages and reads it whole (still empty); at the gate
 * after that round ("cleaned") the thread stores C's pointer into N and
 * erases the hidden copy, then waits in read(2) while a third thread opens
 * the gate (no register of a stopped thread holds C) and allocates
 * nothing more (N's table page is not written again, so the finish does
 * not take N whole again). N's heap page is written after the round read
 * it: the finish must read N again there, and finds C. A finish that
 * trusted the round's read of a born block would call C lost (64 bytes).
 * The NOTE says the round took N and left nothing to the finish.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n and re.search(r' [1-9][0-9]* born entries taken, 0 of them read at the finish', n) for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include "concmove2.h"

void **volatile born_block; /* module data: N */

static void prepare(void) {}

/* C, allocated by the mover before the scan (its thread's table and arena
 * then exist and hold a block of the scan's index). */
static NOINLINE void in_mover(void) {
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
}

/* Allocates N at the first gate and moves C's pointer into it at the
 * second (or at once: `gated` 0). */
static NOINLINE void move(int gated) {
  if (gated) conc_gate_wait("marked");
  born_block = calloc(8, sizeof(void *));
  if (gated) conc_gate_open("marked");
  if (gated) conc_gate_wait("cleaned");
  born_block[3] = (void *)(hidden ^ HIDE);
  hidden = 0;
}

static void after_scan(void) {}

static int moved(void) { return born_block != NULL && born_block[3] != NULL; }

static void cleanup(void) {
  free(born_block[3]);
  free(born_block);
}
