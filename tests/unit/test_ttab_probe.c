/* tests/unit/test_ttab_probe.c — the per-thread table's probe path
 * (collector/ttab.h) at the level of one part's array: entries whose home
 * group is full go on to the next group and wrap from the array's last
 * group to its first; a removal in a full group leaves a slot the probe
 * goes past (later entries stay found, by the owner and by other threads),
 * one in a group with an EMPTY slot frees it; the owner's rehash moves
 * nothing out of reach; other threads removing wrapped entries while the
 * owner fills, empties and rehashes the same groups lose nothing and find
 * nothing twice; an insert at an address the table holds already (a
 * free never seen) replaces that entry wherever its probe finds it — in
 * the home group beside an entry with the same hash byte, past a full
 * home group even when that group has a removed slot to reuse — and an
 * entry whose hash byte matches another's is not taken for it; a rehash
 * copies exactly the live entries (it reads only
 * the slots whose control byte holds a hash) and every array's slots start
 * on a cache line, so that a group is four whole lines (lg_ttab_prefetch). */
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
#define PART 3u                        /* the part every test works in */
#define HOME_FULL 16u                  /* entries that fill their home group */

/* Returns the next address from *cursor on (16-byte steps) whose entry
 * goes to part PART and home group g of an array of ng groups. */
static uintptr_t next_homed(uintptr_t *cursor, uint32_t g, uint32_t ng) {
  for (;; *cursor += 16) {
    uint64_t h = lg_tt_hash(*cursor);
    if (lg_tt_part(h) == PART && lg_tt_group(h, ng) == g) {
      uintptr_t a = *cursor;
      *cursor += 16;
      return a;
    }
  }
}

/* Grows part PART of the calling thread's table to at least `groups`
 * groups, then leaves it empty and clean (no removed slots): fillers
 * inserted and removed, and a rehash. Returns the table. */
static lg_ttab_t *clean_part(uint32_t groups, uintptr_t base) {
  lg_ttab_t *t = lg_ttab_mine();
  assert_non_null(t);
  uintptr_t cur = base;
  uintptr_t fill[4096];
  size_t n = 0;
  while (t->part[PART].arr->ngroups < groups) {
    assert_true(n < 4096);
    int rep = 0;
    for (;; cur += 16)
      if (lg_tt_part(lg_tt_hash(cur)) == PART) break;
    fill[n] = cur;
    cur += 16;
    assert_non_null(lg_ttab_insert(t, fill[n++], 24, 1, &rep));
  }
  for (size_t i = 0; i < n; i++) assert_int_equal(lg_ttab_remove_own(t, fill[i]), LG_TT_GONE);
  assert_int_equal(lg_ttab_rehash(t, PART), 0);
  assert_int_equal(t->part[PART].used, 0);
  return t;
}

/* Index of addr's slot in its part's array (asserting it is there). */
static uint32_t slot_index(lg_ttab_t *t, uintptr_t addr) {
  lg_slot_t *s = lg_ttab_find_own(t, addr);
  assert_non_null(s);
  return (uint32_t)(s - t->part[PART].arr->slots);
}

/* Looks up, from another thread, the n addresses at a; how many it found. */
typedef struct probe { uintptr_t addr[64]; size_t n, found; } probe_t;
static void *lookup_all(void *arg) {
  probe_t *p = arg;
  for (size_t i = 0; i < p->n; i++) {
    lg_tt_req_t rq = {.op = LG_TT_LOOKUP, .addr = p->addr[i]};
    if (lg_ttab_others(lg_ttab_self, &rq) && lg_slot_addr(&rq.out) == p->addr[i]) p->found++;
  }
  return NULL;
}
static size_t others_find(const uintptr_t *a, size_t n) {
  static probe_t p;
  memset(&p, 0, sizeof p);
  memcpy(p.addr, a, n * sizeof *a);
  p.n = n;
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, lookup_all, &p), 0);
  pthread_join(th, NULL);
  return p.found;
}

/* ---- a full group, the wrap, removals ------------------------------------------- */

static void *wrap_and_remove(void *arg) {
  (void)arg;
  lg_ttab_t *t = clean_part(8, BASE(40));
  lg_tpart_t *pt = &t->part[PART];
  uint32_t ng = pt->arr->ngroups, last = ng - 1;
  uintptr_t cur = BASE(41), a[HOME_FULL + 4];
  int rep = 0;
  for (size_t i = 0; i < HOME_FULL + 4; i++) {
    a[i] = next_homed(&cur, last, ng);
    assert_non_null(lg_ttab_insert(t, a[i], 32, 7, &rep));
  }
  assert_int_equal(rep, 0);
  assert_int_equal(pt->arr->ngroups, ng); /* no rehash moved them */
  /* The home group (the array's last) is full: the last four wrapped
   * around to the first group. */
  for (size_t i = 0; i < HOME_FULL; i++) assert_int_equal(slot_index(t, a[i]) / 16, last);
  for (size_t i = HOME_FULL; i < HOME_FULL + 4; i++) assert_int_equal(slot_index(t, a[i]) / 16, 0);
  assert_int_equal(others_find(a, HOME_FULL + 4), HOME_FULL + 4);
  assert_int_equal(pt->count, HOME_FULL + 4);
  assert_int_equal(pt->used, HOME_FULL + 4);
  /* Removed from the full group: the slot still counts as used (a probe
   * must go past it), and the wrapped entries are still found. */
  uint32_t used = pt->used;
  assert_int_equal(lg_ttab_remove_own(t, a[0]), LG_TT_GONE);
  assert_null(lg_ttab_find_own(t, a[0]));
  assert_int_equal(pt->used, used);
  assert_int_equal(others_find(a + HOME_FULL, 4), 4);
  for (size_t i = HOME_FULL; i < HOME_FULL + 4; i++) assert_int_equal(slot_index(t, a[i]) / 16, 0);
  /* Removed from a group with an EMPTY slot: the slot is free again. */
  assert_int_equal(lg_ttab_remove_own(t, a[HOME_FULL]), LG_TT_GONE);
  assert_int_equal(pt->used, used - 1);
  /* The freed slot of the full group is reused by the next entry homed
   * there, which does not wrap. */
  uintptr_t b = next_homed(&cur, last, ng);
  assert_non_null(lg_ttab_insert(t, b, 8, 9, &rep));
  assert_int_equal(slot_index(t, b) / 16, last);
  assert_int_equal(pt->used, used - 1);
  /* A rehash keeps everything findable. */
  assert_int_equal(lg_ttab_rehash(t, PART), 0);
  for (size_t i = 1; i < HOME_FULL + 4; i++)
    if (i != HOME_FULL) assert_non_null(lg_ttab_find_own(t, a[i]));
  assert_non_null(lg_ttab_find_own(t, b));
  assert_int_equal(others_find(a + HOME_FULL + 1, 3), 3);
  for (size_t i = 1; i < HOME_FULL + 4; i++)
    if (i != HOME_FULL) assert_int_equal(lg_ttab_remove_own(t, a[i]), LG_TT_GONE);
  assert_int_equal(lg_ttab_remove_own(t, b), LG_TT_GONE);
  assert_int_equal(pt->count, 0);
  return t;
}

static void test_a_probe_goes_past_a_full_group_and_wraps_at_the_end(void **state) {
  (void)state;
  pthread_t th;
  void *ok;
  assert_int_equal(pthread_create(&th, NULL, wrap_and_remove, NULL), 0);
  pthread_join(th, &ok);
  assert_non_null(ok);
}

/* ---- an insert at an address already there ---------------------------------------- */

/* Returns the next address from *cursor on homed in group g of ng whose
 * hash byte is h7. */
static uintptr_t next_homed_h7(uintptr_t *cursor, uint32_t g, uint32_t ng, uint8_t h7) {
  for (;;) {
    uintptr_t a = next_homed(cursor, g, ng);
    if (lg_tt_h7(lg_tt_hash(a)) == h7) return a;
  }
}

static void *insert_again(void *arg) {
  (void)arg;
  lg_ttab_t *t = clean_part(8, BASE(45));
  lg_tpart_t *pt = &t->part[PART];
  uint32_t ng = pt->arr->ngroups, g = 2;
  uintptr_t cur = BASE(46);
  int rep = 0;
  uintptr_t x = next_homed(&cur, g, ng);
  uintptr_t y = next_homed_h7(&cur, g, ng, lg_tt_h7(lg_tt_hash(x))); /* x's hash byte, another address */
  assert_non_null(lg_ttab_insert(t, x, 10, 1, &rep));
  assert_non_null(lg_ttab_insert(t, y, 20, 2, &rep));
  assert_int_equal(rep, 0);
  uint32_t xi = slot_index(t, x), yi = slot_index(t, y);
  assert_int_not_equal(xi, yi);
  assert_int_equal(xi / 16, g);
  assert_int_equal(yi / 16, g);
  assert_int_equal(lg_ttab_find_own(t, x)->size, 10);
  /* x again: its entry is replaced in place, nothing added. */
  assert_non_null(lg_ttab_insert(t, x, 11, 3, &rep));
  assert_int_equal(rep, 1);
  assert_int_equal(slot_index(t, x), xi);
  assert_int_equal(lg_ttab_find_own(t, x)->size, 11);
  assert_int_equal(lg_ttab_find_own(t, y)->size, 20);
  assert_int_equal(pt->count, 2);
  /* The home group filled up: z goes past it, and again past it. */
  uintptr_t fill[HOME_FULL - 2];
  for (size_t i = 0; i < HOME_FULL - 2; i++) {
    fill[i] = next_homed(&cur, g, ng);
    assert_non_null(lg_ttab_insert(t, fill[i], 30, 4, &rep));
  }
  uintptr_t z = next_homed_h7(&cur, g, ng, lg_tt_h7(lg_tt_hash(x)));
  rep = 0;
  assert_non_null(lg_ttab_insert(t, z, 40, 5, &rep));
  assert_int_equal(rep, 0);
  uint32_t zi = slot_index(t, z);
  assert_int_equal(zi / 16, g + 1);
  /* A slot of the full home group removed (DELETED: the group has no
   * EMPTY byte): z again is still z's entry past it, not a second one in
   * the freed slot; then a new entry takes the freed slot. */
  assert_int_equal(lg_ttab_remove_own(t, fill[0]), LG_TT_GONE);
  uint32_t count = pt->count;
  assert_non_null(lg_ttab_insert(t, z, 41, 6, &rep));
  assert_int_equal(rep, 1);
  assert_int_equal(slot_index(t, z), zi);
  assert_int_equal(lg_ttab_find_own(t, z)->size, 41);
  assert_int_equal(pt->count, count);
  rep = 0;
  uintptr_t v = next_homed(&cur, g, ng);
  assert_non_null(lg_ttab_insert(t, v, 50, 7, &rep));
  assert_int_equal(rep, 0);
  assert_int_equal(slot_index(t, v) / 16, g);
  assert_int_equal(pt->count, count + 1);
  /* Everything is found once, by the owner and by another thread. */
  uintptr_t all[HOME_FULL + 2] = {x, y, z, v};
  size_t n = 4;
  for (size_t i = 1; i < HOME_FULL - 2; i++) all[n++] = fill[i];
  assert_int_equal(others_find(all, n), n);
  for (size_t i = 0; i < n; i++) assert_int_equal(lg_ttab_remove_own(t, all[i]), LG_TT_GONE);
  for (size_t i = 0; i < n; i++) assert_null(lg_ttab_find_own(t, all[i]));
  assert_int_equal(pt->count, 0);
  return t;
}

static void test_an_insert_at_an_address_held_replaces_its_entry_wherever_it_is(void **state) {
  (void)state;
  pthread_t th;
  void *ok;
  assert_int_equal(pthread_create(&th, NULL, insert_again, NULL), 0);
  pthread_join(th, &ok);
  assert_non_null(ok);
}

/* ---- what a rehash copies; where the slots lie -------------------------------------- */

#define MIXED 600u /* entries in the part: several groups, some full */

/* Removes every third address of a from another thread; how many it did. */
typedef struct remover { const uintptr_t *a; size_t n, done; } remover_t;
static void *remove_thirds(void *arg) {
  remover_t *r = arg;
  for (size_t i = 0; i < r->n; i += 3) {
    lg_tt_req_t rq = {.op = LG_TT_REMOVE, .addr = r->a[i]};
    if (lg_ttab_others(lg_ttab_self, &rq)) r->done++;
  }
  return NULL;
}

static int slots_on_a_line(const lg_ttab_t *t) {
  for (uint32_t p = 0; p < LG_TT_PARTS; p++)
    if ((uintptr_t)t->part[p].arr->slots % 64 || (uintptr_t)t->part[p].arr->ctrl % 16) return 0;
  return 1;
}

static void *rehash_mixed(void *arg) {
  (void)arg;
  lg_ttab_t *t = lg_ttab_mine();
  assert_non_null(t);
  assert_true(slots_on_a_line(t)); /* the first arrays, in the table's own mapping */
  lg_tpart_t *pt = &t->part[PART];
  static uintptr_t a[MIXED];
  uintptr_t cur = BASE(44);
  int rep = 0;
  for (size_t i = 0; i < MIXED; i++) {
    for (;; cur += 16)
      if (lg_tt_part(lg_tt_hash(cur)) == PART) break;
    a[i] = cur;
    cur += 16;
    assert_non_null(lg_ttab_insert(t, a[i], (uint32_t)(100 + i), (uint32_t)(7 + i), &rep));
  }
  assert_true(slots_on_a_line(t)); /* grown arrays too */
  /* Others remove every third (their keys turn LG_TT_TOMB under a hash
   * byte); the owner removes those at 1 mod 3 (EMPTY or DELETED bytes). */
  remover_t r = {a, MIXED, 0};
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, remove_thirds, &r), 0);
  pthread_join(th, NULL);
  assert_int_equal(r.done, (MIXED + 2) / 3);
  for (size_t i = 1; i < MIXED; i += 3) assert_int_equal(lg_ttab_remove_own(t, a[i]), LG_TT_GONE);
  assert_int_equal(lg_ttab_rehash(t, PART), 0);
  /* Exactly those at 2 mod 3 are left, whole, and nothing else counts. */
  size_t live = 0;
  for (size_t i = 0; i < MIXED; i++) {
    lg_slot_t *s = lg_ttab_find_own(t, a[i]);
    if (i % 3 != 2) { assert_null(s); continue; }
    assert_non_null(s);
    assert_int_equal(s->size, 100 + i);
    assert_int_equal(s->stack, 7 + i);
    live++;
  }
  assert_int_equal(pt->used, live);
  assert_int_equal((int64_t)pt->count - (int64_t)t->removed[PART], (int64_t)live);
  size_t keys = 0;
  for (uint32_t j = 0; j < 16 * pt->arr->ngroups; j++) keys += lg_tt_key(&pt->arr->slots[j]) > LG_TT_TOMB;
  assert_int_equal(keys, live);
  assert_true(slots_on_a_line(t));
  for (size_t i = 2; i < MIXED; i += 3) assert_int_equal(lg_ttab_remove_own(t, a[i]), LG_TT_GONE);
  return t;
}

static void test_a_rehash_copies_exactly_the_live_entries_into_aligned_groups(void **state) {
  (void)state;
  pthread_t th;
  void *ok;
  assert_int_equal(pthread_create(&th, NULL, rehash_mixed, NULL), 0);
  pthread_join(th, &ok);
  assert_non_null(ok);
}

/* ---- others remove wrapped entries while the owner churns ------------------------ */

#define ROUNDS 300
#define WRAPPED 40
typedef struct race {
  uintptr_t batch[WRAPPED];
  unsigned published, taken; /* rounds the owner published, the remover finished */
  size_t removed, missed, owner_lost;
} race_t;

/* The remover: removes every published batch through lg_ttab_others. */
static void *race_remover(void *arg) {
  race_t *r = arg;
  for (unsigned round = 0; round < ROUNDS; round++) {
    while (__atomic_load_n(&r->published, __ATOMIC_ACQUIRE) == round) sched_yield();
    for (size_t i = 0; i < WRAPPED; i++) {
      lg_tt_req_t rq = {.op = LG_TT_REMOVE, .addr = r->batch[i]};
      if (lg_ttab_others(lg_ttab_self, &rq)) r->removed++;
      else r->missed++;
    }
    __atomic_store_n(&r->taken, round + 1, __ATOMIC_RELEASE);
  }
  return NULL;
}

/* The owner: each round fills the array's last group, wraps WRAPPED
 * entries past it, hands them to the remover and, until it is done,
 * removes and re-inserts its own entries of the full group and rehashes
 * the part now and then. Its own entries must stay found throughout. */
static void *race_owner(void *arg) {
  race_t *r = arg;
  lg_ttab_t *t = clean_part(16, BASE(42));
  lg_tpart_t *pt = &t->part[PART];
  uint32_t ng = pt->arr->ngroups;
  uintptr_t cur = BASE(43), own[HOME_FULL];
  int rep = 0;
  for (size_t i = 0; i < HOME_FULL; i++) {
    own[i] = next_homed(&cur, ng - 1, ng);
    assert_non_null(lg_ttab_insert(t, own[i], 16, 1, &rep));
  }
  for (unsigned round = 0; round < ROUNDS; round++) {
    for (size_t i = 0; i < WRAPPED; i++) {
      r->batch[i] = next_homed(&cur, ng - 1, ng);
      assert_non_null(lg_ttab_insert(t, r->batch[i], 16, 2, &rep));
    }
    __atomic_store_n(&r->published, round + 1, __ATOMIC_RELEASE);
    for (unsigned k = 0; __atomic_load_n(&r->taken, __ATOMIC_ACQUIRE) == round; k++) {
      size_t i = k % HOME_FULL;
      if (lg_ttab_remove_own(t, own[i]) != LG_TT_GONE) r->owner_lost++;
      own[i] = next_homed(&cur, ng - 1, ng);
      assert_non_null(lg_ttab_insert(t, own[i], 16, 1, &rep));
      if (k % 64 == 63) assert_int_equal(lg_ttab_rehash(t, PART), 0);
      ng = pt->arr->ngroups;
    }
  }
  for (size_t i = 0; i < HOME_FULL; i++)
    if (lg_ttab_remove_own(t, own[i]) != LG_TT_GONE) r->owner_lost++;
  return t;
}

static void test_others_remove_while_the_owner_churns_and_rehashes_the_same_groups(void **state) {
  (void)state;
  static race_t r;
  pthread_t a, b;
  void *ok;
  assert_int_equal(pthread_create(&b, NULL, race_remover, &r), 0);
  assert_int_equal(pthread_create(&a, NULL, race_owner, &r), 0);
  pthread_join(a, &ok);
  pthread_join(b, NULL);
  assert_non_null(ok);
  assert_int_equal(r.missed, 0);
  assert_int_equal(r.removed, (size_t)ROUNDS * WRAPPED);
  assert_int_equal(r.owner_lost, 0);
  lg_ttab_t *t = ok;
  /* Nothing of either left: the owner's count less the others' removals. */
  assert_int_equal((int64_t)t->part[PART].count - (int64_t)t->removed[PART], 0);
}

int main(void) {
  assert_int_equal(lg_blocks_init(), 0);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_probe_goes_past_a_full_group_and_wraps_at_the_end),
      cmocka_unit_test(test_an_insert_at_an_address_held_replaces_its_entry_wherever_it_is),
      cmocka_unit_test(test_a_rehash_copies_exactly_the_live_entries_into_aligned_groups),
      cmocka_unit_test(test_others_remove_while_the_owner_churns_and_rehashes_the_same_groups),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
