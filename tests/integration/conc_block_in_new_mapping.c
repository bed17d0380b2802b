/* The concurrent mark (concurrent=1) and a block allocated after the arm
 * but before the table's copy, in a mapping the arm never saw: at the
 * scan's test gate after the arm ("armed"), a second thread allocates a
 * big block B (glibc maps it on its own: a new mapping) and keeps it in a
 * global. B is in the scan's copy of the table as an old block, outside
 * the maps the arm read (flagged unreadable), its pages never
 * write-tracked. The thread holds the only pointer to a block C hidden
 * (XOR-ed in a global: the concurrent pass never reaches it); at the gate
 * after the concurrent mark ("marked") it stores it into B, erases the
 * hidden copy and waits in read(2) while a third thread opens the gate
 * (so no register of a stopped thread holds C). The finish must read B
 * whole once its memory is readable in the maps it reads again; a finish
 * that trusts the written pages of the armed ranges (and the copy's flag)
 * calls C lost (64 bytes).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=armed,marked
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

/* C's address, hidden from the scan (a pointer no word holds) until the
 * gate: as an XOR-linked list keeps its pointers. */
#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
static volatile uintptr_t hidden;

void **volatile big;             /* module data */
static void *volatile *far_page; /* an anonymous mapping */

static NOINLINE void place(void) { far_page[0] = NULL; }

/* Makes B at the first gate, keeps C hidden until the second, then
 * moves it into B (or all at once: `gated` 0). */
static NOINLINE void hold_and_move(int gated) {
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
  if (gated) conc_gate_wait("armed");
  big = calloc(1, 1 << 20);
  memset(big, 0, 1 << 20);
  if (gated) conc_gate_open("armed");
  if (gated) conc_gate_wait("marked");
  big[1000] = (void *)(hidden ^ HIDE);
  hidden = 0;
}

static int moved_pipe[2], done_pipe[2];

/* Moves the pointer, then waits in read(2) until the scan is over: at the
 * finish it is a stopped thread whose registers and stack hold no C. */
static void *mover(void *arg) {
  (void)arg;
  char c = 0;
  hold_and_move(1);
  clobber_stack_only();
  if (write(moved_pipe[1], &c, 1) != 1 || read(done_pipe[0], &c, 1) != 1) return NULL;
  return NULL;
}

/* Opens the second gate once the mover has moved the pointer. */
static void *opener(void *arg) {
  char c;
  (void)arg;
  if (read(moved_pipe[0], &c, 1) == 1) conc_gate_open("marked");
  return NULL;
}

int main(void) {
  far_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (far_page == MAP_FAILED) return 1;
  place();
  clobber_stack();
  pthread_t t, o;
  int active = leakgraph_active();
  if (pipe(moved_pipe) < 0 || pipe(done_pipe) < 0) return 1;
  if (active) pthread_create(&t, NULL, mover, NULL);
  if (active) pthread_create(&o, NULL, opener, NULL);
  long lost = leakgraph_scan();
  if (active) {
    if (write(done_pipe[1], "x", 1) != 1) return 1;
    pthread_join(o, NULL);
    pthread_join(t, NULL);
  }
  else hold_and_move(0);
  printf("moved=%d lost=%ld\n", big != NULL && big[1000] != NULL && far_page[0] == NULL, active ? lost : 0);
  free(big[1000]);
  free(big);
  return 0;
}
