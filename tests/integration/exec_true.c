/* The program execs /bin/true: its own log ends with "exec", and /bin/true,
 * traced too, writes a log of its own.
 * expect: len(processes) == 2
 * expect: any(p.end == 'exec' for p in processes)
 * expect: any(p.exe.endswith('/true') for p in processes)
 * expect: summary.definitely_lost.blocks == 0
 */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  execl("/bin/true", "true", (char *)NULL);
  perror("execl");
  return 1;
}
