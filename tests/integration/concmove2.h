/* concmove2.h — the two-gate shape of concurrent-mark test (concgate.h's
 * gates at "marked", after the concurrent pass, and "cleaned", after the
 * first pre-cleaning round: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned).
 * A mover thread acts on program memory at the gates while main's
 * leakgraph_scan() stands there; when it is done it waits in read(2) and
 * a third thread opens "cleaned", so no register or stack of a stopped
 * thread holds what it moved. The pointer it moves is hidden until then
 * (XOR-ed with HIDE in `hidden`, which the mover clears). The test defines
 *   void prepare(void)    in main, before the threads (no gate yet)
 *   void in_mover(void)   in the mover thread, before it says it is ready
 *   void move(int gated)  the steps: gated 1, it waits at "marked", opens
 *                         it and waits at "cleaned" itself (concgate.h);
 *                         gated 0 (no tool), all at once in main
 *   void after_scan(void) in main after the scan, before the mover ends
 *   int moved(void)       whether the moved pointer is in place now
 *   void cleanup(void)    frees what the test made
 * and gets main(), which prints "moved=M lost=L". */
#ifndef CONCMOVE2_H
#define CONCMOVE2_H

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

static void prepare(void);
static void in_mover(void);
static void move(int gated);
static void after_scan(void);
static int moved(void);
static void cleanup(void);

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;
static int ready_pipe[2], moved_pipe[2], done_pipe[2];

static void *mover(void *arg) {
  (void)arg;
  char c = 0;
  in_mover();
  clobber_stack_only();
  if (write(ready_pipe[1], &c, 1) != 1) return NULL;
  move(1);
  clobber_stack_only();
  if (write(moved_pipe[1], &c, 1) != 1 || read(done_pipe[0], &c, 1) != 1) return NULL;
  return NULL;
}

/* Opens the second gate once the mover is done. */
static void *opener(void *arg) {
  char c;
  (void)arg;
  if (read(moved_pipe[0], &c, 1) == 1) conc_gate_open("cleaned");
  return NULL;
}

int main(void) {
  pthread_t t, o;
  char c;
  int active = leakgraph_active();
  if (pipe(ready_pipe) < 0 || pipe(moved_pipe) < 0 || pipe(done_pipe) < 0) return 1;
  prepare();
  clobber_stack();
  if (active) {
    pthread_create(&t, NULL, mover, NULL);
    pthread_create(&o, NULL, opener, NULL);
    if (read(ready_pipe[0], &c, 1) != 1) return 1;
  } else {
    in_mover();
    move(0);
  }
  clobber_stack();
  long lost = active ? leakgraph_scan() : 0;
  if (active) {
    after_scan();
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  }
  printf("moved=%d lost=%ld\n", moved(), lost);
  cleanup();
  return 0;
}

#endif
