/* GObject cycles through an object property (the ref is taken inside
 * libgobject, by g_value_dup_object in the property's setter): a 2-cycle
 * and a self-cycle that the program drops, a third object that pointed
 * into the 2-cycle and was released (its dispose dropped its ref), and a
 * 2-cycle a global still holds. The refcount phase reports exactly the
 * dropped cycles' three objects as cyclic garbage, in two groups (the
 * instances lie after their private data, so the property's pointers are
 * to the middle of their blocks); the conservative clusters of the lost
 * cycles name their refcounted blocks.
 * pkg: gobject-2.0
 * env: G_SLICE=always-malloc
 * expect: stdout.startswith('kept ')
 * expect: sorted(len(f.objects) for f in r.refcount) == [1, 2]
 * expect: all(f.kind == 'cyclic_garbage' and f.family == 'gobject' for f in r.refcount)
 * expect: all(o.type == 'TestNode' and o.refcount == 1 and o.address != o.block for f in r.refcount for o in f.objects)
 * expect: not {o.address for f in r.refcount for o in f.objects} & set(stdout.split()[1:])
 * expect: sorted(map(sorted, [f.edges for f in r.refcount])) == [[[0, 0]], [[0, 1], [1, 0]]]
 * expect: all(has_frame(o, 'make_pair') or has_frame(o, 'make_self_cycle') for f in r.refcount for o in f.objects)
 * expect: sorted(len(c.refcounted) for c in clusters if c.refcounted and c.refcounted[0].type == 'TestNode') == [1, 2]
 */
#include <glib-object.h>
#include <stdio.h>

#include "testutil.h"

typedef struct { GObject parent; GObject *peer; } TestNode;
typedef struct { GObjectClass parent; } TestNodeClass;
typedef struct { char tag[40]; } TestNodePrivate;

G_DEFINE_TYPE_WITH_PRIVATE(TestNode, test_node, G_TYPE_OBJECT)

enum { PROP_PEER = 1 };

static void test_node_set_property(GObject *o, guint id, const GValue *v, GParamSpec *ps) {
  TestNode *self = (TestNode *)o;
  if (id != PROP_PEER) { G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps); return; }
  g_clear_object(&self->peer);
  self->peer = g_value_dup_object(v);
}

static void test_node_get_property(GObject *o, guint id, GValue *v, GParamSpec *ps) {
  if (id == PROP_PEER) g_value_set_object(v, ((TestNode *)o)->peer);
  else G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
}

static void test_node_dispose(GObject *o) {
  g_clear_object(&((TestNode *)o)->peer);
  G_OBJECT_CLASS(test_node_parent_class)->dispose(o);
}

static void test_node_class_init(TestNodeClass *k) {
  GObjectClass *oc = G_OBJECT_CLASS(k);
  oc->set_property = test_node_set_property;
  oc->get_property = test_node_get_property;
  oc->dispose = test_node_dispose;
  g_object_class_install_property(oc, PROP_PEER, g_param_spec_object("peer", "peer", "peer", G_TYPE_OBJECT, G_PARAM_READWRITE));
}

static void test_node_init(TestNode *self) { (void)self; }

static GObject *kept[2];

static NOINLINE void make_pair(GObject **out) {
  GObject *a = g_object_new(test_node_get_type(), NULL), *b = g_object_new(test_node_get_type(), NULL);
  g_object_set(a, "peer", b, NULL);
  g_object_set(b, "peer", a, NULL);
  GObject *c = g_object_new(test_node_get_type(), "peer", a, NULL); /* points into the cycle */
  g_object_unref(c);                                                 /* released: drops its ref on a */
  if (out) {
    out[0] = a, out[1] = b; /* the global keeps the creation refs */
    return;
  }
  g_object_unref(a);
  g_object_unref(b);
}

static NOINLINE void make_self_cycle(void) {
  GObject *s = g_object_new(test_node_get_type(), NULL);
  g_object_set(s, "peer", s, NULL);
  g_object_unref(s);
}

int main(void) {
  make_pair(NULL);
  make_self_cycle();
  make_pair(kept);
  printf("kept %p %p\n", (void *)kept[0], (void *)kept[1]);
  clobber_stack();
  return 0;
}
