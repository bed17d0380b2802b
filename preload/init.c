/* preload/init.c — the shim's life cycle: the boot (options, the
 * environment checks, collector start, fork handlers) at the first
 * allocation, the constructor (what must wait until the C library and the
 * program's libraries are initialised: the scanner thread), the wrapper
 * around main that tells the exit scan where the dead part of the main
 * stack ends, and every way a process ends: exit (the destructor), _exit
 * and _Exit, abort. Each ending runs the final scan once, writes the END
 * record and, unless quiet, a one-line summary on stderr.
 *
 * Why the boot is not the constructor: the constructors of the program's
 * shared libraries run before the shim's (the loader initialises a
 * preloaded library after the libraries the program needs), and their
 * blocks would never be in the table — a leak made there would be missed,
 * and a block reachable only through one of them reported lost. So the
 * first call of any allocation hook boots the shim, once, guarded: nested
 * calls (dlsym's calloc, the collector's own needs) go straight to the
 * real functions or the bootstrap arena. That call can come before the C
 * library has set `environ` (env.c reads the options from /proc then);
 * the thread pointer and the shim's initial-exec TLS are already in place
 * (the loader installs them before it relocates anything, and uses its own
 * minimal malloc until relocation is complete). Creating a thread is not
 * safe that early: the scanner thread waits for the constructor. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "env.h"
#include "exesym.h"
#include "fastunwind.h"
#include "format.h"
#include "guard.h"
#include "rcfam.h"
#include "real.h"
#include "shim.h"
#include "sys.h"
#include "unwind.h"
#include "world.h"

/* Defined by a program that wants to turn leak checking off, or ship
 * default suppressions (LeakSanitizer's interface). */
extern int __lsan_is_turned_off(void) __attribute__((weak));
extern const char *__lsan_default_suppressions(void) __attribute__((weak));

static pid_t main_tid;
static uintptr_t main_sp;    /* frame of the main wrapper */
static int main_returned; /* the main thread's stack below main_sp is dead */
static int exit_status;
static int finished;       /* a thread has begun the process's end */
static int finish_done;    /* ... and written END */
static int final_checked;  /* __lsan_do_leak_check ran the final check */
static int (*user_main)(int, char **, char **);

static void warn_option(const char *msg) { lg_warn("%s", msg); }

static void fork_prepare(void) { if (lg_on) { lg_in_shim++; lg_collector_fork_prepare(); } }
static void fork_parent(void) { if (lg_on) { lg_collector_fork_parent(); lg_in_shim--; } }
static void fork_child(void) {
  if (!lg_on) return;
  lg_signals_fork_child();
  lg_fast_unwind_fork_child();
  lg_rc_fork_child();
  lg_collector_fork_child();
  finished = finish_done = final_checked = 0;
  lg_on = lg_collector_tracing();
  if (!lg_on) lg_signals_release();
  lg_in_shim--;
}

/* With follow_children=no, drop this library from LD_PRELOAD so that
 * programs the process execs run untraced. */
static void unfollow_exec(void) {
  char *pre = getenv("LD_PRELOAD");
  if (!pre) return;
  char *hit = strstr(pre, "libleakgraph.so");
  if (!hit) return;
  char *start = hit, *end = hit + strlen("libleakgraph.so");
  while (start > pre && start[-1] != ':' && start[-1] != ' ') start--;
  while (*end == ':' || *end == ' ') end++;
  memmove(start, end, strlen(end) + 1);
}

/* Starts tracing unless the process must not be traced: options, the
 * unwinder, the collector (table, log, stop signal), the fork handlers.
 * Runs once, inside the guard, from lg_boot. */
static void boot_tracing(void) {
  if (getauxval(AT_SECURE)) return; /* never in set-user-ID programs */
  lg_env_capture();
  lg_options_t o;
  lg_options_defaults(&o);
  lg_options_parse(&o, lg_env_options(), lg_world_signal(), warn_option);
  lg_depth = o.depth;
  lg_rc_enabled = o.refcount;
  lg_unwind_init();
  lg_world_recent_sp_from(lg_fast_unwind_recent_sp); /* the concurrent pass's hint for running threads */
  lg_threads_init();
  lg_real_usable_size = lg_real.malloc_usable_size;
  if (lg_collector_init(&o) < 0) return;
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  __atomic_store_n(&lg_on, 1, __ATOMIC_RELEASE);
}

static int boot_state; /* 0 not yet, 1 claimed by a thread */
int lg_booted;

void lg_boot(void) {
  int expect = 0;
  if (!__atomic_compare_exchange_n(&boot_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) return;
  lg_real_init();
  {
    LG_GUARDED;
    boot_tracing();
  }
  __atomic_store_n(&lg_booted, 1, __ATOMIC_RELEASE);
}

/* The constructor: boots, if no allocation did, and starts what needs an
 * initialised C library — the scanner thread, the scan signal and the
 * fatal-signal handlers (signals.c). */
static int constructed; /* lg_init ran: the loader will run lg_fini */

__attribute__((constructor(101))) static void lg_init(void) {
  lg_boot();
  constructed = 1;
  if (!lg_on) return;
  LG_GUARDED;
  if (!lg_collector_options()->follow_children) unfollow_exec();
  lg_collector_start();
  lg_signals_init();
  lg_sigmask_init();
  lg_rc_start();
}

/* Formats "1,234,567" into buf. */
static const char *commas(char *buf, size_t n, uint64_t v) {
  char tmp[32];
  size_t l = lg_fmt(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
  for (size_t i = 0; i < l && o + 2 < n; i++) {
    if (i && (l - i) % 3 == 0) buf[o++] = ',';
    buf[o++] = tmp[i];
  }
  buf[o] = 0;
  return buf;
}

static void summary(void) {
  lg_totals_t t;
  lg_collector_last_totals(&t);
  char a[32], b[32], c[32], d[32];
  lg_say("%s bytes definitely lost, %s indirectly, %s possibly, in %u clusters (%u cyclic); %s bytes still reachable",
         commas(a, sizeof a, t.bytes[LG_CAT_DEFINITE]), commas(b, sizeof b, t.bytes[LG_CAT_INDIRECT]),
         commas(c, sizeof c, t.bytes[LG_CAT_POSSIBLE]), t.clusters, t.cyclic,
         commas(d, sizeof d, t.bytes[LG_CAT_REACHABLE]));
  lg_say("log: %s (leakgraph-report prints the stacks)", lg_collector_log_path());
}

/* Leaves with `code` instead of the program's status (exitcode option):
 * the program's buffered output is flushed first, as exit would. */
static void exit_with(int code) {
  fflush(NULL);
  lg_real._exit_(code);
}

/* Finds a LeakSanitizer hook the program defines: exported (the weak
 * reference resolves) or only in its symbol table. */
static void *lsan_hook(void *weak, const char *name) {
  return weak ? weak : (void *)lg_exe_symbol(name);
}

int lg_lsan_turned_off(void) {
  static int (*fn)(void);
  static int looked;
  if (!looked) {
    fn = (int (*)(void))lsan_hook((void *)__lsan_is_turned_off, "__lsan_is_turned_off");
    looked = 1;
  }
  return fn && fn();
}

void lg_lsan_suppressions_once(void) {
  static int done;
  if (__atomic_exchange_n(&done, 1, __ATOMIC_ACQ_REL)) return;
  const char *(*fn)(void) =
      (const char *(*)(void))lsan_hook((void *)__lsan_default_suppressions, "__lsan_default_suppressions");
  if (fn) lg_collector_suppressions_text(fn());
}

/* Waits until the thread running the final check has written END: a
 * process must not end while another thread is writing its log. Only raw
 * system calls: it may run in a signal handler. */
static void wait_finished(void) {
  while (!__atomic_load_n(&finish_done, __ATOMIC_ACQUIRE)) {
    struct timespec ts = {0, 1000000};
    syscall(SYS_nanosleep, &ts, NULL);
  }
}

/* The final check: the exit scan (in process) and the summary line.
 * Returns 1 when the exitcode option is set and it found failing leaks.
 * The guard is held. */
static int final_check(const lg_self_t *self) {
  if (lg_lsan_turned_off()) return 0;
  lg_lsan_suppressions_once();
  long lost = lg_collector_scan(LG_SCAN_EXIT, self);
  const lg_options_t *o = lg_collector_options();
  if (!o->quiet) summary();
  lg_totals_t t;
  lg_collector_last_totals(&t);
  /* The report tool's default --fail-on (definite, indirect, cycle): a
   * cycle of lost blocks always holds a definitely lost block (the lowest
   * addressed of a cycle nothing else points at), so the lost blocks decide,
   * and a cycle of possibly lost blocks does not fail. */
  return o->exitcode && lost >= 0 && t.blocks[LG_CAT_DEFINITE] + t.blocks[LG_CAT_INDIRECT] > 0;
}

void lg_finish(int how, int status, const lg_self_t *self) {
  if (!lg_on || getpid() != lg_traced_pid()) return; /* a vfork child: hands off */
  if (__atomic_exchange_n(&finished, 1, __ATOMIC_ACQ_REL)) { wait_finished(); return; }
  LG_GUARDED;
  int fail = __atomic_load_n(&final_checked, __ATOMIC_ACQUIRE) ? 0 : final_check(self);
  lg_collector_end(how, status);
  __atomic_store_n(&finish_done, 1, __ATOMIC_RELEASE);
  /* A signal ends the process as it would have: its status, not ours. */
  if (fail && how != LG_END_SIGNAL) exit_with(lg_collector_options()->exitcode);
}

void lg_final_check_now(const lg_self_t *self) {
  if (!lg_on || getpid() != lg_traced_pid()) return;
  LG_GUARDED;
  lg_collector_stop_triggers();
  int fail = final_check(self);
  __atomic_store_n(&final_checked, 1, __ATOMIC_RELEASE);
  if (!fail) return;
  int code = lg_collector_options()->exitcode;
  lg_finish(LG_END_EXIT, code, self);
  exit_with(code);
}

/* Fills self for the exit scan: after main returned, the main thread's
 * stack below the main wrapper's frame is dead and is not a root. */
static void exit_self(lg_self_t *self) {
  if (main_returned && lg_gettid() == main_tid) self->sp = main_sp;
}

__attribute__((destructor)) static void lg_fini(void) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  exit_self(&self);
  lg_finish(LG_END_EXIT, exit_status, &self);
}

/* exit: the destructor checks the process, once the C library has run the
 * atexit handlers. A library constructor that exits before the shim's own
 * constructor ran gets no destructor call from the loader (only
 * initialised objects are finalised), so the check runs here. */
LG_PUBLIC void exit(int status) {
  exit_status = status;
  if (!constructed) {
    lg_self_t self = {0};
    LG_CAPTURE_SELF(&self);
    lg_finish(LG_END_EXIT, status, &self);
  }
  if (!lg_real.exit_) lg_real_init();
  lg_real.exit_(status);
}

LG_PUBLIC void _exit(int status) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  lg_finish(LG_END_UNDERSCORE_EXIT, status, &self);
  if (!lg_real._exit_) lg_real_init();
  lg_real._exit_(status);
}

/* _Exit is _exit under another name (C99's). */
LG_PUBLIC void _Exit(int status) { _exit(status); }

LG_PUBLIC void abort(void) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  lg_finish(LG_END_ABORT, 134, &self);
  if (!lg_real.abort_) lg_real_init();
  lg_real.abort_();
}

static int main_wrapper(int argc, char **argv, char **envp) {
  main_tid = lg_gettid();
  main_sp = (uintptr_t)__builtin_frame_address(0);
  int r = user_main(argc, argv, envp);
  exit_status = r;
  main_returned = 1;
  return r;
}

LG_PUBLIC int __libc_start_main(int (*main)(int, char **, char **), int argc, char **argv,
                                void (*init)(void), void (*fini)(void), void (*rtld_fini)(void),
                                void *stack_end) {
  lg_real_init();
  user_main = main;
  return lg_real.libc_start_main(main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}
