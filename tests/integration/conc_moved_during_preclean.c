/* The concurrent mark's pre-cleaning rounds (concmark.h, As built) and a
 * pointer moved after a round protected its page again and read it: a
 * second thread holds the only pointer to a block C hidden (XOR-ed in a
 * global: the concurrent pass never reaches C); at the gate after the
 * concurrent mark ("marked") it writes block B (reachable from a global,
 * read already), so that the first round collects B's page, protects it
 * again and reads B again; at the gate after that round ("cleaned") it
 * stores C's pointer into B and erases the hidden copy, then waits in
 * read(2) while a third thread opens the gate (no register of a stopped
 * thread holds C). The write to B's page after the round is seen by the
 * next round or the finish, which finds C. A round that protected the
 * page without its write being caught again would call C lost (64 bytes).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n and ' 0 pre-clean rounds' not in n and 'pre-clean rounds' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

/* C's address, hidden from the scan until the second gate. */
#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;

void **volatile a, **volatile b; /* module data */

static NOINLINE void place(void) {
  a = calloc(8, sizeof(void *));
  b = calloc(8, sizeof(void *));
}

/* Keeps C hidden; writes B at the first gate and moves C's pointer into
 * it at the second (or at once: `gated` 0). */
static NOINLINE void hold_and_move(int gated) {
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
  if (gated && conc_gate_wait("marked")) {
    b[4] = (void *)(uintptr_t)0x11; /* B's page written before the first round */
    conc_gate_open("marked");
  }
  if (gated) conc_gate_wait("cleaned");
  b[5] = (void *)(hidden ^ HIDE);
  hidden = 0;
}

static int moved_pipe[2], done_pipe[2];

/* Moves the pointer, then waits in read(2) until the scan is over. */
static void *mover(void *arg) {
  (void)arg;
  char c = 0;
  hold_and_move(1);
  clobber_stack_only();
  if (write(moved_pipe[1], &c, 1) != 1 || read(done_pipe[0], &c, 1) != 1) return NULL;
  return NULL;
}

/* Opens the second gate once the mover has moved the pointer. */
static void *opener(void *arg) {
  char c;
  (void)arg;
  if (read(moved_pipe[0], &c, 1) == 1) conc_gate_open("cleaned");
  return NULL;
}

int main(void) {
  place();
  clobber_stack();
  pthread_t t, o;
  int active = leakgraph_active();
  if (pipe(moved_pipe) < 0 || pipe(done_pipe) < 0) return 1;
  if (active) pthread_create(&t, NULL, mover, NULL);
  if (active) pthread_create(&o, NULL, opener, NULL);
  long lost = leakgraph_scan();
  if (active) {
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  }
  else hold_and_move(0);
  printf("moved=%d lost=%ld\n", b[5] != NULL && b[4] != NULL, active ? lost : 0);
  free(b[5]);
  free(a);
  free(b);
  return 0;
}
