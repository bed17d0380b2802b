/* tests/bench/ticker.c — the pause as the program sees it, for scripts/bench.
 *
 * A small shared library that scripts/bench preloads into every run (with
 * every tool, and without one): its constructor starts a thread that wakes
 * every millisecond (clock_nanosleep to an absolute deadline, so lateness
 * does not add up) and records how long it actually waited between two
 * wakeups. A thread a scan stops cannot tick, so the longest gap is the
 * longest pause the program lived through — stop-the-world included,
 * whatever the tool says about it — plus the scheduler's own delays, which
 * the run without a tool shows on its own. It owns nothing else: it
 * allocates nothing itself after the thread is created, and changes no
 * output of the program.
 *
 * At exit (a destructor) it appends one line to the file named by
 * BENCH_TICKER_OUT (nothing when unset):
 *   ticker pid=P ticks=N max_gap_us=G over_5ms=A over_20ms=B
 * where a gap is the time between two wakeups less the 1 ms period.
 * Built by scripts/bench: gcc -O2 -shared -fPIC -pthread. */
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PERIOD_NS 1000000L

static volatile int stop;
static uint64_t ticks, max_gap_ns, over_5ms, over_20ms;
static pthread_t thread;
static int started;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* tick is the thread: sleep to the next deadline, measure the wait. */
static void *tick(void *arg) {
  (void)arg;
  uint64_t last = now_ns(), next = last;
  while (!stop) {
    next += PERIOD_NS;
    uint64_t t = now_ns();
    if (next < t) next = t; /* late: do not try to catch up */
    struct timespec ts = {(time_t)(next / 1000000000u), (long)(next % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0 && !stop) {}
    t = now_ns();
    uint64_t gap = t - last > PERIOD_NS ? t - last - PERIOD_NS : 0;
    last = t;
    ticks++;
    if (gap > max_gap_ns) max_gap_ns = gap;
    if (gap > 5000000u) over_5ms++;
    if (gap > 20000000u) over_20ms++;
  }
  return NULL;
}

__attribute__((constructor)) static void ticker_start(void) {
  if (!getenv("BENCH_TICKER_OUT")) return;
  started = pthread_create(&thread, NULL, tick, NULL) == 0;
}

__attribute__((destructor)) static void ticker_report(void) {
  const char *path = getenv("BENCH_TICKER_OUT");
  if (!started || !path) return;
  stop = 1;
  char line[200];
  int n = snprintf(line, sizeof line, "ticker pid=%d ticks=%llu max_gap_us=%llu over_5ms=%llu over_20ms=%llu\n",
                   (int)getpid(), (unsigned long long)ticks, (unsigned long long)(max_gap_ns / 1000),
                   (unsigned long long)over_5ms, (unsigned long long)over_20ms);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return;
  if (write(fd, line, (size_t)n) < 0) {}
  close(fd);
}
