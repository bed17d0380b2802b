/* refcount=none turns every family off, the api included: the program
 * runs as without leakgraph, and no refcount event is recorded.
 * run: direct
 * options: refcount=none
 * compare: plain
 * expect: stdout == plain.stdout == 'refs 3\n' and exit_code == plain.exit_code == 0
 * expect: not any(n.startswith('refcount ') for n in log_notes())
 * expect: len(lines(stderr)) == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include "leakgraph.h"

int main(void) {
  int *n = malloc(sizeof *n);
  *n = 1;
  leakgraph_refcounted(n, n, sizeof *n);
  leakgraph_ref(n); ++*n;
  leakgraph_ref(n); ++*n;
  printf("refs %d\n", *n);
  leakgraph_unref(n);
  free(n);
  return 0;
}
