/* A signal handler installed with every signal in its sa_mask (a common
 * way to write one: sigfillset(&sa.sa_mask)) runs with the mask the kernel
 * builds from it; the shim keeps its stop signal out of that mask too
 * (preload/signals.c, sigaction), so a thread that sleeps inside such a
 * handler is still stopped by every scan. Thread "worker" takes SIGUSR1,
 * whose handler holds the only pointer to a 72-byte block in a local and
 * sleeps in 20 ms nanosleeps until main is done. main leaks a 40-byte
 * control block and calls leakgraph_scan() three times. Every scan stops
 * every thread (no "did not stop" note, no conservative scan); the action
 * read back names every signal of the mask the program set, the stop
 * signal included (for SIGUSR1, whose disposition the shim shadows, and
 * SIGCHLD, whose it does not), and after signal() set a handler again its
 * mask is signal()'s own (the signal only); no nanosleep returns EINTR.
 * run: direct
 * timeout: 60
 * expect: stdout == 'mask_read_back=1 after_signal=1 eintr=0\n'
 * expect: processes[0].complete and processes[0].scans == 4
 * expect: not any('did not stop' in n for n in processes[0].notes)
 * expect: not any(s.conservative for s in log_scans())
 * expect: cluster_with('control_leak') is not None
 * expect: cluster_with('held_in_handler') is None
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

static atomic_int in_handler, done, eintr;
static void *_Atomic slot;

static NOINLINE void *held_in_handler(void) {
  void *p = malloc(72);
  memset(p, 7, 72);
  return p;
}

static void on_usr1(int sig) {
  (void)sig;
  void *volatile held = atomic_exchange(&slot, NULL); /* only here, on this stack */
  atomic_store(&in_handler, 1);
  while (!atomic_load(&done)) {
    struct timespec ts = {0, 20 * 1000 * 1000};
    if (nanosleep(&ts, NULL) < 0 && errno == EINTR) atomic_fetch_add(&eintr, 1);
    sink(held);
  }
  free(held);
}

static void *worker(void *arg) {
  (void)arg;
  atomic_store(&slot, held_in_handler());
  raise(SIGUSR1);
  while (!atomic_load(&done)) {
    struct timespec ts = {0, 5 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return NULL;
}

static NOINLINE void control_leak(void) {
  void *p = malloc(40);
  memset(p, 1, 40);
  sink(p);
}

static void on_chld(int sig) { (void)sig; }

/* Does s's action read back with every signal in its mask? */
static int mask_is_full(int s) {
  struct sigaction back;
  sigaction(s, NULL, &back);
  for (int k = 1; k < SIGRTMAX; k++)
    if (k != SIGKILL && k != SIGSTOP && k != 32 && k != 33 && sigismember(&back.sa_mask, k) != 1) return 0;
  return 1;
}

/* Does s's action read back with s alone in its mask, as signal() sets it? */
static int mask_is_own(int s) {
  struct sigaction back;
  sigaction(s, NULL, &back);
  for (int k = 1; k < SIGRTMAX; k++)
    if (k != 32 && k != 33 && sigismember(&back.sa_mask, k) != (k == s)) return 0;
  return 1;
}

int main(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sigfillset(&sa.sa_mask);
  sigaction(SIGUSR1, &sa, NULL);
  sa.sa_handler = on_chld;
  sigaction(SIGCHLD, &sa, NULL);
  int read_back = mask_is_full(SIGUSR1) && mask_is_full(SIGCHLD);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!atomic_load(&in_handler)) sched_yield();
  control_leak();
  clobber_stack();
  for (int i = 0; i < 3; i++) leakgraph_scan();
  atomic_store(&done, 1);
  pthread_join(t, NULL);
  signal(SIGUSR1, on_usr1);
  signal(SIGCHLD, on_chld);
  int after = mask_is_own(SIGUSR1) && mask_is_own(SIGCHLD);
  printf("mask_read_back=%d after_signal=%d eintr=%d\n", read_back, after, atomic_load(&eintr));
  return 0;
}
