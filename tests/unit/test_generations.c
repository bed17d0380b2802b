/* tests/unit/test_generations.c — what scans remember between scans: block
 * generations (the epoch parity ageing of blocks.h: a scan flips the epoch,
 * then exactly the blocks that existed at the flip age by one, saturating
 * at 2) and the history of history.h (the previous scan's lost blocks with
 * their first-seen scan and streak, per-site old bytes, stacks already
 * logged). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blocks.h"
#include "history.h"

static unsigned gen_of(uintptr_t addr) {
  lg_slot_t s;
  assert_true(lg_blocks_lookup(addr, &s));
  return (unsigned)((s.key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
}

static void test_new_block_is_generation_zero(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x500000, 10, 1, 0);
  assert_int_equal(gen_of(0x500000), 0);
  lg_blocks_remove(0x500000);
}

static void test_blocks_age_once_per_scan_and_saturate_at_two(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x600000, 10, 1, 0);
  for (unsigned scan = 1; scan <= 4; scan++) {
    lg_blocks_flip_epoch();
    lg_blocks_age();
    assert_int_equal(gen_of(0x600000), scan < 2 ? scan : 2);
  }
  lg_blocks_remove(0x600000);
}

static void test_ageing_twice_without_a_scan_changes_nothing(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x700000, 10, 1, 0);
  lg_blocks_flip_epoch();
  lg_blocks_age();
  lg_blocks_age();
  assert_int_equal(gen_of(0x700000), 1);
  lg_blocks_remove(0x700000);
}

static void test_block_born_after_the_snapshot_does_not_age(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x800000, 10, 1, 0);
  lg_blocks_flip_epoch();                 /* the scan's snapshot */
  lg_blocks_insert(0x800100, 10, 1, 0);   /* allocated while the scan runs */
  lg_blocks_age();
  assert_int_equal(gen_of(0x800000), 1);
  assert_int_equal(gen_of(0x800100), 0);
  lg_blocks_flip_epoch();
  lg_blocks_age();
  assert_int_equal(gen_of(0x800100), 1);
  lg_blocks_remove(0x800000);
  lg_blocks_remove(0x800100);
}

static void test_ignored_flag_survives_ageing(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x900000, 10, 1, LG_BLK_IGNORED);
  lg_blocks_flip_epoch();
  lg_blocks_age();
  lg_slot_t s;
  assert_true(lg_blocks_lookup(0x900000, &s));
  assert_true(s.key & LG_BLK_IGNORED);
  assert_int_equal(lg_slot_addr(&s), 0x900000);
  lg_blocks_remove(0x900000);
}

static void test_history_carries_lost_blocks_to_the_next_scan(void **state) {
  (void)state;
  lg_history_forget();
  assert_int_equal(lg_history_reserve(16, 16), 0);
  assert_null(lg_history_prev(0x1000));
  lg_seen_t *next = lg_history_next();
  next[0] = (lg_seen_t){0x1000, 3, 1, 0, 0};
  next[1] = (lg_seen_t){0x2000, 2, 2, 77, 0};
  lg_history_commit(2);
  const lg_seen_t *p = lg_history_prev(0x2000);
  assert_non_null(p);
  assert_int_equal(p->first, 2);
  assert_int_equal(p->streak, 2);
  assert_int_equal(p->sig, 77);
  assert_null(lg_history_prev(0x1500));
  /* The following scan's list replaces it. */
  next = lg_history_next();
  next[0] = (lg_seen_t){0x1000, 3, 2, 0, 0};
  lg_history_commit(1);
  assert_non_null(lg_history_prev(0x1000));
  assert_null(lg_history_prev(0x2000));
}

static void test_history_grows_and_keeps_its_contents(void **state) {
  (void)state;
  lg_history_forget();
  assert_int_equal(lg_history_reserve(4, 4), 0);
  lg_seen_t *next = lg_history_next();
  next[0] = (lg_seen_t){0x10, 1, 1, 0, 0};
  lg_history_commit(1);
  uint32_t n;
  lg_history_old_bytes(&n)[3] = 4096;
  assert_int_equal(lg_history_reserve(100000, 100000), 0);
  assert_non_null(lg_history_prev(0x10));
  assert_int_equal(lg_history_old_bytes(&n)[3], 4096);
  assert_true(n >= 100000);
}

static void test_each_stack_is_logged_once_until_forgotten(void **state) {
  (void)state;
  lg_history_forget();
  assert_int_equal(lg_history_reserve(4, 64), 0);
  assert_true(lg_history_stack_needs_log(5));
  assert_false(lg_history_stack_needs_log(5));
  assert_true(lg_history_stack_needs_log(6));
  lg_history_forget(); /* a new log: everything is logged anew */
  assert_int_equal(lg_history_reserve(4, 64), 0);
  assert_true(lg_history_stack_needs_log(5));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_block_is_generation_zero),
      cmocka_unit_test(test_blocks_age_once_per_scan_and_saturate_at_two),
      cmocka_unit_test(test_ageing_twice_without_a_scan_changes_nothing),
      cmocka_unit_test(test_block_born_after_the_snapshot_does_not_age),
      cmocka_unit_test(test_ignored_flag_survives_ageing),
      cmocka_unit_test(test_history_carries_lost_blocks_to_the_next_scan),
      cmocka_unit_test(test_history_grows_and_keeps_its_contents),
      cmocka_unit_test(test_each_stack_is_logged_once_until_forgotten),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
