/* --error-exitcode=23 with a definite leak: the wrapper exits 23 although
 * the program returned 0.
 * run: wrapper --error-exitcode=23
 * exit: 23
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak(void) { void *p = malloc(10); memset(p, 1, 10); sink(p); }

int main(void) {
  leak();
  clobber_stack();
  return 0;
}
