/* `env -i PROGRAM`: env (traced, it was exec'd with the shim's variables)
 * clears its environment and execs the program, which would run
 * untraced; the exec hooks put the shim's two variables back. The program
 * runs itself as `env -i /path/prog child`; the child prints how many
 * variables it got besides the shim's (none, as in a plain run) and leaks
 * 111 bytes. Expected: the child's leak reported, from its own log, and its
 * environment otherwise empty; the parent, env and the child each wrote a
 * complete log.
 * run: direct
 * compare: plain
 * expect: line_with(stdout, 'child others=') == line_with(plain.stdout, 'child others=') == 'child others=0'
 * expect: out_int('child_status') == 0
 * expect: len(processes) >= 3 and all(p.complete for p in processes)
 * expect: any(p.argv[-1:] == ['child'] for p in processes)
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'child_leak')
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

extern char **environ;

static NOINLINE void child_leak(void) { void *p = malloc(111); memset(p, 1, 111); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1) {
    int others = 0;
    for (char **e = environ; e && *e; e++)
      others += strncmp(*e, "LEAKGRAPH_OPTIONS=", 18) && strncmp(*e, "LD_PRELOAD=", 11);
    printf("child others=%d\n", others);
    child_leak();
    clobber_stack();
    return 0;
  }
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return 1;
  self[n] = 0;
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    execl("/usr/bin/env", "env", "-i", self, "child", (char *)NULL);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("child_status=%d\n", st);
  return 0;
}
