/* The concurrent mark's pre-cleaning takes the blocks born during the
 * pass (concmark.h, As built), so a program that allocates much while a
 * scan runs still gets a finish within its budget: at the "marked" gate
 * (the concurrent mark done, the rounds not begun) a thread replaces
 * every block of a ring of 20,000 (each new one holds a pointer to a
 * block of a 300,000-block heap that a global holds; the old one is
 * freed), then lets the scan go on and stops. Before the born entries
 * were pre-cleaned the finish took every entry born during the pass (the
 * ring's 20,000, on pages of the table written all over); now the rounds
 * take them with the program running, and the finish passes over the
 * entries a round met (the table's shadow). The scan finishes
 * concurrently with more than 1,000 born entries taken by its rounds;
 * nothing is lost. (The program allocates only at the gate: one that
 * rewrites its ring without pause during the whole scan makes the finish
 * re-read what the rounds could not keep up with, which is a matter of
 * the machine's speed.)
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'scans=1 lost=0\n'
 * expect: any('was concurrent' in n and int(re.search(r' ([0-9]+) born entries taken', n).group(1)) > 1000 for n in log_notes() if 'born entries taken' in n)
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define OLD 300000
#define RING 20000

void **old_blocks; /* module data: the heap */
void **ring;       /* module data: the ring of blocks the thread replaces */

static NOINLINE void build(void) {
  old_blocks = malloc(OLD * sizeof(void *));
  ring = calloc(RING, sizeof(void *));
  for (size_t i = 0; i < OLD; i++) {
    old_blocks[i] = malloc(32 + (i & 7) * 16);
    memset(old_blocks[i], 0, 32);
  }
}

/* Replaces every block of the ring once. */
static NOINLINE void replace_ring(void) {
  for (size_t i = 0; i < RING; i++) {
    void **b = malloc(48);
    b[0] = old_blocks[(i * 7919) % OLD];
    b[1] = NULL;
    free(ring[i]);
    ring[i] = b;
  }
}

/* Replaces the ring at the "marked" gate, then lets the scan go on. */
static void *churner(void *arg) {
  (void)arg;
  if (!conc_gate_wait("marked")) return NULL;
  replace_ring();
  conc_gate_open("marked");
  return NULL;
}

int main(void) {
  build();
  replace_ring(); /* the ring's first blocks, before the scan */
  int active = leakgraph_active();
  pthread_t t;
  if (active) pthread_create(&t, NULL, churner, NULL);
  long lost = active ? leakgraph_scan() : 0;
  int scans = 1;
  if (active) pthread_join(t, NULL);
  printf("scans=%d lost=%ld\n", scans, lost);
  for (size_t i = 0; i < RING; i++) free(ring[i]);
  for (size_t i = 0; i < OLD; i++) free(old_blocks[i]);
  free(ring);
  free(old_blocks);
  return 0;
}
