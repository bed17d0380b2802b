/* A parent traced with full periodic scans (interval=0.1, full_every=1)
 * forks a child that leaks a 123-byte block, then runs about 1.2 s, and
 * exits. The child's own
 * log has periodic scans of its own (the scanner thread is restarted in the
 * child): its process has at least 3 scans, at least 3 of them periodic,
 * and a periodic scan of the child logged its leak, first seen early. The
 * parent, which leaks nothing, has scans of its own too.
 * run: direct
 * options: interval=0.1:full_every=1
 * timeout: 30
 * expect: out_int('status') == 0
 * expect: len(processes) == 2 and all(p.complete for p in processes)
 * expect: [p.scans for p in processes if p.pid == out_int('child')][0] >= 3
 * expect: [p.scans for p in processes if p.pid == out_int('parent')][0] >= 3
 * expect: len([s for s in log_scans() if s.pid == out_int('child') and s.kind == 'periodic']) >= 3
 * expect: any(s.pid == out_int('child') and s.kind == 'periodic' and any(c.entry_size == 123 for c in s.clusters) for s in log_scans())
 * expect: cluster_with('child_leak').pid == out_int('child')
 * expect: cluster_with('child_leak').first_seen_scan <= 3
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 123
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void child_leak(void) { void *p = malloc(123); memset(p, 1, 123); sink(p); }

int main(void) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 1; }
  if (pid == 0) {
    child_leak();
    clobber_stack();
    sleep_for(1.2);
    exit(0);
  }
  int status = -1;
  while (waitpid(pid, &status, 0) < 0) {}
  printf("parent=%d child=%d status=%d\n", (int)getpid(), (int)pid, status);
  return 0;
}
