/* preload/shim.h — what the preload files share: the public-symbol macro,
 * per-thread state (the guard lives in guard.h), and the record helpers the
 * hooks call after the real function returned. */
#ifndef LG_SHIM_H
#define LG_SHIM_H

#include <stddef.h>
#include <stdint.h>
#include <dlfcn.h>
#include <signal.h>

#include "collector.h"

#define LG_PUBLIC __attribute__((visibility("default")))

/* Declares real_, the next definition of function `name` (dlsym with
 * RTLD_NEXT, looked up once), for wrappers outside the malloc family. */
#define REAL(type, name)                                        \
  static __typeof__(type) real_;                                \
  if (!real_) real_ = (__typeof__(type))dlsym(RTLD_NEXT, name)

/* Between __lsan_disable and __lsan_enable, new blocks are ignored. */
extern __thread int lg_disabled __attribute__((tls_model("initial-exec")));
/* Set once the collector traces; hooks read it without a lock. */
extern int lg_on;
/* Set once lg_boot has run (tracing or not). lg_boot starts tracing, once
 * per process, from the first allocation hook or the constructor; a call
 * made while it runs (recursion, or another thread) returns at once. */
extern int lg_booted;
void lg_boot(void);
extern int lg_depth;

/* Captures the caller's stack and records a block; called by the hooks with
 * the guard held. Never inlined: the unwinder skips a fixed frame count. */
void lg_record_alloc(void *p, size_t size) __attribute__((noinline));
/* lg_record_replace records block p anew where it is (realloc in place). */
void lg_record_replace(void *p, size_t size) __attribute__((noinline));
void lg_record_realloc(lg_realloc_state_t *st, void *p, size_t size) __attribute__((noinline));

/* lg_threads_init arranges for each thread's per-thread state to be given
 * back when it ends (threads.c); once, at boot. */
void lg_threads_init(void);

/* LeakSanitizer's program-side hooks: __lsan_is_turned_off (checked before
 * every scan) and __lsan_default_suppressions (logged before the first). */
int lg_lsan_turned_off(void);
void lg_lsan_suppressions_once(void);

/* The end of the process, shared by the destructor, _exit, abort and the
 * fatal-signal handler: the final check (unless __lsan_do_leak_check ran
 * it), END, the summary; once per process — a second thread waits until
 * the first has written END. With the exitcode option and failing leaks
 * it exits with that code, except at a signal (`how` LG_END_SIGNAL). */
void lg_finish(int how, int status, const lg_self_t *self);
/* __lsan_do_leak_check: the final check now (an exit scan, in process);
 * scans while the program runs stop, and the end of the process writes
 * only END. With the exitcode option and failing leaks the process exits
 * with that code at once, like LeakSanitizer's. */
void lg_final_check_now(const lg_self_t *self);

/* The fatal-signal check (signals.c): lg_signals_init installs the shim's
 * handler for every default-fatal signal the program left at SIG_DFL and
 * starts shadowing dispositions (the constructor, after the collector's
 * scan signal); lg_signals_release gives the program's dispositions back
 * for real (a forked child that stops tracing); lg_signals_fork_child
 * resets the shadow's lock in a forked child. */
void lg_signals_init(void);

/* The program's masks and signal waits without the stop signal
 * (sigmask.c): lg_sigmask_strip gives `set` without it (in *copy) when
 * the shim's stop handler is installed and set names it, else `set`
 * itself (NULL stays NULL); lg_sigmask_init unblocks it in the first
 * thread if the process started with it blocked (a mask inherited
 * across exec). */
const sigset_t *lg_sigmask_strip(const sigset_t *set, sigset_t *copy);
void lg_sigmask_init(void);
void lg_signals_release(void);
void lg_signals_fork_child(void);

/* Fills a lg_self_t for the calling thread: its callee-saved registers and
 * the frame of the function using the macro. */
#define LG_CAPTURE_SELF(s)                                                          \
  do {                                                                              \
    __asm__ volatile("mov %%rbx, 0(%0)\n\tmov %%rbp, 8(%0)\n\tmov %%r12, 16(%0)\n\t" \
                     "mov %%r13, 24(%0)\n\tmov %%r14, 32(%0)\n\tmov %%r15, 40(%0)"  \
                     : : "r"((s)->regs) : "memory");                                \
    (s)->sp = (uintptr_t)__builtin_frame_address(0);                                \
  } while (0)

#endif
