/* collector/trigger.c — what starts scans while the program runs: the
 * `interval` timer and the `scan_signal` signal, both served by one thread
 * of the shim's own (the scanner), so that no scan ever runs inside a
 * signal handler or on a thread of the program's. The signal handler only
 * counts a request and wakes the scanner through a futex (async-signal-
 * safe, errno preserved). The scanner blocks every signal, so the program's
 * signals are never delivered to it; it holds no pointer of the program's
 * and is neither stopped nor scanned. Scans from the API run on the
 * caller's thread instead (collector.c); all scans are serialised there. */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "collector_internal.h"
#include "format.h"
#include "sys.h"

static uint32_t requests;   /* bumped by the scan signal */
static int stopping;
static pid_t scanner;
static double interval;
static int scan_signal;

pid_t lg_scanner_tid(void) { return __atomic_load_n(&scanner, __ATOMIC_ACQUIRE); }

static void on_scan_signal(int sig) {
  (void)sig;
  int saved = errno;
  __atomic_add_fetch(&requests, 1, __ATOMIC_ACQ_REL);
  syscall(SYS_futex, &requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
  errno = saved;
}

/* Waits for a request or the interval; returns the scan kind to run. */
static int wait_for_work(uint32_t *seen) {
  struct timespec ts, *tp = NULL;
  if (interval > 0) {
    ts.tv_sec = (time_t)interval;
    ts.tv_nsec = (long)((interval - (double)ts.tv_sec) * 1e9);
    tp = &ts;
  }
  uint32_t now = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  if (now == *seen)
    syscall(SYS_futex, &requests, FUTEX_WAIT_PRIVATE, *seen, tp, NULL, 0);
  now = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  int kind = now != *seen ? LG_SCAN_SIGNAL : LG_SCAN_PERIODIC;
  *seen = now;
  return kind;
}

static void *scanner_main(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  __atomic_store_n(&scanner, lg_gettid(), __ATOMIC_RELEASE);
  uint32_t seen = __atomic_load_n(&requests, __ATOMIC_ACQUIRE);
  lg_self_t self;
  memset(&self, 0, sizeof self);
  self.foreign = 1;
  while (!__atomic_load_n(&stopping, __ATOMIC_ACQUIRE)) {
    int kind = wait_for_work(&seen);
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

int lg_trigger_start(const lg_options_t *o) {
  interval = o->interval;
  scan_signal = o->scan_signal;
  stopping = 0;
  __atomic_store_n(&scanner, 0, __ATOMIC_RELEASE);
  if (interval <= 0 && !scan_signal) return 0;
  if (scan_signal) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_scan_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    if (sigaction(scan_signal, &sa, NULL) < 0) lg_warn("cannot take signal %d for scans; scan_signal is off", scan_signal);
  }
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
  __atomic_store_n(&stopping, 1, __ATOMIC_RELEASE);
  __atomic_add_fetch(&requests, 1, __ATOMIC_ACQ_REL);
  syscall(SYS_futex, &requests, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}
