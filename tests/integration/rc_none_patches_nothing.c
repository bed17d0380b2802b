/* refcount=none on a real GObject program: no library is patched (no
 * NOTE of a patch, no refcount statistics), g_object_ref does not begin
 * with the jump a patch writes, and the program runs as without
 * leakgraph (with refcount=gobject this test fails on the jump).
 * pkg: gobject-2.0
 * run: direct
 * options: refcount=none
 * env: G_SLICE=always-malloc
 * compare: plain
 * expect: stdout == plain.stdout and exit_code == plain.exit_code == 0
 * expect: stdout.startswith('entry unchanged 1') and 'count 2' in stdout
 * expect: not any('patched' in n for n in log_notes())
 * expect: rc_stats('gobject') is None
 */
#include <glib-object.h>
#include <stdio.h>
#include <string.h>

int main(void) {
  /* g_object_ref's first byte as mapped, and as the file has it: a
   * patched entry starts with a jump (0xe9). */
  const unsigned char *entry = (const unsigned char *)(void *)g_object_ref;
  GObject *o = g_object_new(G_TYPE_OBJECT, NULL);
  g_object_ref(o);
  printf("entry unchanged %d\ncount %u\n", entry[0] != 0xe9, o->ref_count);
  g_object_unref(o);
  g_object_unref(o);
  return 0;
}
