/* A thread blocks every signal with the raw rt_sigprocmask system call
 * (which the shim's interposers of pthread_sigmask and sigprocmask do not
 * see: preload/sigmask.c), so the shim's stop signal cannot stop it, and then sleeps in nanosleep holding the only pointer to
 * a 72-byte block in a local. main leaks a 40-byte control block and calls
 * leakgraph_scan(): the scan gives up on the blocked thread and completes
 * promptly (well under 2 s), writing a note that the thread did not stop;
 * the sleeping thread's stack is scanned from its system-call stack pointer,
 * so its block is not reported lost and the scan returns exactly the 40
 * bytes of the control leak. The program exits 0 while the thread sleeps
 * on, and its blocked signal mask was not changed.
 * run: direct
 * timeout: 20
 * expect: stdout == 'scan=40 fast=1 mask_kept=1\n'
 * expect: processes[0].complete and processes[0].scans == 2
 * expect: any('did not stop' in n for n in processes[0].notes)
 * expect: any(s.kind == 'api' and s.conservative for s in log_scans())
 * expect: cluster_with('control_leak') is not None
 * expect: cluster_with('held_by_blocked') is None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <time.h>
#include "leakgraph.h"
#include "testutil.h"

/* Blocks `set` with the raw system call, which the shim does not see. */
static void block_raw(const sigset_t *set) { syscall(SYS_rt_sigprocmask, SIG_BLOCK, set, NULL, _NSIG / 8); }

static atomic_int ready, mask_kept;

static NOINLINE void *held_by_blocked(void) {
  void *p = malloc(72);
  memset(p, 7, 72);
  return p;
}

static void *blocker(void *arg) {
  (void)arg;
  sigset_t all, now;
  sigfillset(&all);
  block_raw(&all); /* past the shim's mask interposers, as raw code does */
  void *volatile held = held_by_blocked(); /* only here, on this stack */
  atomic_store(&ready, 1);
  for (int i = 0;; i++) {
    struct timespec ts = {0, 50 * 1000 * 1000};
    nanosleep(&ts, NULL);
    pthread_sigmask(SIG_BLOCK, NULL, &now);
    atomic_store(&mask_kept, sigismember(&now, SIGRTMAX - 2) && sigismember(&now, SIGUSR1));
    sink(held);
  }
  return NULL;
}

static NOINLINE void control_leak(void) {
  void *p = malloc(40);
  memset(p, 1, 40);
  sink(p);
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, blocker, NULL);
  while (!atomic_load(&ready)) sched_yield();
  struct timespec ts = {0, 100 * 1000 * 1000}; /* the thread is asleep */
  nanosleep(&ts, NULL);
  control_leak();
  clobber_stack();
  double t0 = now();
  long lost = leakgraph_scan();
  double dt = now() - t0;
  if (!leakgraph_active()) lost = 40;
  nanosleep(&ts, NULL);
  printf("scan=%ld fast=%d mask_kept=%d\n", lost, dt < 2.0, atomic_load(&mask_kept));
  fflush(stdout);
  exit(0); /* the blocker still sleeps */
}
