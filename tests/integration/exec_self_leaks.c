/* The program execs itself with the argument "child"; the new image leaks a
 * block. Both images write a log (same pid, different files): the first one
 * ends with "exec", the second reports the leak.
 * expect: stdout == 'child done\n'
 * expect: len(processes) == 2
 * expect: any(p.end == 'exec' for p in processes)
 * expect: any(p.argv[-1:] == ['child'] and p.complete for p in processes)
 * expect: cluster_with('exec_child_leak') is not None
 * expect: cluster_with('exec_child_leak').entry.size == 222
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void exec_child_leak(void) { void *p = malloc(222); memset(p, 1, 222); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    exec_child_leak();
    clobber_stack();
    printf("child done\n");
    return 0;
  }
  char *buf = malloc(64); /* freed before exec: the first image leaks nothing */
  free(buf);
  execl("/proc/self/exe", argv[0], "child", (char *)NULL);
  perror("execl");
  return 1;
}
