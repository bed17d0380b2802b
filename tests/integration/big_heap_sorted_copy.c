/* A heap big enough (over 2^18 blocks) that the exit scan sorts its
 * snapshot while copying it (snapshot.c's fill_sorted, graph.h's
 * lg_heap_plan_t), with blocks in two dense ranges far apart (the brk
 * heap and mmapped chunks, in 1 GiB chunks of different ranks): 300,000
 * reachable blocks of 16..520 bytes held by one mmapped array from a
 * global; 1,000 lost three-block cycles (48-byte blocks) among them; one
 * lost 1 MiB block (mmapped, far from the brk heap); one 100-byte block
 * that only a pointer to its last byte holds (from the global). A record
 * copied to the wrong place or sorted out of order would mark the wrong
 * blocks. Expected: exactly the cycles and the 1 MiB block definitely and
 * indirectly lost, the 100-byte block possibly lost, everything else
 * reachable.
 * expect: summary.definitely_lost.blocks == 1001 and summary.definitely_lost.bytes == 1000 * 48 + 1048576
 * expect: summary.indirectly_lost.blocks == 2000 and summary.indirectly_lost.bytes == 2000 * 48
 * expect: summary.possibly_lost.blocks == 1 and summary.possibly_lost.bytes == 100
 * expect: summary.cyclic_clusters == 1000
 * expect: summary.still_reachable.blocks >= 300001
 * timeout: 120
 */
#include <stdint.h>
#include <string.h>
#include "testutil.h"

#define KEPT 300000
#define CYCLES 1000

void **kept;              /* not static: the compiler must store it */
char *volatile last_byte; /* the 100-byte block's last byte */

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

int main(void) {
  make_heap();
  clobber_stack();
  return 0;
}
