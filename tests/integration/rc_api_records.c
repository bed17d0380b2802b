/* The api refcount family records the program's own objects: three
 * declared objects (one with a type name), refs and unrefs from helpers,
 * a ref of an object never declared (not recorded), and one object freed
 * (the free of its block ends it). The NOTE at the end of the log counts
 * exactly those events, and the books of both live objects balance
 * against their own count fields.
 * run: direct
 * expect: stdout == 'done\n' and exit_code == 0
 * expect: any(n.startswith('refcount api: 2 live objects (3 born, 0 adopted at a first ref or unref, 5 refs, 4 unrefs, 1 died); 0 live objects') for n in log_notes())
 * expect: not any(n.startswith('refcount gobject') for n in log_notes())
 */
#include <stdio.h>
#include <stdlib.h>
#include "leakgraph.h"
#include "testutil.h"

typedef struct node { void *payload; int refs; } node_t;
static node_t *live[2];

static NOINLINE node_t *node_new(const char *type) {
  node_t *n = calloc(1, sizeof *n);
  n->refs = 1;
  if (type) leakgraph_refcounted_type(n, &n->refs, sizeof n->refs, type);
  else leakgraph_refcounted(n, &n->refs, sizeof n->refs);
  return n;
}

static NOINLINE void node_ref(node_t *n) { leakgraph_ref(n); n->refs++; }

static NOINLINE void node_unref(node_t *n) {
  leakgraph_unref(n);
  if (--n->refs == 0) free(n);
}

int main(void) {
  live[0] = node_new("Node");
  live[1] = node_new(NULL);
  node_t *gone = node_new("Node");
  node_ref(live[0]);
  node_ref(live[0]);
  node_ref(live[1]);
  node_unref(live[0]);
  node_ref(gone);
  node_ref(gone);
  node_unref(gone);
  node_unref(gone);
  node_unref(gone); /* count 0: freed */
  node_t stranger = {0, 1};
  node_ref(&stranger); /* never declared */
  printf("done\n");
  return 0;
}
