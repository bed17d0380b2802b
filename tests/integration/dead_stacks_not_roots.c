/* Dead stack memory is not a root, now that the program's own mappings
 * are: glibc keeps the stacks of exited threads for reuse (a joined thread
 * and a detached one here), and below a live thread's stack pointer lie
 * the dead frames of functions that returned. A thread leaves the only
 * pointer to a block in its frame and exits (joined_leak, 24 bytes, and
 * detached_leak, 32 bytes); a live thread calls a function that keeps the
 * only pointer to a block deep in its frame and returns, then waits in a
 * shallow frame (dead_frame_leak, 48 bytes). All three are definitely
 * lost, at an API scan and at exit; the live thread's current block
 * (live_kept, 56 bytes) is reachable.
 * run: direct
 * timeout: 30
 * expect: stdout == 'scan=104\n'
 * expect: [f for f in ('joined_leak', 'detached_leak', 'dead_frame_leak') if cluster_with(f) is None] == []
 * expect: cluster_with('live_kept') is None
 * expect: summary.definitely_lost.blocks == 3 and summary.definitely_lost.bytes == 104
 */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static atomic_int detached_done, live_ready, stop;

static NOINLINE void *block(size_t n) { void *p = malloc(n); memset(p, (int)n, n); return p; }
static NOINLINE void *joined_leak(void) { return block(24); }
static NOINLINE void *detached_leak(void) { return block(32); }
static NOINLINE void *dead_frame_leak(void) { return block(48); }
static NOINLINE void *live_kept(void) { return block(56); }

static void *joined(void *arg) {
  (void)arg;
  void *volatile p = joined_leak();
  sink(p);
  return NULL;
}

static void *detached(void *arg) {
  (void)arg;
  void *volatile p = detached_leak();
  sink(p);
  atomic_store(&detached_done, 1);
  return NULL;
}

/* Keeps the pointer 8 KiB down in its frame, below anything the waiting
 * frame reaches later. */
static NOINLINE void deep(void) {
  void *volatile slots[1024];
  slots[0] = dead_frame_leak();
  sink((void *)slots);
}

static void *live(void *arg) {
  (void)arg;
  deep();
  void *volatile kept = live_kept();
  atomic_store(&live_ready, 1);
  while (!atomic_load(&stop)) sleep_for(0.01);
  free(kept);
  return NULL;
}

/* The number of threads of the process (/proc/self/task). */
static int threads(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) n += e->d_name[0] != '.';
  if (d) closedir(d);
  return n;
}

int main(void) {
  pthread_t a, b, c;
  pthread_create(&a, NULL, joined, NULL);
  pthread_join(a, NULL);
  pthread_attr_t at;
  pthread_attr_init(&at);
  pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
  pthread_create(&b, &at, detached, NULL);
  pthread_create(&c, NULL, live, NULL);
  while (!atomic_load(&detached_done) || !atomic_load(&live_ready) || threads() != 2) sched_yield();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 104;
  printf("scan=%ld\n", lost);
  fflush(stdout);
  atomic_store(&stop, 1);
  pthread_join(c, NULL);
  void *volatile again = live_kept(); /* reachable at exit: held by main */
  clobber_stack();
  sink(again);
  exit(0);
}
