/* posix_spawn with an environment of the program's own (X=1 only): the
 * spawned program is traced, the shim's two variables put back, X=1 left
 * as it was. The spawned image prints the variables it got besides the
 * shim's and leaks 144 bytes. Expected: its other variables as in a plain
 * run, its leak reported; the parent goes on (it prints the child's
 * status) and ends normally.
 * run: direct
 * compare: plain
 * expect: line_with(stdout, 'spawned others=') == line_with(plain.stdout, 'spawned others=') == 'spawned others=X=1|'
 * expect: out_int('spawn_rc') == 0 and out_int('child_status') == 0
 * expect: len(processes) == 2 and all(p.complete for p in processes)
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'spawned_leak')
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

extern char **environ;

static NOINLINE void spawned_leak(void) { void *p = malloc(144); memset(p, 1, 144); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1) {
    char others[512] = "";
    for (char **e = environ; e && *e; e++)
      if (strncmp(*e, "LEAKGRAPH_OPTIONS=", 18) && strncmp(*e, "LD_PRELOAD=", 11)) {
        strcat(others, *e);
        strcat(others, "|");
      }
    printf("spawned others=%s\n", others);
    spawned_leak();
    clobber_stack();
    return 0;
  }
  fflush(stdout);
  char *args[] = {argv[0], "spawned", NULL};
  char *envp[] = {"X=1", NULL};
  pid_t pid;
  int rc = posix_spawn(&pid, "/proc/self/exe", NULL, NULL, args, envp);
  int st = -1;
  if (rc == 0)
    while (waitpid(pid, &st, 0) < 0) {}
  printf("spawn_rc=%d child_status=%d\n", rc, st);
  return 0;
}
