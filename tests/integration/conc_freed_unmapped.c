/* The concurrent mark (concurrent=1) reads a block the program frees, and
 * glibc unmaps, while the scan runs: a 1 MiB block (glibc maps it alone)
 * held by a global is marked when the scan reads the global; the scan's
 * test gate (LEAKGRAPH_TEST_CONC_GATE) then holds the concurrent pass
 * while a second thread clears the global and frees the block, so the
 * flood that follows reads unmapped memory. The scan's fault guard
 * catches its own fault, the concurrent mark gives up and the scan takes
 * the snapshot instead (its NOTE says so): no crash, and the freed block
 * is no leak. A leak made before the scan is still found.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * expect: stdout == 'freed=1 lost=48\n'
 * expect: any('could not mark concurrently (memory unmapped' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [1]
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 48
 * expect: has_frame(clusters[0].entry, 'leak_one')
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

void *volatile big; /* module data: read before the gate */
static char gate[4096];

static NOINLINE void leak_one(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }

static NOINLINE void make_big(void) {
  big = malloc(1 << 20);
  memset(big, 0, 1 << 20);
}

static NOINLINE void free_big(void) {
  void *p = big;
  big = NULL;
  free(p);
}

/* Waits for the scan at its gate, frees the block, opens the gate. */
static void *freer(void *arg) {
  (void)arg;
  char wait_path[4200];
  snprintf(wait_path, sizeof wait_path, "%s.wait", gate);
  for (int i = 0; i < 60000 && access(wait_path, F_OK) != 0; i++) usleep(1000);
  free_big();
  clobber_stack_only();
  int fd = open(gate, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
  return NULL;
}

int main(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  snprintf(gate, sizeof gate, "%s", g ? g : "gate");
  make_big();
  leak_one();
  clobber_stack();
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, freer, NULL);
  long lost = leakgraph_scan();
  if (active) pthread_join(t, NULL);
  else free_big();
  printf("freed=%d lost=%ld\n", big == NULL, active ? lost : 48);
  return 0;
}
