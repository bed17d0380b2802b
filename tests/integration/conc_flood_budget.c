/* The concurrent mark (concurrent=1) when the live data appears where the
 * concurrent pass did not look: a worker holds the only pointer to a
 * 32 MiB table hidden (XOR-ed in a global) while the pass marks, and at
 * the scan's test gate after the concurrent mark ("marked") stores it in
 * a global the finish reads again, so the whole flood of the table falls
 * to the finish. Over its budget (8 MiB of blocks read, or 5 ms of CPU
 * time) the finish abandons the concurrent result and the scan takes the
 * snapshot at the same stop, with a NOTE; the report is the same (the one
 * leaked block, nothing of the table). After three such scans in a row
 * the process stops trying: the fourth scan takes the snapshot without a
 * NOTE (and without passing the gate).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'scans=4 gated=3\n'
 * expect: sum("the finish's mark work passed its budget" in n for n in log_notes()) == 3
 * expect: not any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [1, 1, 1, 1]
 * expect: [s.totals.definitely_lost.bytes for s in log_scans() if s.kind == 'api'] == [48, 48, 48, 48]
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

/* The worker: at each of the first three scans' gate, exposes the table;
 * after each scan (main says so), hides it again and closes the gate;
 * then exposes it for good for the fourth. */
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
  if (write(back[1], &c, 1) != 1 || read(go[0], &c, 1) != 1) return NULL;
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
  for (int k = 0; k < 4; k++) {
    scans += leakgraph_scan() >= 0;
    if (k < 3 && (write(go[1], &c, 1) != 1 || read(back[0], &c, 1) != 1)) return 1;
    if (k == 2 && read(back[0], &c, 1) != 1) return 1; /* exposed for the fourth */
  }
  printf("scans=%d gated=%d\n", scans, gated);
  if (write(go[1], &c, 1) != 1) return 1;
  pthread_join(t, NULL);
  return 0;
}
