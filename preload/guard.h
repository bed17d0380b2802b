/* preload/guard.h — the shim's one reentrancy guard.
 *
 * Why it exists: the shim's own work inside a hook can call back into the
 * hooks — libunwind allocates on its first use, dlsym calls calloc, glibc's
 * pthread_atfork and getenv helpers may allocate, and a signal handler that
 * interrupts a hook may call malloc. Such nested calls must go straight to
 * the real functions, untracked, or the shim would recurse, deadlock on its
 * own locks, or record its own memory as the program's.
 *
 * How: a per-thread depth counter, initial-exec TLS (no allocation on first
 * access). LG_GUARDED declares a scope that is "inside the shim"; the
 * counter is restored by the compiler's cleanup attribute on every way out
 * of the scope, so no early return can leave it set, and a fatal signal
 * deferred meanwhile is acted on there. */
#ifndef LG_GUARD_H
#define LG_GUARD_H

extern __thread int lg_in_shim __attribute__((tls_model("initial-exec")));

/* A fatal signal that came while this thread was inside the shim waits
 * here (preload/signals.c); leaving the shim's outermost scope runs the
 * check it deferred and lets the signal end the process. */
extern __thread int lg_fatal_pending __attribute__((tls_model("initial-exec")));
void lg_fatal_deferred(void);

static inline void lg_guard_leave(int *g) {
  lg_in_shim = *g;
  if (__builtin_expect(lg_fatal_pending != 0, 0) && !*g) lg_fatal_deferred();
}

/* Enters the shim for the rest of the enclosing scope. */
#define LG_GUARDED int lg_guard_saved_ __attribute__((cleanup(lg_guard_leave), unused)) = lg_in_shim++

#endif
