/* A thread blocks every signal with the raw rt_sigprocmask system call
 * (not seen by the shim's mask interposers, so the stop signal cannot
 * stop it) and
 * computes without a system call, holding the only pointer to a 72-byte
 * block in a local: the kernel shows no stack pointer for a running
 * thread. Its whole stack is scanned, conservatively, so the block is not
 * lost — in an API scan, and in the exit scan, which starts while the
 * thread is still busy. main leaks a 40-byte control block.
 * run: direct
 * timeout: 30
 * expect: stdout == 'scan=40\n'
 * expect: processes[0].complete and processes[0].scans == 2
 * expect: any('did not stop' in n and 'whole stack' in n for n in processes[0].notes)
 * expect: [s.conservative for s in log_scans()] == [True, True]
 * expect: cluster_with('held_by_busy') is None
 * expect: cluster_with('control_leak') is not None
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
#include "leakgraph.h"
#include "testutil.h"

/* Blocks `set` with the raw system call, which the shim does not see. */
static void block_raw(const sigset_t *set) { syscall(SYS_rt_sigprocmask, SIG_BLOCK, set, NULL, _NSIG / 8); }

static atomic_int ready;
static volatile unsigned long spins;

static NOINLINE void *held_by_busy(void) { void *p = malloc(72); memset(p, 7, 72); return p; }
static NOINLINE void control_leak(void) { void *p = malloc(40); memset(p, 1, 40); sink(p); }

static void *busy(void *arg) {
  (void)arg;
  sigset_t all;
  sigfillset(&all);
  block_raw(&all); /* past the shim's mask interposers, as raw code does */
  void *volatile held = held_by_busy(); /* only here, on this stack */
  clobber_stack_only();
  atomic_store(&ready, 1);
  for (;;) { spins++; sink(held); } /* never a system call */
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, busy, NULL);
  while (!atomic_load(&ready)) sched_yield();
  control_leak();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 40;
  printf("scan=%ld\n", lost);
  fflush(stdout);
  exit(0); /* the thread is still busy */
}
