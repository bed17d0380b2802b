/* Threads that block every signal with pthread_sigmask (as GLib does for
 * each thread it creates, and many servers for all but one) are still
 * stopped by every scan: the shim keeps its stop signal out of the masks
 * the program sets (preload/sigmask.c). Thread "sleeper" blocks all and
 * sleeps in 20 ms nanosleeps holding the only pointer to a 72-byte block
 * in a local; thread "waiter" blocks all and waits in sigwaitinfo on every
 * signal. main leaks a 40-byte control block and calls leakgraph_scan()
 * three times. Every scan stops every thread (no "did not stop" note, no
 * conservative scan); the program sees its masks as it set them (the old
 * masks read back name every signal it blocked, the stop signal included;
 * a SETMASK round trip restores them); no nanosleep returns EINTR; the
 * waiter receives only the SIGUSR1 main sends it at the end, never the
 * stop signal. The program exits while the sleeper sleeps on.
 * run: direct
 * timeout: 60
 * expect: stdout == 'view=1 roundtrip=1 eintr=0 got=10 other=0\n'
 * expect: processes[0].complete and processes[0].scans == 4
 * expect: not any('did not stop' in n for n in processes[0].notes)
 * expect: not any(s.conservative for s in log_scans())
 * expect: cluster_with('control_leak') is not None
 * expect: cluster_with('held_by_masked') is None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "leakgraph.h"
#include "testutil.h"

static atomic_int ready, view = 1, eintr, got, other;

static NOINLINE void *held_by_masked(void) {
  void *p = malloc(72);
  memset(p, 7, 72);
  return p;
}

/* Blocks every signal; checks the old mask read back names them all. */
static void block_all(void) {
  sigset_t all, now;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, NULL);
  pthread_sigmask(SIG_BLOCK, NULL, &now);
  if (!sigismember(&now, SIGRTMAX - 2) || !sigismember(&now, SIGUSR1) || !sigismember(&now, SIGTERM))
    atomic_store(&view, 0);
}

static void *sleeper(void *arg) {
  (void)arg;
  block_all();
  void *volatile held = held_by_masked(); /* only here, on this stack */
  atomic_fetch_add(&ready, 1);
  for (;;) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    if (nanosleep(&ts, NULL) < 0 && errno == EINTR) atomic_fetch_add(&eintr, 1);
    sink(held);
  }
  return NULL;
}

static void *waiter(void *arg) {
  (void)arg;
  block_all();
  atomic_fetch_add(&ready, 1);
  sigset_t all;
  sigfillset(&all);
  for (;;) {
    siginfo_t si;
    int s = sigwaitinfo(&all, &si);
    if (s == SIGUSR1) { atomic_store(&got, s); return NULL; }
    if (s > 0) atomic_fetch_add(&other, 1);
  }
}

static NOINLINE void control_leak(void) {
  void *p = malloc(40);
  memset(p, 1, 40);
  sink(p);
}

/* A SETMASK round trip in main: every signal blocked, then the old mask
 * back; the mask read after equals the one before. */
static int roundtrip(void) {
  sigset_t all, before, saved, after;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, NULL, &before);
  pthread_sigmask(SIG_SETMASK, &all, &saved);
  pthread_sigmask(SIG_SETMASK, &saved, NULL);
  pthread_sigmask(SIG_BLOCK, NULL, &after);
  for (int s = 1; s < SIGRTMAX; s++)
    if (s != 32 && s != 33 && sigismember(&before, s) != sigismember(&after, s)) return 0;
  return 1;
}

int main(void) {
  pthread_t ts, tw;
  pthread_create(&ts, NULL, sleeper, NULL);
  pthread_create(&tw, NULL, waiter, NULL);
  while (atomic_load(&ready) < 2) sched_yield();
  control_leak();
  clobber_stack();
  for (int i = 0; i < 3; i++) leakgraph_scan();
  int rt = roundtrip();
  pthread_kill(tw, SIGUSR1);
  pthread_join(tw, NULL);
  printf("view=%d roundtrip=%d eintr=%d got=%d other=%d\n", atomic_load(&view), rt, atomic_load(&eintr),
         atomic_load(&got), atomic_load(&other));
  fflush(stdout);
  exit(0); /* the sleeper still sleeps, holding its block */
}
