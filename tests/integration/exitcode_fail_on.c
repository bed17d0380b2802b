/* --error-exitcode=23 --fail-on=definite with only a possibly lost block:
 * not a failing kind, so the wrapper exits with the program's status (0);
 * the report still counts the block.
 * run: wrapper --error-exitcode=23 --fail-on=definite
 * exit: 0
 * expect: summary.possibly_lost.blocks == 1 and summary.definitely_lost.blocks == 0
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior;

static NOINLINE void make_interior(void) {
  char *p = malloc(100);
  memset(p, 1, 100);
  interior = p + 10;
}

int main(void) {
  make_interior();
  clobber_stack();
  return 0;
}
