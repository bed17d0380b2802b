/* A block whose only pointer sits on the stack of another thread, which is
 * still blocked on a condition variable when the process exits, is
 * reachable; a control block dropped by main is lost.
 * expect: cluster_with('make_on_thread_stack') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 * expect: stdout == 'ready\n'
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never_cv = PTHREAD_COND_INITIALIZER;
static int ready;

static NOINLINE void *make_on_thread_stack(void) {
  void *p = malloc(96);
  memset(p, 5, 96);
  return p;
}

static void *holder(void *arg) {
  void *volatile keep = make_on_thread_stack();
  (void)arg;
  pthread_mutex_lock(&mu);
  ready = 1;
  pthread_cond_signal(&ready_cv);
  for (;;) pthread_cond_wait(&never_cv, &mu); /* never signalled */
  return (void *)keep;
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, holder, NULL);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&ready_cv, &mu);
  pthread_mutex_unlock(&mu);
  control_leak();
  clobber_stack();
  printf("ready\n");
  return 0; /* exits while `holder` still waits */
}
