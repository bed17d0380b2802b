/* An unwritable log path (log=/nonexistent/dir/x.log): one warning on
 * stderr naming the path, the program's output and status unchanged, no
 * log anywhere.
 * run: direct
 * log: /nonexistent/dir/x.log
 * report: none
 * expect: stdout == 'hello\n' and exit_code == 0
 * expect: count_lines(stderr, '/nonexistent/dir') == 1 and len(lines(stderr)) <= 3
 * expect: logs == []
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
