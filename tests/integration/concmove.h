/* concmove.h — one shape of concurrent-mark test (concgate.h's gate at
 * "marked", after the concurrent pass): a block C whose only pointer is
 * hidden (XOR-ed in a global, so the concurrent pass never reaches it) is
 * stored, at the gate, into program memory the pass has read already, in
 * the way the test names (store_at_gate, which the test defines: a write
 * through a path the written-page tracking must see); the hidden copy is
 * erased and the storing thread waits in read(2) while a third thread
 * opens the gate, so no register or stack of a stopped thread holds C. At
 * the scan's instant C is reachable; the test expects it not lost. The
 * test defines
 *   void prepare(void)            before the scan (no gate yet)
 *   int store_at_gate(void *c)    at the gate: 0 when C's pointer is in place
 *   void *stored(void)            after the scan: where C's pointer is now
 * and gets main(), which prints "moved=M lost=L". */
#ifndef CONCMOVE_H
#define CONCMOVE_H

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
static int store_at_gate(void *c);
static void *stored(void);

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;
static int moved_pipe[2], done_pipe[2];
static volatile int store_rc = -1;

static NOINLINE void make_c(void) {
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
}

static NOINLINE void move_c(void) {
  store_rc = store_at_gate((void *)(hidden ^ HIDE));
  hidden = 0;
}

static void *mover(void *arg) {
  char c = 0;
  (void)arg;
  if (conc_gate_wait("marked")) move_c();
  clobber_stack_only();
  if (write(moved_pipe[1], &c, 1) != 1 || read(done_pipe[0], &c, 1) != 1) return NULL;
  return NULL;
}

static void *opener(void *arg) {
  char c;
  (void)arg;
  if (read(moved_pipe[0], &c, 1) == 1) conc_gate_open("marked");
  return NULL;
}

int main(void) {
  if (pipe(moved_pipe) < 0 || pipe(done_pipe) < 0) return 1;
  prepare();
  make_c();
  clobber_stack();
  int active = leakgraph_active();
  pthread_t t, o;
  if (active) pthread_create(&t, NULL, mover, NULL);
  if (active) pthread_create(&o, NULL, opener, NULL);
  long lost = leakgraph_scan();
  if (active) {
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  } else {
    move_c();
  }
  void *c = stored();
  printf("moved=%d lost=%ld\n", store_rc == 0 && c != NULL, active ? lost : 0);
  free(c);
  return 0;
}

#endif
