/* The wrapper refuses a heuristic valgrind does not have, like its other
 * flags: status 2 (a usage error), a message naming --heuristics and the
 * accepted names, and the program does not run.
 * run: wrapper --heuristics=stdstring,bogus
 * report: none
 * exit: 2
 * expect: stdout == ''
 * expect: '--heuristics' in stderr and 'bogus' in stderr
 * expect: 'stdstring,length64,newarray,multipleinheritance' in stderr and 'none' in stderr
 * expect: logs == []
 */
#include <stdio.h>

int main(void) {
  printf("ran\n");
  return 0;
}
