/* Periodic scans must not change what the program sees (SPEC section 7: the
 * traced program behaves as without the shim). With interval=0.05 the shim
 * stops the threads about 10-20 times a second; a thread that sleeps in
 * nanosleep, usleep, poll or select for 0.5 s, and a second thread sleeping
 * in nanosleep at the same time, must see each call complete normally
 * (return 0, no EINTR) after the full time, exactly as without the shim.
 * run: direct
 * options: interval=0.05
 * timeout: 30
 * compare: plain
 * expect: plain.stdout == 'nanosleep=0 usleep=0 poll=0 select=0 thread=0 short=0\n'
 * expect: stdout == plain.stdout
 * expect: processes[0].scans >= 10
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int shorts; /* calls that came back early */

/* 0 if the call returned 0, else its errno. */
static int check(int rc, double t0) {
  if (now() - t0 < 0.45) shorts++;
  return rc == 0 ? 0 : errno;
}

static int thread_rc = -1;
static void *sleeper(void *arg) {
  (void)arg;
  struct timespec ts = {1, 500 * 1000 * 1000};
  double t0 = now();
  thread_rc = check(nanosleep(&ts, NULL), t0);
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, sleeper, NULL);
  struct timespec ts = {0, 500 * 1000 * 1000};
  double t0 = now();
  int ns = check(nanosleep(&ts, NULL), t0);
  t0 = now();
  int us = check(usleep(500 * 1000), t0);
  t0 = now();
  int pl = check(poll(NULL, 0, 500), t0);
  struct timeval tv = {0, 500 * 1000};
  t0 = now();
  int sl = check(select(0, NULL, NULL, NULL, &tv), t0);
  pthread_join(t, NULL);
  printf("nanosleep=%d usleep=%d poll=%d select=%d thread=%d short=%d\n", ns, us, pl, sl, thread_rc, shorts);
  return 0;
}
