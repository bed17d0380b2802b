/* tests/unit/test_tables_live.c — lg_blocks_each_live (blocks.h), the
 * concurrent mark's copy of the block table with the program running:
 * while an owner thread keeps inserting and removing blocks of its own
 * (so its table rehashes, growing, again and again) and another thread
 * inserts and removes large blocks in the shared part, every walk sees
 * every block that lived through the whole walk, each with the size and
 * stack it was recorded with. So does a walk of the slot arrays that
 * lg_blocks_each_slots_read gives (the pre-cleaning rounds' walk of the
 * table's pages), reading each slot with the owner's protocol. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blocks.h"

#define BASE(k) ((uintptr_t)(k) << 32)
#define STABLE 20000
#define STABLE_LARGE 64
#define WALKS 30

static int stop, ready;

/* The owner: its stable blocks first, then churn that makes it rehash. */
static void *owner(void *arg) {
  (void)arg;
  for (size_t i = 0; i < STABLE; i++) assert_int_equal(lg_blocks_insert(BASE(1) + 16 * i, 24, (uint32_t)(i + 1), 0), 0);
  __atomic_store_n(&ready, 1, __ATOMIC_RELEASE);
  for (uintptr_t round = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); round++) {
    uintptr_t base = BASE(2) + round * 0x1000000;
    size_t n = 5000 + (round % 8) * 5000;
    for (size_t i = 0; i < n; i++) lg_blocks_insert(base + 16 * i, 8, 7, 0);
    for (size_t i = 0; i < n; i++) lg_blocks_remove(base + 16 * i);
  }
  return NULL;
}

/* Large blocks in the shared part: stable ones, then churn. */
static void *large(void *arg) {
  (void)arg;
  for (uintptr_t round = 0; !__atomic_load_n(&stop, __ATOMIC_ACQUIRE); round++) {
    uintptr_t a = BASE(4) + (round % 4096) * 0x100000;
    lg_blocks_insert(a, LG_BLOCKS_LARGE + 16, 9, 0);
    lg_blocks_remove(a);
  }
  return NULL;
}

typedef struct seen { uint8_t small[STABLE], big[STABLE_LARGE]; size_t bad; } seen_t;

static void note(const lg_slot_t *sl, void *arg) {
  seen_t *s = arg;
  uintptr_t a = lg_slot_addr(sl);
  if (a >= BASE(1) && a < BASE(1) + 16 * STABLE) {
    size_t i = (a - BASE(1)) / 16;
    s->small[i] = 1;
    if (sl->size != 24 || lg_slot_stack(sl) != i + 1) s->bad++;
  } else if (a >= BASE(3) && a < BASE(3) + 0x100000 * STABLE_LARGE) {
    size_t i = (a - BASE(3)) / 0x100000;
    s->big[i] = 1;
    if (sl->size != LG_BLOCKS_LARGE + 32 || lg_slot_stack(sl) != 100 + i) s->bad++;
  }
}

/* Starts the owner and the large-block threads, walks the table WALKS
 * times with `walk` while they change it, and checks that every stable
 * block was seen whole in every walk. */
static void walks_see_every_stable_block(void (*walk)(seen_t *s)) {
  __atomic_store_n(&stop, 0, __ATOMIC_RELEASE);
  pthread_t a, b;
  assert_int_equal(pthread_create(&a, NULL, owner, NULL), 0);
  while (!__atomic_load_n(&ready, __ATOMIC_ACQUIRE)) {}
  assert_int_equal(pthread_create(&b, NULL, large, NULL), 0);
  static seen_t s;
  size_t missed = 0, bad = 0;
  for (int w = 0; w < WALKS; w++) {
    memset(&s, 0, sizeof s);
    walk(&s);
    for (size_t i = 0; i < STABLE; i++) missed += !s.small[i];
    for (size_t i = 0; i < STABLE_LARGE; i++) missed += !s.big[i];
    bad += s.bad;
  }
  __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert_int_equal(missed, 0);
  assert_int_equal(bad, 0);
}

static void walk_live(seen_t *s) { lg_blocks_each_live(note, s); }

static void test_every_block_that_lives_through_a_walk_is_seen_whole(void **state) {
  (void)state;
  for (size_t i = 0; i < STABLE_LARGE; i++)
    assert_int_equal(lg_blocks_insert(BASE(3) + 0x100000 * i, LG_BLOCKS_LARGE + 32, (uint32_t)(100 + i), 0), 0);
  walks_see_every_stable_block(walk_live);
}

/* Reads the slots of one array as a pre-cleaning round does (the key
 * before and after the rest), noting every whole entry. */
static void note_slots(const lg_slot_t *slots, size_t n, void *arg) {
  for (size_t j = 0; j < n; j++) {
    lg_slot_t c;
    c.key = __atomic_load_n(&slots[j].key, __ATOMIC_ACQUIRE);
    if (c.key <= 1) continue;
    c.size = __atomic_load_n(&slots[j].size, __ATOMIC_RELAXED);
    c.stack = __atomic_load_n(&slots[j].stack, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&slots[j].key, __ATOMIC_RELAXED) == c.key) note(&c, arg);
  }
}

static void walk_slots(seen_t *s) { lg_blocks_each_slots_read(note_slots, s); }

static void test_every_block_that_lives_through_a_walk_of_the_arrays_is_in_one(void **state) {
  (void)state;
  walks_see_every_stable_block(walk_slots);
}

int main(void) {
  assert_int_equal(lg_blocks_init(), 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_block_that_lives_through_a_walk_is_seen_whole),
      cmocka_unit_test(test_every_block_that_lives_through_a_walk_of_the_arrays_is_in_one),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
