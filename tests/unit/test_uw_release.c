/* tests/unit/test_uw_release.c — what an ended thread's unwinder state
 * keeps (preload/fastunwind.c, included whole here: the unit tests link
 * the collector, not the shim): lg_fast_unwind_thread_end gives the pages
 * of its tree and checks back, so that a state waiting for a later thread
 * holds a page or two resident instead of all that its thread used, and
 * the thread that takes it next captures its stacks exactly. Also
 * lg_sys_discard (collector/sys.c), which it is made of. */
#pragma GCC optimize("no-omit-frame-pointer")
#include "fastunwind.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/mman.h>
#include <cmocka.h>

#define NOINLINE __attribute__((noinline, noclone))

/* The resident pages of [p, p + len), by mincore. */
static size_t resident_pages(const void *p, size_t len) {
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;
  static unsigned char vec[1024];
  size_t n = (hi - lo) >> 12;
  assert_true(n <= sizeof vec);
  assert_int_equal(mincore((void *)lo, hi - lo, vec), 0);
  size_t r = 0;
  for (size_t i = 0; i < n; i++) r += vec[i] & 1;
  return r;
}

/* A capture of depth 8 from a frame `level` calls deep; the number of
 * frames in *n, the first in frames. */
static NOINLINE int capture(int level, uintptr_t *frames, uint32_t *n) {
  if (level > 0) {
    int r = capture(level - 1, frames, n);
    __asm__ volatile("" ::: "memory"); /* not a tail call */
    return r;
  }
  uint32_t same = 0;
  return lg_fast_unwind(frames, 8, n, &same);
}

/* What a thread of the test does: captures from 300 distinct call sites
 * (depths of a recursion, each from two return addresses), enough to fill
 * much of a first-level pool, and records the state it used and the first
 * capture's frames. */
typedef struct run {
  uw_thread_t *state;
  uintptr_t first[8];
  uint32_t nfirst, nnodes;
  size_t resident; /* pages of its nodes resident at the end of its captures */
  int fails;
} run_t;

static NOINLINE void captures(run_t *r) {
  for (int i = 0; i < 300; i++) {
    uintptr_t f[8];
    uint32_t n = 0;
    if (capture(i % 40, f, &n) != 0 || n == 0) r->fails++;
    if (i == 0) { memcpy(r->first, f, sizeof f); r->nfirst = n; }
  }
  r->state = lg_fast_uw;
  r->nnodes = r->state->nnodes;
  r->resident = resident_pages(r->state->node, r->nnodes * sizeof(lg_uw_node_t));
}

static void *thread_main(void *arg) {
  run_t *r = arg;
  captures(r);
  lg_fast_unwind_thread_end();
  return NULL;
}

/* Runs a thread of captures to its end. */
static void run_thread(run_t *r) {
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, thread_main, r), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_an_ended_threads_state_is_given_back(void **state) {
  (void)state;
  run_t a = {0}, b = {0};
  run_thread(&a);
  assert_non_null(a.state);
  assert_int_equal(a.fails, 0);
  /* Its nodes were resident while it ran (more than a page of them);
   * now at most the page the index starts on and the last. */
  assert_true(a.nnodes > 64);
  assert_true(a.resident >= a.nnodes * sizeof(lg_uw_node_t) / 4096);
  assert_true(resident_pages(a.state->index, sizeof *a.state - offsetof(uw_thread_t, index)) <= 2);
  assert_int_equal(a.state->level, 0);
  run_thread(&b);
  assert_ptr_equal(b.state, a.state); /* taken again */
  assert_int_equal(b.fails, 0);
  assert_int_equal(b.nfirst, a.nfirst);
  assert_memory_equal(b.first, a.first, a.nfirst * sizeof(uintptr_t)); /* the same stack, exactly */
}

static void test_a_live_threads_state_keeps_its_pages(void **state) {
  (void)state;
  run_t r = {0};
  captures(&r); /* the main thread, which does not end */
  assert_int_equal(r.fails, 0);
  assert_true(r.nnodes > 64);
  assert_true(resident_pages(r.state->node, r.nnodes * sizeof(lg_uw_node_t)) >= r.nnodes * sizeof(lg_uw_node_t) / 4096);
}

static void test_discard_keeps_part_pages(void **state) {
  (void)state;
  char *p = lg_sys_map(5 * 4096);
  assert_non_null(p);
  memset(p, 7, 5 * 4096);
  char *from = p + 100; /* within the first page (p is 64 bytes past a page start) */
  lg_sys_discard(from, 3 * 4096);
  uintptr_t first = ((uintptr_t)from + 4095) & ~(uintptr_t)4095;
  assert_int_equal(resident_pages((char *)first, 3 * 4096 - 4096), 0); /* before reading them */
  assert_int_equal(from[-1], 7);
  assert_int_equal(((char *)first)[-1], 7);          /* the part page before stays */
  assert_int_equal(((char *)first)[0], 0);           /* the whole pages read as zeros */
  assert_int_equal(from[3 * 4096], 7);               /* the part page after stays */
  lg_sys_unmap(p, 5 * 4096);
}

int main(void) {
  lg_fast_unwind_init(0, 0); /* no shim frames to skip: captures start at lg_fast_unwind's caller */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_an_ended_threads_state_is_given_back),
      cmocka_unit_test(test_a_live_threads_state_keeps_its_pages),
      cmocka_unit_test(test_discard_keeps_part_pages),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
