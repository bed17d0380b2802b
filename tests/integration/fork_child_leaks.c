/* A forked child leaks a block and exits; the parent, after waiting for it,
 * leaks another. Each process writes its own log; the merged report shows
 * both pids, each leak attributed to the right one.
 * expect: len(processes) == 2 and all(p.complete for p in processes)
 * expect: sorted(p.pid for p in processes) == sorted([out_int('parent'), out_int('child')])
 * expect: cluster_with('child_leak').pid == out_int('child')
 * expect: cluster_with('parent_leak').pid == out_int('parent')
 * expect: cluster_with('child_leak').entry.size == 123 and cluster_with('parent_leak').entry.size == 321
 * expect: summary.definitely_lost.blocks == 2
 * expect: out_int('status') == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void child_leak(void) { void *p = malloc(123); memset(p, 1, 123); sink(p); }
static NOINLINE void parent_leak(void) { void *p = malloc(321); memset(p, 1, 321); sink(p); }

int main(void) {
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    child_leak();
    clobber_stack();
    exit(0);
  }
  int status = -1;
  waitpid(pid, &status, 0);
  parent_leak();
  clobber_stack();
  printf("parent=%d child=%d status=%d\n", (int)getpid(), (int)pid, status);
  return 0;
}
