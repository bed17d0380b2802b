/* A GObject created and released in one function, used by helpers that
 * each take a ref and release it, and refd once more by leaky_ref, which
 * never releases it; then the program drops it. The refcount phase finds
 * one unbalanced object (count 1, nothing points at it) and no garbage;
 * its balance tree is a single path of +1 from the thread's start down to
 * leaky_ref, where the unreleased ref was taken: the balanced helpers and
 * the references libgobject takes and drops inside g_object_new are
 * pruned, and the birth balances the last unref in scenario.
 * pkg: gobject-2.0
 * env: G_SLICE=always-malloc
 * expect: [f.kind for f in r.refcount] == ['unbalanced']
 * expect: r.refcount[0].family == 'gobject' and r.refcount[0].objects[0].type == 'TestWidget'
 * expect: r.refcount[0].objects[0].refcount == 1 and r.refcount[0].objects[0].base == 1
 * expect: has_frame(r.refcount[0].objects[0], 'scenario')
 * expect: json.dumps(r.refcount[0].tree).count('"children": []') == 1
 * expect: set(re.findall(r'"balance": (-?[0-9]+)', json.dumps(r.refcount[0].tree))) == {'1'}
 * expect: re.search(r'"function": "scenario", [^{]*"children": \[\{"function": "leaky_ref", [^{]*"refs": 1, "unrefs": 0, "balance": 1, "self_refs": 1, "self_unrefs": 0, "children": \[\]', json.dumps(r.refcount[0].tree))
 * expect: 'use_balanced' not in json.dumps(r.refcount[0].tree) and 'g_object_new' not in json.dumps(r.refcount[0].tree)
 * expect: r.refcount[0].tree[0].refs - r.refcount[0].tree[0].unrefs == 1 and r.refcount[0].tree[0].unrefs >= 5
 */
#include <glib-object.h>
#include <stdio.h>

#include "testutil.h"

typedef struct { GObject parent; int value; } TestWidget;
typedef struct { GObjectClass parent; } TestWidgetClass;
typedef struct { int secret; } TestWidgetPrivate;

G_DEFINE_TYPE_WITH_PRIVATE(TestWidget, test_widget, G_TYPE_OBJECT)

static void test_widget_class_init(TestWidgetClass *k) { (void)k; }
static void test_widget_init(TestWidget *self) { self->value = 7; }

static NOINLINE void use_balanced(GObject *o) {
  g_object_ref(o);
  ((TestWidget *)o)->value++;
  g_object_unref(o);
}

static NOINLINE void leaky_ref(GObject *o) { g_object_ref(o); }

static NOINLINE void scenario(void) {
  GObject *w = g_object_new(test_widget_get_type(), NULL);
  for (int i = 0; i < 3; i++) use_balanced(w);
  leaky_ref(w);
  use_balanced(w);
  g_object_unref(w);
}

int main(void) {
  scenario();
  clobber_stack();
  return 0;
}
