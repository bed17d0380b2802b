/* A program that makes thread-specific keys until pthread_key_create
 * refuses, from the main thread and from a second thread, after both
 * allocated (each captured stacks): it gets all PTHREAD_KEYS_MAX of them,
 * as without the shim (the shim's end-of-thread work must not take one
 * of the program's keys). The blocks the threads leak are still found,
 * with their stacks.
 * run: direct
 * expect: stdout == 'keys=all\n'
 * expect: summary.definitely_lost.blocks == 2
 * expect: sorted(has_frame(c.entry, 'leak_in_thread') for c in clusters) == [False, True]
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

static NOINLINE void leak_in_main(void) { void *p = malloc(32); (void)p; }
static NOINLINE void leak_in_thread(void) { void *p = malloc(48); (void)p; }

static void *thread_main(void *arg) {
  (void)arg;
  leak_in_thread();
  return NULL;
}

int main(void) {
  leak_in_main();
  pthread_t t;
  pthread_create(&t, NULL, thread_main, NULL);
  pthread_join(t, NULL);
  int n = 0;
  pthread_key_t k;
  while (n < 100000 && pthread_key_create(&k, NULL) == 0) n++;
  clobber_stack();
  printf(n == PTHREAD_KEYS_MAX ? "keys=all\n" : "keys=%d of %d\n", n, PTHREAD_KEYS_MAX);
  return 0;
}
