/* The concurrent mark's pre-cleaning gives up on a program that allocates
 * faster than the rounds take its new blocks (concmark.c, BORN_ROUND_MAX):
 * at the gate after the concurrent mark ("marked") a second thread
 * allocates 200,000 blocks (more than the 131,072 a round takes) into a
 * list a global holds, then opens the gate. The first round meets them
 * all on the table's written pages and ends the concurrent scan: its NOTE
 * says why, and the scan takes the snapshot instead, which finds every
 * block reachable. A round that took them all would spend longer than the
 * clone; one that dropped them would call them lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'made=200000 lost=0\n'
 * expect: any('allocated faster than the pre-cleaning rounds took its new blocks' in n for n in log_notes())
 * expect: not any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define MANY 200000

void **volatile list; /* module data: the new blocks, chained */
static size_t made;

/* Allocates the blocks (at the gate, or at once: `gated` 0). */
static NOINLINE void build(int gated) {
  if (gated) conc_gate_wait("marked");
  for (size_t i = 0; i < MANY; i++) {
    void **b = malloc(32);
    b[0] = list;
    list = b;
    made++;
  }
  if (gated) conc_gate_open("marked");
}

static void *builder(void *arg) {
  (void)arg;
  build(1);
  return NULL;
}

int main(void) {
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, builder, NULL);
  long lost = active ? leakgraph_scan() : 0;
  if (active) pthread_join(t, NULL);
  else build(0);
  printf("made=%zu lost=%ld\n", made, lost);
  while (list) {
    void **next = list[0];
    free(list);
    list = next;
  }
  return 0;
}
