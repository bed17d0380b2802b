/* tests/unit/test_born_running.c — the born lists read by a scan that
 * flipped the epoch with the world running (a concurrent scan's copy,
 * born.h's lg_born_settle and lg_born_each_running): the ended epoch's
 * records read while the next epoch's grow, a change whose record and
 * parity fall on two sides of the flip (in either order), a thread that
 * stays inside a change, and an abandoned concurrent scan. Each test
 * drives the block table as the hooks do and flips as concmark.c and
 * scan.c do; the flip's two halves (the parity, then the epoch) are
 * taken apart to stand for a thread that ran between them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "blocks.h"
#include "born.h"

#define MAXR 64

extern unsigned lg_blocks_parity; /* blocks.c */

typedef struct seen { int nnew; lg_slot_t news[MAXR]; } seen_t;

static void on_new_copy(const lg_slot_t *sl, void *arg) {
  seen_t *s = arg;
  if (s->nnew < MAXR) s->news[s->nnew++] = *sl;
}
static void on_new(lg_slot_t *sl, void *arg) { on_new_copy(sl, arg); }
static void on_gone(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg) {
  (void)addr, (void)stack, (void)size, (void)gen, (void)arg;
}

/* How many times s names addr. */
static int names(const seen_t *s, uintptr_t addr) {
  int k = 0;
  for (int i = 0; i < s->nnew; i++) k += lg_slot_addr(&s->news[i]) == addr;
  return k;
}

/* The end of a scan: counts saved, generations aged. */
static void scan_end(void) {
  assert_non_null(lg_born_sites_room(8));
  lg_born_sites_commit(8);
  lg_blocks_age();
}

/* A scan with the world stopped (scan.c): whether its lists were whole,
 * and what they named in *out. */
static int stopped_scan(seen_t *out) {
  memset(out, 0, sizeof *out);
  lg_blocks_flip_epoch();
  int whole = lg_born_whole();
  if (whole) lg_born_each(on_new, on_gone, out);
  scan_end();
  return whole;
}

/* A concurrent scan's copy after its flip: settled, then read running. */
static int running_read(seen_t *out) {
  memset(out, 0, sizeof *out);
  lg_born_settle();
  int whole = lg_born_whole();
  if (whole) assert_int_equal(lg_born_each_running(on_new_copy, on_gone, out), 0);
  return whole;
}

static int setup(void **state) {
  (void)state;
  assert_int_equal(lg_blocks_init(), 0);
  lg_born_enable();
  assert_int_equal(lg_born_reserve(8), 0);
  seen_t s;
  stopped_scan(&s); /* a first scan saves counts: the lists are whole from then on */
  return 0;
}

static void test_the_ended_epoch_is_read_while_the_next_one_grows(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_insert(0x100000, 10, 1, 0);
  lg_blocks_flip_epoch();                /* with the world running */
  lg_blocks_insert(0x100100, 20, 2, 0);  /* after the flip: the next epoch's list */
  assert_true(running_read(&s));
  assert_int_equal(names(&s, 0x100000), 1);
  assert_int_equal(names(&s, 0x100100), 1); /* read too (born during the copy) */
  scan_end();
  assert_true(stopped_scan(&s));         /* the first is old now; the second still young */
  assert_int_equal(names(&s, 0x100000), 0);
  assert_int_equal(names(&s, 0x100100), 1);
  lg_blocks_remove(0x100000);
  lg_blocks_remove(0x100100);
  stopped_scan(&s);
}

static void test_a_record_before_the_flip_of_a_block_born_after_it_is_carried(void **state) {
  (void)state;
  seen_t s;
  lg_born_mark();
  lg_blocks_parity ^= LG_BLK_PARITY;     /* the flip's parity seen by the thread... */
  lg_blocks_insert(0x200000, 30, 3, 0);  /* ...its epoch not yet: the record is the ended epoch's */
  lg_born_flip();
  assert_true(running_read(&s));
  assert_int_equal(names(&s, 0x200000), 1);
  scan_end();                            /* of the new parity: not aged, young for the next scan */
  assert_true(stopped_scan(&s));
  assert_int_equal(names(&s, 0x200000), 1); /* its record carried over to the next epoch */
  lg_blocks_remove(0x200000);
  stopped_scan(&s);
}

static void test_a_record_after_the_flip_of_a_block_born_before_it_is_read(void **state) {
  (void)state;
  seen_t s;
  lg_born_mark();
  lg_born_flip();                        /* the epoch seen by the thread before the parity */
  lg_blocks_insert(0x300000, 40, 4, 0);  /* the old parity, its record in the next epoch's list */
  lg_blocks_parity ^= LG_BLK_PARITY;
  assert_true(running_read(&s));
  assert_int_equal(names(&s, 0x300000), 1);
  scan_end();                            /* aged: old for the next scan */
  assert_true(stopped_scan(&s));
  assert_int_equal(names(&s, 0x300000), 0);
  lg_blocks_remove(0x300000);
  stopped_scan(&s);
}

static void test_a_thread_inside_a_change_for_long_distrusts_two_epochs(void **state) {
  (void)state;
  seen_t s;
  lg_born_log_t *l = lg_born_enter(LG_BORN_WIDE); /* never leaves while the scan waits */
  lg_blocks_flip_epoch();
  assert_false(running_read(&s));
  lg_born_leave(l);
  scan_end();
  assert_false(stopped_scan(&s));        /* the change may have ended in this epoch */
  assert_true(stopped_scan(&s));
}

static void test_a_change_in_flight_at_a_running_flip_is_waited_for(void **state) {
  (void)state;
  seen_t s;
  lg_born_log_t *l = lg_born_enter(LG_BORN_WIDE);
  lg_blocks_flip_epoch();                /* the flip sees it inside its change... */
  lg_born_leave(l);                      /* ...which ends before the settle looks */
  assert_true(running_read(&s));
  scan_end();
  assert_true(stopped_scan(&s));         /* and the next epoch is trusted too */
}

static void test_an_abandoned_concurrent_scan_makes_the_one_after_its_snapshot_walk(void **state) {
  (void)state;
  seen_t s;
  lg_blocks_flip_epoch();                /* the concurrent copy's flip */
  assert_true(running_read(&s));
  lg_blocks_insert(0x400000, 50, 5, 0);  /* born during the attempt */
  lg_blocks_flip_epoch();                /* the parity back (lg_concmark_abandon) */
  lg_born_abandoned();
  stopped_scan(&s);                      /* the snapshot: a full scan */
  assert_false(stopped_scan(&s));        /* the block is in no list of this epoch: walk */
  assert_true(stopped_scan(&s));
  lg_blocks_remove(0x400000);
  stopped_scan(&s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_ended_epoch_is_read_while_the_next_one_grows),
      cmocka_unit_test(test_a_record_before_the_flip_of_a_block_born_after_it_is_carried),
      cmocka_unit_test(test_a_record_after_the_flip_of_a_block_born_before_it_is_read),
      cmocka_unit_test(test_a_thread_inside_a_change_for_long_distrusts_two_epochs),
      cmocka_unit_test(test_a_change_in_flight_at_a_running_flip_is_waited_for),
      cmocka_unit_test(test_an_abandoned_concurrent_scan_makes_the_one_after_its_snapshot_walk),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
