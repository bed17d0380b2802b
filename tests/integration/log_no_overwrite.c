/* The shim never writes over an existing file: the log path names a file
 * that exists; after the run the file is unchanged, the program's output
 * and status too.
 * setup: printf 'precious\n' > logs/fixed.log
 * run: direct
 * log: {tmp}/logs/fixed.log
 * report: none
 * expect: read_text('logs/fixed.log') == 'precious\n'
 * expect: stdout == 'hello\n' and exit_code == 0
 */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  free(malloc(10));
  printf("hello\n");
  return 0;
}
