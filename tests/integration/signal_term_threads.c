/* SIGTERM to a process whose threads are busy inside the allocator: the
 * signal is taken by a thread that is inside the shim (it may hold a shim
 * lock or be inside the real malloc), which defers the check to the moment
 * it leaves the shim. A child runs four threads that allocate and free
 * without pause, holding 16 blocks each at any time, leaks one block from
 * its main thread and blocks SIGTERM there (so the signal goes to a busy
 * thread); the parent sends SIGTERM. Expected: killed by SIGTERM as in a
 * plain run, END how=signal status 15, the leak reported and nothing else
 * lost (the busy threads' blocks are on their stopped stacks).
 * run: direct
 * compare: plain
 * timeout: 60
 * expect: stdout == plain.stdout and out_int('child_sig') == 15
 * expect: [(e.how, e.status) for e in log_ends() if e.how == 'signal'] == [('signal', 15)]
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 99
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

static volatile long rounds[4];

static void *busy(void *arg) {
  long k = (long)arg;
  void *held[16] = {0};
  for (unsigned i = 0;; i++) {
    unsigned slot = i % 16;
    free(held[slot]);
    held[slot] = malloc(16 + (i * 37) % 500);
    rounds[k]++;
  }
  return NULL;
}

static NOINLINE void leak_99(void) { void *p = malloc(99); memset(p, 1, 99); sink(p); }

int main(void) {
  fflush(stdout);
  int ready[2];
  if (pipe(ready) < 0) return 1;
  pid_t pid = fork();
  if (pid == 0) {
    leak_99();
    clobber_stack();
    pthread_t t[4];
    for (long k = 0; k < 4; k++) pthread_create(&t[k], NULL, busy, (void *)k);
    sigset_t term; /* blocked in this thread only: a busy thread takes it */
    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &term, NULL);
    /* Ready once every thread has been round its loop. */
    for (int k = 0; k < 4; k++)
      while (rounds[k] < 1000) sched_yield();
    if (write(ready[1], "r", 1) != 1) _exit(1);
    for (;;) pause();
  }
  char c;
  if (read(ready[0], &c, 1) != 1) return 1;
  kill(pid, SIGTERM);
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
  printf("child_sig=%d\n", WIFSIGNALED(st) ? WTERMSIG(st) : 0);
  return 0;
}
