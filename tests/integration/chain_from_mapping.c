/* A retention chain that starts in memory the program mapped itself: the
 * head of a list that is never trimmed lives only in an mmap'd page (a
 * pool's header). The list grows by four 512-byte nodes before each of 8
 * API scans; the report finds the site growing, and its chain's root is
 * of kind 'mapping', at the pool's word. Nothing is lost.
 * run: direct
 * expect: re.fullmatch(r'nodes=32 scans=8 head_at=\d+\n', stdout)
 * expect: [g.verdict for g in r.growth if has_frame(g.site, 'append_node')] == ['growing']
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.kind == 'mapping'
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.address == '0x%x' % out_int('head_at')
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "leakgraph.h"
#include "testutil.h"

struct node { struct node *next; char payload[512 - 8]; };
struct pool { long magic; struct node *head; };
static struct pool *pool;

static NOINLINE void append_node(void) {
  struct node *n = malloc(sizeof *n);
  memset(n, 0, sizeof *n);
  n->next = pool->head;
  pool->head = n;
}

int main(void) {
  pool = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  pool->magic = 0x706f6f6c;
  int scans = 0;
  for (int i = 0; i < 8; i++) {
    for (int k = 0; k < 4; k++) append_node();
    clobber_stack();
    scans += leakgraph_scan() >= 0 || !leakgraph_active();
  }
  int n = 0;
  for (struct node *p = pool->head; p; p = p->next) n++;
  printf("nodes=%d scans=%d head_at=%lu\n", n, scans, (unsigned long)(uintptr_t)&pool->head);
  return 0;
}
