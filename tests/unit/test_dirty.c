/* tests/unit/test_dirty.c — written-page tracking (collector/dirty.h) on
 * this kernel: exactly the pages written since the last collection are
 * reported (populated pages, never-touched pages; a page dropped by
 * MADV_DONTNEED counts as written once), a collection re-protects them, reads count for nothing,
 * a range the kernel cannot track (another userfaultfd's, a mapping
 * moved by mremap or made anew where a tracked one was) says so instead of
 * answering, an unmapped range has nothing written, and a forked child is
 * not affected. Skipped when the kernel lacks the features. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dirty.h"

#define PAGE 4096u
#define NPAGES 64

typedef struct got { uintptr_t base; int page[NPAGES]; int n; } got_t;

/* Records each written page, relative to got->base. */
static void on_run(uintptr_t a, uintptr_t b, void *arg) {
  got_t *g = arg;
  for (uintptr_t p = a; p < b; p += PAGE) {
    long i = (long)((p - g->base) / PAGE);
    if (i >= 0 && i < NPAGES && g->n < NPAGES) g->page[g->n++] = (int)i;
  }
}

/* Collects (and re-protects) the written pages of [m, m + NPAGES pages). */
static long collect(char *m, got_t *g) {
  memset(g, 0, sizeof *g);
  g->base = (uintptr_t)m;
  return lg_dirty_written((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE, 1, on_run, g);
}

static char *fresh(void) {
  char *m = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(m != MAP_FAILED);
  return m;
}

static int setup(void **state) {
  (void)state;
  return 0;
}

static void need_tracking(void) {
  if (lg_dirty_open() < 0) skip();
}

static void test_reports_exactly_the_written_pages(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  for (int i = 0; i < NPAGES; i += 2) m[i * PAGE] = 1; /* half populated before tracking */
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), 0);
  got_t g;
  assert_int_equal(collect(m, &g), 0); /* nothing written since tracking began */
  volatile char sum = 0;
  for (int i = 0; i < NPAGES; i++) sum += m[i * PAGE]; /* reads are not writes */
  int want[] = {3, 10, 11, 40, 63};             /* populated and never-touched pages */
  for (unsigned k = 0; k < sizeof want / sizeof *want; k++) m[want[k] * PAGE + 100] = 7;
  assert_int_equal(collect(m, &g), 5);
  assert_int_equal(g.n, 5);
  for (int k = 0; k < 5; k++) assert_int_equal(g.page[k], want[k]);
  assert_int_equal(collect(m, &g), 0); /* the collection protected them again */
  m[3 * PAGE] = 8;
  assert_int_equal(collect(m, &g), 1);
  assert_int_equal(g.page[0], 3);
  lg_dirty_untrack((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE);
  munmap(m, NPAGES * PAGE);
}

static void test_a_peek_does_not_reset(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), 0);
  m[5 * PAGE] = 1;
  assert_int_equal(lg_dirty_written((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE, 0, NULL, NULL), 1);
  assert_int_equal(lg_dirty_written((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE, 0, NULL, NULL), 1);
  got_t g;
  assert_int_equal(collect(m, &g), 1);
  assert_int_equal(collect(m, &g), 0);
  lg_dirty_untrack((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE);
  munmap(m, NPAGES * PAGE);
}

static void test_dropped_pages_written_again_are_seen(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  memset(m, 1, NPAGES * PAGE);
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), 0);
  assert_int_equal(madvise(m + 8 * PAGE, 4 * PAGE, MADV_DONTNEED), 0);
  got_t g;
  /* The kernel keeps no write-protect marker for a dropped anonymous page:
   * its contents changed (to zeros), and it reads as written, once. */
  assert_int_equal(collect(m, &g), 4);
  for (int k = 0; k < 4; k++) assert_int_equal(g.page[k], 8 + k);
  assert_int_equal(collect(m, &g), 0);
  assert_int_equal(m[9 * PAGE], 0);
  m[9 * PAGE] = 2;
  assert_int_equal(collect(m, &g), 1);
  assert_int_equal(g.page[0], 9);
  lg_dirty_untrack((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE);
  munmap(m, NPAGES * PAGE);
}

static void test_untracked_ranges_say_so(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  got_t g;
  assert_int_equal(collect(m, &g), -1); /* never tracked */
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), 0);
  /* moved: the kernel drops the registration (no UFFD_FEATURE_EVENT_REMAP) */
  char *to = mmap(NULL, NPAGES * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(to != MAP_FAILED);
  char *moved = mremap(m, NPAGES * PAGE, NPAGES * PAGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);
  assert_true(moved == to);
  moved[0] = 1;
  assert_int_equal(collect(moved, &g), -1);
  /* unmapped: nothing is there, nothing was written; a mapping made there
   * later is not registered, so it is not tracked */
  munmap(moved, NPAGES * PAGE);
  assert_int_equal(collect(moved, &g), 0);
  char *again = mmap(moved, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  assert_true(again == moved);
  assert_int_equal(collect(again, &g), -1);
  munmap(again, NPAGES * PAGE);
}

static void test_another_userfaultfd_keeps_its_range(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  assert_true(fd >= 0);
  struct uffdio_api api = {.api = UFFD_API};
  assert_int_equal(ioctl(fd, UFFDIO_API, &api), 0);
  struct uffdio_register reg = {.range = {(uintptr_t)m, NPAGES * PAGE}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  assert_int_equal(ioctl(fd, UFFDIO_REGISTER, &reg), 0);
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), -1);
  got_t g;
  assert_int_equal(collect(m, &g), -1);
  close(fd);
  munmap(m, NPAGES * PAGE);
}

static void test_a_forked_child_is_not_affected(void **state) {
  (void)state;
  need_tracking();
  char *m = fresh();
  memset(m, 1, NPAGES * PAGE / 2);
  assert_int_equal(lg_dirty_track((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE), 0);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    lg_dirty_fork_child();
    /* Every page writes as in an untraced child, and nothing is tracked. */
    memset(m, 2, NPAGES * PAGE);
    long n = lg_dirty_written((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE, 1, NULL, NULL);
    _exit(m[NPAGES * PAGE - 1] == 2 && n == -1 ? 0 : 1);
  }
  int st = 0;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  got_t g;
  /* The parent's tracking is its own: the child's writes are not its.
   * (fork write-protects the parent's anonymous pages for copy-on-write,
   * which is no userfaultfd protection: nothing shows as written.) */
  assert_int_equal(collect(m, &g), 0);
  m[1 * PAGE] = 3;
  assert_int_equal(collect(m, &g), 1);
  lg_dirty_untrack((uintptr_t)m, (uintptr_t)m + NPAGES * PAGE);
  munmap(m, NPAGES * PAGE);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_reports_exactly_the_written_pages),
      cmocka_unit_test(test_a_peek_does_not_reset),
      cmocka_unit_test(test_dropped_pages_written_again_are_seen),
      cmocka_unit_test(test_untracked_ranges_say_so),
      cmocka_unit_test(test_another_userfaultfd_keeps_its_range),
      cmocka_unit_test(test_a_forked_child_is_not_affected),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
