/* The shim never writes a log through a symbolic link it was not given:
 * the log path (lg.%e.log, expanding to lg.prog.log) is a dangling symlink
 * to T/victim; after the run T/victim does not exist, the program's output
 * and status are unchanged.
 * setup: ln -s ../victim logs/lg.prog.log
 * run: direct
 * log: {tmp}/logs/lg.%e.log
 * report: none
 * expect: not exists('victim')
 * expect: stdout == 'hello\n' and exit_code == 0
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  free(malloc(10));
  printf("hello\n");
  return 0;
}
