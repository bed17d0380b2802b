/* A thread that crashes while another thread is running the process's
 * exit check waits until that check has written END, then dies by its
 * signal: the log is complete either way. The main thread returns from
 * main; the shim's exit path asks the program for its LSan default
 * suppressions (__lsan_default_suppressions, here), and there the program
 * lets a second thread crash (a null write) and waits until that thread
 * is in the shim's wait -- blocked in nanosleep, as /proc/self/task/TID/
 * syscall shows -- before the exit scan goes on. Expected: the log ends
 * with END exit 0 after one exit scan that reports the program's leak;
 * the process then ends by SIGSEGV or by its exit, whichever comes first.
 * run: direct
 * exit: any
 * expect: signal in (0, 11)
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 0)]
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_once')
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testutil.h"

static volatile int go;
static volatile pid_t crasher_tid;
static int *volatile nowhere;

static void *crasher(void *arg) {
  (void)arg;
  crasher_tid = (pid_t)syscall(SYS_gettid);
  while (!go) {}
  *nowhere = 1;
  return NULL;
}

/* Tells whether thread tid is blocked in nanosleep (x86_64 call 35). */
static int in_nanosleep(pid_t tid) {
  char path[64], buf[64] = {0};
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
  int fd = open(path, O_RDONLY);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  return n > 3 && !strncmp(buf, "35 ", 3);
}

/* Called by the shim's exit path, before its exit scan. */
const char *__lsan_default_suppressions(void) {
  go = 1;
  for (int i = 0; i < 20000 && !in_nanosleep(crasher_tid); i++) sleep_for(0.001); /* bounded: 20 s at most */
  return "";
}

static NOINLINE void leak_once(void) { void *p = malloc(31); memset(p, 1, 31); sink(p); }

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, crasher, NULL);
  while (!crasher_tid) sched_yield();
  leak_once();
  clobber_stack();
  return 0;
}
