/* Hook coverage of the gstreamer family (GstMiniObject) and of GstObjects
 * through the gobject family: a real pipeline (fakesrc ! queue ! fakesink,
 * 200 buffers, streaming threads) run to EOS, buffers, caps and events
 * made and refd by the program, an extra ref on an element — libgstreamer
 * refs and unrefs them in its own code (-Bsymbolic-functions too). For
 * every live object the shim's count equals the object's own field, and
 * every buffer's birth was seen.
 * pkg: gstreamer-1.0
 * run: direct
 * env: G_SLICE=always-malloc
 * env: GST_REGISTRY_FORK=no
 * env: GST_REGISTRY={tmp}/registry.bin
 * expect: stdout == 'eos 10\n' and exit_code == 0
 * expect: rc_stats('gstreamer')['mismatched'] == 0 and rc_stats('gobject')['mismatched'] == 0
 * expect: rc_stats('gstreamer')['born'] >= 200 + 10 and rc_stats('gstreamer')['live'] >= 10
 * expect: rc_stats('gstreamer')['refs'] >= 200 and rc_stats('gstreamer')['died'] >= 200
 * expect: rc_stats('gobject')['live'] >= 4
 * expect: any('refcount gstreamer: 3 functions patched in' in n for n in log_notes())
 */
#include <gst/gst.h>
#include <stdio.h>

static GstBuffer *bufs[10];
static GstCaps *caps;
static GstElement *pipeline, *extra;

int main(void) {
  gst_init(NULL, NULL);
  pipeline = gst_parse_launch("fakesrc num-buffers=200 ! queue ! fakesink", NULL);
  if (!pipeline) return 1;
  gst_element_set_state(pipeline, GST_STATE_PLAYING);
  GstBus *bus = gst_element_get_bus(pipeline);
  GstMessage *m = gst_bus_timed_pop_filtered(bus, GST_CLOCK_TIME_NONE, GST_MESSAGE_EOS | GST_MESSAGE_ERROR);
  int eos = m && GST_MESSAGE_TYPE(m) == GST_MESSAGE_EOS;
  if (m) gst_message_unref(m);
  gst_object_unref(bus);
  gst_element_set_state(pipeline, GST_STATE_NULL); /* the streaming threads are joined */
  int n = 0;
  for (int i = 0; i < 10; i++) {
    bufs[i] = gst_buffer_new_allocate(NULL, 64, NULL);
    GstBuffer *b = gst_buffer_ref(bufs[i]);
    GstBuffer *c = gst_buffer_copy(bufs[i]);
    gst_buffer_unref(c);
    gst_buffer_unref(b);
    n++;
  }
  caps = gst_caps_new_empty_simple("video/x-raw");
  GstEvent *ev = gst_event_new_eos();
  gst_event_ref(ev);
  gst_event_unref(ev);
  gst_event_unref(ev);
  extra = gst_bin_get_by_name(GST_BIN(pipeline), "queue0"); /* a ref the program keeps */
  gst_object_ref(extra);
  gst_object_unref(extra);
  printf("%s %d\n", eos ? "eos" : "error", n);
  return 0;
}
