/* scan_signal=USR2 with a program handler inherited across fork: a forked
 * child keeps the disposition it inherited and never installs the shim's
 * again. The parent installs its own USR2 handler (signal scans go off,
 * said once), forks, and the child raises USR2 twice: the program's
 * handler runs in the child. Expected: the output of a plain run (the
 * child's handler ran twice), no scan of kind signal in either process, the
 * "signal scans are off" note once (the parent's; the child says nothing
 * of a signal it never took), and the child's leak reported.
 * run: direct
 * options: scan_signal=USR2
 * compare: plain
 * expect: stdout == plain.stdout and out_int('child_handled') == 2 and out_int('child_status') == 0
 * expect: len(processes) == 2
 * expect: [s.kind for s in log_scans()] == ['exit', 'exit']
 * expect: len([n for n in log_notes() if 'signal scans are off' in n]) == 1
 * expect: cluster_with('child_leak') is not None and summary.definitely_lost.blocks == 1
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static volatile sig_atomic_t handled;
static void on_usr2(int sig) { (void)sig; handled++; }

static NOINLINE void child_leak(void) { void *p = malloc(37); memset(p, 1, 37); sink(p); }

int main(void) {
  signal(SIGUSR2, on_usr2);
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    child_leak();
    clobber_stack();
    raise(SIGUSR2);
    raise(SIGUSR2);
    printf("child_handled=%d\n", (int)handled);
    return 0;
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("child_status=%d\n", st);
  return 0;
}
