/* A block whose only pointer is in a static TLS variable (__thread) of a
 * thread that is still alive (blocked) at exit is reachable.
 * expect: cluster_with('make_tls_kept') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static __thread void *tls_keep;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ready_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t never_cv = PTHREAD_COND_INITIALIZER;
static int ready;

static NOINLINE void *make_tls_kept(void) {
  void *p = malloc(112);
  memset(p, 9, 112);
  return p;
}

static NOINLINE void set_tls(void) { tls_keep = make_tls_kept(); }

static void *holder(void *arg) {
  (void)arg;
  set_tls();
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
  pthread_create(&t, NULL, holder, NULL);
  pthread_mutex_lock(&mu);
  while (!ready) pthread_cond_wait(&ready_cv, &mu);
  pthread_mutex_unlock(&mu);
  control_leak();
  clobber_stack();
  return 0;
}
