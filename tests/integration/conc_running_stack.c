/* The concurrent mark (concurrent=1) reads running threads' stacks: the
 * live data (a 32 MiB table of 32768 blocks) hangs off the stack of a
 * worker that keeps running (it sums the table in a loop, never blocking)
 * while main scans four times. The concurrent pass reads the worker's
 * stack as it is (from where its last allocation stood at the first
 * scan, which no stop preceded; from the stack pointer of the last stop
 * later), so the table is marked
 * before the stop and the finish's flood stays under its budget: every
 * scan is concurrent, none falls back to the snapshot, and each reports
 * the one leaked block and nothing of the table (a finish that flooded
 * the table would pass its 8 MiB budget: conc_flood_budget).
 * run: direct
 * options: concurrent=1:min_age=0
 * expect: stdout == 'scans=4\n'
 * expect: sum('was concurrent' in n for n in log_notes()) == 4
 * expect: sum("1 running threads' stacks read concurrently" in n for n in log_notes()) == 4
 * expect: not any('could not mark concurrently' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [1, 1, 1, 1]
 * expect: [s.totals.definitely_lost.bytes for s in log_scans() if s.kind == 'api'] == [48, 48, 48, 48]
 * expect: summary.definitely_lost.blocks == 1
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

#define NBLOCKS 32768
#define BLOCK 1024

static NOINLINE void leak(void) {
  char *p = malloc(48);
  memset(p, 1, 48);
}

/* The table and its blocks: reachable only from the caller's stack. */
static NOINLINE void **build(void) {
  void **t = calloc(NBLOCKS, sizeof *t);
  for (size_t i = 0; t && i < NBLOCKS; i++) {
    t[i] = malloc(BLOCK);
    if (t[i]) memset(t[i], 2, BLOCK);
  }
  return t;
}

static volatile int stop, running;
static volatile unsigned long sum;

/* The worker: holds the table on its stack and reads it until main says
 * stop, never blocking. */
static void *worker(void *arg) {
  (void)arg;
  void **volatile table = build();
  if (!table) return NULL;
  running = 1;
  for (size_t i = 0; !stop; i = (i + 1) % NBLOCKS) sum += ((unsigned char *)table[i])[i % BLOCK];
  for (size_t i = 0; i < NBLOCKS; i++) free(table[i]);
  free(table);
  return NULL;
}

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
  while (!running) usleep(1000);
  leak();
  clobber_stack();
  int scans = 0;
  for (int k = 0; k < 4; k++) scans += leakgraph_scan() >= 0;
  printf("scans=%d\n", scans);
  stop = 1;
  pthread_join(t, NULL);
  return 0;
}
