/* collector/ttab.c — the per-thread block tables (see ttab.h for the
 * states and the protocol): the registry of tables, adoption, the owner's
 * rehash, other threads' access, and what a scan and fork need. */
#include "ttab.h"

#include <sched.h>
#include <string.h>

#include "lock.h"
#include "sys.h"

#define MAX_TABLES 65536u
#define INIT_GROUPS 1u /* 16 slots a part: a table and its first arrays fit two pages */

__thread lg_ttab_t *lg_ttab_self __attribute__((tls_model("initial-exec")));
static __thread int thread_ended __attribute__((tls_model("initial-exec")));
/* The table where this thread last found a block it freed for another
 * thread (producers and consumers come in stable pairs). */
static __thread lg_ttab_t *last_other __attribute__((tls_model("initial-exec")));

/* Tables are never unmapped: a table a thread left is adopted. The
 * registry only grows, so others read it without the lock. */
static lg_ttab_t *tables[MAX_TABLES];
static uint32_t ntables;
static lg_ttab_t *free_tables;
static lg_lock_t registry = LG_LOCK_INIT; /* a leaf */

static size_t arr_bytes(uint32_t ngroups) { return sizeof(lg_tarr_t) + (size_t)ngroups * 16 * (sizeof(lg_slot_t) + 1); }

/* Makes an empty array in `at` (arr_bytes(ngroups), 64-byte aligned, so
 * that each group of slots is four whole cache lines). */
static lg_tarr_t *arr_init(void *at, uint32_t ngroups) {
  lg_tarr_t *a = at;
  a->ngroups = ngroups;
  a->ctrl = (uint8_t *)(a->slots + 16 * (size_t)ngroups);
  memset(a->ctrl, LG_TT_EMPTY, 16 * (size_t)ngroups);
  return a;
}

static lg_tarr_t *arr_new(uint32_t ngroups) {
  void *m = lg_sys_map(arr_bytes(ngroups));
  return m ? arr_init(m, ngroups) : NULL;
}

/* A table's first arrays live in the table's own mapping, after it
 * (never unmapped: tables are not). */
#define FIRST_BYTES ((arr_bytes(INIT_GROUPS) + 63) & ~(size_t)63)
#define TABLE_HEAD (((sizeof(lg_ttab_t) + 63) & ~(size_t)63))
#define TABLE_BYTES (TABLE_HEAD + LG_TT_PARTS * FIRST_BYTES)

/* Makes a table, or takes one a thread left; registry locked. */
static lg_ttab_t *table_get(void) {
  lg_ttab_t *t = free_tables;
  if (t) { free_tables = t->next_free; return t; }
  if (ntables == MAX_TABLES) return NULL;
  t = lg_sys_map(TABLE_BYTES);
  if (!t) return NULL;
  char *first = (char *)t + TABLE_HEAD; /* a mapping starts on a line: so do the slots */
  for (uint32_t p = 0; p < LG_TT_PARTS; p++) {
    t->part[p].arr = arr_init(first + p * FIRST_BYTES, INIT_GROUPS);
    t->part[p].arr->pad = 1; /* not to be unmapped */
  }
  t->lo = UINTPTR_MAX;
  __atomic_store_n(&tables[ntables], t, __ATOMIC_RELEASE);
  __atomic_store_n(&ntables, ntables + 1, __ATOMIC_RELEASE);
  return t;
}

lg_ttab_t *lg_ttab_mine(void) {
  if (lg_ttab_self) return lg_ttab_self;
  if (thread_ended) return NULL;
  lg_lock(&registry);
  lg_ttab_t *t = table_get();
  if (t) __atomic_store_n(&t->owner, lg_gettid(), __ATOMIC_RELEASE);
  lg_unlock(&registry);
  return lg_ttab_self = t;
}

void lg_ttab_thread_end(void) {
  lg_ttab_t *t = lg_ttab_self;
  thread_ended = 1;
  lg_ttab_self = NULL;
  if (!t) return;
  lg_lock(&registry);
  __atomic_store_n(&t->owner, 0, __ATOMIC_RELEASE);
  t->next_free = free_tables;
  free_tables = t;
  lg_unlock(&registry);
}

/* ---- the owner's rehash ------------------------------------------------------ */

/* Unmaps the retired arrays when no other thread is inside the table: a
 * reader counts itself in before it reads the array pointer, and the
 * owner published the new one before it looks (both fenced). */
static void drop_retired(lg_ttab_t *t) {
  __atomic_thread_fence(__ATOMIC_SEQ_CST);
  if (__atomic_load_n(&t->readers, __ATOMIC_ACQUIRE)) return;
  for (lg_tarr_t *a = t->retired, *n; a; a = n) {
    n = a->retired;
    if (!a->pad) lg_sys_unmap(a, arr_bytes(a->ngroups));
  }
  t->retired = NULL;
}

/* Puts the live entry k (size, stack) into b, which has room and does not
 * hold it. */
static void put_new(lg_tarr_t *b, uintptr_t k, uint32_t size, uint32_t stack) {
  uint64_t h = lg_tt_hash(k & LG_BLK_ADDR_MASK);
  uint32_t g = lg_tt_group(h, b->ngroups);
  unsigned m;
  while (!(m = lg_tt_match(lg_tt_ctrl(b, g), LG_TT_EMPTY))) g = g + 1 == b->ngroups ? 0 : g + 1;
  uint32_t j = 16 * g + (unsigned)__builtin_ctz(m);
  b->slots[j].size = size;
  b->slots[j].stack = stack;
  b->slots[j].key = k;
  b->ctrl[j] = lg_tt_h7(h);
}

/* Copies the live entries of a into b (b empty); returns how many. Only
 * the slots whose control byte holds a hash are read: an entry is never
 * live under an EMPTY or DELETED byte (an insert writes the key before the
 * byte, a removal by its owner turns the key into LG_TT_TOMB before the
 * byte), and a key others removed is LG_TT_TOMB under its hash. */
static uint32_t copy_live(const lg_tarr_t *a, lg_tarr_t *b) {
  uint32_t n = 0;
  for (uint32_t g = 0; g < a->ngroups; g++) {
    unsigned held = ~(unsigned)_mm_movemask_epi8(lg_tt_ctrl(a, g)) & 0xFFFFu;
    for (; held; held &= held - 1) {
      const lg_slot_t *s = &a->slots[16 * g + (unsigned)__builtin_ctz(held)];
      uintptr_t k = lg_tt_key(s);
      if (k <= LG_TT_TOMB) continue;
      put_new(b, k, s->size, s->stack);
      n++;
    }
  }
  return n;
}

int lg_ttab_rehash(lg_ttab_t *t, uint32_t p) {
  lg_tpart_t *pt = &t->part[p];
  lg_tarr_t *old = pt->arr;
  int64_t live = (int64_t)pt->count - (int64_t)__atomic_load_n(&t->removed[p], __ATOMIC_RELAXED);
  uint32_t ng = live * 16 > (int64_t)old->ngroups * 16 * 11 ? old->ngroups + (old->ngroups + 3) / 4 : old->ngroups;
  lg_tarr_t *a = arr_new(ng);
  if (!a) return -1;
  __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* odd before any key is read */
  uint32_t n = copy_live(old, a);
  __atomic_store_n(&pt->arr, a, __ATOMIC_RELEASE);
  __atomic_store_n(&t->seq, t->seq + 1, __ATOMIC_RELEASE);
  pt->used = n;
  pt->count = n + __atomic_load_n(&t->removed[p], __ATOMIC_RELAXED);
  old->retired = t->retired;
  t->retired = old;
  drop_retired(t);
  return 0;
}

/* ---- other threads ------------------------------------------------------------ */

/* Acts on slot s (which held req->addr when found); 1 when the request is
 * done there. */
static int act(lg_slot_t *s, lg_tt_req_t *req) {
  uintptr_t k = lg_tt_key(s);
  if ((k & LG_BLK_ADDR_MASK) != req->addr) return 0;
  switch (req->op) {
  case LG_TT_LOOKUP:
    req->out = *s;
    req->out.key = k;
    return lg_tt_key(s) == k; /* not changed while copied */
  case LG_TT_FLAGS:
    while (!__atomic_compare_exchange_n(&s->key, &k, k | req->flags, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      if ((k & LG_BLK_ADDR_MASK) != req->addr) return 0;
    return 1;
  case LG_TT_MARK_RC:
    if (s->size < req->end) return 0;
    __atomic_fetch_or(&s->stack, LG_BLK_STACK_RC, __ATOMIC_ACQ_REL);
    return lg_tt_key(s) == k; /* still this block's entry */
  case LG_TT_REMOVE_IF:
    if (s->size != req->size || s->stack != req->stack) return 0;
    /* fall through */
  default:
    req->out.stack = __atomic_load_n(&s->stack, __ATOMIC_ACQUIRE);
    while (!__atomic_compare_exchange_n(&s->key, &k, LG_TT_TOMB, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      if ((k & LG_BLK_ADDR_MASK) != req->addr) return 0;
    return 1;
  }
}

/* Looks for req->addr in t and acts on it, again on the new array when
 * the owner rehashed meanwhile; 1 if found. */
static int in_table(lg_ttab_t *t, lg_tt_req_t *req) {
  int done = 0;
  uint64_t h = lg_tt_hash(req->addr);
  uint32_t p = lg_tt_part(h);
  __atomic_fetch_add(&t->readers, 1, __ATOMIC_SEQ_CST);
  for (;;) {
    uint32_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
    lg_slot_t *s = lg_ttab_find(__atomic_load_n(&t->part[p].arr, __ATOMIC_ACQUIRE), req->addr, h);
    if (s && act(s, req)) done = 1;
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t s2 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
    if (s1 == s2 && !(s1 & 1)) break;
    if (done && req->op == LG_TT_LOOKUP) break; /* a copy taken is a copy */
    if (s2 & 1) sched_yield();                  /* the owner is copying */
  }
  __atomic_fetch_sub(&t->readers, 1, __ATOMIC_RELEASE);
  if (done && (req->op == LG_TT_REMOVE || req->op == LG_TT_REMOVE_IF)) __atomic_fetch_add(&t->removed[p], 1, __ATOMIC_RELAXED);
  return done;
}

static inline int may_hold(const lg_ttab_t *t, uintptr_t a) {
  return a >= __atomic_load_n(&t->lo, __ATOMIC_RELAXED) && a <= __atomic_load_n(&t->hi, __ATOMIC_RELAXED);
}

int lg_ttab_others(lg_ttab_t *self, lg_tt_req_t *req) {
  lg_ttab_t *hint = last_other;
  if (hint && hint != self && may_hold(hint, req->addr) && in_table(hint, req)) return 1;
  uint32_t n = __atomic_load_n(&ntables, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n; i++) {
    lg_ttab_t *t = __atomic_load_n(&tables[i], __ATOMIC_ACQUIRE);
    if (t == self || t == hint || !may_hold(t, req->addr)) continue;
    if (in_table(t, req)) { last_other = t; return 1; }
  }
  return 0;
}

/* ---- scans and fork ------------------------------------------------------------ */

void lg_ttab_lock(void) { lg_lock(&registry); }
void lg_ttab_unlock(void) { lg_unlock(&registry); }

void lg_ttab_each(void (*fn)(lg_slot_t *, void *), void *arg) {
  for (uint32_t i = 0; i < ntables; i++)
    for (uint32_t p = 0; p < LG_TT_PARTS; p++) {
      lg_tarr_t *a = __atomic_load_n(&tables[i]->part[p].arr, __ATOMIC_ACQUIRE);
      for (uint32_t j = 0; j < 16 * a->ngroups; j++)
        if (lg_tt_key(&a->slots[j]) > LG_TT_TOMB) fn(&a->slots[j], arg);
    }
}

void lg_ttab_each_array(void (*fn)(void *p, size_t n, void *arg), void *arg) {
  for (uint32_t i = 0; i < ntables; i++)
    for (uint32_t p = 0; p < LG_TT_PARTS; p++) {
      lg_tarr_t *a = __atomic_load_n(&tables[i]->part[p].arr, __ATOMIC_ACQUIRE);
      fn(a, arr_bytes(a->ngroups), arg);
    }
}

size_t lg_ttab_count(void) {
  size_t n = 0;
  uint32_t nt = __atomic_load_n(&ntables, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < nt; i++) {
    const lg_ttab_t *t = tables[i];
    for (uint32_t p = 0; p < LG_TT_PARTS; p++) {
      int64_t c = (int64_t)t->part[p].count - (int64_t)__atomic_load_n(&t->removed[p], __ATOMIC_RELAXED);
      n += c > 0 ? (size_t)c : 0;
    }
  }
  return n;
}

size_t lg_ttab_tables(void) { return __atomic_load_n(&ntables, __ATOMIC_ACQUIRE); }

size_t lg_ttab_bytes(void) {
  size_t n = 0;
  uint32_t nt = __atomic_load_n(&ntables, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < nt; i++)
    for (uint32_t p = 0; p < LG_TT_PARTS; p++)
      n += arr_bytes(__atomic_load_n(&tables[i]->part[p].arr, __ATOMIC_ACQUIRE)->ngroups);
  return n;
}

/* Ages the entries of array a whose parity is not `now`. */
static void age_array(lg_tarr_t *a, uintptr_t now) {
  for (uint32_t j = 0; j < 16 * a->ngroups; j++) {
    lg_slot_t *s = &a->slots[j];
    uintptr_t k = lg_tt_key(s);
    while (k > LG_TT_TOMB && (k & LG_BLK_PARITY) != now) {
      uintptr_t gen = (k & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT;
      if (gen < 2) gen++;
      uintptr_t aged = (k & ~(uintptr_t)(LG_BLK_GEN_MASK | LG_BLK_PARITY)) | (gen << LG_BLK_GEN_SHIFT) | now;
      if (__atomic_compare_exchange_n(&s->key, &k, aged, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) break;
    }
  }
}

/* Calls per_array on every part's array of every thread table as a
 * reader of the owner's protocol (ttab.h): announced in `readers`, and
 * again over the whole table while its seqlock shows that its owner
 * rehashed meanwhile (so per_array must be safe to repeat). */
static void each_array_read(void (*per_array)(lg_tarr_t *, void *), void *ctx) {
  uint32_t nt = __atomic_load_n(&ntables, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < nt; i++) {
    lg_ttab_t *t = tables[i];
    __atomic_fetch_add(&t->readers, 1, __ATOMIC_SEQ_CST);
    for (;;) {
      uint32_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
      for (uint32_t p = 0; p < LG_TT_PARTS; p++) per_array(__atomic_load_n(&t->part[p].arr, __ATOMIC_ACQUIRE), ctx);
      uint32_t s2 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
      if (s1 == s2 && !(s1 & 1)) break;
      if (s2 & 1) sched_yield();
    }
    __atomic_fetch_sub(&t->readers, 1, __ATOMIC_RELEASE);
  }
}

/* Ageing is idempotent (an aged entry has the new parity), so a table
 * whose owner rehashed meanwhile is simply aged again. */
static void age_one(lg_tarr_t *a, void *now) { age_array(a, *(uintptr_t *)now); }

void lg_ttab_age(uintptr_t now) { each_array_read(age_one, &now); }

void lg_ttab_fork_child(void) {
  lg_lock_reset(&registry);
  lg_ttab_t *mine = lg_ttab_self;
  free_tables = NULL;
  for (uint32_t i = 0; i < ntables; i++) {
    lg_ttab_t *t = tables[i];
    t->readers = 0;  /* readers were the parent's other threads */
    t->seq &= ~1u;   /* a rehash cut short: the array published is whole */
    if (t == mine) { t->owner = lg_gettid(); continue; }
    t->owner = 0;
    t->next_free = free_tables;
    free_tables = t;
  }
}

/* Calls fn with a copy of each live entry of array a, taken whole: the
 * key read before and after the size and stack is the same. */
static void copy_array_live(const lg_tarr_t *a, void (*fn)(const lg_slot_t *, void *), void *arg) {
  for (uint32_t j = 0; j < 16 * a->ngroups; j++) {
    const lg_slot_t *s = &a->slots[j];
    lg_slot_t c;
    c.key = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
    if (c.key <= LG_TT_TOMB) continue;
    c.size = __atomic_load_n(&s->size, __ATOMIC_RELAXED);
    c.stack = __atomic_load_n(&s->stack, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    if (__atomic_load_n(&s->key, __ATOMIC_RELAXED) == c.key) fn(&c, arg);
  }
}

typedef struct live_walk { void (*fn)(const lg_slot_t *, void *); void *arg; } live_walk_t;

static void live_one(lg_tarr_t *a, void *ctx) {
  live_walk_t *w = ctx;
  copy_array_live(a, w->fn, w->arg);
}

void lg_ttab_each_live(void (*fn)(const lg_slot_t *, void *), void *arg) {
  live_walk_t w = {fn, arg};
  each_array_read(live_one, &w);
}

typedef struct slots_walk { void (*fn)(const lg_slot_t *, size_t, void *); void *arg; } slots_walk_t;

static void slots_one(lg_tarr_t *a, void *ctx) {
  slots_walk_t *w = ctx;
  w->fn(a->slots, (size_t)16 * a->ngroups, w->arg);
}

void lg_ttab_each_slots_read(void (*fn)(const lg_slot_t *, size_t, void *), void *arg) {
  slots_walk_t w = {fn, arg};
  each_array_read(slots_one, &w);
}

void lg_ttab_each_slots(void (*fn)(const lg_slot_t *, size_t, void *), void *arg) {
  for (uint32_t i = 0; i < ntables; i++)
    for (uint32_t p = 0; p < LG_TT_PARTS; p++) {
      lg_tarr_t *a = __atomic_load_n(&tables[i]->part[p].arr, __ATOMIC_ACQUIRE);
      fn(a->slots, (size_t)16 * a->ngroups, arg);
    }
}
