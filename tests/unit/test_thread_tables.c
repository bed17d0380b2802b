/* tests/unit/test_thread_tables.c — the block table's per-thread part
 * (collector/ttab.h) through the block table's entry points, with real
 * threads: a block is found by whichever thread frees, looks up or flags
 * it; nothing is lost or found twice while owners rehash and other threads
 * remove concurrently; a table a thread left is adopted by the next one and
 * keeps its blocks; ageing while owners work ages exactly the old blocks;
 * large blocks go to the shared part; a block recorded anew in place by
 * another thread has one entry; the refcount flag (LG_BLK_STACK_RC) is set
 * and handed on at the free in every part, and survives a realloc in
 * place wherever the old entry was; a big table grows by a quarter. */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blocks.h"
#include "ttab.h"

#define BASE(k) ((uintptr_t)(k) << 32) /* a private address range per test */

/* Counts the entries lg_blocks_each sees in [lo, hi). */
typedef struct range_count { uintptr_t lo, hi; size_t n; } range_count_t;
static void count_in(lg_slot_t *s, void *arg) {
  range_count_t *r = arg;
  uintptr_t a = lg_slot_addr(s);
  if (a >= r->lo && a < r->hi) r->n++;
}
static size_t entries_in(uintptr_t lo, uintptr_t hi) {
  range_count_t r = {lo, hi, 0};
  lg_blocks_each(count_in, &r);
  return r.n;
}

/* ---- one thread inserts, another removes ---------------------------------------- */

typedef struct job { uintptr_t base; size_t n; size_t done; } job_t;

static void *insert_all(void *arg) {
  job_t *j = arg;
  for (size_t i = 0; i < j->n; i++)
    if (lg_blocks_insert(j->base + 16 * i, 24, (uint32_t)(i + 1), 0) == 0) j->done++;
  return NULL;
}

static void *remove_all(void *arg) {
  job_t *j = arg;
  for (size_t i = 0; i < j->n; i++) j->done += (size_t)lg_blocks_remove(j->base + 16 * i);
  return NULL;
}

static void run(void *(*fn)(void *), job_t *j) {
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, fn, j), 0);
  pthread_join(t, NULL);
}

/* ---- growth ------------------------------------------------------------------------ */

/* Inserts j->n blocks and notes the largest growth of the tables' bytes at
 * one insert, relative to the bytes a part held before it (the total over
 * the parts, which grow about in step), once the table is past 1 MiB. */
typedef struct growth { uintptr_t base; size_t n; double worst; } growth_t;
static void *insert_and_watch(void *arg) {
  growth_t *g = arg;
  size_t before = lg_ttab_bytes();
  for (size_t i = 0; i < g->n; i++) {
    if (lg_blocks_insert(g->base + 16 * i, 24, 1, 0) != 0) return NULL;
    size_t now = lg_ttab_bytes();
    if (now > before && before >= (1u << 20)) {
      double r = (double)(now - before) / ((double)before / LG_TT_PARTS);
      if (r > g->worst) g->worst = r;
    }
    before = now;
  }
  return g;
}

/* A part grows by a quarter, not a half: its slack is resident memory (a
 * part grown by half from 11/16 full is more than half empty). The first
 * test of the file, so that its thread's table is the only one. */
static void test_a_big_table_grows_by_a_quarter(void **state) {
  (void)state;
  growth_t g = {BASE(20), 300000, 0};
  pthread_t t;
  void *ok;
  assert_int_equal(pthread_create(&t, NULL, insert_and_watch, &g), 0);
  pthread_join(t, &ok);
  assert_non_null(ok);
  assert_int_equal(entries_in(BASE(20), BASE(21)), 300000);
  assert_true(g.worst > 0.1);  /* it did grow, past 1 MiB */
  assert_true(g.worst < 0.3);  /* by a quarter (a half would be 0.34 to 0.5) */
  for (size_t i = 0; i < 300000; i++) lg_blocks_remove(BASE(20) + 16 * i);
  assert_int_equal(entries_in(BASE(20), BASE(21)), 0);
}

static void test_blocks_of_another_thread_are_found_and_removed(void **state) {
  (void)state;
  job_t ins = {BASE(1), 5000, 0}, rem = {BASE(1), 5000, 0};
  run(insert_all, &ins);
  assert_int_equal(ins.done, 5000);
  assert_int_equal(entries_in(BASE(1), BASE(2)), 5000);
  lg_slot_t s;
  assert_true(lg_blocks_lookup(BASE(1) + 16 * 7, &s)); /* from the main thread */
  assert_int_equal(s.stack, 8);
  assert_int_equal(s.size, 24);
  run(remove_all, &rem);
  assert_int_equal(rem.done, 5000);
  assert_int_equal(entries_in(BASE(1), BASE(2)), 0);
  assert_false(lg_blocks_lookup(BASE(1) + 16 * 7, &s));
}

static void test_flags_and_conditional_removal_from_another_thread(void **state) {
  (void)state;
  job_t ins = {BASE(3), 10, 0};
  run(insert_all, &ins);
  assert_true(lg_blocks_set_flags(BASE(3), LG_BLK_IGNORED));
  lg_slot_t s;
  assert_true(lg_blocks_lookup(BASE(3), &s));
  assert_true(s.key & LG_BLK_IGNORED);
  assert_false(lg_blocks_remove_if(BASE(3) + 16, 24, 99)); /* wrong stack */
  assert_true(lg_blocks_remove_if(BASE(3) + 16, 24, 2));
  assert_false(lg_blocks_lookup(BASE(3) + 16, &s));
  for (size_t i = 0; i < 10; i++) lg_blocks_remove(BASE(3) + 16 * i);
  assert_int_equal(entries_in(BASE(3), BASE(4)), 0);
}

/* ---- owners rehash while others remove ------------------------------------------ */

/* The owner inserts blocks and hands every other one to the remover
 * through a ring; it also removes its own blocks of the round before, so
 * its table keeps growing and rehashing while the remover works in it. */
#define RING 4096
typedef struct handoff {
  uintptr_t ring[RING];
  unsigned head, tail; /* head: written by the owner; tail: by the remover */
  int done;
  size_t removed, missed;
} handoff_t;

static void *owner(void *arg) {
  handoff_t *h = arg;
  enum { ROUNDS = 40, PER = 4000 };
  for (size_t r = 0; r < ROUNDS; r++) {
    uintptr_t base = BASE(5) + r * PER * 32;
    for (size_t i = 0; i < PER; i++) {
      assert_int_equal(lg_blocks_insert(base + 32 * i, 16, 1, 0), 0);
      if (i & 1) {
        while (__atomic_load_n(&h->head, __ATOMIC_ACQUIRE) - __atomic_load_n(&h->tail, __ATOMIC_ACQUIRE) == RING) {}
        h->ring[h->head % RING] = base + 32 * i;
        __atomic_store_n(&h->head, h->head + 1, __ATOMIC_RELEASE);
      }
    }
    if (r) {
      uintptr_t prev = base - PER * 32;
      for (size_t i = 0; i < PER; i += 2) assert_true(lg_blocks_remove(prev + 32 * i));
    }
  }
  uintptr_t last = BASE(5) + (ROUNDS - 1) * PER * 32;
  for (size_t i = 0; i < PER; i += 2) assert_true(lg_blocks_remove(last + 32 * i));
  __atomic_store_n(&h->done, 1, __ATOMIC_RELEASE);
  return NULL;
}

static void *remover(void *arg) {
  handoff_t *h = arg;
  for (;;) {
    unsigned head = __atomic_load_n(&h->head, __ATOMIC_ACQUIRE);
    if (h->tail == head) {
      if (__atomic_load_n(&h->done, __ATOMIC_ACQUIRE) && h->tail == __atomic_load_n(&h->head, __ATOMIC_ACQUIRE)) break;
      continue;
    }
    if (lg_blocks_remove(h->ring[h->tail % RING])) h->removed++;
    else h->missed++;
    __atomic_store_n(&h->tail, h->tail + 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

static void test_nothing_lost_while_the_owner_rehashes_and_others_remove(void **state) {
  (void)state;
  static handoff_t h;
  pthread_t a, b;
  assert_int_equal(pthread_create(&b, NULL, remover, &h), 0);
  assert_int_equal(pthread_create(&a, NULL, owner, &h), 0);
  pthread_join(a, NULL);
  pthread_join(b, NULL);
  assert_int_equal(h.missed, 0);
  assert_int_equal(h.removed, 40 * 2000);
  assert_int_equal(entries_in(BASE(5), BASE(6)), 0);
}

/* ---- threads that end ----------------------------------------------------------- */

static void *insert_and_end(void *arg) {
  insert_all(arg);
  lg_blocks_thread_end();
  lg_blocks_insert(((job_t *)arg)->base + 0x100000, 8, 1, 0); /* after the end: shared */
  return NULL;
}

static void test_a_table_left_by_an_ended_thread_is_adopted_with_its_blocks(void **state) {
  (void)state;
  job_t first = {BASE(7), 3000, 0};
  run(insert_and_end, &first);
  size_t tables = lg_ttab_tables();
  for (int k = 0; k < 20; k++) { /* later threads take the table left behind */
    job_t more = {BASE(8) + (uintptr_t)k * 0x100000 * 2, 500, 0};
    run(insert_and_end, &more);
  }
  assert_int_equal(lg_ttab_tables(), tables);
  assert_int_equal(entries_in(BASE(7), BASE(7) + 16 * 3000), 3000);
  assert_int_equal(entries_in(BASE(8), BASE(9)), 20 * 501);
  lg_slot_t s;
  assert_true(lg_blocks_lookup(BASE(7) + 16 * 2999, &s));
  assert_int_equal(s.stack, 3000);
  job_t rem = {BASE(7), 3000, 0};
  remove_all(&rem);
  assert_int_equal(rem.done, 3000);
  assert_true(lg_blocks_remove(BASE(7) + 0x100000));
  for (int k = 0; k < 20; k++) {
    job_t r2 = {BASE(8) + (uintptr_t)k * 0x100000 * 2, 500, 0};
    remove_all(&r2);
    assert_int_equal(r2.done, 500);
    assert_true(lg_blocks_remove(r2.base + 0x100000));
  }
  assert_int_equal(entries_in(BASE(7), BASE(9)), 0);
}

/* ---- ageing while owners work ------------------------------------------------------ */

static unsigned gen_of(uintptr_t addr) {
  lg_slot_t s;
  assert_true(lg_blocks_lookup(addr, &s));
  return (unsigned)((s.key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
}

typedef struct churn { uintptr_t base; int ready, stop; size_t rounds; } churn_t;

/* Inserts and removes blocks of its own, rehashing as it goes, until told. */
static void *churn(void *arg) {
  churn_t *c = arg;
  job_t stay = {c->base, 2000, 0};
  insert_all(&stay);
  __atomic_store_n(&c->ready, 1, __ATOMIC_RELEASE);
  while (!__atomic_load_n(&c->stop, __ATOMIC_ACQUIRE)) {
    for (size_t i = 0; i < 3000; i++) lg_blocks_insert(c->base + 0x1000000 + 16 * i, 8, 2, 0);
    for (size_t i = 0; i < 3000; i++) lg_blocks_remove(c->base + 0x1000000 + 16 * i);
    c->rounds++;
  }
  return NULL;
}

static void test_ageing_while_owners_rehash_ages_exactly_the_old_blocks(void **state) {
  (void)state;
  static churn_t c = {BASE(10), 0, 0, 0};
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, churn, &c), 0);
  while (!__atomic_load_n(&c.ready, __ATOMIC_ACQUIRE)) sched_yield();
  lg_blocks_lock_all();
  lg_blocks_flip_epoch();
  lg_blocks_unlock_all();
  lg_blocks_age();
  lg_blocks_lock_all();
  lg_blocks_flip_epoch();
  lg_blocks_unlock_all();
  lg_blocks_age();
  for (size_t i = 0; i < 2000; i++) assert_int_equal(gen_of(BASE(10) + 16 * i), 2); /* while it churns */
  __atomic_store_n(&c.stop, 1, __ATOMIC_RELEASE);
  pthread_join(t, NULL);
  assert_true(c.rounds > 0);
  job_t rem = {BASE(10), 2000, 0};
  remove_all(&rem);
  assert_int_equal(rem.done, 2000);
}

/* ---- the shared part ----------------------------------------------------------------- */

static void test_large_blocks_live_in_the_shared_part(void **state) {
  (void)state;
  size_t own = lg_ttab_count();
  assert_int_equal(lg_blocks_insert(BASE(11), LG_BLOCKS_LARGE, 4, 0), 0);
  assert_int_equal(lg_blocks_insert(BASE(11) + 0x100000, LG_BLOCKS_LARGE - 1, 5, 0), 0);
  assert_int_equal(lg_ttab_count(), own + 1); /* only the small one */
  assert_int_equal(entries_in(BASE(11), BASE(12)), 2);
  assert_true(lg_blocks_remove(BASE(11)));
  assert_true(lg_blocks_remove(BASE(11) + 0x100000));
  assert_int_equal(entries_in(BASE(11), BASE(12)), 0);
}

/* A block another thread recorded, recorded anew in place (realloc that
 * keeps it) by this one, and one that moves between the parts. */
static void test_replace_leaves_one_entry_wherever_the_old_one_was(void **state) {
  (void)state;
  job_t ins = {BASE(13), 4, 0};
  run(insert_all, &ins);
  assert_int_equal(lg_blocks_replace(BASE(13), 12, 77, 0), 0);
  assert_int_equal(entries_in(BASE(13), BASE(13) + 16), 1);
  lg_slot_t s;
  assert_true(lg_blocks_lookup(BASE(13), &s));
  assert_int_equal(s.stack, 77);
  assert_int_equal(s.size, 12);
  assert_int_equal(lg_blocks_replace(BASE(13), LG_BLOCKS_LARGE + 5, 78, 0), 0); /* to the shared part */
  assert_int_equal(entries_in(BASE(13), BASE(13) + 16), 1);
  assert_int_equal(lg_blocks_replace(BASE(13), 20, 79, 0), 0); /* and back */
  assert_int_equal(entries_in(BASE(13), BASE(13) + 16), 1);
  assert_true(lg_blocks_lookup(BASE(13), &s));
  assert_int_equal(s.stack, 79);
  for (size_t i = 0; i < 4; i++) assert_true(lg_blocks_remove(BASE(13) + 16 * i));
  assert_int_equal(entries_in(BASE(13), BASE(14)), 0);
}

/* ---- refcounted blocks ------------------------------------------------------------ */

static uintptr_t rc_freed[16];
static unsigned rc_nfreed;
static void on_rc_free(uintptr_t addr) { if (rc_nfreed < 16) rc_freed[rc_nfreed++] = addr; }

static void *mark_first(void *arg) {
  job_t *j = arg;
  j->done = (size_t)lg_blocks_mark_rc(j->base, 8, 8);
  return NULL;
}

static int has_rc(uintptr_t addr) {
  lg_slot_t s;
  return lg_blocks_lookup(addr, &s) && (s.stack & LG_BLK_STACK_RC) && lg_slot_stack(&s) != 0;
}

/* Flagged from another thread, and only when the object fits: the free
 * hands the block on once, a free of an unflagged block never. */
static void test_refcount_flag_in_every_part_is_handed_on_at_the_free(void **state) {
  (void)state;
  lg_blocks_on_rc_free = on_rc_free;
  rc_nfreed = 0;
  job_t other = {BASE(15), 3, 0}; /* in another thread's table */
  run(insert_all, &other);
  assert_int_equal(lg_blocks_insert(BASE(15) + 0x1000, 24, 9, 0), 0);               /* this thread's */
  assert_int_equal(lg_blocks_insert(BASE(15) + 0x100000, LG_BLOCKS_LARGE, 9, 0), 0); /* the shared part */
  assert_false(lg_blocks_mark_rc(BASE(15), 16, 16)); /* past its 24 bytes */
  assert_true(lg_blocks_mark_rc(BASE(15), 0, 24));
  job_t mine = {BASE(15) + 0x1000, 0, 0}, big = {BASE(15) + 0x100000, 0, 0};
  run(mark_first, &mine); /* from another thread */
  run(mark_first, &big);
  assert_int_equal(mine.done, 1);
  assert_int_equal(big.done, 1);
  assert_true(has_rc(BASE(15)) && has_rc(BASE(15) + 0x1000) && has_rc(BASE(15) + 0x100000));
  assert_false(has_rc(BASE(15) + 16));
  assert_true(lg_blocks_remove(BASE(15) + 16)); /* unflagged */
  assert_int_equal(rc_nfreed, 0);
  assert_true(lg_blocks_remove(BASE(15)));
  assert_true(lg_blocks_remove(BASE(15) + 0x1000));
  assert_true(lg_blocks_remove_if(BASE(15) + 0x100000, LG_BLOCKS_LARGE, 9 | LG_BLK_STACK_RC));
  assert_int_equal(rc_nfreed, 3);
  assert_int_equal(rc_freed[0], BASE(15));
  assert_int_equal(rc_freed[1], BASE(15) + 0x1000);
  assert_int_equal(rc_freed[2], BASE(15) + 0x100000);
  assert_true(lg_blocks_remove(BASE(15) + 32));
  assert_int_equal(rc_nfreed, 3);
}

/* A realloc in place keeps the block's objects: the flag moves with the
 * entry from another thread's table, to the shared part and back, and
 * nothing is handed on until the block is freed. */
static void test_refcount_flag_survives_a_realloc_in_place_wherever_it_was(void **state) {
  (void)state;
  lg_blocks_on_rc_free = on_rc_free;
  rc_nfreed = 0;
  job_t ins = {BASE(16), 1, 0};
  run(insert_all, &ins);
  assert_true(lg_blocks_mark_rc(BASE(16), 0, 8));
  assert_int_equal(lg_blocks_replace(BASE(16), 40, 70, 0), 0); /* into this thread's table */
  assert_true(has_rc(BASE(16)));
  assert_int_equal(lg_blocks_replace(BASE(16), 48, 71, 0), 0); /* in place in it */
  assert_true(has_rc(BASE(16)));
  assert_int_equal(lg_blocks_replace(BASE(16), LG_BLOCKS_LARGE + 5, 72, 0), 0); /* to the shared part */
  assert_true(has_rc(BASE(16)));
  assert_int_equal(lg_blocks_replace(BASE(16), 64, 73, 0), 0); /* and back */
  assert_true(has_rc(BASE(16)));
  assert_int_equal(entries_in(BASE(16), BASE(17)), 1);
  assert_int_equal(rc_nfreed, 0);
  assert_true(lg_blocks_remove(BASE(16)));
  assert_int_equal(rc_nfreed, 1);
}

int main(void) {
  assert_int_equal(lg_blocks_init(), 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_big_table_grows_by_a_quarter),
      cmocka_unit_test(test_blocks_of_another_thread_are_found_and_removed),
      cmocka_unit_test(test_flags_and_conditional_removal_from_another_thread),
      cmocka_unit_test(test_nothing_lost_while_the_owner_rehashes_and_others_remove),
      cmocka_unit_test(test_a_table_left_by_an_ended_thread_is_adopted_with_its_blocks),
      cmocka_unit_test(test_ageing_while_owners_rehash_ages_exactly_the_old_blocks),
      cmocka_unit_test(test_large_blocks_live_in_the_shared_part),
      cmocka_unit_test(test_replace_leaves_one_entry_wherever_the_old_one_was),
      cmocka_unit_test(test_refcount_flag_in_every_part_is_handed_on_at_the_free),
      cmocka_unit_test(test_refcount_flag_survives_a_realloc_in_place_wherever_it_was),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
