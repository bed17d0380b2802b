/* SIG_IGN and SIG_DFL as the program sees them. The program reads the
 * disposition of signals it never set (the default, with no flags -- the
 * shim's handler stays hidden), ignores SIGTERM with signal() and raises
 * it (ignored: the process lives on), then sets SIG_DFL again with
 * sigaction (the old action reported is SIG_IGN) and forks a child that
 * leaks and raises SIGTERM: the child is checked at the signal and killed
 * by it. Last it ignores SIGHUP and execs itself: the new image inherits
 * SIGHUP ignored, sees it so, and survives a SIGHUP (the shim never takes
 * a signal ignored at start). Expected: the output of a plain run; END
 * records exec (the first image), signal 15 (the child) and exit 0 (the
 * exec'd image); the child's leak reported.
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout
 * expect: out_int('survived_ignored_term') == 1 and out_int('child_sig') == 15 and out_int('survived_inherited_hup') == 1
 * expect: sorted((e.how, e.status) for e in log_ends()) == [('exec', 0), ('exit', 0), ('signal', 15)]
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'child_leak')
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static void show(const char *label, int sig) {
  struct sigaction a;
  memset(&a, 0xff, sizeof a);
  sigemptyset(&a.sa_mask);
  int rc = sigaction(sig, NULL, &a);
  const char *h = a.sa_handler == SIG_DFL ? "DFL" : a.sa_handler == SIG_IGN ? "IGN" : "other";
  printf("%s: rc=%d handler=%s flags=%#x mask_empty=%d restorer=%d\n", label, rc, h, (unsigned)a.sa_flags,
         sigisemptyset(&a.sa_mask), a.sa_restorer != NULL);
}

static NOINLINE void child_leak(void) { void *p = malloc(77); memset(p, 1, 77); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "inherited")) {
    show("HUP inherited", SIGHUP);
    raise(SIGHUP);
    printf("survived_inherited_hup=1\n");
    return 0;
  }
  show("USR2 never set", SIGUSR2);
  show("ALRM never set", SIGALRM);
  show("RTMIN+1 never set", SIGRTMIN + 1);
  show("SEGV never set", SIGSEGV);
  printf("signal TERM IGN: old=%s\n", signal(SIGTERM, SIG_IGN) == SIG_DFL ? "DFL" : "other");
  show("TERM ignored", SIGTERM);
  raise(SIGTERM);
  printf("survived_ignored_term=1\n");
  struct sigaction dfl, old;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  sigemptyset(&dfl.sa_mask);
  sigaddset(&dfl.sa_mask, SIGKILL); /* the kernel drops KILL and STOP from masks */
  sigaddset(&dfl.sa_mask, SIGUSR1);
  int rc = sigaction(SIGTERM, &dfl, &old);
  printf("sigaction TERM DFL: rc=%d old=%s\n", rc, old.sa_handler == SIG_IGN ? "IGN" : "other");
  show("TERM default again", SIGTERM);
  struct sigaction now;
  sigaction(SIGTERM, NULL, &now);
  printf("TERM mask: kill=%d usr1=%d\n", sigismember(&now.sa_mask, SIGKILL), sigismember(&now.sa_mask, SIGUSR1));
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    child_leak();
    clobber_stack();
    raise(SIGTERM);
    _exit(0); /* not reached: SIGTERM kills */
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("child_sig=%d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  signal(SIGHUP, SIG_IGN);
  fflush(stdout);
  execl("/proc/self/exe", argv[0], "inherited", (char *)NULL);
  perror("execl");
  return 1;
}
