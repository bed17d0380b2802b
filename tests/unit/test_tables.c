/* tests/unit/test_tables.c — the collector's tables without LD_PRELOAD:
 * stack interning (one id per distinct stack, exact frames back from the
 * tree of shared frames, lock-free lookup, logging once per log epoch) and the sharded block table (insert, lookup, remove,
 * growth, backward-shift deletion, conditional removal, flags), whose
 * shared part maps nothing until a block goes there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blocks.h"
#include "stacks.h"
#include "ttab.h"

static void test_same_stack_interns_to_same_id(void **state) {
  (void)state;
  uintptr_t a[3] = {0x401000, 0x402000, 0x403000};
  uintptr_t b[3] = {0x401000, 0x402000, 0x403000};
  uint32_t ia = lg_stacks_intern(a, 3, NULL), ib = lg_stacks_intern(b, 3, NULL);
  assert_true(ia >= 1);
  assert_int_equal(ia, ib);
  uintptr_t got[4] = {0};
  assert_int_equal(lg_stacks_frames(ia, got, 4), 3);
  assert_memory_equal(got, a, sizeof a);
}

static void test_different_stacks_get_different_ids(void **state) {
  (void)state;
  uintptr_t a[2] = {0x10, 0x20}, b[2] = {0x10, 0x21}, c[1] = {0x10};
  uint32_t ia = lg_stacks_intern(a, 2, NULL), ib = lg_stacks_intern(b, 2, NULL), ic = lg_stacks_intern(c, 1, NULL);
  assert_int_not_equal(ia, ib);
  assert_int_not_equal(ia, ic);
  assert_int_not_equal(ib, ic);
}

static void test_many_stacks_stay_distinct_and_findable(void **state) {
  (void)state;
  enum { N = 20000 };
  static uint32_t ids[N];
  for (uintptr_t i = 0; i < N; i++) {
    uintptr_t f[2] = {0x7000 + i, 0x9999};
    ids[i] = lg_stacks_intern(f, 2, NULL);
    assert_true(ids[i] >= 1);
  }
  for (uintptr_t i = 0; i < N; i++) {
    uintptr_t f[2] = {0x7000 + i, 0x9999};
    assert_int_equal(lg_stacks_intern(f, 2, NULL), ids[i]);
    uintptr_t got[2];
    assert_int_equal(lg_stacks_frames(ids[i], got, 2), 2);
    assert_int_equal(got[0], 0x7000 + i);
    assert_int_equal(got[1], 0x9999);
  }
  uintptr_t none;
  assert_int_equal(lg_stacks_frames(0, &none, 1), -1);
  assert_int_equal(lg_stacks_frames(lg_stacks_count() + 1, &none, 1), -1);
}

/* Frames are whole 64-bit addresses (a node keeps them in two halves):
 * stacks that differ only in a frame's high half, or only in its low
 * half, are different stacks; and 60 000 stacks of 6 frames that share
 * their outer frames in a tree (more nodes and more stacks than the
 * hashes first hold, so both grow) each come back with their own id and
 * exactly their own frames, looked up again past the per-thread cache. */
static void test_stacks_keep_whole_frames_across_growth(void **state) {
  (void)state;
  uintptr_t lo[2] = {0x00007f0000001234ull, 0x5555}, hi[2] = {0x00007e0000001234ull, 0x5555};
  uintptr_t low_only[2] = {0x00007f0000001235ull, 0x5555};
  uint32_t a = lg_stacks_intern(lo, 2, NULL), b = lg_stacks_intern(hi, 2, NULL), c = lg_stacks_intern(low_only, 2, NULL);
  assert_true(a != b && a != c && b != c);
  uintptr_t got[6];
  assert_int_equal(lg_stacks_frames(b, got, 2), 2);
  assert_true(got[0] == hi[0] && got[1] == hi[1]);
  enum { N = 60000 };
  static uint32_t ids[N];
  for (int pass = 0; pass < 2; pass++) {
    for (uintptr_t i = 0; i < N; i++) {
      /* innermost first: i itself, then outer frames shared by ever more stacks */
      uintptr_t f[6] = {0x00007fff00000000ull + i, 0x00007ffe00000000ull + i / 3, 0x0000560000000000ull + i / 50,
                        0x401000 + i / 700, 0x00007f1200000000ull + (i & 1), 0x400100};
      uint32_t id = lg_stacks_intern(f, 6, NULL);
      if (pass == 0) ids[i] = id;
      else assert_int_equal(id, ids[i]);
      assert_int_equal(lg_stacks_frames(id, got, 6), 6);
      assert_memory_equal(got, f, sizeof f);
    }
  }
  for (uintptr_t i = 1; i < N; i++) assert_true(ids[i] != ids[i - 1]);
}

/* Stacks that share outer frames, or are the inner part of one another,
 * or have no frames, each keep their own id and give back exactly their
 * own frames; a short buffer gets the innermost ones. */
static void test_stacks_sharing_frames_stay_exact(void **state) {
  (void)state;
  uintptr_t outer[5] = {0xa1, 0xa2, 0xb0, 0xb1, 0xb2};
  uintptr_t other[5] = {0xc1, 0xa2, 0xb0, 0xb1, 0xb2};
  uintptr_t tail[3] = {0xb0, 0xb1, 0xb2};
  uintptr_t loop[4] = {0xd0, 0xd0, 0xd0, 0xd0}; /* recursion: one frame again and again */
  int fresh = 0;
  uint32_t i1 = lg_stacks_intern(outer, 5, &fresh);
  assert_true(i1 >= 1);
  uint32_t i2 = lg_stacks_intern(other, 5, NULL), i3 = lg_stacks_intern(tail, 3, NULL);
  uint32_t i4 = lg_stacks_intern(outer + 1, 4, NULL), i5 = lg_stacks_intern(NULL, 0, &fresh);
  assert_true(i5 >= 1);
  assert_int_equal(fresh, 1);
  assert_int_equal(lg_stacks_intern(NULL, 0, &fresh), i5);
  uint32_t i6 = lg_stacks_intern(loop, 4, NULL), i7 = lg_stacks_intern(loop, 3, NULL);
  uint32_t ids[] = {i1, i2, i3, i4, i5, i6, i7};
  for (unsigned a = 0; a < 7; a++)
    for (unsigned b = a + 1; b < 7; b++) assert_int_not_equal(ids[a], ids[b]);
  uintptr_t got[8];
  assert_int_equal(lg_stacks_frames(i2, got, 8), 5);
  assert_memory_equal(got, other, sizeof other);
  assert_int_equal(lg_stacks_frames(i3, got, 8), 3);
  assert_memory_equal(got, tail, sizeof tail);
  assert_int_equal(lg_stacks_frames(i4, got, 8), 4);
  assert_memory_equal(got, outer + 1, 4 * sizeof *got);
  assert_int_equal(lg_stacks_frames(i5, got, 8), 0);
  assert_int_equal(lg_stacks_frames(i7, got, 8), 3);
  assert_memory_equal(got, loop, 3 * sizeof *got);
  memset(got, 0, sizeof got);
  assert_int_equal(lg_stacks_frames(i1, got, 2), 5);
  assert_memory_equal(got, outer, 2 * sizeof *got);
  assert_int_equal(got[2], 0);
  assert_int_equal(lg_stacks_intern(other, 5, &fresh), i2);
  assert_int_equal(lg_stacks_intern(tail, 3, NULL), i3);
}

/* The scan's flags of a stack are kept by id. */
static void test_stack_flags_are_kept(void **state) {
  (void)state;
  uintptr_t f[2] = {0xe1, 0xe2};
  uint32_t id = lg_stacks_intern(f, 2, NULL);
  assert_int_equal(lg_stacks_flags(id), 0);
  lg_stacks_set_flags(id, LG_STACK_CHECKED | LG_STACK_LOADER);
  assert_int_equal(lg_stacks_flags(id), LG_STACK_CHECKED | LG_STACK_LOADER);
  assert_int_equal(lg_stacks_flags(lg_stacks_count() + 1), 0);
}

/* The shared part (large blocks, threads without a table) maps no array
 * until a block goes there: the program does not pay a page per shard. */
static void test_shared_part_maps_nothing_until_used(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  assert_int_equal(lg_blocks_table_bytes(), lg_ttab_bytes());
  assert_int_equal(lg_blocks_insert(0x7f0000100000, LG_BLOCKS_LARGE, 5, 0), 0);
  size_t one = lg_blocks_table_bytes() - lg_ttab_bytes();
  assert_true(one > 0);
  assert_true(one <= 4096);
  lg_slot_t s;
  assert_int_equal(lg_blocks_lookup(0x7f0000100000, &s), 1);
  assert_int_equal(s.stack, 5);
  assert_int_equal(lg_blocks_remove(0x7f0000100000), 1);
  assert_int_equal(lg_blocks_lookup(0x7f0000100000, &s), 0);
}

static void test_block_insert_lookup_remove(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  size_t before = lg_blocks_count();
  assert_int_equal(lg_blocks_insert(0x10000, 40, 3, 0), 0);
  lg_slot_t s;
  assert_true(lg_blocks_lookup(0x10000, &s));
  assert_int_equal(s.size, 40);
  assert_int_equal(s.stack, 3);
  assert_int_equal(lg_slot_addr(&s), 0x10000);
  assert_int_equal(lg_blocks_count(), before + 1);
  assert_true(lg_blocks_remove(0x10000));
  assert_false(lg_blocks_remove(0x10000));
  assert_false(lg_blocks_lookup(0x10000, &s));
  assert_int_equal(lg_blocks_count(), before);
}

static void test_block_table_grows_and_deletes_without_losing_entries(void **state) {
  (void)state;
  enum { N = 200000 };
  assert_int_equal(lg_blocks_init(), 0);
  size_t before = lg_blocks_count();
  for (uintptr_t i = 0; i < N; i++) assert_int_equal(lg_blocks_insert(0x100000 + i * 16, i, (uint32_t)i, 0), 0);
  assert_int_equal(lg_blocks_count(), before + N);
  for (uintptr_t i = 0; i < N; i += 2) assert_true(lg_blocks_remove(0x100000 + i * 16));
  lg_slot_t s;
  for (uintptr_t i = 0; i < N; i++) {
    int found = lg_blocks_lookup(0x100000 + i * 16, &s);
    assert_int_equal(found, (int)(i & 1));
    if (found) assert_int_equal(s.stack, (uint32_t)i);
  }
  for (uintptr_t i = 1; i < N; i += 2) assert_true(lg_blocks_remove(0x100000 + i * 16));
  assert_int_equal(lg_blocks_count(), before);
}

static void test_remove_if_checks_size_and_stack(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x20000, 10, 5, 0);
  assert_false(lg_blocks_remove_if(0x20000, 10, 6));
  assert_false(lg_blocks_remove_if(0x20000, 11, 5));
  assert_true(lg_blocks_remove_if(0x20000, 10, 5));
  lg_slot_t s;
  assert_false(lg_blocks_lookup(0x20000, &s));
}

static void test_flags_live_in_the_low_bits(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x30000, 8, 1, 0);
  assert_true(lg_blocks_set_flags(0x30000, LG_BLK_IGNORED));
  lg_slot_t s;
  assert_true(lg_blocks_lookup(0x30000, &s));
  assert_true(s.key & LG_BLK_IGNORED);
  assert_int_equal(lg_slot_addr(&s), 0x30000);
  assert_false(lg_blocks_set_flags(0x30010, LG_BLK_IGNORED));
  lg_blocks_insert(0x30000, 9, 2, 0); /* the address reused: flags reset */
  assert_true(lg_blocks_lookup(0x30000, &s));
  assert_false(s.key & LG_BLK_IGNORED);
  assert_int_equal(s.size, 9);
  lg_blocks_remove(0x30000);
}

static void test_huge_size_is_marked_big(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_blocks_insert(0x40000, (size_t)5 << 30, 1, 0);
  lg_slot_t s;
  assert_true(lg_blocks_lookup(0x40000, &s));
  assert_int_equal(s.size, LG_SIZE_BIG);
  lg_blocks_remove(0x40000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_stack_interns_to_same_id),
      cmocka_unit_test(test_different_stacks_get_different_ids),
      cmocka_unit_test(test_many_stacks_stay_distinct_and_findable),
      cmocka_unit_test(test_stacks_sharing_frames_stay_exact),
      cmocka_unit_test(test_stacks_keep_whole_frames_across_growth),
      cmocka_unit_test(test_stack_flags_are_kept),
      cmocka_unit_test(test_shared_part_maps_nothing_until_used),
      cmocka_unit_test(test_block_insert_lookup_remove),
      cmocka_unit_test(test_block_table_grows_and_deletes_without_losing_entries),
      cmocka_unit_test(test_remove_if_checks_size_and_stack),
      cmocka_unit_test(test_flags_live_in_the_low_bits),
      cmocka_unit_test(test_huge_size_is_marked_big),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
