/* A refcounted type of the program's own, declared through the API
 * (leakgraph_refcounted_type, leakgraph_ref, leakgraph_unref): a 2-cycle
 * and a self-cycle dropped by the program, a 2-cycle whose only trace is a
 * stale copy of one address in a heap block the roots reach (reachable
 * for the conservative marking, garbage by its counts), and a 2-cycle a
 * global still holds. The refcount phase reports exactly the three dropped
 * groups as cyclic garbage, not the held one; the lost 2-cycle's cluster
 * names its refcounted blocks. A Widget refd and unrefd by balanced users
 * and refd once more by leaky_ref is unbalanced: its balance tree is one
 * path of +1 down to leaky_ref and nothing else (the birth and the last
 * unref, both in scenario, balance each other).
 * run: direct
 * expect: len([f for f in r.refcount if f.kind == 'cyclic_garbage']) == 3
 * expect: sorted(len(f.objects) for f in r.refcount if f.kind == 'cyclic_garbage') == [1, 2, 2]
 * expect: all(o.type == 'Node' and o.refcount == 1 and f.family == 'api' for f in r.refcount if f.kind == 'cyclic_garbage' for o in f.objects)
 * expect: not {o.address for f in r.refcount for o in f.objects} & set(stdout.split()[1:])
 * expect: sorted(map(sorted, [f.edges for f in r.refcount if f.kind == 'cyclic_garbage'])) == [[[0, 0]], [[0, 1], [1, 0]], [[0, 1], [1, 0]]]
 * expect: any(c.cyclic and [o.type for o in c.refcounted] == ['Node', 'Node'] for c in clusters)
 * expect: len([f for f in r.refcount if f.kind == 'unbalanced']) == 1
 * expect: [f for f in r.refcount if f.kind == 'unbalanced'][0].objects[0].type == 'Widget'
 * expect: json.dumps([f for f in r.refcount if f.kind == 'unbalanced'][0].tree).count('"children": []') == 1
 * expect: set(re.findall(r'"balance": (-?[0-9]+)', json.dumps([f for f in r.refcount if f.kind == 'unbalanced'][0].tree))) == {'1'}
 * expect: '"function": "leaky_ref"' in json.dumps([f for f in r.refcount if f.kind == 'unbalanced'][0].tree)
 * expect: 'use_balanced' not in json.dumps([f for f in r.refcount if f.kind == 'unbalanced'][0].tree)
 * expect: re.search(r'"function": "leaky_ref", "file": "[^"]*rc_api_cycles_and_balance.c", "line": [0-9]+, [^{]*"refs": 1, "unrefs": 0, "balance": 1, "self_refs": 1, "self_unrefs": 0, "children": \[\]', json.dumps([f for f in r.refcount if f.kind == 'unbalanced'][0].tree))
 * expect: r.summary.refcount.cyclic_garbage == 3 and r.summary.refcount.unbalanced == 1
 */
#include <stdio.h>
#include <stdlib.h>

#include "leakgraph.h"
#include "testutil.h"

typedef struct node {
  long refs;
  struct node *other;
} node_t;

static node_t *kept[2];               /* the held cycle */
static struct holder { void *stale; } *holder; /* reachable, with a stale copy */

static NOINLINE node_t *node_new(const char *type) {
  node_t *n = calloc(1, sizeof *n);
  n->refs = 1;
  leakgraph_refcounted_type(n, &n->refs, sizeof n->refs, type);
  return n;
}

/* a->other = b, taking a ref on b. */
static NOINLINE void link_to(node_t *a, node_t *b) {
  leakgraph_ref(b);
  b->refs++;
  a->other = b;
}

/* Drops the caller's ref (never to zero here). */
static NOINLINE void drop(node_t *n) {
  leakgraph_unref(n);
  n->refs--;
}

static NOINLINE void make_pair(node_t **out) {
  node_t *a = node_new("Node"), *b = node_new("Node");
  link_to(a, b);
  link_to(b, a);
  drop(a);
  drop(b);
  if (out) out[0] = a, out[1] = b;
}

static NOINLINE void make_self_cycle(void) {
  node_t *s = node_new("Node");
  link_to(s, s);
  drop(s);
}

static NOINLINE void make_stale_pair(void) {
  node_t *pair[2];
  make_pair(pair);
  holder->stale = pair[0]; /* a copy that holds no ref */
}

static NOINLINE void use_balanced(node_t *w) {
  leakgraph_ref(w);
  w->refs++;
  leakgraph_unref(w);
  w->refs--;
}

static NOINLINE void leaky_ref(node_t *w) {
  leakgraph_ref(w);
  w->refs++;
}

/* The Widget's whole life: born here, used, released here. */
static NOINLINE void scenario(void) {
  node_t *w = calloc(1, sizeof *w);
  w->refs = 1;
  leakgraph_refcounted_type(w, &w->refs, sizeof w->refs, "Widget");
  for (int i = 0; i < 3; i++) use_balanced(w);
  leaky_ref(w);
  use_balanced(w);
  leakgraph_unref(w);
  w->refs--;
}

int main(void) {
  holder = calloc(1, sizeof *holder);
  make_pair(NULL);
  make_self_cycle();
  make_stale_pair();
  make_pair(kept);
  scenario();
  printf("kept %p %p\n", (void *)kept[0], (void *)kept[1]);
  clobber_stack();
  return 0;
}
