/* For a program that links GLib, the wrapper sets G_SLICE=always-malloc
 * (GLib 2.74's slice allocator would keep GObjects out of the heap) when
 * the user has not, and says so once on stderr; PYTHONMALLOC is left
 * alone (not a CPython program).
 * pkg: glib-2.0
 * run: wrapper
 * expect: stdout == 'G_SLICE=always-malloc PYTHONMALLOC=(unset) glib\n' and exit_code == 0
 * expect: count_lines(stderr, 'G_SLICE=always-malloc') == 1 and count_lines(stderr, 'PYTHONMALLOC') == 0
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

static const char *env(const char *k) { return getenv(k) ? getenv(k) : "(unset)"; }

int main(void) {
  g_set_prgname("glib");
  printf("G_SLICE=%s PYTHONMALLOC=%s %s\n", env("G_SLICE"), env("PYTHONMALLOC"), g_get_prgname());
  return 0;
}
