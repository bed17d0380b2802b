/* scan_signal=USR2 in a process that starts with USR2 ignored (inherited:
 * the shell ran it under `trap '' USR2`, as nohup does with HUP): the shim
 * does not take the signal. The program sees USR2 ignored and survives
 * raising it. Expected: the output of a plain run; stderr and the log say
 * once that signal scans are off; only the exit scan.
 * run: shell trap '' USR2; {direct} {prog}
 * options: scan_signal=USR2:quiet=0
 * compare: plain
 * expect: stdout == plain.stdout == 'USR2 ignored=1\nsurvived\n'
 * expect: count_lines(stderr, 'signal scans are off') == 1
 * expect: len([n for n in log_notes() if 'signal scans are off' in n]) == 1
 * expect: [s.kind for s in log_scans()] == ['exit']
 */
#include <signal.h>
#include <stdio.h>

int main(void) {
  struct sigaction a;
  sigaction(SIGUSR2, NULL, &a);
  printf("USR2 ignored=%d\n", a.sa_handler == SIG_IGN);
  raise(SIGUSR2);
  printf("survived\n");
  return 0;
}
