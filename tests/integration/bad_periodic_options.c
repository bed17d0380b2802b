/* Bad values of the periodic-scan options: interval=-1, interval=1e12,
 * interval=abc, scan_signal=NOSUCH, scan_signal=SEGV, scan_signal=CHLD
 * (after interval=0, which is valid: scans only at exit and on demand).
 * Expected: one warning line for each bad entry, naming the key, the value
 * and the accepted values (a range for interval, signal names for
 * scan_signal); none for interval=0; no crash; the program's output and
 * status unchanged; periodic scanning stays off (one scan, at exit); the
 * program's own SIGCHLD handler still gets SIGCHLD; the leak is found.
 * run: direct
 * options: interval=0:interval=-1:interval=1e12:interval=abc:scan_signal=NOSUCH:scan_signal=SEGV:scan_signal=CHLD
 * timeout: 20
 * expect: stdout == 'hello chld=1\n' and exit_code == 0
 * expect: count_lines(stderr, "'interval'") == 3 and count_lines(stderr, "'scan_signal'") == 3
 * expect: len(lines(stderr)) == 6
 * expect: all(count_lines(stderr, "'%s'" % v) == 1 for v in ('-1', '1e12', 'abc', 'NOSUCH', 'SEGV', 'CHLD'))
 * expect: "'0'" not in stderr
 * expect: all(re.search(r'86400', l) for l in lines(stderr) if "'interval'" in l)
 * expect: all('USR2' in l for l in lines(stderr) if "'scan_signal'" in l)
 * expect: processes[0].complete and processes[0].scans == 1
 * expect: summary.definitely_lost.blocks == 1
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static volatile sig_atomic_t chld;
static void on_chld(int sig) { (void)sig; chld++; }

static NOINLINE void leak(void) { void *p = malloc(10); memset(p, 1, 10); sink(p); }

int main(void) {
  signal(SIGCHLD, on_chld);
  raise(SIGCHLD);
  leak();
  clobber_stack();
  printf("hello chld=%d\n", (int)chld);
  return 0;
}
