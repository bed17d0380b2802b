/* A vfork child that execs shares the parent's memory until the exec, the
 * shim's log state included; its exec must not end the parent's log. The
 * parent vforks a child that execs the program with "child" (the new
 * image leaks 66 bytes), waits for it, then leaks 77 bytes and exits.
 * Expected: the parent's log has exactly one END, exit 0, after its exit
 * scan; both leaks reported.
 * run: direct
 * expect: out_int('child_status') == 0
 * expect: [e.how for e in log_ends() if e.pid == out_int('parent')] == ['exit']
 * expect: [s.kind for s in log_scans() if s.pid == out_int('parent')] == ['exit']
 * expect: sorted(c.entry.size for c in clusters if has_frame(c.entry, 'leak_sized')) == [66, 77]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void leak_sized(size_t n) { void *p = malloc(n); memset(p, 1, n); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1) {
    leak_sized(66);
    clobber_stack();
    return 0;
  }
  char *args[] = {argv[0], "child", NULL};
  fflush(stdout);
  pid_t pid = vfork();
  if (pid == 0) {
    execv("/proc/self/exe", args);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  leak_sized(77);
  clobber_stack();
  printf("parent=%d child_status=%d\n", (int)getpid(), st);
  return 0;
}
