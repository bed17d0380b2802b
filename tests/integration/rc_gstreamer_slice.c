/* The same pipeline and objects as rc_gstreamer_coverage, with GLib's
 * slice allocator on (no G_SLICE): mini objects are then not heap blocks,
 * so their death is the unref that the hooks saw bring the count to zero
 * (and that dispose did not take back); the books still match every live
 * object's own field.
 * pkg: gstreamer-1.0
 * run: direct
 * env: GST_REGISTRY_FORK=no
 * env: GST_REGISTRY={tmp}/registry.bin
 * expect: stdout == 'eos 10\n' and exit_code == 0
 * expect: rc_stats('gstreamer')['mismatched'] == 0 and rc_stats('gobject')['mismatched'] == 0
 * expect: rc_stats('gstreamer')['died'] >= 200 and rc_stats('gstreamer')['live'] >= 10
 */
#include "rc_gstreamer_coverage.c"
