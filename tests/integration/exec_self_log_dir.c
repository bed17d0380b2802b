/* `leakgraph-report DIR` reads every leakgraph log in DIR, in name order,
 * and skips the other files, saying how many: a program that execs itself
 * leaves two logs (same pid) in T/logs, next to a text file, an empty file
 * and an empty subdirectory planted there. The report has both processes;
 * stderr says 3 entries were skipped.
 * setup: printf 'not a log\n' > logs/notes.txt && : > logs/empty.log && mkdir logs/sub
 * run: direct
 * log: {tmp}/logs/leakgraph.%e.%p.log
 * report_on: {tmp}/logs
 * expect: stdout == 'child done\n'
 * expect: len(processes) == 2 and processes[0].pid == processes[1].pid
 * expect: [p.log.rsplit('/', 1)[-1] for p in processes] == ['leakgraph.prog.%d.1.log' % processes[0].pid, 'leakgraph.prog.%d.log' % processes[0].pid]
 * expect: 'skipped 3 entries that are not leakgraph logs' in report_stderr
 * expect: cluster_with('exec_dir_leak').entry.size == 333
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void exec_dir_leak(void) { void *p = malloc(333); memset(p, 1, 333); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "child") == 0) {
    exec_dir_leak();
    clobber_stack();
    printf("child done\n");
    return 0;
  }
  execl("/proc/self/exe", argv[0], "child", (char *)NULL);
  perror("execl");
  return 1;
}
