/* The concurrent mark's pre-cleaning takes the blocks born during the
 * pass (concmark.h, As built), so a program that allocates steadily while
 * a scan runs still gets a finish within its budget: a thread replaces,
 * without a pause, the blocks of a ring of 20,000 (each new one holds a
 * pointer to a block of a 300,000-block heap that a global holds; the
 * old one is freed), while the main thread calls leakgraph_scan() five
 * times. Before the born entries were pre-cleaned the finish took every
 * entry born during the whole pass (the ring's 20,000 and more, on pages
 * of the table written all over) and passed its 5 ms budget; now the
 * rounds take them with the program running, and the finish passes over
 * the entries a round met (the table's shadow) and takes only those born
 * since. At least one of the five scans finishes concurrently with more
 * than 1,000 born entries taken by its rounds (a loaded machine may slow
 * one scan's rounds: count, do not assume a rate); nothing is lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * expect: stdout == 'scans=5 lost=0\n'
 * expect: any('was concurrent' in n and int(re.search(r' ([0-9]+) born entries taken', n).group(1)) > 1000 for n in log_notes() if 'born entries taken' in n)
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

#define OLD 300000
#define RING 20000

void **old_blocks; /* module data: the heap */
void **ring;       /* module data: the ring of blocks the thread replaces */
static volatile int stop;

static NOINLINE void build(void) {
  old_blocks = malloc(OLD * sizeof(void *));
  ring = calloc(RING, sizeof(void *));
  for (size_t i = 0; i < OLD; i++) {
    old_blocks[i] = malloc(32 + (i & 7) * 16);
    memset(old_blocks[i], 0, 32);
  }
}

/* Replaces the ring's blocks one after the other until told to stop. */
static void *churner(void *arg) {
  (void)arg;
  for (size_t i = 0; !stop; i++) {
    void **b = malloc(48);
    b[0] = old_blocks[(i * 7919) % OLD];
    b[1] = NULL;
    free(ring[i % RING]);
    ring[i % RING] = b;
  }
  return NULL;
}

int main(void) {
  build();
  pthread_t t;
  pthread_create(&t, NULL, churner, NULL);
  long lost = 0;
  int scans = 0;
  for (; scans < 5; scans++) lost += leakgraph_active() ? leakgraph_scan() : 0;
  stop = 1;
  pthread_join(t, NULL);
  printf("scans=%d lost=%ld\n", scans, lost);
  for (size_t i = 0; i < RING; i++) free(ring[i]);
  for (size_t i = 0; i < OLD; i++) free(old_blocks[i]);
  free(ring);
  free(old_blocks);
  return 0;
}
