/* A crash still dies by its signal. The program forks two children, each
 * of which leaks a block and then crashes: one writes through a null
 * pointer (SIGSEGV), one divides by zero (SIGFPE). The parent prints their
 * raw wait statuses. Expected: the statuses of a plain run (killed by 11
 * and 8: the faulting instruction runs again under the default action, so
 * the kernel's own fault ends the process), each child's log ends with END
 * how=signal and its signal, and both leaks are reported.
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout
 * expect: out_int('segv_sig') == 11 and out_int('fpe_sig') == 8
 * expect: sorted((e.how, e.status) for e in log_ends() if e.how == 'signal') == [('signal', 8), ('signal', 11)]
 * expect: sorted(c.entry.size for c in clusters if has_frame(c.entry, 'leak_sized')) == [41, 42]
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void leak_sized(size_t n) { void *p = malloc(n); memset(p, 1, n); sink(p); }

static volatile int zero;
static int *volatile nowhere;

static void report(const char *name, pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("%s_sig=%d %s_exited=%d %s_raw=%d\n", name, WIFSIGNALED(st) ? WTERMSIG(st) : 0, name, WIFEXITED(st), name, st);
  fflush(stdout);
}

int main(void) {
  fflush(stdout);
  pid_t a = fork();
  if (a == 0) {
    leak_sized(41);
    clobber_stack();
    *nowhere = 1;
    _exit(0);
  }
  report("segv", a);
  pid_t b = fork();
  if (b == 0) {
    leak_sized(42);
    clobber_stack();
    printf("%d\n", 100 / zero);
    _exit(0);
  }
  report("fpe", b);
  return 0;
}
