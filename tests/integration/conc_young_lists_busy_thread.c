/* Concurrent young scans from the born lists while a thread allocates:
 * the epoch flips with the world running, so a thread may be inside a
 * table change at the flip, its record and its block's parity on two
 * sides of it; the scan waits for the change to end (lg_born_settle) and
 * reads both epochs' records where they meet (collector/born.h). A worker
 * thread grows a chain of 48-byte blocks (each holds the one before;
 * the head is a global), frees the oldest half of it now and then, and
 * pauses a millisecond after every 500 blocks, while young scans run at
 * 20 a second (concurrent=all, born_lists=yes, full_every=1000); the main
 * thread waits for 40 scans, then stops it. Nothing is ever lost (every
 * block hangs off the head), at least 5 young scans were concurrent and
 * took their blocks from the lists, and none of those walked the table
 * because a thread was inside a change for too long.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=0:concurrent=all:born_lists=yes
 * timeout: 180
 * expect: out_int('blocks') > 0
 * expect: len([s for s in log_scans() if s.young and ('scan %d was concurrent and young' % s.scan) in ' | '.join(log_notes()) and any(n.startswith('scan %d was young: ' % s.scan) and 'from the born lists' in n for n in log_notes())]) >= 5
 * expect: not [n for n in log_notes() if 'stopped inside a table change' in n]
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

typedef struct node { struct node *prev; char pad[40]; } node_t;

node_t *chain_head; /* a global: the chain's only root */
static volatile int stop;
static long made;

/* Frees the older half of the chain (n blocks long). */
static NOINLINE void drop_old_half(long n) {
  node_t *p = chain_head;
  for (long i = 0; p && i < n / 2; i++) p = p->prev;
  if (!p) return;
  node_t *old = p->prev;
  p->prev = NULL;
  while (old) { node_t *q = old->prev; free(old); old = q; }
}

static void *worker(void *arg) {
  (void)arg;
  long len = 0;
  while (!stop) {
    for (int i = 0; i < 500; i++) {
      node_t *n = malloc(sizeof *n);
      memset(n->pad, 1, sizeof n->pad);
      n->prev = chain_head;
      chain_head = n;
      len++;
      made++;
    }
    if (len >= 20000) { drop_old_half(len); len -= len / 2; }
    usleep(1000);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  int ok = wait_for_scans(40) == 0;
  stop = 1;
  pthread_join(t, NULL);
  printf("waited=%d blocks=%ld\n", ok, made);
  return 0;
}
