/* A block whose only pointer is a pthread_setspecific value of a thread
 * that is still alive (blocked) at exit is reachable.
 * expect: cluster_with('make_specific') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static pthread_key_t key;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never_cv = PTHREAD_COND_INITIALIZER;
static int ready;

static NOINLINE void *make_specific(void) {
  void *p = malloc(120);
  memset(p, 4, 120);
  return p;
}

static NOINLINE void set_specific(void) { pthread_setspecific(key, make_specific()); }

static void *holder(void *arg) {
  (void)arg;
  set_specific();
  clobber_stack();
  pthread_mutex_lock(&mu);
  ready = 1;
  pthread_cond_signal(&ready_cv);
  for (;;) pthread_cond_wait(&never_cv, &mu);
  return NULL;
}

static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  pthread_t t;
  pthread_key_create(&key, NULL);
  pthread_create(&t, NULL, holder, NULL);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&ready_cv, &mu);
  pthread_mutex_unlock(&mu);
  control_leak();
  clobber_stack();
  return 0;
}
