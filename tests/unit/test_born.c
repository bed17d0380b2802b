/* tests/unit/test_born.c — the born-since-last-scan lists (born.h): what a
 * young scan's snapshot reads instead of walking the block table. Each
 * test drives the block table as the hooks do and "scans" as scan.c does
 * (flip the epoch with the world stopped, read the lists, save the
 * per-site counts, age), then checks the records: the young entries as
 * the table holds them at the stop, the gone records with the generation
 * the block would have had, and when the lists are not to be trusted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <signal.h>

#include "blocks.h"
#include "born.h"
#include "world.h"

#define MAXR 64

typedef struct seen {
  int nnew, ngone;
  lg_slot_t news[MAXR];
  struct { uintptr_t addr; uint32_t stack, size; unsigned gen; } gone[MAXR];
} seen_t;

static void on_new(lg_slot_t *sl, void *arg) {
  seen_t *s = arg;
  if (s->nnew < MAXR) s->news[s->nnew++] = *sl;
}

static void on_gone(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg) {
  seen_t *s = arg;
  if (s->ngone == MAXR) return;
  s->gone[s->ngone].addr = addr;
  s->gone[s->ngone].stack = stack;
  s->gone[s->ngone].size = size;
  s->gone[s->ngone++].gen = gen;
}

/* One scan: stop (flip), read the lists when whole, save counts, age.
 * Returns whether the lists were whole. */
static int scan(seen_t *out) {
  memset(out, 0, sizeof *out);
  lg_blocks_flip_epoch();
  int whole = lg_born_whole();
  if (whole) lg_born_each(on_new, on_gone, out);
  lg_site_gen_t *room = lg_born_sites_room(8);
  assert_non_null(room);
  lg_born_sites_commit(8);
  lg_blocks_age();
  return whole;
}

static int setup(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_born_enable();
  assert_int_equal(lg_born_reserve(8), 0);
  seen_t s;
  scan(&s); /* a first scan saves counts: the lists are whole from then on */
  return 0;
}

static void test_new_blocks_are_listed_as_the_table_holds_them(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_insert(0x100000, 10, 1, 0);
  lg_blocks_insert(0x100100, 20, 2, 0);
  lg_blocks_remove(0x100100);            /* freed before the scan: not young */
  lg_blocks_insert(0x100200, 30, 3, 0);
  lg_blocks_remove(0x100200);
  lg_blocks_insert(0x100200, 40, 4, 0);  /* the address reused: the reuse only */
  assert_true(scan(&s));
  assert_int_equal(s.ngone, 0);
  int saw0 = 0, saw2 = 0;
  for (int i = 0; i < s.nnew; i++) {
    uintptr_t a = lg_slot_addr(&s.news[i]);
    assert_true(a == 0x100000 || a == 0x100200);
    if (a == 0x100000) { saw0++; assert_int_equal(lg_slot_stack(&s.news[i]), 1); }
    if (a == 0x100200) { saw2++; assert_int_equal(lg_slot_stack(&s.news[i]), 4); assert_int_equal(s.news[i].size, 40); }
  }
  assert_true(saw0 == 1 && saw2 >= 1);
  /* At the next scan they are old: no record unless they change. */
  assert_true(scan(&s));
  assert_int_equal(s.nnew + s.ngone, 0);
  lg_blocks_remove(0x100000);
  lg_blocks_remove(0x100200);
  scan(&s);
}

/* Many new blocks, inserted in an order their table slots do not follow:
 * each comes once, as the table holds it, and in the order of the slots
 * (the lookups go through the table in address order, born.h). */
typedef struct order { int n, sorted; uintptr_t last_slot, addrs[MAXR]; } order_t;

static void on_new_order(lg_slot_t *sl, void *arg) {
  order_t *o = arg;
  if ((uintptr_t)sl < o->last_slot) o->sorted = 0;
  o->last_slot = (uintptr_t)sl;
  if (o->n < MAXR) o->addrs[o->n] = lg_slot_addr(sl);
  o->n++;
}

static void on_gone_none(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg) {
  (void)addr, (void)stack, (void)size, (void)gen, (void)arg;
  fail();
}

static void test_new_blocks_come_once_each_in_slot_order(void **state) {
  (void)state;
  seen_t s;
  for (uintptr_t k = 0; k < MAXR; k++) lg_blocks_insert(0x200000 + ((k * 37) % MAXR) * 0x40, 16, 5, 0);
  lg_blocks_flip_epoch();
  assert_true(lg_born_whole());
  order_t o = {0, 1, 0, {0}};
  lg_born_each(on_new_order, on_gone_none, &o);
  assert_int_equal(o.n, MAXR);
  assert_true(o.sorted);
  int seen[MAXR] = {0};
  for (int i = 0; i < MAXR; i++) {
    uintptr_t a = o.addrs[i];
    assert_true(a >= 0x200000 && a < 0x200000 + MAXR * 0x40 && !(a & 0x3f));
    seen[(a - 0x200000) / 0x40]++;
  }
  for (int i = 0; i < MAXR; i++) assert_int_equal(seen[i], 1);
  lg_site_gen_t *room = lg_born_sites_room(8);
  assert_non_null(room);
  lg_born_sites_commit(8);
  lg_blocks_age();
  for (uintptr_t k = 0; k < MAXR; k++) lg_blocks_remove(0x200000 + k * 0x40);
  scan(&s);
}

static void test_old_blocks_freed_are_gone_records_with_their_next_generation(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_insert(0x200000, 16, 5, 0);
  lg_blocks_insert(0x200100, 32, 6, 0);
  lg_blocks_insert(0x200200, 48, 7, 0);
  assert_true(scan(&s));                 /* in this snapshot at generation 0 */
  lg_blocks_remove(0x200000);            /* aged to 1: gone at generation 1 */
  lg_blocks_insert(0x200300, 64, 8, 0);
  lg_blocks_remove(0x200300);            /* born since the snapshot: no record */
  assert_true(scan(&s));
  assert_int_equal(s.ngone, 1);
  assert_int_equal(s.gone[0].addr, 0x200000);
  assert_int_equal(s.gone[0].stack, 5);
  assert_int_equal(s.gone[0].size, 16);
  assert_int_equal(s.gone[0].gen, 1);
  assert_true(scan(&s));
  lg_blocks_remove(0x200100);            /* old: generation 2 */
  assert_int_equal(lg_blocks_remove_if(0x200200, 48, 99), 0); /* not this block: no record */
  assert_int_equal(lg_blocks_remove_if(0x200200, 48, 7), 1);
  assert_true(scan(&s));
  assert_int_equal(s.ngone, 2);
  assert_int_equal(s.gone[0].gen, 2);
  assert_int_equal(s.gone[1].addr, 0x200200);
  assert_int_equal(s.gone[1].gen, 2);
}

static void test_a_free_between_the_stop_and_the_ageing_counts_the_next_generation(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_insert(0x300000, 16, 5, 0);
  memset(&s, 0, sizeof s);
  assert_true(scan(&s));
  lg_blocks_flip_epoch();                /* a scan's stop, its ageing not yet run */
  lg_born_sites_room(8);
  lg_born_sites_commit(8);
  lg_blocks_remove(0x300000);            /* generation 1 at the stop, 2 had it aged */
  lg_blocks_age();
  assert_true(scan(&s));
  assert_int_equal(s.ngone, 1);
  assert_int_equal(s.gone[0].gen, 2);
}

static void test_realloc_in_place_is_a_gone_and_a_new_record(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_insert(0x400000, 100, 9, 0);
  assert_true(scan(&s));
  assert_int_equal(lg_blocks_replace(0x400000, 50, 10, 0), 0);
  assert_true(scan(&s));
  assert_int_equal(s.ngone, 1);
  assert_int_equal(s.gone[0].stack, 9);
  assert_int_equal(s.gone[0].size, 100);
  assert_int_equal(s.nnew, 1);
  assert_int_equal(lg_slot_stack(&s.news[0]), 10);
  assert_int_equal(s.news[0].size, 50);
  lg_blocks_remove(0x400000);
  scan(&s);
}

static void test_a_thread_stopped_inside_a_change_distrusts_two_epochs(void **state) {
  (void)state;
  seen_t s;
  lg_born_log_t *l = lg_born_enter(LG_BORN_WIDE); /* stopped inside a change another thread may hold up */
  assert_false(scan(&s));
  lg_born_leave(l);                      /* the change ends in the next epoch */
  assert_false(scan(&s));
  assert_true(scan(&s));
}

static volatile int stops;
static void on_stop(int sig) { (void)sig; stops++; }

static void test_a_stop_during_an_own_change_is_taken_at_its_end(void **state) {
  (void)state;
  struct sigaction sa, old;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_stop;
  sigaction(lg_world_signal(), &sa, &old);
  seen_t s;
  lg_blocks_insert(0x500000, 8, 1, 0); /* the thread has its list and table */
  stops = 0;
  lg_born_log_t *l = lg_born_enter(LG_BORN_OWN);
  assert_int_equal(lg_born_defer_stop(), 1); /* the handler returns at once */
  assert_int_equal(stops, 0);
  lg_born_leave(l);
  assert_int_equal(stops, 1);                /* raised again at the end */
  l = lg_born_enter(LG_BORN_OWN);
  lg_born_leave(l);
  assert_int_equal(stops, 1);                /* once */
  l = lg_born_enter(LG_BORN_WIDE);
  assert_int_equal(lg_born_defer_stop(), 0); /* may wait on another thread: stops inside */
  lg_born_leave(l);
  assert_int_equal(lg_born_defer_stop(), 0); /* outside any change */
  assert_int_equal(stops, 1);
  sigaction(lg_world_signal(), &old, NULL);
  lg_blocks_remove(0x500000);
  scan(&s);
  assert_true(scan(&s));
}

static void test_a_lost_change_distrusts_its_epoch(void **state) {
  (void)state;
  seen_t s;
  lg_born_lose();
  assert_false(scan(&s));
  assert_true(scan(&s));
}

static void test_a_scan_that_saved_no_counts_makes_the_next_walk(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_flip_epoch();                /* an abandoned scan: nothing saved */
  lg_blocks_age();
  assert_false(scan(&s));
  assert_true(scan(&s));
}

static void test_a_list_that_cannot_grow_loses_the_epoch(void **state) {
  (void)state;
  seen_t s;
  /* More records than a thread's list holds in an epoch (16 MiB). */
  for (uintptr_t i = 0; i < (1u << 20) + 16; i++) {
    lg_blocks_insert(0x10000000 + i * 16, 8, 1, 0);
    lg_blocks_remove(0x10000000 + i * 16);
  }
  assert_false(scan(&s));
  assert_true(scan(&s));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_blocks_are_listed_as_the_table_holds_them),
      cmocka_unit_test(test_new_blocks_come_once_each_in_slot_order),
      cmocka_unit_test(test_old_blocks_freed_are_gone_records_with_their_next_generation),
      cmocka_unit_test(test_a_free_between_the_stop_and_the_ageing_counts_the_next_generation),
      cmocka_unit_test(test_realloc_in_place_is_a_gone_and_a_new_record),
      cmocka_unit_test(test_a_thread_stopped_inside_a_change_distrusts_two_epochs),
      cmocka_unit_test(test_a_stop_during_an_own_change_is_taken_at_its_end),
      cmocka_unit_test(test_a_lost_change_distrusts_its_epoch),
      cmocka_unit_test(test_a_scan_that_saved_no_counts_makes_the_next_walk),
      cmocka_unit_test(test_a_list_that_cannot_grow_loses_the_epoch),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
