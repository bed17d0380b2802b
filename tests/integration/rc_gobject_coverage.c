/* Hook coverage of the gobject family: 1,000 GObjects of the test's own
 * type, refd and unrefd the ways libgobject does it itself — an object
 * property set and read (g_value_dup_object, g_value_set_object inside
 * libgobject), a signal with an object argument (its marshalling),
 * notify with a handler (freeze/thaw), GValue copies, GWeakRef — then
 * half of them dropped. libgobject's own calls never go through the PLT
 * (-Bsymbolic-functions), so interposition would see only the program's
 * own unrefs; patching the entries sees every one: for every live object
 * the shim's count equals the object's own ref_count (no mismatch), and
 * the refs it saw are many times the program's own calls, which are only
 * unrefs. Each object's birth is seen (none adopted).
 * pkg: gobject-2.0
 * run: direct
 * env: G_SLICE=always-malloc
 * expect: stdout == 'own_refs=0 own_unrefs=2500\n' and exit_code == 0
 * expect: rc_stats('gobject')['mismatched'] == 0
 * expect: rc_stats('gobject')['live'] >= 500 and rc_stats('gobject')['born'] >= 1000
 * expect: rc_stats('gobject')['adopted'] == 0
 * expect: rc_stats('gobject')['refs'] >= 10000
 * expect: rc_stats('gobject')['unrefs'] >= 2500 + 9000
 * expect: any('refcount gobject: 4 functions patched in' in n for n in log_notes())
 */
#include <glib-object.h>
#include <stdio.h>

typedef struct { GObject parent; GObject *peer; int value; } TestNode;
typedef struct { GObjectClass parent; } TestNodeClass;
G_DEFINE_TYPE(TestNode, test_node, G_TYPE_OBJECT)

enum { PROP_0, PROP_PEER, PROP_VALUE, NPROPS };
static GParamSpec *props[NPROPS];
static guint poke;
static int pokes, notifies;

static void set_property(GObject *o, guint id, const GValue *v, GParamSpec *ps) {
  TestNode *n = (TestNode *)o;
  if (id == PROP_PEER) {
    GObject *old = n->peer;
    n->peer = g_value_dup_object(v); /* a ref inside libgobject */
    if (old) g_object_unref(old);
  } else if (id == PROP_VALUE) {
    n->value = g_value_get_int(v);
  } else {
    G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
  }
}

static void get_property(GObject *o, guint id, GValue *v, GParamSpec *ps) {
  TestNode *n = (TestNode *)o;
  if (id == PROP_PEER) g_value_set_object(v, n->peer);
  else if (id == PROP_VALUE) g_value_set_int(v, n->value);
  else G_OBJECT_WARN_INVALID_PROPERTY_ID(o, id, ps);
}

static void dispose(GObject *o) {
  TestNode *n = (TestNode *)o;
  GObject *p = n->peer;
  n->peer = NULL;
  if (p) g_object_unref(p);
  G_OBJECT_CLASS(test_node_parent_class)->dispose(o);
}

static void test_node_class_init(TestNodeClass *k) {
  GObjectClass *oc = G_OBJECT_CLASS(k);
  oc->set_property = set_property;
  oc->get_property = get_property;
  oc->dispose = dispose;
  props[PROP_PEER] = g_param_spec_object("peer", "peer", "peer", G_TYPE_OBJECT, G_PARAM_READWRITE);
  props[PROP_VALUE] = g_param_spec_int("value", "value", "value", 0, 1 << 30, 0, G_PARAM_READWRITE);
  g_object_class_install_properties(oc, NPROPS, props);
  poke = g_signal_new("poke", G_TYPE_FROM_CLASS(k), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 1,
                      G_TYPE_OBJECT);
}

static void test_node_init(TestNode *n) { (void)n; }

static void on_poke(GObject *self, GObject *other, gpointer data) {
  (void)self; (void)data;
  if (other) pokes++;
}

static void on_notify(GObject *self, GParamSpec *ps, gpointer data) {
  (void)self; (void)ps; (void)data;
  notifies++;
}

#define N 1000
static GObject *nodes[N];

int main(void) {
  int own_unrefs = 0;
  for (int i = 0; i < N; i++) {
    nodes[i] = g_object_new(test_node_get_type(), "value", i, NULL);
    g_signal_connect(nodes[i], "poke", G_CALLBACK(on_poke), NULL);
    g_signal_connect(nodes[i], "notify::value", G_CALLBACK(on_notify), NULL);
  }
  for (int i = 0; i < N; i++) g_object_set(nodes[i], "peer", nodes[(i + 1) % N], NULL);
  for (int i = 0; i < N; i++) {
    GObject *p = NULL;
    g_object_get(nodes[i], "peer", &p, NULL);
    g_object_unref(p), own_unrefs++;
  }
  for (int i = 0; i < N; i++) g_signal_emit(nodes[i], poke, 0, nodes[(i + 7) % N]);
  for (int i = 0; i < N; i++) g_object_set(nodes[i], "value", i + 1, NULL); /* notify, with freeze/thaw */
  for (int i = 0; i < N; i++) {
    GValue a = G_VALUE_INIT, b = G_VALUE_INIT;
    g_value_init(&a, G_TYPE_OBJECT);
    g_value_init(&b, G_TYPE_OBJECT);
    g_value_set_object(&a, nodes[i]);
    g_value_copy(&a, &b);
    g_value_unset(&a);
    g_value_unset(&b);
  }
  for (int i = 0; i < N; i++) {
    GWeakRef w;
    g_weak_ref_init(&w, nodes[i]);
    GObject *s = g_weak_ref_get(&w);
    g_weak_ref_clear(&w);
    g_object_unref(s), own_unrefs++;
  }
  /* Drop the first half: each loses its peer and the program's ref. */
  for (int i = 0; i < N / 2; i++) g_object_set(nodes[i], "peer", NULL, NULL);
  for (int i = 0; i < N / 2; i++) {
    g_object_unref(nodes[i]), own_unrefs++;
    nodes[i] = NULL;
  }
  printf("own_refs=0 own_unrefs=%d\n", own_unrefs);
  return pokes == N && notifies >= N ? 0 : 1;
}
