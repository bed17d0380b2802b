/* collector/lock.h — the shim's one lock type: a test-and-test-and-set
 * spinlock that yields the CPU after a short spin. It never allocates and
 * never calls into libc beyond sched_yield, so it is safe in malloc hooks;
 * it is a plain int, so a forked child can reset it (see collector.c).
 * Critical sections under these locks are short and never nest except in
 * the order documented in collector.h. */
#ifndef LG_LOCK_H
#define LG_LOCK_H

#include <sched.h>

typedef struct { int v; } lg_lock_t;
#define LG_LOCK_INIT {0}

static inline void lg_lock(lg_lock_t *l) {
  for (unsigned spins = 0;; spins++) {
    if (!__atomic_load_n(&l->v, __ATOMIC_RELAXED) &&
        !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE))
      return;
    if (spins < 64)
      __builtin_ia32_pause();
    else
      sched_yield();
  }
}

static inline int lg_trylock(lg_lock_t *l) {
  return !__atomic_load_n(&l->v, __ATOMIC_RELAXED) &&
         !__atomic_exchange_n(&l->v, 1, __ATOMIC_ACQUIRE);
}

static inline void lg_unlock(lg_lock_t *l) {
  __atomic_store_n(&l->v, 0, __ATOMIC_RELEASE);
}

/* lg_lock_reset forgets any holder: only for a forked child, whose other
 * threads are gone. */
static inline void lg_lock_reset(lg_lock_t *l) { l->v = 0; }

#endif
