/* --fail-on=refcount fails on a refcount finding alone: a 2-cycle of the
 * program's own refcounted type that the program dropped, but of which a
 * heap block the roots reach keeps a stale copy of one address. No block
 * is lost (the conservative marking reaches the cycle through the stale
 * copy), so the default gate would pass; the refcount phase reports the
 * cycle as cyclic garbage, and the wrapper exits with --error-exitcode.
 * run: wrapper --fail-on=refcount --error-exitcode=9
 * exit: 9
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: [f.kind for f in r.refcount] == ['cyclic_garbage']
 * expect: 'REFCOUNT FINDINGS: 1 group of cyclic garbage (2 objects), 0 unbalanced objects' in stderr
 */
#include <stdlib.h>

#include "leakgraph.h"
#include "testutil.h"

typedef struct node {
  long refs;
  struct node *other;
} node_t;

static struct holder { void *stale; } *holder;

static NOINLINE node_t *node_new(void) {
  node_t *n = calloc(1, sizeof *n);
  n->refs = 1;
  leakgraph_refcounted_type(n, &n->refs, sizeof n->refs, "Node");
  return n;
}

static NOINLINE void make_stale_pair(void) {
  node_t *a = node_new(), *b = node_new();
  a->other = b, b->other = a; /* each holds the other's creation ref */
  holder->stale = a;          /* a copy that holds no ref */
}

int main(void) {
  holder = calloc(1, sizeof *holder);
  make_stale_pair();
  clobber_stack();
  return 0;
}
