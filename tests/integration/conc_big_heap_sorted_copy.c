/* big_heap_sorted_copy.c's heap under leakgraph_scan() (concurrent=api,
 * the default: the copy of the table is made with the world running, and
 * from 2^18 blocks on sorted as it is made, concmark.c's copy_sorted)
 * while a second thread frees and allocates blocks all the time, so that
 * the table changes between the copy's walks: blocks born after its
 * counts (beyond the heap's top, where the copy's plan has no room for
 * them), blocks freed after them. 300,000 reachable blocks of 16..520
 * bytes held by one mmapped array from a global, 1,000 lost three-block
 * cycles (48-byte blocks) among them, one lost 1 MiB block, one 100-byte
 * block held only by a pointer to its last byte; the churning thread's
 * 32-byte blocks live in a global ring (reachable), and one in two of
 * those it allocates it keeps (up to GROWN, in a block held by a global:
 * reachable), each holding the only pointer to one of the 300,000, moved
 * there from the array (a block born during the copy must be copied and
 * scanned, or what it holds would be found lost), and it frees one of
 * the 300,000 as often (a hole in a bucket of the copy's plan). The program scans
 * until one scan had the thread churning during it (at most 10 scans) and
 * says whether one did. A record copied to the wrong place or sorted out
 * of order would mark the wrong blocks: every API scan finds exactly the
 * cycles and the 1 MiB block definitely and indirectly lost, the 100-byte
 * block possibly lost, and every API scan was concurrent.
 * run: direct
 * timeout: 180
 * expect: stdout == 'churned=1\n'
 * expect: len([s for s in log_scans() if s.kind == 'api']) >= 1
 * expect: [n.split()[1] for n in log_notes() if 'was concurrent' in n] == [str(s.scan) for s in log_scans() if s.kind == 'api']
 * expect: all(s.totals.definitely_lost.blocks == 1001 and s.totals.definitely_lost.bytes == 1000 * 48 + 1048576 for s in log_scans() if s.kind == 'api')
 * expect: all(s.totals.indirectly_lost.blocks == 2000 and s.totals.indirectly_lost.bytes == 2000 * 48 for s in log_scans() if s.kind == 'api')
 * expect: all(s.totals.possibly_lost.blocks == 1 and s.totals.possibly_lost.bytes == 100 for s in log_scans() if s.kind == 'api')
 * expect: summary.definitely_lost.blocks == 1001 and summary.indirectly_lost.blocks == 2000
 * expect: summary.possibly_lost.blocks == 1 and summary.cyclic_clusters == 1000
 */
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

#define KEPT 300000
#define CYCLES 1000
#define RING 4096
#define GROWN 3000 /* GROWN * 13 < KEPT; few: the finish scans them within its budget */

void **kept;              /* not static: the compiler must store it */
char *volatile last_byte; /* the 100-byte block's last byte */
void *volatile ring[RING]; /* the churning thread's blocks */
void **grown;              /* and those it keeps */
static volatile int stop;
static volatile unsigned long churns; /* blocks the thread replaced */

struct node { struct node *next; char pad[40]; };

/* One lost cycle a -> b -> c -> a. */
static NOINLINE void make_cycle(void) {
  struct node *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
  memset(a->pad, 0x5a, sizeof a->pad);
  memset(b->pad, 0x5a, sizeof b->pad);
  memset(c->pad, 0x5a, sizeof c->pad);
  a->next = b;
  b->next = c;
  c->next = a;
}

static NOINLINE void make_heap(void) {
  kept = malloc(KEPT * sizeof *kept); /* 2.4 MB: mmapped */
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < KEPT; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    size_t size = 16 + (x % 64) * 8;
    kept[i] = malloc(size);
    memset(kept[i], 0x5a, size);
    if (i % (KEPT / CYCLES) == 0) make_cycle(); /* lost blocks amid kept ones */
  }
  char *big = malloc(1 << 20);
  memset(big, 0x5a, 1 << 20);
  char *tail = malloc(100);
  memset(tail, 0x5a, 100);
  last_byte = tail + 99;
}

/* Replaces the ring's blocks one after another until told to stop, and
 * keeps every other new block while there is room for it. */
static void *churn(void *arg) {
  (void)arg;
  size_t ngrown = 0;
  for (unsigned long i = 0; !stop; i++) {
    void *old = ring[i % RING];
    char *p = malloc(32);
    memset(p, 0x5a, 32);
    ring[i % RING] = p;
    free(old);
    if (i % 2 == 0 && i >= RING && ngrown < GROWN) {
      void **q = malloc(32);
      memset(q, 0x5a, 32);
      q[0] = kept[ngrown * 13]; /* moved: */
      kept[ngrown * 13] = NULL;
      free(kept[ngrown * 13 + 1]); /* and a hole in the copy's plan */
      kept[ngrown * 13 + 1] = NULL;
      grown[ngrown++] = q;
    }
    churns = i + 1;
  }
  return NULL;
}

int main(void) {
  make_heap();
  clobber_stack();
  grown = malloc(GROWN * sizeof *grown);
  pthread_t t;
  if (pthread_create(&t, NULL, churn, NULL)) return 1;
  while (churns < RING) sched_yield(); /* the ring full */
  int churned = !leakgraph_active();
  for (int k = 0; k < 10 && !churned; k++) {
    unsigned long before = churns;
    if (leakgraph_scan() < 0) break;
    churned = churns != before;
  }
  stop = 1;
  pthread_join(t, NULL);
  printf("churned=%d\n", churned);
  return 0;
}
