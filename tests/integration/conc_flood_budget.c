/* The concurrent mark (concurrent=1) when the live data hangs off the
 * stack of another thread (as on churn: a table of slots held by a
 * running worker; here it waits in read(2)): the concurrent pass reads no
 * running thread's stack, so the whole flood of the 32 MiB table falls to
 * the finish. Over its budget
 * (8 MiB of blocks read, or 5 ms of CPU time) the finish abandons the concurrent result and
 * the scan takes the snapshot at the same stop, with a NOTE; the report
 * is the same (the one leaked block, nothing of the table). After three
 * such scans in a row the process stops trying: the fourth scan takes the
 * snapshot without a NOTE.
 * run: direct
 * options: concurrent=1:min_age=0
 * expect: stdout == 'scans=4\n'
 * expect: sum("the finish's mark work passed its budget" in n for n in log_notes()) == 3
 * expect: not any('was concurrent' in n for n in log_notes())
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

static int ready[2], done[2];

/* The worker: holds the table on its stack until main has scanned. */
static void *worker(void *arg) {
  (void)arg;
  void **volatile table = build();
  char c = table != NULL;
  if (write(ready[1], &c, 1) != 1 || !table) return NULL;
  while (read(done[0], &c, 1) < 0) continue;
  for (size_t i = 0; i < NBLOCKS; i++) free(table[i]);
  free(table);
  return NULL;
}

int main(void) {
  if (pipe(ready) < 0 || pipe(done) < 0) return 1;
  pthread_t t;
  if (pthread_create(&t, NULL, worker, NULL) != 0) return 1;
  char c = 0;
  if (read(ready[0], &c, 1) != 1 || !c) return 1;
  leak();
  clobber_stack();
  int scans = 0;
  for (int k = 0; k < 4; k++) scans += leakgraph_scan() >= 0;
  printf("scans=%d\n", scans);
  if (write(done[1], &c, 1) != 1) return 1;
  pthread_join(t, NULL);
  return 0;
}
