/* preload/signals.c — the program's signal dispositions as it set them, and
 * the check of a process that a signal kills.
 *
 * What it is for: `prog | head -1` (SIGPIPE), `timeout`'s SIGTERM and
 * Ctrl-C end most real pipelines and services; a signal whose action is
 * the default kills the process without running its exit path, so the
 * exit scan never ran. Valgrind checks at the fatal signal; so does the
 * shim now.
 *
 * How: for every signal whose default action terminates the process
 * ("fatal" below: TERM, INT, HUP, PIPE, SEGV, ..., the real-time ones but
 * the shim's stop signal) and whose disposition at start is SIG_DFL — not
 * a handler a library installed, nor SIG_IGN inherited from the parent
 * (nohup, a shell's ignored SIGPIPE) — the shim installs its own handler.
 * The dispositions the program sets from then on go through the
 * interposers below (sigaction and every libc function that sets one
 * without calling sigaction through the PLT: signal, bsd_signal, ssignal,
 * sysv_signal, sigset, sigignore, siginterrupt), which keep a shadow of
 * what the program set:
 *   - a handler or SIG_IGN is installed for real: the program's takes over;
 *   - SIG_DFL puts (or keeps) the shim's handler in place;
 *   - the old action reported is always the shadow's, so the program sees
 *     exactly what it would without the shim.
 * For SIG_DFL the shadow holds what the kernel would have stored (mask
 * without KILL and STOP, unknown flag bits cleared, glibc's restorer), so
 * it is computed rather than installed: the kernel never holds the real
 * default for a moment in which another thread's signal would kill the
 * process unchecked. The scan signal (trigger.c) is one more shadowed
 * signal while the shim holds it.
 *
 * The handler, in the thread the signal chose:
 *   - not tracing, or not the traced process (a vfork child): the default
 *     action, at once;
 *   - the thread was inside the shim (it may hold a shim lock or be inside
 *     the real malloc): a fault there (or a trap: see is_synchronous) is
 *     left to the default action (the
 *     heap may be what is broken; no scan), any other signal is deferred:
 *     the guard's exit (guard.h) runs the check when the thread leaves the
 *     shim;
 *   - else the exit scan runs here, with the interrupted registers and
 *     stack pointer (below it, the red zone) as the thread's own roots,
 *     END records how=signal, status=the signal; a thread that finds
 *     another already ending the process waits until END is written.
 * Then the disposition becomes SIG_DFL for real and the signal ends the
 * process as it would have: a fault (SEGV, BUS, FPE, ILL from the kernel)
 * by returning, so the instruction faults again — the core dump is the
 * original one; any other signal by queueing it again for this thread
 * while it is blocked, so it is delivered the moment the handler returns,
 * in the interrupted context. The parent sees the same wait status.
 * SIGKILL cannot be caught: the scans before it are what the report has.
 *
 * The handler blocks the other fatal asynchronous signals while it runs,
 * never the shim's stop signal (a scan's world stop must still reach this
 * thread), and unblocks SEGV and BUS during the scan so that the scan's
 * own fault guard (scan.c) works. It uses only async-signal-safe calls and
 * shim locks this thread cannot hold. */
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "concmark.h"
#include "format.h"
#include "guard.h"
#include "lock.h"
#include "shim.h"
#include "sys.h"
#include "world.h"

#define LG_SA_RESTORER 0x04000000
/* The flag bits the kernel keeps (its UAPI_SA_FLAGS on x86_64). */
#define KERNEL_FLAGS (SA_NOCLDSTOP | SA_NOCLDWAIT | SA_SIGINFO | SA_ONSTACK | SA_RESTART | \
                      SA_NODEFER | SA_RESETHAND | 0x00000800 /* SA_EXPOSE_TAGBITS */ | LG_SA_RESTORER)
#define MAXSIG 65

enum role { ROLE_PROGRAM = 0, ROLE_FATAL, ROLE_SCAN };

typedef struct slot {
  struct sigaction act; /* what the program set, as sigaction reports it */
  int role;             /* who has the kernel's disposition */
  int intr;             /* siginterrupt(sig, 1) was called */
} slot_t;

static slot_t slots[MAXSIG];
static lg_lock_t lock = LG_LOCK_INIT;
static int ready;                /* the shadow is in use */
static void (*glibc_restorer)(void);
static sigset_t fatal_async;     /* blocked while the handler runs */

__thread int lg_fatal_pending __attribute__((tls_model("initial-exec")));

static void on_fatal(int sig, siginfo_t *si, void *uc);
static void resolve_libc(void);

/* ---- which signals --------------------------------------------------------- */

/* Does the default action of `s` terminate the process? */
static int fatal_by_default(int s) {
  switch (s) {
  case SIGHUP: case SIGINT: case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT:
  case SIGBUS: case SIGFPE: case SIGUSR1: case SIGSEGV: case SIGUSR2: case SIGPIPE:
  case SIGALRM: case SIGTERM: case SIGSTKFLT: case SIGXCPU: case SIGXFSZ:
  case SIGVTALRM: case SIGPROF: case SIGIO: case SIGPWR: case SIGSYS:
    return 1;
  }
  return s >= SIGRTMIN && s <= SIGRTMAX && s != lg_world_signal();
}

/* A fault the kernel raised for an instruction: returning from the handler
 * runs the instruction again. */
static int is_fault(int sig, const siginfo_t *si) {
  return (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE || sig == SIGILL) && si && si->si_code > 0;
}

/* A signal this thread's own instruction raised: a fault, a trap (int3,
 * a breakpoint a library's assertion hits: SIGTRAP) or a refused system
 * call (SIGSYS). Deferring it to the guard's exit would let the code after
 * it run as if nothing happened, or trap again and again. */
static int is_synchronous(int sig, const siginfo_t *si) {
  return is_fault(sig, si) || sig == SIGTRAP || sig == SIGSYS || (si && si->si_code == SI_KERNEL);
}

/* Does a call for `s` go through the shadow? Only in the traced process:
 * a vfork child shares this memory but has its own dispositions. */
static int shadowed(int s) {
  return s > 0 && s < MAXSIG && __atomic_load_n(&ready, __ATOMIC_ACQUIRE) &&
         (fatal_by_default(s) || s == lg_collector_scan_signal(NULL)) && getpid() == lg_traced_pid();
}

/* SIG_DFL, whatever the flags (sa_sigaction shares the field). */
static int is_default(const struct sigaction *a) { return a->sa_handler == SIG_DFL; }

/* ---- the shim's handler, installed ------------------------------------------ */

/* Sets action a of s for real, or, while the concurrent mark's guard is
 * in place for s, into the guard's saved copy, which its end puts back. */
static int set_real(int s, const struct sigaction *a) {
  struct sigaction *guarded = lg_concmark_guard_saved(s);
  if (!guarded) return lg_sys_sigaction(s, a, NULL);
  *guarded = *a;
  return 0;
}

/* Installs the shim's handler for s for real. */
static int install_fatal(int s) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fatal;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sa.sa_mask = fatal_async;
  return set_real(s, &sa);
}

/* What the kernel would store for the program's SIG_DFL action `a`. */
static void as_kernel_stores(const struct sigaction *a, struct sigaction *out) {
  memset(out, 0, sizeof *out);
  out->sa_handler = SIG_DFL;
  memcpy(&out->sa_mask, &a->sa_mask, 8); /* the kernel's sigset is 64 bits */
  sigdelset(&out->sa_mask, SIGKILL);
  sigdelset(&out->sa_mask, SIGSTOP);
  out->sa_flags = (a->sa_flags & KERNEL_FLAGS) | LG_SA_RESTORER;
  out->sa_restorer = glibc_restorer;
}

/* ---- the shadow ------------------------------------------------------------- */

/* The action of s as the program sees it; the lock is held (and the
 * concurrent mark's guard held: its saved copy is the program's action
 * while the guard is in place, concmark.h). */
static int report(int s, struct sigaction *out) {
  struct sigaction *guarded = lg_concmark_guard_saved(s);
  if (slots[s].role == ROLE_PROGRAM && guarded) { *out = *guarded; return 0; }
  if (slots[s].role == ROLE_PROGRAM) return lg_sys_sigaction(s, NULL, out);
  out->sa_handler = slots[s].act.sa_handler;
  out->sa_flags = slots[s].act.sa_flags;
  out->sa_restorer = slots[s].act.sa_restorer;
  memcpy(&out->sa_mask, &slots[s].act.sa_mask, 8); /* as glibc copies it */
  return 0;
}

/* Applies the program's action `a` to s; the lock is held. Sets *lost when
 * the program took the scan signal. */
static int apply(int s, const struct sigaction *a, int *lost) {
  if (is_default(a)) {
    as_kernel_stores(a, &slots[s].act);
    if (slots[s].role != ROLE_PROGRAM) return 0; /* the shim's handler is in place */
    if (install_fatal(s) < 0) return -1;
    slots[s].role = ROLE_FATAL;
    return 0;
  }
  if (set_real(s, a) < 0) return -1;
  *lost = slots[s].role == ROLE_SCAN;
  slots[s].role = ROLE_PROGRAM;
  return 0;
}

/* sigaction for a shadowed signal: the lock is taken with every signal
 * blocked (a handler of this thread may call sigaction too). */
static int shadow_sigaction(int s, const struct sigaction *a, struct sigaction *old) {
  sigset_t all, saved;
  sigfillset(&all);
  lg_sys_sigmask(SIG_BLOCK, &all, &saved);
  lg_lock(&lock);
  lg_concmark_guard_hold();
  struct sigaction prev;
  int lost = 0, rc = report(s, &prev);
  if (rc == 0 && a) rc = apply(s, a, &lost);
  int err = errno;
  lg_concmark_guard_release();
  lg_unlock(&lock);
  lg_sys_sigmask(SIG_SETMASK, &saved, NULL);
  if (lost) lg_collector_scan_signal_lost(!lg_in_shim);
  if (rc == 0 && old) *old = prev;
  errno = err;
  return rc;
}

/* Takes every default-fatal signal left at SIG_DFL (see shim.h); the
 * shadow starts as the dispositions found. */
void lg_signals_init(void) {
  struct sigaction cur;
  sigemptyset(&fatal_async);
  for (int s = 1; s < MAXSIG; s++)
    if (fatal_by_default(s) && s != SIGSEGV && s != SIGBUS && s != SIGFPE && s != SIGILL && s != SIGTRAP)
      sigaddset(&fatal_async, s);
  resolve_libc();
  if (lg_sys_sigaction(lg_world_signal(), NULL, &cur) == 0) glibc_restorer = cur.sa_restorer;
  int scan = lg_collector_scan_signal(&cur);
  if (scan) { slots[scan].act = cur; slots[scan].role = ROLE_SCAN; }
  for (int s = 1; s < MAXSIG; s++) {
    if (!fatal_by_default(s) || s == scan || lg_sys_sigaction(s, NULL, &cur) < 0) continue;
    slots[s].act = cur;
    if (!(cur.sa_flags & SA_SIGINFO) && cur.sa_handler == SIG_DFL && install_fatal(s) == 0)
      slots[s].role = ROLE_FATAL;
  }
  __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
}

/* Gives the program's dispositions back for real (see shim.h). */
void lg_signals_release(void) {
  __atomic_store_n(&ready, 0, __ATOMIC_RELEASE);
  lg_lock_reset(&lock);
  for (int s = 1; s < MAXSIG; s++)
    if (slots[s].role != ROLE_PROGRAM) {
      lg_sys_sigaction(s, &slots[s].act, NULL);
      slots[s].role = ROLE_PROGRAM;
    }
}

void lg_signals_fork_child(void) { lg_lock_reset(&lock); }

/* ---- dying ------------------------------------------------------------------- */

/* Lets `sig` end the process with its default action (see the top). In a
 * handler (`in_handler`) the signal is queued again, blocked, and is
 * delivered when the handler returns; after a deferral, at once. */
static void die(int sig, const siginfo_t *si, int in_handler) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  lg_sys_sigaction(sig, &dfl, NULL);
  if (in_handler && is_fault(sig, si)) return;
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  lg_sys_sigmask(in_handler ? SIG_BLOCK : SIG_UNBLOCK, &one, NULL);
  syscall(SYS_tgkill, getpid(), lg_gettid(), sig);
}

/* The exit scan at signal `sig`, from `self`; SEGV and BUS are unblocked
 * meanwhile so that a fault while reading reaches the scan's guard. */
static void check_at_signal(int sig, const lg_self_t *self) {
  sigset_t faults, saved;
  sigemptyset(&faults);
  sigaddset(&faults, SIGSEGV);
  sigaddset(&faults, SIGBUS);
  lg_sys_sigmask(SIG_UNBLOCK, &faults, &saved);
  lg_finish(LG_END_SIGNAL, sig, self);
  lg_sys_sigmask(SIG_SETMASK, &saved, NULL);
}

/* The shim's handler of a default-fatal signal (see the top): the check,
 * deferred or skipped as the thread's state demands, then the signal's
 * own default action. */
static void on_fatal(int sig, siginfo_t *si, void *ucv) {
  int saved = errno;
  if (!lg_on || getpid() != lg_traced_pid()) {
    die(sig, si, 1);
  } else if (lg_in_shim) {
    if (is_synchronous(sig, si)) die(sig, si, 1);
    else lg_fatal_pending = sig;
  } else {
    const ucontext_t *uc = ucv;
    lg_self_t self;
    memset(&self, 0, sizeof self);
    for (int i = 0; i < LG_SELF_NREGS && i < NGREG; i++) self.regs[i] = (uintptr_t)uc->uc_mcontext.gregs[i];
    self.sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP] - 128; /* the red zone */
    check_at_signal(sig, &self);
    die(sig, si, 1);
  }
  errno = saved;
}

/* Called by the guard's exit (guard.h) in a thread whose fatal signal was
 * deferred: the check, from this thread's live stack, then the signal. */
void lg_fatal_deferred(void) {
  int sig = lg_fatal_pending;
  lg_fatal_pending = 0;
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  /* From the stack pointer, not the frame: the hook that left the guard
   * may keep a fresh block in a callee-saved register, which this
   * function's prologue pushed below its frame. */
  __asm__ volatile("mov %%rsp, %0" : "=r"(self.sp));
  check_at_signal(sig, &self);
  die(sig, NULL, 0);
}

/* ---- the interposers ------------------------------------------------------------ */

/* The signals whose action, as the program set it, blocks the stop signal
 * while its handler runs (bit s - 1): the kernel is given the action
 * without it, so that a thread inside such a handler still stops for a
 * scan (sigmask.c keeps the stop signal out of the program's masks for
 * the same reason), and the old actions read back name it again. */
static uint64_t names_stop;

/* a without the stop signal in its mask (in *copy), or a itself. */
static const struct sigaction *without_stop(int s, const struct sigaction *a, struct sigaction *copy) {
  sigset_t m;
  if (!a || s == lg_world_signal() || lg_sigmask_strip(&a->sa_mask, &m) == &a->sa_mask) return a;
  *copy = *a;
  copy->sa_mask = m;
  return copy;
}

/* Keeps names_stop as the program set s's action (a, which succeeded) and
 * gives the old one back as it was set (`had`: it named the stop signal). */
static void as_set(int s, const struct sigaction *a, struct sigaction *old, int had) {
  uint64_t bit = 1ull << (s - 1);
  if (old && had) sigaddset(&old->sa_mask, lg_world_signal());
  if (a && sigismember(&a->sa_mask, lg_world_signal()) == 1 && s != lg_world_signal())
    __atomic_or_fetch(&names_stop, bit, __ATOMIC_RELAXED);
  else if (a)
    __atomic_and_fetch(&names_stop, ~bit, __ATOMIC_RELAXED);
}

/* s's action now has the mask signal() and its kin give it (s alone, or
 * nothing): it no longer names the stop signal. */
static void mask_set_simply(int s) {
  if (s > 0 && s < MAXSIG) __atomic_and_fetch(&names_stop, ~(1ull << (s - 1)), __ATOMIC_RELAXED);
}

/* sigaction as the program sees it: the shadow for the signals the shim
 * may hold, the C library's for every other; either way without the stop
 * signal in the handler's mask (above). */
LG_PUBLIC int sigaction(int s, const struct sigaction *a, struct sigaction *old) {
  struct sigaction copy;
  const struct sigaction *use = without_stop(s, a, &copy);
  int had = s > 0 && s < MAXSIG && (__atomic_load_n(&names_stop, __ATOMIC_RELAXED) >> (s - 1) & 1);
  int rc = shadowed(s) ? shadow_sigaction(s, use, old) : lg_sys_sigaction(s, use, old);
  if (rc == 0 && s > 0 && s < MAXSIG) as_set(s, a, old, had);
  return rc;
}

/* Sets `handler` for s with `flags` and a mask of s itself (or none) —
 * the shape of every BSD and System V call below; returns the old handler. */
static sighandler_t set_simple(int s, sighandler_t handler, int flags, int mask_self) {
  if (handler == SIG_ERR) { errno = EINVAL; return SIG_ERR; }
  struct sigaction a, old;
  memset(&a, 0, sizeof a);
  a.sa_handler = handler;
  a.sa_flags = flags;
  sigemptyset(&a.sa_mask);
  if (mask_self) sigaddset(&a.sa_mask, s);
  return shadow_sigaction(s, &a, &old) < 0 ? SIG_ERR : old.sa_handler;
}

/* signal() and its BSD names: glibc's semantics (SA_RESTART unless
 * siginterrupt asked otherwise, the signal blocked in its handler). */
static sighandler_t bsd_set(int s, sighandler_t handler) {
  return set_simple(s, handler, slots[s].intr ? 0 : SA_RESTART, 1);
}

/* The C library's own functions, for the signals the shim leaves alone:
 * looked up by lg_signals_init (or by the first call made before it), so
 * that a call from a signal handler never runs dlsym, which is not
 * async-signal-safe (signal() is). */
typedef sighandler_t (*set_fn)(int, sighandler_t);
static struct {
  set_fn signal, bsd_signal, ssignal, sysv_signal, sysv_signal2, sigset;
  int (*sigignore)(int);
  int (*siginterrupt)(int, int);
} libc;

static void *next(const char *name) { return dlsym(RTLD_NEXT, name); }

static void resolve_libc(void) {
  if (__atomic_load_n(&libc.siginterrupt, __ATOMIC_ACQUIRE)) return;
  libc.signal = (set_fn)next("signal");
  libc.bsd_signal = (set_fn)next("bsd_signal");
  libc.ssignal = (set_fn)next("ssignal");
  libc.sysv_signal = (set_fn)next("sysv_signal");
  libc.sysv_signal2 = (set_fn)next("__sysv_signal");
  libc.sigset = (set_fn)next("sigset");
  libc.sigignore = (int (*)(int))next("sigignore");
  __atomic_store_n(&libc.siginterrupt, (int (*)(int, int))next("siginterrupt"), __ATOMIC_RELEASE);
}

LG_PUBLIC sighandler_t signal(int s, sighandler_t handler) {
  mask_set_simply(s);
  if (shadowed(s)) return bsd_set(s, handler);
  resolve_libc();
  return libc.signal(s, handler);
}

LG_PUBLIC sighandler_t bsd_signal(int s, sighandler_t handler) {
  mask_set_simply(s);
  if (shadowed(s)) return bsd_set(s, handler);
  resolve_libc();
  return libc.bsd_signal(s, handler);
}

LG_PUBLIC sighandler_t ssignal(int s, sighandler_t handler) {
  mask_set_simply(s);
  if (shadowed(s)) return bsd_set(s, handler);
  resolve_libc();
  return libc.ssignal(s, handler);
}

/* System V's signal: a one-shot handler, not blocked while it runs. */
LG_PUBLIC sighandler_t sysv_signal(int s, sighandler_t handler) {
  mask_set_simply(s);
  if (shadowed(s)) return set_simple(s, handler, SA_RESETHAND | SA_NODEFER, 0);
  resolve_libc();
  return libc.sysv_signal(s, handler);
}

LG_PUBLIC sighandler_t __sysv_signal(int s, sighandler_t handler) {
  mask_set_simply(s);
  if (shadowed(s)) return set_simple(s, handler, SA_RESETHAND | SA_NODEFER, 0);
  resolve_libc();
  return libc.sysv_signal2(s, handler);
}

LG_PUBLIC int sigignore(int s) {
  mask_set_simply(s);
  if (shadowed(s)) return set_simple(s, SIG_IGN, 0, 0) == SIG_ERR ? -1 : 0;
  resolve_libc();
  return libc.sigignore(s);
}

/* System V's sigset: SIG_HOLD blocks the signal, anything else sets the
 * disposition and unblocks it; the old disposition is SIG_HOLD when the
 * signal was blocked. */
LG_PUBLIC sighandler_t sigset(int s, sighandler_t disp) {
  if (disp != SIG_HOLD) mask_set_simply(s);
  if (!shadowed(s)) {
    resolve_libc();
    return libc.sigset(s, disp);
  }
  sigset_t one, was;
  sigemptyset(&one);
  sigaddset(&one, s);
  struct sigaction old;
  if (disp == SIG_HOLD) {
    if (sigprocmask(SIG_BLOCK, &one, &was) < 0 || shadow_sigaction(s, NULL, &old) < 0) return SIG_ERR;
    return sigismember(&was, s) ? SIG_HOLD : old.sa_handler;
  }
  sighandler_t prev = set_simple(s, disp, 0, 0);
  if (prev == SIG_ERR || sigprocmask(SIG_UNBLOCK, &one, &was) < 0) return SIG_ERR;
  return sigismember(&was, s) ? SIG_HOLD : prev;
}

LG_PUBLIC int siginterrupt(int s, int flag) {
  if (!shadowed(s)) {
    resolve_libc();
    return libc.siginterrupt(s, flag);
  }
  struct sigaction a;
  if (shadow_sigaction(s, NULL, &a) < 0) return -1;
  slots[s].intr = flag != 0;
  if (flag) a.sa_flags &= ~SA_RESTART;
  else a.sa_flags |= SA_RESTART;
  return shadow_sigaction(s, &a, NULL);
}
