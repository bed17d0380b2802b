/* A periodic scan that marks concurrently (concurrent=1, interval) runs
 * on the shim's scanner thread, which blocks every signal; a read of
 * memory the program unmapped during the pass must still reach the
 * scan's fault guard (the scan then takes the snapshot), not kill the
 * program (a blocked SIGSEGV from a fault is fatal). B, a big block (its
 * own mapping), is kept only hidden (XOR-ed in a global) while the first
 * periodic scan marks concurrently, so that pass never reads it; at the
 * scan's test gate after the concurrent mark ("marked") a second thread
 * puts B's address in a global and frees B (glibc unmaps it), leaving the
 * global dangling. At the finish the roots find the dangling pointer, B is
 * in the scan's copy of the table, and reading it faults. The program
 * must run to its end (it prints ok) and the scan say it took the
 * snapshot.
 * run: direct
 * options: concurrent=1:min_age=0:interval=0.05:full_every=1
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'ok\n'
 * expect: any('could not mark concurrently (memory unmapped while it was read)' in n for n in log_notes())
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;
void *volatile dangling; /* module data: read by the roots at the finish */

static NOINLINE void make_b(void) {
  hidden = (uintptr_t)malloc(4 << 20) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 1, 4 << 20);
}

static NOINLINE void free_b(void) {
  dangling = (void *)(hidden ^ HIDE);
  hidden = 0;
  free(dangling);
}

static void *mover(void *arg) {
  (void)arg;
  if (conc_gate_wait("marked")) free_b();
  conc_gate_open("marked");
  return NULL;
}

int main(void) {
  make_b();
  int active = leakgraph_active();
  pthread_t t;
  if (active) {
    pthread_create(&t, NULL, mover, NULL);
    pthread_join(t, NULL);
    if (wait_for_scans(2) < 0) return 2;
  } else {
    free_b();
  }
  printf("ok\n");
  return 0;
}
