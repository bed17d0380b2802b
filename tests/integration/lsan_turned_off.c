/* A program that defines __lsan_is_turned_off() returning 1 gets no leak
 * report: either no log at all, or a log with nothing lost. Its output and
 * status are unchanged.
 * report: optional
 * expect: stdout == 'hello\n' and exit_code == 0
 * expect: r is None or (summary.definitely_lost.blocks == 0 and len(clusters) == 0)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

int __lsan_is_turned_off(void) { return 1; }

static NOINLINE void leak(void) { void *p = malloc(10); memset(p, 1, 10); sink(p); }

int main(void) {
  leak();
  clobber_stack();
  printf("hello\n");
  return 0;
}
