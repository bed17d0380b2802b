/* The shim's own summary line never kills the program: stderr is a pipe
 * whose reader has gone (the program waits until it has: POLLERR on its
 * write end), and the program then returns 7. Without care, the summary
 * written at exit would raise SIGPIPE and the process would die by it
 * (status 141) instead of exiting 7. Expected: the status of a plain run,
 * and a complete log (END exit 7).
 * run: shell exec 3>&1; ( {direct} {prog} 2>&1 >/dev/null; echo "status=$?" >&3 ) | true
 * options: quiet=0
 * compare: plain
 * expect: stdout == plain.stdout == 'status=7\n'
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 7)]
 */
#include <poll.h>

int main(void) {
  struct pollfd p = {2, 0, 0};
  poll(&p, 1, 20000); /* POLLERR once the pipe's reader has gone (20 s at most) */
  return 7;
}
