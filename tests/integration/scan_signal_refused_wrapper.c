/* The wrapper refuses --scan-signal=INT (and TERM, QUIT, HUP, PIPE, ALRM)
 * as a usage error: status 2, a message naming the flag, the program not
 * run (it would print 'ran').
 * run: wrapper --scan-signal=INT
 * exit: 2
 * report: none
 * expect: 'ran' not in stdout and count_lines(stderr, '--scan-signal') == 1
 * expect: logs == []
 */
#include <stdio.h>

int main(void) {
  printf("ran\n");
  return 0;
}
