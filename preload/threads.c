/* preload/threads.c — the end of a thread. A thread-local destructor of
 * the C library's (__cxa_thread_atexit_impl, what C++ thread_local
 * objects use) gives the thread's unwinder state and block table back
 * when the thread ends, for the next thread to take: a program that
 * starts and ends threads all day keeps a bounded footprint. It is
 * registered when the thread first captures a stack. A pthread key would
 * do as well but takes one of the program's PTHREAD_KEYS_MAX keys: a
 * program that makes as many as it may would get one fewer.
 *
 * glibc runs a thread's thread-local destructors last registered first,
 * then the destructors of its keys. Ours is registered at the thread's
 * first allocation, so the program's thread_local destructors, registered
 * later, run before it at full speed; what the thread allocates after it
 * (a key's destructor) is still recorded, through the slow paths: the
 * libunwind fallback and the shared block table. The main thread's state
 * is never given back: glibc runs its thread-local destructors in exit(),
 * and it lasts as long as the process. */
#include <stdint.h>
#include <sys/types.h>
#include <unistd.h>

#include "collector.h"
#include "fastunwind.h"
#include "guard.h"
#include "shim.h"
#include "sys.h"

extern int __cxa_thread_atexit_impl(void (*fn)(void *), void *obj, void *dso_symbol);
extern void *__dso_handle;

static void thread_end(void *unused) {
  (void)unused;
  LG_GUARDED;
  lg_fast_unwind_thread_end();
  lg_collector_thread_end();
}

/* In a thread's first capture (inside a hook: the registration's own
 * allocation goes to the real calloc): arm the destructor for this
 * thread. */
static void thread_first_use(void) {
  if (lg_gettid() != getpid()) __cxa_thread_atexit_impl(thread_end, NULL, &__dso_handle);
}

void lg_threads_init(void) { lg_fast_unwind_on_first_use(thread_first_use); }
