/* gst-launch-1.0 runs a pipeline of 100 buffers from fakesrc to fakesink
 * under the shim, with the gobject and gstreamer families hooked: at its
 * exit the refcount phase analyses the objects still alive and finds
 * nothing — no cyclic garbage, no unbalanced object.
 * run: shell {direct} gst-launch-1.0 -q fakesrc num-buffers=100 ! fakesink
 * env: G_SLICE=always-malloc
 * expect: r.refcount == [] and r.summary.refcount.cyclic_garbage == 0 and r.summary.refcount.unbalanced == 0
 * expect: any(n.startswith('refcount gstreamer: ') and 'patched' in n for n in log_notes())
 * expect: any(re.match(r'refcount gstreamer: \d+ live objects \((\d+) born', n) and int(re.match(r'refcount gstreamer: \d+ live objects \((\d+) born', n).group(1)) >= 100 for n in log_notes())
 * expect: any(re.match(r'refcount scan \d+: \d+ objects analysed', n) for n in log_notes())
 */
int main(void) { return 0; }
