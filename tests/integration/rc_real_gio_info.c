/* gio info / (GLib's gio tool: GVfs, GFile, GFileInfo objects) runs under
 * the shim with the gobject family hooked; at its exit the refcount phase
 * finds nothing.
 * run: shell {direct} gio info /
 * env: G_SLICE=always-malloc
 * expect: 'standard::type' in stdout or 'type:' in stdout
 * expect: r.refcount == [] and r.summary.refcount.cyclic_garbage == 0 and r.summary.refcount.unbalanced == 0
 * expect: any(n.startswith('refcount gobject: ') and 'patched' in n for n in log_notes())
 * expect: any(re.match(r'refcount gobject: \d+ live objects \((\d+) born', n) and int(re.match(r'refcount gobject: \d+ live objects \((\d+) born', n).group(1)) >= 1 for n in log_notes())
 */
int main(void) { return 0; }
