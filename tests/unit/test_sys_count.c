/* tests/unit/test_sys_count.c — the accounting of one thread's mappings
 * (lg_sys_count_*, sys.h) that gives a scan's extra memory its NOTE: the
 * peak of what the thread mapped since it began counting, net of what it
 * gave back, in whole pages with headers; mappings made before the count
 * neither count nor uncount; another thread's do not count; a snapshot
 * child (here a fork) counts on in its copy. Also the scan's growing
 * arrays (lg_sys_grow): room is made only when an array is full, by
 * doubling (the first size the first time), the elements kept, and a
 * grown array's memory counts once (the old one is given back). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sys.h"

#define MIB ((size_t)1 << 20)

static void test_peak_is_the_most_mapped_at_once(void **state) {
  (void)state;
  void *before = lg_sys_map(MIB); /* mapped before the count */
  lg_sys_count_begin();
  assert_int_equal(lg_sys_count_peak(), 0);
  void *a = lg_sys_map(MIB);
  void *b = lg_sys_grab(MIB / 4, 4);
  size_t two = lg_sys_count_peak();
  assert_true(two >= 2 * MIB && two <= 2 * MIB + 3 * 4096);
  lg_sys_unmap(a, MIB);
  lg_sys_unmap(before, MIB); /* not counted: its end is not either */
  void *c = lg_sys_map(MIB / 2);
  assert_int_equal(lg_sys_count_peak(), two); /* 1.5 MiB now: the peak stays */
  lg_sys_drop(b);
  lg_sys_unmap(c, MIB / 2);
  void *d = lg_sys_map(3 * MIB);
  assert_true(lg_sys_count_peak() >= 3 * MIB && lg_sys_count_peak() < two + MIB);
  lg_sys_unmap(d, 3 * MIB);
  lg_sys_count_end();
  assert_int_equal(lg_sys_count_peak(), 0);
}

static void *map_elsewhere(void *arg) {
  (void)arg;
  void *p = lg_sys_map(4 * MIB);
  lg_sys_unmap(p, 4 * MIB);
  return NULL;
}

static void test_another_threads_mappings_do_not_count(void **state) {
  (void)state;
  lg_sys_count_begin();
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, map_elsewhere, NULL), 0);
  pthread_join(t, NULL);
  assert_int_equal(lg_sys_count_peak(), 0);
  lg_sys_count_end();
}

static void test_a_child_counts_on_in_its_copy(void **state) {
  (void)state;
  lg_sys_count_begin();
  void *a = lg_sys_map(MIB);
  size_t one = lg_sys_count_peak();
  pid_t pid = fork();
  if (pid == 0) {
    void *b = lg_sys_map(2 * MIB);
    int ok = lg_sys_count_peak() >= one + 2 * MIB;
    lg_sys_unmap(a, MIB); /* counted by the parent's count, which the child continues */
    void *c = lg_sys_map(MIB);
    ok = ok && lg_sys_count_peak() < one + 3 * MIB;
    (void)b; (void)c;
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  assert_int_equal(lg_sys_count_peak(), one); /* the child's mappings are its own */
  lg_sys_unmap(a, MIB);
  lg_sys_count_end();
}

static void test_grow_doubles_a_full_array_and_keeps_its_elements(void **state) {
  (void)state;
  enum { SZ = 4096 }; /* a page an element: the count is not rounding */
  char *v = NULL;
  size_t cap = 0, n = 0;
  lg_sys_count_begin();
  for (; n < 1000; n++) {
    size_t before = cap;
    assert_int_equal(lg_sys_grow((void **)&v, &cap, n, SZ, 16), 0);
    if (n < before) assert_int_equal(cap, before); /* room left: nothing changes */
    else assert_int_equal(cap, before ? before * 2 : 16);
    *(size_t *)(v + n * SZ) = n * 3 + 1;
  }
  assert_int_equal(cap, 1024);
  for (size_t i = 0; i < n; i++) assert_int_equal(*(size_t *)(v + i * SZ), i * 3 + 1);
  /* at most the last two arrays at once (1.5 x the last), not all seven
   * (about 2 x): the old ones went back */
  size_t peak = lg_sys_count_peak();
  assert_true(peak >= cap * SZ && peak < cap * SZ * 7 / 4);
  lg_sys_drop(v);
  lg_sys_count_end();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_peak_is_the_most_mapped_at_once),
      cmocka_unit_test(test_another_threads_mappings_do_not_count),
      cmocka_unit_test(test_a_child_counts_on_in_its_copy),
      cmocka_unit_test(test_grow_doubles_a_full_array_and_keeps_its_elements),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
