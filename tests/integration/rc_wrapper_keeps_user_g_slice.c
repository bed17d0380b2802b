/* A G_SLICE the user set is kept by the wrapper, and nothing is said.
 * pkg: glib-2.0
 * run: wrapper
 * env: G_SLICE=debug-blocks
 * expect: stdout == 'G_SLICE=debug-blocks glib\n' and exit_code == 0
 * expect: count_lines(stderr, 'G_SLICE') == 0
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  g_set_prgname("glib");
  printf("G_SLICE=%s %s\n", getenv("G_SLICE") ? getenv("G_SLICE") : "(unset)", g_get_prgname());
  return 0;
}
