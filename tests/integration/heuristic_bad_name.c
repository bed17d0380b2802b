/* A heuristics list with a name valgrind does not have: one warning on
 * stderr naming the option and the accepted names, and the default (all)
 * is kept, so the length64 block is reachable through length64.
 * run: direct
 * options: heuristics=stdstring,bogus
 * expect: stdout == 'hello\n' and exit_code == 0
 * expect: count_lines(stderr, 'heuristics') == 1 and len(lines(stderr)) == 1
 * expect: 'bogus' in stderr and 'multipleinheritance' in stderr and 'none' in stderr
 * expect: summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.heuristics.length64.bytes == 64
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *payload;

static NOINLINE void keep_length64(void) {
  uint64_t *p = malloc(64);
  p[0] = 64 - 8;
  memset(p + 1, 7, 64 - 8);
  payload = (char *)(p + 1);
}

int main(void) {
  keep_length64();
  clobber_stack();
  printf("hello\n");
  return 0;
}
