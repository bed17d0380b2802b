/* A block whose only pointer is in a register of a thread that is still
 * spinning (built with -O2, the pointer pinned in a register by an asm
 * constraint) is reachable, both in an API scan from main and at exit.
 * A control block of 40 bytes is lost, so the API scan returns 40.
 * build: -O2
 * expect: stdout == 'scan=40\n'
 * expect: cluster_with('reg_kept') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static atomic_int ready;

static NOINLINE void *reg_kept(void) {
  void *p = malloc(72);
  memset(p, 7, 72);
  return p;
}

static void *spinner(void *arg) {
  void *p = reg_kept();
  (void)arg;
  atomic_store(&ready, 1);
  for (;;) __asm__ volatile("" : "+r"(p)); /* p lives in a register only */
  return NULL;
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, spinner, NULL);
  while (!atomic_load(&ready)) sched_yield();
  control_leak();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 40; /* without the shim: same output */
  printf("scan=%ld\n", lost);
  fflush(stdout);
  exit(0); /* the spinner is still running */
}
