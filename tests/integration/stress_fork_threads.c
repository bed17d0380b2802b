/* Stress: while 4 threads allocate and free, the main thread forks 20
 * children one after another; each child allocates, frees, leaks one block
 * and exits. No deadlock in the children (the shim's locks across fork), 21
 * logs, each child's leak found, nothing lost in the parent. (In a child,
 * the blocks the churning threads held are lost for real: those threads do
 * not exist after fork.)
 * stress: yes
 * timeout: 240
 * expect: stdout.startswith('children=20 ok=20 parent=')
 * expect: len(processes) == 21 and all(p.complete for p in processes)
 * expect: len(clusters_with('child_leak')) == 20
 * expect: len({c.pid for c in clusters_with('child_leak')}) == 20
 * expect: [c for c in clusters if c.pid == out_int('parent')] == []
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static atomic_int stop;

static void *churn(void *arg) {
  (void)arg;
  while (!atomic_load(&stop)) {
    void *p[16];
    for (int i = 0; i < 16; i++) p[i] = malloc(16 + i * 32);
    for (int i = 0; i < 16; i++) free(p[i]);
  }
  return NULL;
}

static NOINLINE void child_leak(void) { void *p = malloc(17); memset(p, 1, 17); sink(p); }

int main(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, churn, NULL);
  int ok = 0;
  for (int c = 0; c < 20; c++) {
    pid_t pid = fork();
    if (pid == 0) {
      for (int i = 0; i < 1000; i++) free(malloc(i + 1));
      child_leak();
      clobber_stack();
      exit(0);
    }
    int status = -1;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ok++;
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  printf("children=20 ok=%d parent=%d\n", ok, (int)getpid());
  return 0;
}
