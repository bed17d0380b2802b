/* collector/trigger.c — what starts scans while the program runs: the
 * `interval` timer and the `scan_signal` signal, both served by one thread
 * of the shim's own (the scanner), so that no scan ever runs inside a
 * signal handler or on a thread of the program's. The signal handler only
 * counts a request and wakes the scanner through a futex (async-signal-
 * safe, errno preserved). The scanner blocks every signal, so the program's
 * signals are never delivered to it; it holds no pointer of the program's
 * and is neither stopped nor scanned. Scans from the API run on the
 * caller's thread instead (collector.c); all scans are serialised there.
 *
 * The allocation triggers (trigger.h) wake the same thread through the
 * same futex word: `requests` counts every wake-up, `signals` those of the
 * scan signal, so the scanner knows which kind of scan to run.
 *
 * The scan signal is the program's first: it is taken at start only when
 * its disposition is the default (not a handler a library constructor
 * installed, nor SIG_IGN inherited from the parent); when the program
 * later installs its own action (preload/signals.c sees it), the
 * program's wins and signal scans are off, said once in the log and on
 * stderr; a forked child keeps whatever was installed and never takes the
 * signal again. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector.h"
#include "format.h"
#include "logwriter.h"
#include "scanstate.h"
#include "sys.h"
#include "trigger.h"

static uint32_t requests;   /* bumped by the scan signal and the allocation triggers */
static uint32_t signals;    /* bumped by the scan signal */
int lg_trigger_counting;    /* an allocation trigger is on */
__thread lg_alloc_batch_t lg_trigger_batch;
static uint64_t every_blocks, every_bytes; /* the thresholds; 0 off */
static uint64_t alloc_blocks, alloc_bytes; /* counted since the last scan */
static int alloc_woke;                     /* a wake-up is pending for them */
static int stopping;
static double interval;
static int scan_signal;            /* the signal while scans are taken on it, else 0 */
static struct sigaction found;     /* its action before the shim took it */

static void on_scan_signal(int sig) {
  (void)sig;
  int saved = errno;
  __atomic_add_fetch(&signals, 1, __ATOMIC_ACQ_REL);
  __atomic_add_fetch(&requests, 1, __ATOMIC_ACQ_REL);
  syscall(SYS_futex, &requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  errno = saved;
}

void lg_trigger_add_batch(void) {
  lg_alloc_batch_t *b = &lg_trigger_batch;
  uint64_t blocks = __atomic_add_fetch(&alloc_blocks, b->blocks, __ATOMIC_RELAXED);
  uint64_t bytes = __atomic_add_fetch(&alloc_bytes, b->bytes, __ATOMIC_RELAXED);
  b->blocks = b->bytes = 0;
  if (!((every_blocks && blocks >= every_blocks) || (every_bytes && bytes >= every_bytes))) return;
  if (__atomic_exchange_n(&alloc_woke, 1, __ATOMIC_ACQ_REL)) return;
  int saved = errno;
  __atomic_add_fetch(&requests, 1, __ATOMIC_ACQ_REL);
  syscall(SYS_futex, &requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  errno = saved;
}

void lg_trigger_scan_begins(void) {
  __atomic_store_n(&alloc_blocks, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&alloc_bytes, 0, __ATOMIC_RELAXED);
  __atomic_store_n(&alloc_woke, 0, __ATOMIC_RELEASE);
}

/* Waits for a request or the interval; returns the scan kind to run. */
static int wait_for_work(uint32_t *seen, uint32_t *seen_signals) {
  struct timespec ts, *tp = NULL;
  if (interval > 0) {
    ts.tv_sec = (time_t)interval;
    ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
    tp = &ts;
  }
  uint32_t now = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  if (now == *seen)
    syscall(SYS_futex, &requests, FUTEX_WAIT_PRIVATE, *seen, tp, NULL, 0);
  *seen = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  uint32_t sig = __atomic_load_n(&signals, __ATOMIC_ACQUIRE);
  int kind = sig != *seen_signals ? LG_SCAN_SIGNAL : LG_SCAN_PERIODIC;
  *seen_signals = sig;
  return kind;
}

static void *scanner_main(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  lg_sys_sigmask(SIG_BLOCK, &all, NULL);
  lg_scanner_tid_set(lg_gettid());
  uint32_t seen = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  uint32_t seen_signals = __atomic_load_n(&signals, __ATOMIC_ACQUIRE);
  lg_self_t self;
  memset(&self, 0, sizeof self);
  self.foreign = 1;
  while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
    int kind = wait_for_work(&seen, &seen_signals);
    if (__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) break;
    lg_collector_scan(kind, &self);
  }
  return NULL;
}

/* Starts the scanner thread (detached, small stack). */
static int start_thread(void) {
  pthread_attr_t a;
  pthread_t t;
  pthread_attr_init(&a);
  pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&a, 512 << 10);
  int rc = pthread_create(&t, &a, scanner_main, NULL);
  pthread_attr_destroy(&a);
  return rc ? -1 : 0;
}

/* Says once, in the log and on stderr, that signal scans are off. */
static void say_off(int sig, const char *why, int can_log) {
  char msg[200];
  lg_fmt(msg, sizeof msg, "scan_signal %d: %s; signal scans are off", sig, why);
  lg_warn("%s", msg);
  if (!can_log) return;
  lg_log_lock();
  lg_note_locked(LG_NOTE_WARNING, msg);
  lg_log_flush();
  lg_log_unlock();
}

/* Takes signal `sig` for scans if its disposition is the default. */
static void take_signal(int sig) {
  struct sigaction cur, sa;
  if (lg_sys_sigaction(sig, NULL, &cur) < 0) { say_off(sig, "cannot read its disposition", 1); return; }
  if ((cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL) {
    say_off(sig, cur.sa_handler == SIG_IGN ? "the process ignores it (inherited)" : "the program handles it", 1);
    return;
  }
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_scan_signal;
  sa.sa_flags = SA_RESTART;
  sigemptyset(&sa.sa_mask);
  if (lg_sys_sigaction(sig, &sa, NULL) < 0) { say_off(sig, "cannot install the handler", 1); return; }
  found = cur;
  __atomic_store_n(&scan_signal, sig, __ATOMIC_RELEASE);
}

int lg_collector_scan_signal(struct sigaction *was) {
  int sig = __atomic_load_n(&scan_signal, __ATOMIC_ACQUIRE);
  if (sig && was) *was = found;
  return sig;
}

void lg_collector_scan_signal_lost(int can_log) {
  int sig = __atomic_exchange_n(&scan_signal, 0, __ATOMIC_ACQ_REL);
  if (sig) say_off(sig, "the program installed its own action for it", can_log);
}

int lg_trigger_start(const lg_options_t *o, int fresh) {
  interval = o->interval;
  every_blocks = (uint64_t)o->scan_blocks;
  every_bytes = (uint64_t)o->scan_bytes;
  lg_trigger_scan_begins();
  __atomic_store_n(&lg_trigger_counting, every_blocks || every_bytes, __ATOMIC_RELEASE);
  stopping = 0;
  lg_scanner_tid_set(0);
  if (fresh && o->scan_signal) take_signal(o->scan_signal);
  if (interval <= 0 && !lg_collector_scan_signal(NULL) && !lg_trigger_counting) return 0;
  if (start_thread() < 0) {
    lg_warn("cannot start the scanner thread; no periodic or signalled scans");
    return -1;
  }
  /* Wait (briefly) until the thread knows its id, so the first scan of any
   * kind can leave it alone. */
  for (int i = 0; i < 2000 && !lg_scanner_tid(); i++) {
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
  }
  return 0;
}

void lg_trigger_stop(void) {
  __atomic_store_n(&lg_trigger_counting, 0, __ATOMIC_RELEASE);
  __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
  __atomic_add_fetch(&requests, 1, __ATOMIC_ACQ_REL);
  syscall(SYS_futex, &requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
