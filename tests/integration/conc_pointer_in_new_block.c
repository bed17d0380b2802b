/* The concurrent mark (concurrent=1) and a block born during the scan:
 * while the scan's test gate (LEAKGRAPH_TEST_CONC_GATE) holds the
 * concurrent pass between the registered regions and the threads, a
 * second thread allocates a new block, moves into it the only pointer to
 * an old block (from a page of an anonymous mapping, read after the
 * gate), erases the old place, and keeps the new block in a global (read
 * before the gate). The new block is not in the scan's copy of the table;
 * the finish finds it on the table's written pages and reads it whole as
 * a root, so the old block is reached. A scan that did not read the
 * blocks born during it would call the old block lost (64 bytes).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

void *volatile moved_to;        /* module data: read before the gate */
static void *volatile *far_page; /* an anonymous mapping: read after it */
static char gate[4096];

static NOINLINE void place(void) {
  void *p = malloc(64);
  memset(p, 7, 64);
  far_page[0] = p;
}

static NOINLINE void move_pointer(void) {
  void **holder = malloc(16);
  holder[0] = far_page[0];
  holder[1] = NULL;
  moved_to = holder;
  far_page[0] = NULL;
}

/* Waits for the scan at its gate, moves the pointer, opens the gate. */
static void *mover(void *arg) {
  (void)arg;
  char wait_path[4200];
  snprintf(wait_path, sizeof wait_path, "%s.wait", gate);
  for (int i = 0; i < 60000 && access(wait_path, F_OK) != 0; i++) usleep(1000);
  move_pointer();
  clobber_stack_only();
  int fd = open(gate, O_WRONLY | O_CREAT, 0600);
  if (fd >= 0) close(fd);
  return NULL;
}

int main(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  snprintf(gate, sizeof gate, "%s", g ? g : "gate");
  far_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (far_page == MAP_FAILED) return 1;
  place();
  clobber_stack();
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, mover, NULL);
  long lost = leakgraph_scan();
  if (active) pthread_join(t, NULL);
  else move_pointer();
  printf("moved=%d lost=%ld\n", moved_to != NULL && far_page[0] == NULL, active ? lost : 0);
  free(((void **)moved_to)[0]);
  free(moved_to);
  moved_to = NULL;
  return 0;
}
