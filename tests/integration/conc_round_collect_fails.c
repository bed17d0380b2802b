/* A pre-cleaning round's collection of the brk heap's armed range fails
 * part way (a part of the range was given back and grown again: a new
 * mapping the write tracking does not know) after the kernel protected
 * again the written pages before it, and says nothing of them; the new
 * part is gone again by the finish, whose own collection then succeeds.
 * The only pointer to B is in a marked block on such a page: B must not
 * be lost (the range is counted whole at the finish: armed_t's `lost`).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned
 * expect: stdout == 'moved=1 lost=0\n'
 */
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define CUT (1 << 20)
static volatile uintptr_t hidden;
void **volatile holder;

static NOINLINE void setup(void) {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  holder = calloc(64, sizeof(void *));
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
  free(malloc(8 << 20)); /* the top chunk: 8 MiB free at the break */
}

static NOINLINE void move(int gated) {
  if (gated) conc_gate_wait("marked");
  holder[5] = (void *)(hidden ^ HIDE);
  hidden = 0;
  if (gated) { sbrk(-CUT); sbrk(CUT); } /* a new VMA inside the armed range */
  if (gated) conc_gate_open("marked");
  if (gated) conc_gate_wait("cleaned");
  if (gated) sbrk(-CUT); /* gone again before the finish */
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
    sbrk(CUT); /* glibc's top back as it believes it is */
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  }
  printf("moved=%d lost=%ld\n", holder[5] != NULL, lost);
  free(holder[5]);
  free((void *)holder);
  return 0;
}
