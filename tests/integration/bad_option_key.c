/* An unknown LEAKGRAPH_OPTIONS key (nosuchkey=1): exactly one warning line
 * on stderr naming it, and the accepted keys listed; the program's output
 * and status are unchanged and it is still traced (its leak is found).
 * run: direct
 * options: nosuchkey=1
 * expect: stdout == 'hello\n' and exit_code == 0
 * expect: count_lines(stderr, 'nosuchkey') == 1
 * expect: len(lines(stderr)) <= 3
 * expect: 'depth' in stderr and 'log' in stderr
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
