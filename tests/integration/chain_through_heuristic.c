/* A retention chain through a block that only a heuristic keeps: a global
 * holds a pointer just past the length word of a length64 block (sqlite's
 * way of tracking its allocations), and that block holds the head of a
 * list that grows by four nodes before each of 8 API scans. The growing
 * site's chain starts at the global (kind 'global'), its first hop is the
 * length64 block, reached only through the heuristic, and every hop after
 * it is a list node; the block is counted under length64, nothing is lost.
 * run: direct
 * expect: re.fullmatch(r'nodes=32 scans=8 payload_at=\d+\n', stdout)
 * expect: [g.verdict for g in r.growth if has_frame(g.site, 'append_node')] == ['growing']
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.kind == 'global'
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.address == '0x%x' % out_int('payload_at')
 * expect: has_frame([g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.hops[0].stack, 'make_holder')
 * expect: len([g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.hops) >= 2
 * expect: all(has_frame(h.stack, 'append_node') for h in [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.hops[1:])
 * expect: summary.still_reachable.heuristics.length64.blocks == 1
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

struct node { struct node *next; char data[512 - 8]; };
char *payload; /* just past the holder's length word: all the program keeps of it */

static NOINLINE void make_holder(void) {
  uint64_t *p = malloc(64);
  memset(p, 0, 64);
  p[0] = 64 - 8;
  payload = (char *)(p + 1);
}

static NOINLINE void append_node(void) {
  struct node **head = (struct node **)payload;
  struct node *n = malloc(sizeof *n);
  memset(n, 0, sizeof *n);
  n->next = *head;
  *head = n;
}

int main(void) {
  make_holder();
  int scans = 0;
  for (int i = 0; i < 8; i++) {
    for (int k = 0; k < 4; k++) append_node();
    clobber_stack();
    scans += leakgraph_scan() >= 0 || !leakgraph_active();
  }
  int n = 0;
  for (struct node *p = *(struct node **)payload; p; p = p->next) n++;
  printf("nodes=%d scans=%d payload_at=%lu\n", n, scans, (unsigned long)(uintptr_t)&payload);
  return 0;
}
