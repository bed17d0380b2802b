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
 * of the scope, so no early return can leave it set. */
#ifndef LG_GUARD_H
#define LG_GUARD_H

extern __thread int lg_in_shim __attribute__((tls_model("initial-exec")));

static inline void lg_guard_leave(int *g) { lg_in_shim = *g; }

/* Enters the shim for the rest of the enclosing scope. */
#define LG_GUARDED int lg_guard_saved_ __attribute__((cleanup(lg_guard_leave), unused)) = lg_in_shim++

#endif
