/* With LD_PRELOAD and quiet=1 (no wrapper) the program's stdout, stderr and
 * exit status are exactly those of a run without leakgraph.
 * run: direct
 * compare: plain
 * exit: 7
 * expect: stdout == plain.stdout and stderr == plain.stderr and exit_code == plain.exit_code == 7
 * expect: stderr == 'to stderr\n' and stdout == 'to stdout 42\n'
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  int *p = malloc(sizeof *p);
  *p = 42;
  printf("to stdout %d\n", *p);
  fprintf(stderr, "to stderr\n");
  free(p);
  return 7;
}
