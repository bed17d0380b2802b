/* The concurrent mark's "stop trying" latch (concmark.h, As built) counts
 * failures in a row and lets the process try again: as in
 * conc_flood_budget, a worker holds the only pointer to a 32 MiB table
 * hidden and, at the gate after the concurrent mark ("marked") of each of
 * the first three scans, stores it where the finish reads it, so that the
 * finish passes its budget and takes the snapshot (three NOTEs). Scans 4
 * to 13 do not try (no NOTE, no gate); scan 14 tries again and, with the
 * table exposed for good (marked by the concurrent pass), finishes
 * concurrently. The report is the same every time: the one leaked block.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'scans=14 gated=4\n'
 * expect: sum("the finish's mark work passed its budget" in n for n in log_notes()) == 3
 * expect: [n.split()[1] for n in log_notes() if 'was concurrent' in n] == ['14']
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [1] * 14
 * expect: summary.definitely_lost.blocks == 1
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define NBLOCKS 32768
#define BLOCK 1024
#include "conchide.h"

static NOINLINE void leak(void) {
  char *p = malloc(48);
  memset(p, 1, 48);
}

static int go[2], back[2];

/* The worker: the first three scans' gates as in conc_flood_budget; then
 * the table exposed for good, and the gate of the scan that tries again
 * opened. */
static void *worker(void *arg) {
  int *gated = arg;
  char c = 0;
  build();
  clobber_stack_only();
  if (write(back[1], &c, 1) != 1) return NULL;
  for (int k = 0; k < 3; k++) {
    if (!conc_gate_wait("marked")) break;
    expose();
    (*gated)++;
    conc_gate_open("marked");
    if (read(go[0], &c, 1) != 1) return NULL;
    hide();
    conc_gate_close("marked");
    clobber_stack_only();
    if (write(back[1], &c, 1) != 1) return NULL;
  }
  expose();
  if (write(back[1], &c, 1) != 1) return NULL;
  if (conc_gate_wait("marked")) (*gated)++;
  conc_gate_open("marked");
  if (read(go[0], &c, 1) != 1) return NULL;
  free_hidden();
  return NULL;
}

int main(void) {
  if (pipe(go) < 0 || pipe(back) < 0) return 1;
  pthread_t t;
  int gated = 0;
  if (pthread_create(&t, NULL, worker, &gated) != 0) return 1;
  char c = 0;
  if (read(back[0], &c, 1) != 1) return 1;
  leak();
  clobber_stack();
  int scans = 0;
  for (int k = 0; k < 14; k++) {
    scans += leakgraph_scan() >= 0;
    if (k < 3 && (write(go[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)) return 1;
    if (k == 2 && read(back[0], &c, 1) != 1) return 1; /* exposed for good */
  }
  if (write(go[1], &c, 1) != 1) return 1;
  pthread_join(t, NULL);
  printf("scans=%d gated=%d\n", scans, gated);
  return 0;
}
