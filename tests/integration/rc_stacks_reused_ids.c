/* Refcount events take the stack id the unwinder remembers for a stack it
 * has seen before, instead of interning the frames again: each event must
 * still land on its own stack. One api object, in 500 rounds, refd three
 * times from ref_a and once from ref_b and unrefd twice from unref_c and
 * once from unref_d, interleaved so that every event's stack differs from
 * the one before it but was seen in the round before; then the program
 * drops the object, 501 refs outstanding. Its balance tree holds exactly
 * those counts per function, in two threads alike (each thread's unwinder
 * keeps ids of its own), and the books agree with the count fields.
 * run: direct
 * expect: stdout == 'done\n' and exit_code == 0
 * expect: len([f for f in r.refcount if f.kind == 'unbalanced']) == 2
 * expect: all(f.objects[0].refcount == 501 and f.objects[0].type == 'Item' for f in r.refcount if f.kind == 'unbalanced')
 * expect: all(re.search(r'"function": "ref_a", [^{]*"refs": 1500, "unrefs": 0, "balance": 1500, "self_refs": 1500, "self_unrefs": 0, "children": \[\]', json.dumps(f.tree)) for f in r.refcount)
 * expect: all(re.search(r'"function": "ref_b", [^{]*"refs": 500, "unrefs": 0, "balance": 500, "self_refs": 500, "self_unrefs": 0, "children": \[\]', json.dumps(f.tree)) for f in r.refcount)
 * expect: all(re.search(r'"function": "unref_c", [^{]*"refs": 0, "unrefs": 1000, "balance": -1000, "self_refs": 0, "self_unrefs": 1000, "children": \[\]', json.dumps(f.tree)) for f in r.refcount)
 * expect: all(re.search(r'"function": "unref_d", [^{]*"refs": 0, "unrefs": 500, "balance": -500, "self_refs": 0, "self_unrefs": 500, "children": \[\]', json.dumps(f.tree)) for f in r.refcount)
 * expect: any(n.startswith('refcount api: 2 live objects (2 born, 0 adopted at a first ref or unref, 4000 refs, 3000 unrefs, 0 died); 0 live objects') for n in log_notes())
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "leakgraph.h"
#include "testutil.h"

typedef struct item { long refs; } item_t;

static NOINLINE void ref_a(item_t *o) { leakgraph_ref(o); o->refs++; }
static NOINLINE void ref_b(item_t *o) { leakgraph_ref(o); o->refs++; }
static NOINLINE void unref_c(item_t *o) { leakgraph_unref(o); o->refs--; }
static NOINLINE void unref_d(item_t *o) { leakgraph_unref(o); o->refs--; }

/* One object's whole life: born, 500 rounds of events, dropped. */
static NOINLINE void *scenario(void *arg) {
  (void)arg;
  item_t *o = calloc(1, sizeof *o);
  o->refs = 1;
  leakgraph_refcounted_type(o, &o->refs, sizeof o->refs, "Item");
  for (int i = 0; i < 500; i++) {
    ref_a(o);
    unref_c(o);
    ref_a(o);
    ref_b(o);
    unref_d(o);
    ref_a(o);
    unref_c(o);
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, scenario, NULL);
  pthread_join(t, NULL);
  scenario(NULL);
  clobber_stack();
  printf("done\n");
  return 0;
}
