/* A LEAKGRAPH_OPTIONS item without '=' (depth): exactly one warning line on
 * stderr naming it; the program's output and status are unchanged and it is
 * still traced with the defaults (its leak is found).
 * run: direct
 * options: depth
 * expect: stdout == 'hello\n' and exit_code == 0
 * expect: count_lines(stderr, 'depth') == 1
 * expect: len(lines(stderr)) <= 3
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak(void) { void *p = malloc(10); memset(p, 1, 10); sink(p); }

int main(void) {
  leak();
  clobber_stack();
  printf("hello\n");
  return 0;
}
