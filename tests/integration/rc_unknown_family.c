/* A refcount list with a family that does not exist: one warning on
 * stderr naming the option and every accepted name, and the default
 * (every family) is used — not the list's valid part — so the api family
 * records the program's declared object.
 * run: direct
 * options: refcount=gobject,bogus
 * expect: stdout == 'count 2\n' and exit_code == 0
 * expect: len(lines(stderr)) == 1 and count_lines(stderr, "'refcount'") == 1 and 'bogus' in stderr
 * expect: all(f in stderr for f in ('api', 'gobject', 'gstreamer', 'openssl', 'python', 'all', 'none'))
 * expect: rc_stats('api') == dict(live=1, born=1, adopted=0, refs=1, unrefs=0, died=0, mismatched=0)
 */
#include <stdio.h>
#include <stdlib.h>
#include "leakgraph.h"

static int *obj;

int main(void) {
  obj = malloc(sizeof *obj);
  *obj = 1;
  leakgraph_refcounted(obj, obj, sizeof *obj);
  leakgraph_ref(obj);
  ++*obj;
  printf("count %d\n", *obj);
  return 0;
}
