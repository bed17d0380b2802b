/* tests/unit/test_hot_path.c — the inlined malloc and free fast paths
 * (collector/hot.h), called as the hooks call them (the malloc hook's
 * prefetch and hash first, with or without a table of the thread's own): the common case (the
 * thread's own table) records and forgets blocks, and every case the fast
 * path must not do itself is handed on and comes out as the out-of-line
 * entry points do it — a thread's first block (no table yet), a thread
 * whose table ended, a large block, a misaligned pointer, an ignored
 * block (LG_BLK_IGNORED kept), a block in another thread's table or in
 * the shared part, a block holding a refcounted object (handed on once at
 * its free), tracing off (nothing recorded or forgotten), the fast path's
 * word off (lg_collector_hot: the entry points do it all), and an epoch
 * flipped before the insert (the entry takes the new parity). */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "blocks.h"
#include "hot.h"
#include "ttab.h"

#define BASE(k) ((uintptr_t)(k) << 36) /* a private address range per test */

static void *at(uintptr_t a) { return (void *)a; }

/* Records block p as the malloc hook does (preload/hooks.c,
 * lg_record_alloc): its table lines prefetched and its hash taken first,
 * then the stack (here given), then the record. */
static void hook_alloc(void *p, size_t size, uint32_t stack, unsigned flags) {
  uint64_t h = lg_collector_alloc_prefetch(p);
  lg_collector_alloc_hot_h(p, h, size, stack, flags);
}

/* The entry of addr, or a zeroed slot when the table does not know it. */
static lg_slot_t entry(uintptr_t addr) {
  lg_slot_t s = {0};
  if (!lg_blocks_lookup(addr, &s)) s.key = 0;
  return s;
}

static uintptr_t rc_freed[8];
static unsigned rc_nfreed;
static void on_rc_free(uintptr_t addr) { if (rc_nfreed < 8) rc_freed[rc_nfreed++] = addr; }

typedef struct job { uintptr_t base; size_t own_before, own_after, shared_before, shared_after; } job_t;

/* A new thread's first block makes its table; after the thread's end its
 * blocks go to the shared part, and freeing them works from there. */
static void *first_block_then_end(void *arg) {
  job_t *j = arg;
  j->own_before = lg_ttab_count();
  hook_alloc(at(j->base), 40, 5, 0); /* no table yet: made by the slow path */
  j->own_after = lg_ttab_count();
  lg_blocks_thread_end();
  j->shared_before = lg_blocks_count() - lg_ttab_count();
  hook_alloc(at(j->base + 0x100), 48, 6, 0); /* no table any more: the shared part */
  j->shared_after = lg_blocks_count() - lg_ttab_count();
  lg_collector_free_hot(at(j->base + 0x100));
  return NULL;
}

static void test_first_block_and_a_thread_after_its_end_take_the_slow_path(void **state) {
  (void)state;
  job_t j = {BASE(1), 0, 0, 0, 0};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, first_block_then_end, &j), 0);
  pthread_join(t, NULL);
  assert_int_equal(j.own_after, j.own_before + 1);
  assert_int_equal(j.shared_after, j.shared_before + 1);
  lg_slot_t s = entry(BASE(1));
  assert_int_equal(lg_slot_addr(&s), BASE(1));
  assert_int_equal(s.size, 40);
  assert_int_equal(lg_slot_stack(&s), 5);
  assert_int_equal(entry(BASE(1) + 0x100).key, 0); /* freed after the end */
  lg_collector_free_hot(at(BASE(1))); /* another thread's (ended) table */
  assert_int_equal(entry(BASE(1)).key, 0);
}

static void test_own_table_records_and_forgets_with_flags(void **state) {
  (void)state;
  hook_alloc(at(BASE(2)), 24, 7, 0); /* makes this thread's table */
  size_t own = lg_ttab_count();
  hook_alloc(at(BASE(2) + 0x10), 32, 8, LG_BLK_IGNORED);
  assert_int_equal(lg_ttab_count(), own + 1);
  lg_slot_t s = entry(BASE(2) + 0x10);
  assert_int_equal(lg_slot_addr(&s), BASE(2) + 0x10);
  assert_true(s.key & LG_BLK_IGNORED);
  assert_int_equal(s.size, 32);
  assert_int_equal(lg_slot_stack(&s), 8);
  assert_false(entry(BASE(2)).key & LG_BLK_IGNORED);
  lg_collector_free_hot(at(BASE(2)));
  lg_collector_free_hot(at(BASE(2) + 0x10));
  assert_int_equal(lg_ttab_count(), own - 1);
  assert_int_equal(entry(BASE(2)).key, 0);
  assert_int_equal(entry(BASE(2) + 0x10).key, 0);
  lg_collector_free_hot(at(BASE(2) + 0x20)); /* never seen: nothing happens */
  assert_int_equal(lg_ttab_count(), own - 1);
}

static void test_large_and_misaligned_blocks_are_not_put_in_the_own_table(void **state) {
  (void)state;
  hook_alloc(at(BASE(3)), 16, 1, 0);
  size_t own = lg_ttab_count(), all = lg_blocks_count();
  hook_alloc(at(BASE(3) + 0x1000), LG_BLOCKS_LARGE, 2, 0);
  hook_alloc(at(BASE(3) + 0x2008), 16, 3, 0); /* not 16-aligned: not recorded */
  assert_int_equal(lg_ttab_count(), own);
  assert_int_equal(lg_blocks_count(), all + 1);
  assert_int_equal(entry(BASE(3) + 0x1000).size, LG_BLOCKS_LARGE);
  assert_int_equal(entry(BASE(3) + 0x2008).key, 0);
  lg_collector_free_hot(at(BASE(3) + 0x1000)); /* the shared part, from a thread with a table */
  lg_collector_free_hot(at(BASE(3)));
  assert_int_equal(lg_blocks_count(), all - 1);
  assert_int_equal(entry(BASE(3) + 0x1000).key, 0);
}

static void *alloc_one(void *arg) {
  hook_alloc(at(*(uintptr_t *)arg), 64, 9, 0);
  return NULL;
}

static void test_refcounted_blocks_are_handed_on_once_at_the_free(void **state) {
  (void)state;
  lg_blocks_on_rc_free = on_rc_free;
  rc_nfreed = 0;
  uintptr_t other = BASE(4) + 0x100;
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, alloc_one, &other), 0);
  pthread_join(t, NULL);
  hook_alloc(at(BASE(4)), 64, 9, 0);
  hook_alloc(at(BASE(4) + 0x200), 64, 9, 0);
  assert_true(lg_blocks_mark_rc(BASE(4), 0, 16));
  assert_true(lg_blocks_mark_rc(other, 0, 16));
  lg_collector_free_hot(at(BASE(4) + 0x200)); /* unflagged */
  assert_int_equal(rc_nfreed, 0);
  lg_collector_free_hot(at(BASE(4)));         /* own table, flagged */
  lg_collector_free_hot(at(other));           /* another thread's, flagged */
  assert_int_equal(rc_nfreed, 2);
  assert_int_equal(rc_freed[0], BASE(4));
  assert_int_equal(rc_freed[1], other);
  assert_int_equal(entry(BASE(4)).key, 0);
  assert_int_equal(entry(other).key, 0);
  lg_collector_free_hot(at(BASE(4)));
  assert_int_equal(rc_nfreed, 2);
}

static void test_tracing_off_records_and_forgets_nothing(void **state) {
  (void)state;
  hook_alloc(at(BASE(5)), 16, 1, 0);
  size_t all = lg_blocks_count();
  lg_collector_on = lg_collector_hot = 0; /* as when the collector gives up */
  hook_alloc(at(BASE(5) + 0x10), 16, 1, 0);
  lg_collector_free_hot(at(BASE(5)));
  lg_collector_on = lg_collector_hot = 1;
  assert_int_equal(lg_blocks_count(), all);
  assert_int_equal(entry(BASE(5) + 0x10).key, 0);
  assert_int_not_equal(entry(BASE(5)).key, 0); /* still known */
  lg_collector_free_hot(at(BASE(5)));
  assert_int_equal(lg_blocks_count(), all - 1);
}

/* With the fast path's word off (as with born lists) and tracing on,
 * blocks are recorded and forgotten all the same, by the entry points. */
static void test_with_the_fast_path_off_the_entry_points_do_it_all(void **state) {
  (void)state;
  hook_alloc(at(BASE(7)), 16, 1, 0);
  size_t all = lg_blocks_count();
  lg_collector_hot = 0;
  hook_alloc(at(BASE(7) + 0x10), 16, 2, LG_BLK_IGNORED);
  assert_int_equal(lg_blocks_count(), all + 1);
  assert_true(entry(BASE(7) + 0x10).key & LG_BLK_IGNORED);
  lg_collector_free_hot(at(BASE(7)));
  lg_collector_free_hot(at(BASE(7) + 0x10));
  lg_collector_hot = 1;
  assert_int_equal(lg_blocks_count(), all - 1);
  assert_int_equal(entry(BASE(7)).key, 0);
}

static void test_an_entry_takes_the_parity_of_the_current_epoch(void **state) {
  (void)state;
  for (int flip = 0; flip < 2; flip++) {
    lg_blocks_flip_epoch();
    uintptr_t a = BASE(6) + 0x10 * (uintptr_t)flip;
    hook_alloc(at(a), 16, 1, 0);
    assert_int_equal(entry(a).key & LG_BLK_PARITY, lg_blocks_parity);
    lg_collector_free_hot(at(a));
  }
}

int main(void) {
  assert_int_equal(lg_blocks_init(), 0);
  lg_collector_on = lg_collector_hot = 1; /* what lg_collector_init sets, without born lists */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_first_block_and_a_thread_after_its_end_take_the_slow_path),
      cmocka_unit_test(test_own_table_records_and_forgets_with_flags),
      cmocka_unit_test(test_large_and_misaligned_blocks_are_not_put_in_the_own_table),
      cmocka_unit_test(test_refcounted_blocks_are_handed_on_once_at_the_free),
      cmocka_unit_test(test_tracing_off_records_and_forgets_nothing),
      cmocka_unit_test(test_with_the_fast_path_off_the_entry_points_do_it_all),
      cmocka_unit_test(test_an_entry_takes_the_parity_of_the_current_epoch),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
