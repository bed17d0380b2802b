/* GStreamer: a GstBuffer refd once more by extra_buffer_ref than it is
 * released, and a fakesink refd by extra_object_ref while inside a
 * pipeline, which is then released (the bin drops its ref on the sink).
 * Both are unbalanced, not cyclic garbage: the sink's pad points back at
 * it (GstObject.parent) and the buffer's memory at it (its parents), but
 * those pointers hold no reference. GStreamer's own leaks tracer
 * (GST_TRACERS=leaks) lists, for the same run, the objects still alive at
 * gst_deinit: each of them is one of ours — unbalanced, or in the lost
 * cluster of one (the pad, the memory) — and each unbalanced object born
 * once the tracer ran is in its list. (GStreamer itself leaks a ref of the
 * tracer factory it looks up in gst_init when tracers are on: unbalanced
 * too, born before the tracer, and so not in its list.) The trees end in
 * the helpers that took the extra refs.
 * pkg: gstreamer-1.0
 * env: G_SLICE=always-malloc
 * env: GST_TRACERS=leaks
 * env: GST_DEBUG=GST_TRACER:7
 * env: GST_DEBUG_NO_COLOR=1
 * run: direct
 * expect: len(re.findall(r'object-alive, type-name=\(string\)(\w+), address=\(gpointer\)(0x[0-9a-f]+)', stderr)) >= 2
 * expect: not [f for f in r.refcount if f.kind != 'unbalanced']
 * expect: {'GstBuffer', 'GstFakeSink'} <= {o.type for f in r.refcount for o in f.objects}
 * expect: {(o.type, o.address) for f in r.refcount for o in f.objects if not has_frame(o, 'gst_init')} <= set(re.findall(r'object-alive, type-name=\(string\)(\w+), address=\(gpointer\)(0x[0-9a-f]+)', stderr))
 * expect: set(re.findall(r'object-alive, type-name=\(string\)(\w+), address=\(gpointer\)(0x[0-9a-f]+)', stderr)) <= {(o.type, o.address) for f in r.refcount for o in f.objects} | {(o.type, o.address) for c in clusters for o in c.refcounted}
 * expect: all(has_frame(o, 'gst_init') for f in r.refcount for o in f.objects if o.type not in ('GstBuffer', 'GstFakeSink'))
 * expect: re.search(r'"function": "extra_buffer_ref", [^{]*"balance": 1, "self_refs": 1, "self_unrefs": 0, "children": \[\]', json.dumps([f.tree for f in r.refcount if f.objects[0].type == 'GstBuffer']))
 * expect: re.search(r'"function": "extra_object_ref", [^{]*"refs": 1, "unrefs": 0, "balance": 1,', json.dumps([f.tree for f in r.refcount if f.objects[0].type == 'GstFakeSink']))
 * expect: [o.family for f in r.refcount for o in f.objects if o.type == 'GstBuffer'] == ['gstreamer']
 */
#include <gst/gst.h>

#include "testutil.h"

static NOINLINE void extra_buffer_ref(GstBuffer *b) { gst_buffer_ref(b); }
static NOINLINE void extra_object_ref(GstElement *e) { gst_object_ref(e); }

static NOINLINE void make_buffer(void) {
  GstBuffer *b = gst_buffer_new_allocate(NULL, 64, NULL);
  extra_buffer_ref(b);
  gst_buffer_unref(b);
}

static NOINLINE void make_bin(void) {
  GstElement *pipeline = gst_pipeline_new("pipe");
  GstElement *sink = gst_element_factory_make("fakesink", "sink");
  gst_bin_add(GST_BIN(pipeline), sink);
  extra_object_ref(sink);
  gst_object_unref(pipeline);
}

int main(int argc, char **argv) {
  gst_init(&argc, &argv);
  make_buffer();
  make_bin();
  clobber_stack();
  gst_deinit();
  return 0;
}
