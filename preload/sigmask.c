/* preload/sigmask.c — the program's signal masks never hold back the
 * shim's stop signal, and the program's signal waits never take it.
 *
 * Why: a scan stops the world by sending each thread the stop signal
 * (collector/world.c). A thread that blocks it cannot be stopped: its
 * stack is then read whole while it runs on, and registers it holds in a
 * system call are not read at all. Blocking every signal is common — GLib
 * creates every thread of its own (g_thread_new, GStreamer's streaming
 * threads, GIO's workers) with all signals blocked, servers block them in
 * all but one thread — so without this file every such thread missed
 * every stop. A thread that waits for "every signal" with sigwaitinfo or
 * a signalfd would even take the stop signal for one of its own.
 *
 * How (bdwgc's pthread_sigmask wrapper does the same for its suspend
 * signal): while the shim's stop handler is the one installed, the
 * interposers below remove the stop signal from every set the program
 * blocks — sigprocmask, pthread_sigmask, the mask a thread starts with
 * (pthread_attr_setsigmask_np), the temporary masks of the waits that
 * preload/waits.c resumes (sigsuspend, ppoll, pselect, epoll_pwait) — and
 * from the sets it waits on (sigwait, sigwaitinfo, sigtimedwait, signalfd);
 * signals.c's sigaction does the same for the mask a handler runs with.
 * A mask inherited across exec (posix_spawnattr_setsigmask, a parent's
 * mask) is undone at start (lg_sigmask_init). The stop handler does
 * nothing the program can see: it parks the thread until the scan lets it
 * go, and a wait it interrupted is resumed (waits.c, and sigtimedwait
 * below), so the program's own signals are still held back and waited for
 * exactly as it asked.
 *
 * What the program reads back: each thread remembers whether the program
 * asked for the stop signal to be blocked, and the old masks the calls
 * return say so, so a program that saves and restores its mask, or checks
 * it, sees what it set. (A new thread starts believing it unblocked; only
 * a program that checks the shim's own signal number could tell.)
 *
 * The shim's own mask changes do not come here: they use lg_sys_sigmask
 * (collector/sys.c), which blocks what it is told. Calls made with the
 * raw system call (syscall(SYS_rt_sigprocmask, ...)) are not seen; such a
 * thread is handled as before (world.c gives up on it and reads its whole
 * stack). */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <time.h>

#include "shim.h"
#include "sys.h"
#include "world.h"

/* The C library's functions behind the interposers, looked up once by
 * lg_sigmask_init (from the constructor, so that a first call made in a
 * signal handler does not run dlsym there) or by the first call before
 * it. */
static struct {
  int (*pthread_sigmask)(int, const sigset_t *, sigset_t *);
  int (*sigprocmask)(int, const sigset_t *, sigset_t *);
  int (*attr_setsigmask)(pthread_attr_t *, const sigset_t *);
  int (*signalfd)(int, const sigset_t *, int);
  int (*sigwait)(const sigset_t *, int *);
  int (*sigtimedwait)(const sigset_t *, siginfo_t *, const struct timespec *);
} libc;

static void resolve(void) {
  if (__atomic_load_n(&libc.sigtimedwait, __ATOMIC_ACQUIRE)) return;
  libc.pthread_sigmask = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "pthread_sigmask");
  libc.sigprocmask = (int (*)(int, const sigset_t *, sigset_t *))dlsym(RTLD_NEXT, "sigprocmask");
  libc.attr_setsigmask =
      (int (*)(pthread_attr_t *, const sigset_t *))dlsym(RTLD_NEXT, "pthread_attr_setsigmask_np");
  libc.signalfd = (int (*)(int, const sigset_t *, int))dlsym(RTLD_NEXT, "signalfd");
  libc.sigwait = (int (*)(const sigset_t *, int *))dlsym(RTLD_NEXT, "sigwait");
  __atomic_store_n(&libc.sigtimedwait,
                   (int (*)(const sigset_t *, siginfo_t *, const struct timespec *))dlsym(RTLD_NEXT, "sigtimedwait"),
                   __ATOMIC_RELEASE);
}

/* Did the program ask this thread to block the stop signal? */
static __thread int held_back __attribute__((tls_model("initial-exec")));

/* Is the stop signal in the set, and is stripping it right (the shim's
 * handler is the installed one)? The handler check is a system call, paid
 * only by calls whose set names the stop signal. */
static int strips(const sigset_t *set) {
  return set && sigismember(set, lg_world_signal()) == 1 && lg_world_handler_ours();
}

const sigset_t *lg_sigmask_strip(const sigset_t *set, sigset_t *copy) {
  if (!strips(set)) return set;
  *copy = *set;
  sigdelset(copy, lg_world_signal());
  return copy;
}

/* What the program believes after a successful mask change `how` with
 * `set` (set may be NULL: a query). */
static void remember(int how, const sigset_t *set) {
  if (!set) return;
  int in = sigismember(set, lg_world_signal()) == 1;
  if (how == SIG_SETMASK) held_back = in;
  else if (how == SIG_BLOCK && in) held_back = 1;
  else if (how == SIG_UNBLOCK && in) held_back = 0;
}

/* The old mask as the program would have read it. */
static void as_believed(sigset_t *old, int was) {
  if (old && was) sigaddset(old, lg_world_signal());
}

/* One mask change through the C library's fn, as the interposers below
 * make it: the stop signal left out of what is blocked, the old mask as
 * the program believes it, the belief updated. */
static int change_mask(int (*fn)(int, const sigset_t *, sigset_t *), int how, const sigset_t *set,
                       sigset_t *old) {
  sigset_t copy;
  int was = held_back;
  const sigset_t *use = how == SIG_UNBLOCK ? set : lg_sigmask_strip(set, &copy);
  int rc = fn(how, use, old);
  if (rc == 0) {
    as_believed(old, was);
    remember(how, set);
  }
  return rc;
}

LG_PUBLIC int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
  resolve();
  return change_mask(libc.pthread_sigmask, how, set, old);
}

LG_PUBLIC int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
  resolve();
  return change_mask(libc.sigprocmask, how, set, old);
}

LG_PUBLIC int pthread_attr_setsigmask_np(pthread_attr_t *attr, const sigset_t *set) {
  resolve();
  sigset_t copy;
  return libc.attr_setsigmask(attr, lg_sigmask_strip(set, &copy));
}

LG_PUBLIC int signalfd(int fd, const sigset_t *mask, int flags) {
  resolve();
  sigset_t copy;
  return libc.signalfd(fd, lg_sigmask_strip(mask, &copy), flags);
}

/* sigwait loops over sigtimedwait inside the C library, so a stop that
 * interrupts it is not seen by the program. */
LG_PUBLIC int sigwait(const sigset_t *set, int *sig) {
  resolve();
  sigset_t copy;
  return libc.sigwait(lg_sigmask_strip(set, &copy), sig);
}

static int64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

/* sigtimedwait (and sigwaitinfo, tmo NULL) without the stop signal in the
 * set; an EINTR that the stop caused is resumed for the time left. */
LG_PUBLIC int sigtimedwait(const sigset_t *set, siginfo_t *info, const struct timespec *tmo) {
  resolve();
  sigset_t copy;
  const sigset_t *use = lg_sigmask_strip(set, &copy);
  int64_t deadline = tmo ? mono_ns() + (int64_t)tmo->tv_sec * 1000000000 + tmo->tv_nsec : 0;
  struct timespec left = tmo ? *tmo : (struct timespec){0, 0};
  int rc;
  lg_stop_interrupted = 0;
  while ((rc = libc.sigtimedwait(use, info, tmo ? &left : NULL)) < 0 && errno == EINTR && lg_stop_interrupted) {
    lg_stop_interrupted = 0;
    if (tmo) {
      int64_t ns = deadline - mono_ns();
      if (ns < 0) ns = 0;
      left = (struct timespec){(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
    }
  }
  return rc;
}

LG_PUBLIC int sigwaitinfo(const sigset_t *set, siginfo_t *info) { return sigtimedwait(set, info, NULL); }

void lg_sigmask_init(void) {
  resolve();
  sigset_t now, one;
  if (lg_sys_sigmask(SIG_BLOCK, NULL, &now) < 0 || sigismember(&now, lg_world_signal()) != 1) return;
  if (!lg_world_handler_ours()) return;
  sigemptyset(&one);
  sigaddset(&one, lg_world_signal());
  if (lg_sys_sigmask(SIG_UNBLOCK, &one, NULL) == 0) held_back = 1;
}
