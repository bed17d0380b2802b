/* tests/unit/test_scan_pause.c — the pause a scan logs (SCAN_END pause_ns)
 * is the time the program was held up as it saw it: counted from the
 * moment the scan began its lock phase (lg_locks_take), so a scan that
 * waits there reports that wait too. The collector is linked directly (no
 * LD_PRELOAD). The lock phase refreshes the module map with dl_iterate_phdr
 * under the modules lock, so a helper thread that sits inside
 * dl_iterate_phdr holds glibc's loader lock: it waits until the scanning
 * thread blocks on that lock (a futex wait, seen in /proc), then holds it
 * half a second more; the logged pause must cover that half second. */
#include <link.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector.h"
#include "reader.h"

#define HOLD_NS 500000000ull

static pid_t scanner_tid;
static volatile int holding, scan_called;
static uint64_t held_after_wait; /* ns the loader lock stayed held once the scan waited */
static int saw_wait;

/* CLOCK_MONOTONIC in nanoseconds, the clock the shim times scans with. */
static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Says whether thread `tid` of this process is blocked in a futex wait. */
static int in_futex(pid_t tid) {
  char path[64], buf[64] = {0};
  snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
  FILE *f = fopen(path, "r");
  if (!f)
    return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  return n > 0 && buf[0] >= '0' && buf[0] <= '9' && atol(buf) == SYS_futex;
}

/* Runs inside dl_iterate_phdr, so glibc's loader lock is held: waits until
 * the scanning thread blocks on it (in the modules refresh of the lock
 * phase), then holds it HOLD_NS more. */
static int hold_loader_lock(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)info, (void)size, (void)arg;
  __atomic_store_n(&holding, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&scan_called, __ATOMIC_ACQUIRE))
    sched_yield();
  for (uint64_t give_up = now_ns() + 30000000000ull; now_ns() < give_up;)
    if ((saw_wait = in_futex(scanner_tid)))
      break;
  uint64_t waited = now_ns();
  struct timespec ts = {0, (long)HOLD_NS};
  while (nanosleep(&ts, &ts) != 0) {}
  held_after_wait = now_ns() - waited;
  return 1; /* stop iterating */
}

/* The helper thread: holds the loader lock as hold_loader_lock says. */
static void *holder(void *arg) {
  dl_iterate_phdr(hold_loader_lock, arg);
  return NULL;
}

static void test_pause_counts_the_wait_for_the_shims_locks(void **state) {
  (void)state;
  char dir[] = "/tmp/lg-unit-XXXXXX";
  assert_non_null(mkdtemp(dir));
  lg_options_t o;
  lg_options_defaults(&o);
  snprintf(o.log, sizeof o.log, "%s/pause.%%p.log", dir);
  assert_int_equal(lg_collector_init(&o), 0);
  scanner_tid = (pid_t)syscall(SYS_gettid);
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, holder, NULL), 0);
  while (!__atomic_load_n(&holding, __ATOMIC_ACQUIRE))
    sched_yield();
  lg_self_t self = {0};
  __atomic_store_n(&scan_called, 1, __ATOMIC_RELEASE);
  assert_true(lg_collector_scan(LG_SCAN_API, &self) >= 0);
  pthread_join(t, NULL);
  lg_collector_end(LG_END_EXIT, 0);

  char path[600];
  snprintf(path, sizeof path, "%s/pause.%d.log", dir, (int)getpid());
  lg_read_result_t res;
  lg_process_t *p = lg_reader_read_file(path, &res);
  assert_non_null(p);
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_non_null(s);
  if (!saw_wait)
    fail_msg("the scanning thread never waited for the loader's lock (does "
             "the lock phase still refresh the modules with "
             "dl_iterate_phdr?)");
  assert_true(held_after_wait >= HOLD_NS);
  if (s->pause_ns < held_after_wait)
    fail_msg("pause_ns %llu < %llu ns the scan waited in its lock phase",
             (unsigned long long)s->pause_ns,
             (unsigned long long)held_after_wait);
  assert_true(s->scan_ns >= s->pause_ns);
  lg_reader_free(p);
  unlink(path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pause_counts_the_wait_for_the_shims_locks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
