/* preload/threads.c — the end of a thread. A thread-specific key's
 * destructor gives the thread's unwinder state and block table back when
 * the thread ends, for the next thread to take: a program that starts and
 * ends threads all day keeps a bounded footprint. The key is made, and set
 * in a thread, when that thread first captures a stack.
 *
 * glibc runs the destructors of a thread's keys in rounds, in key order.
 * Ours re-arms itself in the first round, so that the destructors of the
 * program's keys, which run after ours, still allocate and free at full
 * speed; it gives the state back in the second. What the thread allocates
 * after that (a destructor of a later round) is still recorded, through
 * the slow paths: the libunwind fallback and the shared block table. */
#include <pthread.h>
#include <stdint.h>

#include "collector.h"
#include "fastunwind.h"
#include "guard.h"
#include "shim.h"

static pthread_key_t key;
static int key_state; /* 0 none, 1 being made, 2 made, 3 failed */

static void thread_end(void *v) {
  if ((uintptr_t)v == 1) {
    pthread_setspecific(key, (void *)2);
    return;
  }
  LG_GUARDED;
  lg_fast_unwind_thread_end();
  lg_collector_thread_end();
}

/* Makes the key once; 1 when it exists. */
static int key_made(void) {
  int st = __atomic_load_n(&key_state, __ATOMIC_ACQUIRE);
  if (st == 0 && __atomic_compare_exchange_n(&key_state, &st, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    st = pthread_key_create(&key, thread_end) == 0 ? 2 : 3;
    __atomic_store_n(&key_state, st, __ATOMIC_RELEASE);
  }
  while (st == 1) st = __atomic_load_n(&key_state, __ATOMIC_ACQUIRE);
  return st == 2;
}

/* In a thread's first capture: arm the destructor for this thread. */
static void thread_first_use(void) {
  if (key_made()) pthread_setspecific(key, (void *)1);
}

void lg_threads_init(void) { lg_fast_unwind_on_first_use(thread_first_use); }
