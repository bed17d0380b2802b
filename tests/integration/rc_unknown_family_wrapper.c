/* The wrapper refuses a refcount family that does not exist, like its
 * other flags: status 2 (a usage error), a message naming --refcount and
 * the accepted names, and the program does not run.
 * run: wrapper --refcount=gobject,bogus
 * report: none
 * exit: 2
 * expect: stdout == ''
 * expect: '--refcount' in stderr and 'bogus' in stderr
 * expect: 'api,gobject,gstreamer,openssl,python' in stderr and 'none' in stderr
 * expect: logs == []
 */
#include <stdio.h>

int main(void) {
  printf("ran\n");
  return 0;
}
