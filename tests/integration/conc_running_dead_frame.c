/* The concurrent pass reads a running thread's stack from where its last
 * allocation stood when no stop has seen the thread yet and it is not
 * blocked, not from the bottom of its resident stack: a worker calls a
 * function that keeps the only pointer to a block deep in its frame
 * (dead_frame_leak, 48 bytes) and returns, allocates its current block
 * (kept_by_worker, 56 bytes) from a shallow frame, then spins without
 * blocking while main's first leakgraph_scan() runs. Read from the bottom
 * of the stack, the dead frame would keep the 48 bytes marked in this scan
 * (dead_stacks_not_roots has the same frame with a sleeping worker, whose
 * stack pointer the kernel shows; this one's it does not).
 * run: direct
 * timeout: 30
 * expect: stdout == 'scan=48\n'
 * expect: sum('was concurrent' in n for n in log_notes()) == 1
 * expect: sum("1 running threads' stacks read concurrently (0 whole)" in n for n in log_notes()) == 1
 * expect: [s.totals.definitely_lost.bytes for s in log_scans() if s.kind == 'api'] == [48]
 * expect: cluster_with('dead_frame_leak') is not None
 * expect: cluster_with('kept_by_worker') is None
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static atomic_int ready, stop;

static NOINLINE void *block(size_t n) { void *p = malloc(n); memset(p, (int)n, n); return p; }
static NOINLINE void *dead_frame_leak(void) { return block(48); }
static NOINLINE void *kept_by_worker(void) { return block(56); }

/* Keeps the pointer 8 KiB down in its frame, below the worker's later
 * frames. */
static NOINLINE void deep(void) {
  void *volatile slots[1024];
  slots[0] = dead_frame_leak();
  sink((void *)slots);
}

static void *worker(void *arg) {
  (void)arg;
  deep();
  void *volatile kept = kept_by_worker();
  atomic_store(&ready, 1);
  while (!atomic_load_explicit(&stop, memory_order_relaxed)) { /* running, never blocked */ }
  free(kept);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  while (!atomic_load(&ready)) sched_yield();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 48;
  printf("scan=%ld\n", lost);
  fflush(stdout);
  atomic_store(&stop, 1);
  pthread_join(t, NULL);
  exit(0);
}
