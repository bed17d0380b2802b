/* A page of a marked block written during the concurrent pass and then
 * made PROT_NONE before the first pre-cleaning round: the round's
 * collection protects it again (its written bit is gone) but the round
 * cannot read it (not readable in its maps), so its runs go to the finish
 * (round_once's -2). At the "cleaned"
 * gate the page is made readable again and not written any more. The
 * only pointer to B (an old block) is in that page: the finish must not
 * call B lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 */
#include <sys/mman.h>
#include "concmove2.h"

void **volatile holder; /* module data: P, a page-aligned page */

static NOINLINE void prepare(void) {
  void *p = NULL;
  if (posix_memalign(&p, 4096, 4096)) exit(2);
  memset(p, 0, 4096);
  holder = p;
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
}

static void in_mover(void) {}

static NOINLINE void move(int gated) {
  if (gated) conc_gate_wait("marked");
  holder[5] = (void *)(hidden ^ HIDE);
  hidden = 0;
  if (gated) mprotect((void *)holder, 4096, PROT_NONE);
  if (gated) conc_gate_open("marked");
  if (gated) conc_gate_wait("cleaned");
  if (gated) mprotect((void *)holder, 4096, PROT_READ | PROT_WRITE);
}

static void after_scan(void) {}

static int moved(void) { return holder[5] != NULL; }

static void cleanup(void) {
  free(holder[5]);
  free((void *)holder);
}
