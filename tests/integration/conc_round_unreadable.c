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
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;
void **volatile holder; /* module data: P, a page-aligned page */

static NOINLINE void setup(void) {
  void *p = NULL;
  if (posix_memalign(&p, 4096, 4096)) exit(2);
  memset(p, 0, 4096);
  holder = p;
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
}

static NOINLINE void move(int gated) {
  if (gated) conc_gate_wait("marked");
  holder[5] = (void *)(hidden ^ HIDE);
  hidden = 0;
  if (gated) mprotect((void *)holder, 4096, PROT_NONE);
  if (gated) conc_gate_open("marked");
  if (gated) conc_gate_wait("cleaned");
  if (gated) mprotect((void *)holder, 4096, PROT_READ | PROT_WRITE);
}

static int ready_pipe[2], moved_pipe[2], done_pipe[2];

static void *mover(void *arg) {
  (void)arg;
  char c = 0;
  clobber_stack_only();
  if (write(ready_pipe[1], &c, 1) != 1) return NULL;
  move(1);
  clobber_stack_only();
  if (write(moved_pipe[1], &c, 1) != 1 || read(done_pipe[0], &c, 1) != 1) return NULL;
  return NULL;
}

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
  setup();
  clobber_stack();
  if (active) {
    pthread_create(&t, NULL, mover, NULL);
    pthread_create(&o, NULL, opener, NULL);
    if (read(ready_pipe[0], &c, 1) != 1) return 1;
  } else move(0);
  clobber_stack();
  long lost = active ? leakgraph_scan() : 0;
  if (active) {
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  }
  printf("moved=%d lost=%ld\n", holder[5] != NULL, lost);
  free(holder[5]);
  free((void *)holder);
  return 0;
}
