/* A program that execs itself keeps its pid and its executable name, so
 * the new image expands the default log name (leakgraph.%e.%p.log) to the
 * name of the first image's log, which exists: it gets
 * leakgraph.prog.PID.1.log, and the README's `leakgraph-report DIR/*.log`
 * picks both logs. The first image ends with exec; the second leaks a block.
 * run: direct
 * log: {tmp}/logs/leakgraph.%e.%p.log
 * report_on: {tmp}/logs/*.log
 * expect: stdout == 'child done\n'
 * expect: len(processes) == 2 and processes[0].pid == processes[1].pid
 * expect: logs == ['leakgraph.prog.%d.1.log' % processes[0].pid, 'leakgraph.prog.%d.log' % processes[0].pid]
 * expect: any(p.end == 'exec' for p in processes)
 * expect: any(p.argv[-1:] == ['child'] and p.complete for p in processes)
 * expect: cluster_with('exec_glob_leak').entry.size == 222
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void exec_glob_leak(void) { void *p = malloc(222); memset(p, 1, 222); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    exec_glob_leak();
    clobber_stack();
    printf("child done\n");
    return 0;
  }
  execl("/proc/self/exe", argv[0], "child", (char *)NULL);
  perror("execl");
  return 1;
}
