/* A concurrent young scan (concurrent=all, periodic young scans, born
 * lists off) and the only pointer to a young block moved, during the
 * concurrent pass, into an old block the young scan does not have in its
 * index. A mover thread allocates block C at the test gate of one scan
 * ("marked": C is born during that scan, so young for the next) and keeps
 * its address hidden (XOR-ed in a global); at the gate of the next scan,
 * after its concurrent mark, it stores C into old block B (reachable from
 * a global, allocated before the first scan) and erases the hidden copy,
 * then waits in read(2) while a gate thread lets the scan go on. B is
 * written at C's birth too, so its page is not clean at the second scan's
 * collection: the concurrent pass reads it before the move, and the sweep
 * of the clean pages does not read it. The finish reads the pages written
 * during the pass of the remembered set's ranges whole but for the young
 * blocks (B's page), and finds C. A finish that re-read only the marked
 * young blocks there would call C lost (48 bytes); min_age=0 would report
 * it at once.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=0:concurrent=all:born_lists=no
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * timeout: 120
 * expect: stdout == 'moved=1\n'
 * expect: sum('was concurrent and young' in n for n in log_notes()) >= 3
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.still_reachable.blocks >= 2
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "concgate.h"
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define ALLOC_AT 3 /* the gate at which C is born; moved at the next */

static void **volatile holder; /* B, from a global */
static volatile uintptr_t hidden;
static int ask[2], told[2];

static NOINLINE void make_old(void) {
  holder = calloc(64, sizeof(void *));
}

/* C born; B written too (no pointer), so that B's page is not clean at
 * the next scan's collection: its concurrent pass reads it (before the
 * move) and its sweep of the clean pages does not. */
static NOINLINE void make_young(void) {
  char *c = malloc(48);
  memset(c, 5, 48);
  hidden = (uintptr_t)c ^ HIDE;
  holder[8] = (void *)(uintptr_t)0x1234;
}

static NOINLINE void move_young(void) {
  holder[40] = (void *)(hidden ^ HIDE);
  hidden = 0;
}

/* The mover: does what the gate thread asks ('a' allocate, 'm' move),
 * with a clobbered stack after each, and waits in read(2) meanwhile. */
static void *mover(void *arg) {
  (void)arg;
  char c;
  while (read(ask[0], &c, 1) == 1 && c != 'q') {
    if (c == 'a') make_young();
    else if (c == 'm') move_young();
    clobber_stack_only();
    if (write(told[1], &c, 1) != 1) break;
  }
  return NULL;
}

static void gate_file(const char *suffix, int create) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.marked%s", g ? g : "gate", suffix);
  if (create) conc_gate_open("marked");
  else unlink(w);
}

/* Asks the mover for c and waits until it is done. */
static int ask_mover(char c) { return write(ask[1], &c, 1) == 1 && read(told[0], &c, 1) == 1; }

int main(void) {
  make_old();
  clobber_stack();
  if (pipe(ask) < 0 || pipe(told) < 0) return 1;
  pthread_t m;
  if (pthread_create(&m, NULL, mover, NULL) != 0) return 1;
  int moved = 0;
  for (int gate = 1; gate <= ALLOC_AT + 1; gate++) {
    if (!conc_gate_wait("marked")) break;
    if (gate == ALLOC_AT && !ask_mover('a')) break;
    if (gate == ALLOC_AT + 1) moved = ask_mover('m');
    int before = scans_in_own_log();
    gate_file(".wait", 0);
    gate_file("", 1);
    if (gate == ALLOC_AT + 1) break; /* the gate stays open from here on */
    while (scans_in_own_log() == before) usleep(1000);
    gate_file("", 0);
  }
  int have = scans_in_own_log();
  wait_for_scans(have + 2); /* the scan of the move, and one more */
  printf("moved=%d\n", moved && holder[40] != NULL);
  if (write(ask[1], "q", 1) != 1) return 1;
  pthread_join(m, NULL);
  return 0;
}
