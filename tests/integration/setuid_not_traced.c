/* A set-user-ID program (owned by nobody, run by root, so ld.so runs it in
 * secure mode) is not traced: it runs normally and no log is written. The
 * runner skips the test when it does not run as root or the test directory
 * is on a nosuid mount (`setuid:` implies both needs).
 * setuid: nobody
 * run: direct
 * report: none
 * expect: out_int('euid') != 0 and out_int('euid') != out_int('ruid')
 * expect: 'hello' in stdout and exit_code == 0
 * expect: logs == []
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(void) {
  char *p = malloc(10);
  strcpy(p, "hello");
  printf("%s ruid=%d euid=%d\n", p, (int)getuid(), (int)geteuid());
  return 0;
}
