/* Processes killed by SIGPIPE, SIGTERM and SIGINT are checked, and die as
 * they would have. The program forks three children, each of which leaks
 * one block of its own size and is then killed: the first writes into a
 * pipe whose reader has gone (as in `prog | head -1`), the other two wait
 * in pause() for the parent's kill(SIGTERM) and kill(SIGINT). The parent
 * prints each raw wait status. Expected: the statuses are those of a plain
 * run (killed by 13, 15 and 2, no core), each child's log ends with END
 * how=signal and its signal, and each child's leak is reported.
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout
 * expect: out_int('pipe_sig') == 13 and out_int('term_sig') == 15 and out_int('int_sig') == 2
 * expect: sorted((e.how, e.status) for e in log_ends() if e.how == 'signal') == [('signal', 2), ('signal', 13), ('signal', 15)]
 * expect: sorted(c.entry.size for c in clusters if has_frame(c.entry, 'leak_sized')) == [101, 102, 103]
 * expect: summary.definitely_lost.blocks == 3 and summary.indirectly_lost.blocks == 0
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void leak_sized(size_t n) { void *p = malloc(n); memset(p, 1, n); sink(p); }

/* A child that leaks `n` bytes, says so on `ready`, and then either writes
 * into `pipe_w` until SIGPIPE (when >= 0) or waits for a signal. */
static pid_t child(size_t n, int pipe_w) {
  int ready[2];
  if (pipe(ready) < 0) exit(1);
  pid_t pid = fork();
  if (pid == 0) {
    close(ready[0]);
    leak_sized(n);
    clobber_stack();
    if (write(ready[1], "r", 1) != 1) _exit(1);
    if (pipe_w >= 0)
      for (;;)
        if (write(pipe_w, "x", 1) < 0) _exit(3); /* only if SIGPIPE did not kill */
    for (;;) pause();
  }
  close(ready[1]);
  char c;
  if (read(ready[0], &c, 1) != 1) exit(1);
  close(ready[0]);
  return pid;
}

/* Waits for pid and prints its status as NAME_sig, NAME_core, NAME_raw. */
static void report(const char *name, pid_t pid) {
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("%s_sig=%d %s_core=%d %s_exited=%d %s_raw=%d\n", name, WIFSIGNALED(st) ? WTERMSIG(st) : 0, name,
         WIFSIGNALED(st) ? WCOREDUMP(st) != 0 : 0, name, WIFEXITED(st), name, st);
}

int main(void) {
  fflush(stdout);
  int p[2];
  if (pipe(p) < 0) return 1;
  close(p[0]); /* the reader is gone before the child writes */
  pid_t a = child(101, p[1]);
  close(p[1]);
  report("pipe", a);
  pid_t b = child(102, -1);
  kill(b, SIGTERM);
  report("term", b);
  pid_t c = child(103, -1);
  kill(c, SIGINT);
  report("int", c);
  return 0;
}
