/* The log path expands %e (executable name), %p (pid) and %t (start time),
 * and the log file is created with mode 0600.
 * run: direct
 * log: {tmp}/logs/lg.%e.%p.%t.log
 * expect: len(logs) == 1
 * expect: re.fullmatch(r'lg\.prog\.%d\.\d+\.log' % processes[0].pid, logs[0]) is not None
 * expect: file_mode('logs/' + logs[0]) == 0o600
 */
#include <stdlib.h>

int main(void) {
  free(malloc(10));
  return 0;
}
