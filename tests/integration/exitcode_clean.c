/* --error-exitcode=23 without leaks: the wrapper exits with the program's
 * own status, 4.
 * run: wrapper --error-exitcode=23
 * exit: 4
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <stdlib.h>

int main(void) {
  free(malloc(10));
  return 4;
}
