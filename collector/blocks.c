/* collector/blocks.c — the block table (see blocks.h for the slot layout
 * and locking): its shared part, the sharded table of large blocks and of
 * ended threads, and the entry points, which send each request to the
 * calling thread's table (ttab.h), the other threads' tables or the shared
 * part. Hot path of every malloc and free: keep it short. */
#include "blocks.h"

#include "born.h"
#include "lock.h"
#include "sys.h"
#include "ttab.h"

#define NSHARDS 256u
#define INIT_CAP 252u /* with sys.c's header, one page */

typedef struct shard {
  lg_lock_t lock;
  uint32_t count;
  uint32_t cap;  /* slots; any size (homes by multiply-shift, not a mask) */
  lg_slot_t *slots;
  char pad[40];
} shard_t;

static shard_t shards[NSHARDS];
unsigned lg_blocks_parity; /* LG_BLK_PARITY or 0; read by the hot path (hot.h) */
void (*lg_blocks_on_rc_free)(uintptr_t addr);

/* Mixes an address into a 64-bit hash; the top bits pick the shard, the low
 * 32 bits the home slot (scaled to the capacity by a multiply and a shift,
 * so capacities need not be powers of two and can grow by half). */
static inline uint64_t hash_addr(uintptr_t a) {
  uint64_t h = (uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}
static inline shard_t *shard_of(uint64_t h) { return &shards[h >> 56]; }
static inline uint32_t home(uint64_t h, uint32_t cap) { return (uint32_t)(((h & 0xFFFFFFFFu) * cap) >> 32); }
static inline uint32_t next(uint32_t i, uint32_t cap) { return ++i == cap ? 0 : i; }

/* A shard starts with this one empty slot, never written (an insert grows
 * the array first): most blocks go to the per-thread tables, and a page
 * mapped for each of the 256 shards at start would be resident at once
 * (the mapping's header is written), 1 MiB the program pays for nothing. */
static lg_slot_t no_slots[1];

int lg_blocks_init(void) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    if (shards[i].slots) continue;
    shards[i].slots = no_slots;
    shards[i].cap = 1;
  }
  return 0;
}

/* Grows a shard's array by half (to its first real array from no_slots);
 * caller holds the shard lock. */
static int grow(shard_t *s) {
  uint32_t ncap = s->slots == no_slots ? INIT_CAP : s->cap + s->cap / 2;
  lg_slot_t *ns = lg_sys_map((size_t)ncap * sizeof(lg_slot_t));
  if (!ns) return -1;
  for (uint32_t i = 0; i < s->cap; i++) {
    lg_slot_t *o = &s->slots[i];
    if (!o->key) continue;
    uint32_t j = home(hash_addr(o->key & LG_BLK_ADDR_MASK), ncap);
    while (ns[j].key) j = next(j, ncap);
    ns[j] = *o;
  }
  if (s->slots != no_slots) lg_sys_unmap(s->slots, (size_t)s->cap * sizeof(lg_slot_t));
  s->slots = ns;
  s->cap = ncap;
  return 0;
}

/* Finds the slot index of `addr` in `s`, or -1; caller holds the lock. */
static inline int64_t find(shard_t *s, uintptr_t addr, uint64_t h) {
  uint32_t i = home(h, s->cap);
  for (;;) {
    uintptr_t k = s->slots[i].key;
    if (!k) return -1;
    if ((k & LG_BLK_ADDR_MASK) == addr) return i;
    i = next(i, s->cap);
  }
}

/* Deletes slot i by shifting later members of its probe run back. */
static void delete_at(shard_t *s, uint32_t i) {
  uint32_t j = i;
  for (;;) {
    j = next(j, s->cap);
    uintptr_t k = s->slots[j].key;
    if (!k) break;
    uint32_t h = home(hash_addr(k & LG_BLK_ADDR_MASK), s->cap);
    /* Move j to i if its home is not cyclically within (i, j]. */
    if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
      s->slots[i] = s->slots[j];
      i = j;
    }
  }
  s->slots[i].key = 0;
  s->count--;
}

/* Records a block in the shared part; 1 when it replaced an entry at the
 * same address, 0 a new one, -1 out of memory. */
static int shared_insert(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  int replaced = at >= 0;
  if (at < 0) {
    if ((uint64_t)(s->count + 1) * 4 > (uint64_t)s->cap * 3 && grow(s) < 0) { /* load <= 3/4 */
      lg_unlock(&s->lock);
      return -1;
    }
    uint32_t i = home(h, s->cap);
    while (s->slots[i].key) i = next(i, s->cap);
    at = i;
    s->count++;
  }
  lg_slot_t *sl = &s->slots[at];
  uint32_t keep = sl->key ? sl->stack & LG_BLK_STACK_RC : 0;
  sl->key = addr | (flags & (LG_BLK_FLAGS & ~LG_BLK_PARITY)) | __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  sl->size = size >= LG_SIZE_BIG ? LG_SIZE_BIG : (uint32_t)size;
  sl->stack = stack | keep;
  lg_unlock(&s->lock);
  return replaced;
}

/* Hands a removed block that held refcounted objects to the object
 * table; out of the hot path, no lock held. */
__attribute__((noinline, cold)) static void rc_freed(uintptr_t addr) { lg_blocks_on_rc_free(addr); }

/* Removes slot i, which holds a refcounted object, and hands its block
 * on; out of the hot path. Shard lock held, released here. */
__attribute__((noinline, cold)) static int remove_rc(shard_t *s, uint32_t i, uintptr_t addr) {
  delete_at(s, i);
  lg_unlock(&s->lock);
  rc_freed(addr);
  return 1;
}

/* Forgets addr in the shared part, handing its objects on; 1 if known. */
static int shared_remove(uintptr_t addr) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0 && LG_UNLIKELY(s->slots[at].stack & LG_BLK_STACK_RC)) return remove_rc(s, (uint32_t)at, addr);
  if (at >= 0) delete_at(s, (uint32_t)at);
  lg_unlock(&s->lock);
  return at >= 0;
}

/* Forgets addr in the shared part without handing its objects on (they
 * move with the block to its new entry): 0 if unknown, else 1, or 2 when
 * it held refcounted objects. */
static int shared_take(uintptr_t addr) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  int r = at < 0 ? 0 : s->slots[at].stack & LG_BLK_STACK_RC ? 2 : 1;
  if (at >= 0) delete_at(s, (uint32_t)at);
  lg_unlock(&s->lock);
  return r;
}

static int shared_remove_if(uintptr_t addr, uint32_t size, uint32_t stack) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  int ok = at >= 0 && s->slots[at].size == size && s->slots[at].stack == stack;
  if (ok && LG_UNLIKELY(stack & LG_BLK_STACK_RC)) return remove_rc(s, (uint32_t)at, addr);
  if (ok) delete_at(s, (uint32_t)at);
  lg_unlock(&s->lock);
  return ok;
}

static int shared_lookup(uintptr_t addr, lg_slot_t *out) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0) *out = s->slots[at];
  lg_unlock(&s->lock);
  return at >= 0;
}

static int shared_set_flags(uintptr_t addr, unsigned set) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0) s->slots[at].key |= (set & LG_BLK_FLAGS);
  lg_unlock(&s->lock);
  return at >= 0;
}

static int shared_mark_rc(uintptr_t addr, uintptr_t end) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  /* A big block (LG_SIZE_BIG) covers at least 4 GiB. */
  int ok = at >= 0 && end <= (uintptr_t)s->slots[at].size;
  if (ok) s->slots[at].stack |= LG_BLK_STACK_RC;
  lg_unlock(&s->lock);
  return ok;
}

void lg_blocks_flip_epoch(void) {
  lg_born_mark();
  __atomic_store_n(&lg_blocks_parity, lg_blocks_parity ^ LG_BLK_PARITY, __ATOMIC_RELAXED);
  lg_born_flip();
}

static void shared_age(uintptr_t now) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    shard_t *s = &shards[i];
    lg_lock(&s->lock);
    for (uint32_t j = 0; j < s->cap; j++) {
      uintptr_t k = s->slots[j].key;
      if (!k || (k & LG_BLK_PARITY) == now) continue;
      uintptr_t gen = (k & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT;
      if (gen < 2) gen++;
      s->slots[j].key = (k & ~(uintptr_t)(LG_BLK_GEN_MASK | LG_BLK_PARITY)) | (gen << LG_BLK_GEN_SHIFT) | now;
    }
    lg_unlock(&s->lock);
  }
}

/* ---- the entry points ----------------------------------------------------------- */

/* The parity bit in a thread table entry: read before the entry is
 * written, and looked at again after. A scan that stopped this thread in
 * between and flipped the epoch must not age the block as if it had been
 * in its snapshot (it may not have been): the entry takes the new parity,
 * and when it was in the snapshot after all, it ages one scan late — late,
 * never early, so min_age is never cut short. */
static inline void own_insert_parity(lg_slot_t *sl, uintptr_t parity) {
  uintptr_t now = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  if (LG_LIKELY(now == parity)) return;
  uintptr_t k = lg_tt_key(sl);
  while (k > LG_TT_TOMB && (k & LG_BLK_PARITY) != now &&
         !__atomic_compare_exchange_n(&sl->key, &k, (k & ~(uintptr_t)(LG_BLK_PARITY | LG_BLK_GEN_MASK)) | now, 0,
                                      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {}
}

enum { PART_OWN = 1, PART_SHARED = 2, REPLACED = 4 };

/* Records a small block in the calling thread's table t, with the
 * epoch's parity (own_insert_parity); the entry, or NULL when the table
 * cannot grow. */
static inline __attribute__((always_inline)) lg_slot_t *own_insert(lg_ttab_t *t, uintptr_t addr, size_t size, uint32_t stack,
                                                                   unsigned flags, int *replaced) {
  uintptr_t parity = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  lg_slot_t *sl = lg_ttab_insert(t, addr | (flags & (LG_BLK_FLAGS & ~LG_BLK_PARITY)) | parity, (uint32_t)size, stack,
                                 replaced);
  if (LG_LIKELY(sl != NULL)) own_insert_parity(sl, parity);
  return sl;
}

/* Records a block in the calling thread's table, or the shared part for
 * large blocks and threads without one; the PART_* it went to, with
 * REPLACED when an entry at the same address was there, or -1. */
static int insert_at(uintptr_t addr, size_t size, uint32_t stack, unsigned flags, lg_slot_t **at);

static int insert(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  lg_slot_t *at;
  return insert_at(addr, size, stack, flags, &at);
}

/* insert, also saying where a thread table entry went (*at). */
static int insert_at(uintptr_t addr, size_t size, uint32_t stack, unsigned flags, lg_slot_t **at) {
  lg_ttab_t *t;
  if (LG_LIKELY(size < LG_BLOCKS_LARGE) && LG_LIKELY((t = lg_ttab_self) || (t = lg_ttab_mine()))) {
    int replaced = 0;
    lg_slot_t *sl = own_insert(t, addr, size, stack, flags, &replaced);
    if (LG_LIKELY(sl != NULL)) {
      *at = sl;
      return PART_OWN | (replaced ? REPLACED : 0);
    }
  }
  int r = shared_insert(addr, size, stack, flags);
  return r < 0 ? -1 : PART_SHARED | (r ? REPLACED : 0);
}

static int insert_born(uintptr_t addr, size_t size, uint32_t stack, unsigned flags);

/* The common case, kept apart: a small block into the thread's table. */
int lg_blocks_insert(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  lg_ttab_t *t = lg_ttab_self;
  if (LG_UNLIKELY(lg_born_on)) return insert_born(addr, size, stack, flags);
  if (LG_LIKELY(t != NULL) && LG_LIKELY(size < LG_BLOCKS_LARGE)) {
    int replaced;
    if (LG_LIKELY(own_insert(t, addr, size, stack, flags, &replaced) != NULL)) return 0;
  }
  return insert(addr, size, stack, flags) < 0 ? -1 : 0;
}

/* Records a block anew in place of its old entry (lg_blocks_replace);
 * the PART_* of the new entry, or -1. */
static int replace_plain(uintptr_t addr, size_t size, uint32_t stack, unsigned flags, lg_slot_t **at) {
  int r = insert_at(addr, size, stack, flags, at);
  if (r < 0 || (r & REPLACED)) return r;
  /* The old entry is elsewhere: another thread's table, or the other part.
   * Its objects stay with the block, in the new entry. */
  lg_ttab_t *t = lg_ttab_self;
  lg_tt_req_t rq = {.op = LG_TT_REMOVE, .addr = addr};
  int rc;
  if (lg_ttab_others(t, &rq)) rc = rq.out.stack & LG_BLK_STACK_RC;
  else if (r & PART_OWN) rc = shared_take(addr) == 2;
  else rc = t && lg_ttab_remove_own(t, addr) == LG_TT_GONE_RC;
  if (LG_UNLIKELY(rc)) lg_blocks_mark_rc(addr, 0, 0);
  return r;
}

static int replace_born(uintptr_t addr, size_t size, uint32_t stack, unsigned flags);

int lg_blocks_replace(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  if (LG_UNLIKELY(lg_born_on)) return replace_born(addr, size, stack, flags);
  lg_slot_t *at;
  return replace_plain(addr, size, stack, flags, &at) < 0 ? -1 : 0;
}

static int remove_born(uintptr_t addr, int only_if, uint32_t size, uint32_t stack);

/* The rest of a removal the caller's own table did not finish (hot.h
 * says when); out of line. */
__attribute__((noinline, cold)) int lg_blocks_remove_rest(uintptr_t addr, int gone) {
  if (gone) { rc_freed(addr); return 1; }
  lg_tt_req_t rq = {.op = LG_TT_REMOVE, .addr = addr};
  if (!lg_ttab_others(lg_ttab_self, &rq)) return shared_remove(addr);
  if (LG_UNLIKELY(rq.out.stack & LG_BLK_STACK_RC)) rc_freed(addr);
  return 1;
}

/* Forgets addr wherever it is (lg_blocks_remove); inlined there, the
 * common case of every free. */
static inline __attribute__((always_inline)) int remove_plain(uintptr_t addr) {
  lg_ttab_t *t = lg_ttab_self;
  int gone = t ? lg_ttab_remove_own(t, addr) : 0;
  if (LG_LIKELY(gone == LG_TT_GONE)) return 1;
  return lg_blocks_remove_rest(addr, gone);
}

/* The hot path's ways out (hot.h), kept out of line. */
__attribute__((noinline, cold)) void lg_blocks_own_parity(lg_slot_t *sl, uintptr_t parity) { own_insert_parity(sl, parity); }


int lg_blocks_remove(uintptr_t addr) {
  if (LG_UNLIKELY(lg_born_on)) return remove_born(addr, 0, 0, 0);
  return remove_plain(addr);
}

/* Forgets addr if it still holds size and stack (lg_blocks_remove_if). */
static int remove_if_plain(uintptr_t addr, uint32_t size, uint32_t stack) {
  lg_ttab_t *t = lg_ttab_self;
  if (t) {
    lg_slot_t *s = lg_ttab_find_own(t, addr);
    if (s && s->size == size && s->stack == stack) {
      if (lg_ttab_remove_own(t, addr) == LG_TT_GONE_RC) rc_freed(addr);
      return 1;
    }
  }
  lg_tt_req_t rq = {.op = LG_TT_REMOVE_IF, .addr = addr, .size = size, .stack = stack};
  if (!lg_ttab_others(t, &rq)) return shared_remove_if(addr, size, stack);
  if (LG_UNLIKELY(rq.out.stack & LG_BLK_STACK_RC)) rc_freed(addr);
  return 1;
}

int lg_blocks_remove_if(uintptr_t addr, uint32_t size, uint32_t stack) {
  if (LG_UNLIKELY(lg_born_on)) return remove_born(addr, 1, size, stack);
  return remove_if_plain(addr, size, stack);
}

int lg_blocks_lookup(uintptr_t addr, lg_slot_t *out) {
  lg_ttab_t *t = lg_ttab_self;
  lg_slot_t *s = t ? lg_ttab_find_own(t, addr) : NULL;
  if (s) { *out = *s; return 1; }
  lg_tt_req_t rq = {.op = LG_TT_LOOKUP, .addr = addr};
  if (lg_ttab_others(t, &rq)) { *out = rq.out; return 1; }
  return shared_lookup(addr, out);
}

int lg_blocks_set_flags(uintptr_t addr, unsigned set) {
  lg_ttab_t *t = lg_ttab_self;
  lg_slot_t *s = t ? lg_ttab_find_own(t, addr) : NULL;
  if (s) { __atomic_fetch_or(&s->key, (uintptr_t)(set & LG_BLK_FLAGS), __ATOMIC_ACQ_REL); return 1; }
  lg_tt_req_t rq = {.op = LG_TT_FLAGS, .addr = addr, .flags = set & LG_BLK_FLAGS};
  return lg_ttab_others(t, &rq) || shared_set_flags(addr, set);
}

int lg_blocks_mark_rc(uintptr_t addr, uintptr_t off, uintptr_t len) {
  uintptr_t end = off + len;
  if (end < off) return 0;
  lg_ttab_t *t = lg_ttab_self;
  lg_slot_t *s = t ? lg_ttab_find_own(t, addr) : NULL;
  if (s) {
    if (s->size < end) return 0;
    __atomic_fetch_or(&s->stack, LG_BLK_STACK_RC, __ATOMIC_ACQ_REL);
    return 1;
  }
  lg_tt_req_t rq = {.op = LG_TT_MARK_RC, .addr = addr, .end = end};
  return lg_ttab_others(t, &rq) || shared_mark_rc(addr, end);
}

/* ---- with the born lists (born.h) ---------------------------------------------- */

/* Records in list l a new entry (r: where insert_at put it, at its slot). */
static inline void note_new(lg_born_log_t *l, uintptr_t addr, int r, const lg_slot_t *at) {
  if (r & PART_OWN) lg_born_new(l, addr, lg_ttab_self, at);
  else lg_born_new(l, addr, NULL, NULL);
}

/* Records in list l that entry `old` left the table (lg_born_note_gone). */
static inline void note_gone(lg_born_log_t *l, const lg_slot_t *old) {
  lg_born_note_gone(l, old, __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED));
}

/* lg_blocks_insert with the lists kept: the common case (a small block
 * into the thread's table) as there, an LG_BORN_OWN change; the rest
 * through insert_at, an LG_BORN_WIDE one. */
static int insert_born(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  lg_ttab_t *t = lg_ttab_self;
  lg_born_log_t *l = t && lg_born_self ? lg_born_enter(LG_BORN_OWN) : NULL;
  lg_slot_t *at = NULL;
  int r;
  if (LG_LIKELY(l != NULL) && LG_LIKELY(size < LG_BLOCKS_LARGE)) {
    int replaced = 0;
    at = own_insert(t, addr, size, stack, flags, &replaced);
    if (LG_LIKELY(at != NULL)) {
      r = PART_OWN | (replaced ? REPLACED : 0);
      goto done;
    }
  }
  lg_born_leave(l); /* nothing changed yet: a stop put off is taken here */
  l = lg_born_enter(LG_BORN_WIDE);
  r = insert_at(addr, size, stack, flags, &at);
done:
  if (r >= 0) {
    if (LG_UNLIKELY(r & REPLACED)) lg_born_lose(); /* a free never seen: the old entry's site is gone */
    note_new(l, addr, r, at);
  }
  lg_born_leave(l);
  return r < 0 ? -1 : 0;
}

static int replace_born(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  lg_born_log_t *l = lg_born_enter(LG_BORN_WIDE);
  lg_slot_t old;
  int had = lg_blocks_lookup(addr, &old);
  lg_slot_t *at = NULL;
  int r = replace_plain(addr, size, stack, flags, &at);
  if (r >= 0) {
    if (had) note_gone(l, &old);
    note_new(l, addr, r, at);
  }
  lg_born_leave(l);
  return r < 0 ? -1 : 0;
}

/* lg_blocks_remove(_if) with the lists kept: from the thread's own table
 * the entry's copy is taken as it goes (one probe; an LG_BORN_OWN
 * change), else it is looked up first (LG_BORN_WIDE). */
static int remove_born(uintptr_t addr, int only_if, uint32_t size, uint32_t stack) {
  lg_ttab_t *t = lg_ttab_self;
  lg_slot_t old;
  int r, gone = 0;
  lg_born_log_t *l = NULL;
  if (!only_if && t && lg_born_self) {
    l = lg_born_enter(LG_BORN_OWN);
    if ((gone = lg_ttab_take_own(t, addr, &old))) note_gone(l, &old);
    lg_born_leave(l);
  }
  if (gone) {
    if (LG_UNLIKELY(gone == LG_TT_GONE_RC)) rc_freed(addr);
    return 1;
  }
  l = lg_born_enter(LG_BORN_WIDE);
  int had = lg_blocks_lookup(addr, &old);
  r = only_if ? remove_if_plain(addr, size, stack) : remove_plain(addr);
  if (r && had) note_gone(l, &old);
  lg_born_leave(l);
  return r;
}

int lg_blocks_shared_copy(uintptr_t addr, lg_slot_t *out) { return shared_lookup(addr, out); }

lg_slot_t *lg_blocks_shared_find(uintptr_t addr) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  int64_t at = find(s, addr, h);
  return at >= 0 ? &s->slots[at] : NULL;
}

void lg_blocks_thread_end(void) {
  lg_ttab_thread_end();
  lg_born_thread_end();
}

void lg_blocks_age(void) {
  uintptr_t now = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  shared_age(now);
  lg_ttab_age(now);
}

void lg_blocks_lock_all(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock(&shards[i].lock);
  lg_ttab_lock();
}
void lg_blocks_unlock_all(void) {
  lg_ttab_unlock();
  for (unsigned i = 0; i < NSHARDS; i++) lg_unlock(&shards[i].lock);
}
void lg_blocks_reset_locks(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock_reset(&shards[i].lock);
  lg_ttab_fork_child();
  lg_born_fork_child();
}

size_t lg_blocks_count(void) {
  size_t n = lg_ttab_count();
  for (unsigned i = 0; i < NSHARDS; i++) n += shards[i].count;
  return n;
}

size_t lg_blocks_table_bytes(void) {
  size_t n = lg_ttab_bytes();
  for (unsigned i = 0; i < NSHARDS; i++)
    if (shards[i].slots != no_slots) n += (size_t)shards[i].cap * sizeof(lg_slot_t);
  return n;
}

void lg_blocks_each_array(void (*fn)(void *p, size_t n, void *arg), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++)
    if (shards[i].slots != no_slots) fn(shards[i].slots, (size_t)shards[i].cap * sizeof(lg_slot_t), arg);
  lg_ttab_each_array(fn, arg);
}

void lg_blocks_each(void (*fn)(lg_slot_t *, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    shard_t *s = &shards[i];
    for (uint32_t j = 0; j < s->cap && s->slots; j++)
      if (s->slots[j].key) fn(&s->slots[j], arg);
  }
  lg_ttab_each(fn, arg);
}

void lg_blocks_each_live(void (*fn)(const lg_slot_t *, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    shard_t *s = &shards[i];
    lg_lock(&s->lock);
    for (uint32_t j = 0; j < s->cap && s->slots; j++)
      if (s->slots[j].key) fn(&s->slots[j], arg);
    lg_unlock(&s->lock);
  }
  lg_ttab_each_live(fn, arg);
}

void lg_blocks_each_slots_read(void (*fn)(const lg_slot_t *, size_t, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    shard_t *s = &shards[i];
    lg_lock(&s->lock);
    if (s->slots && s->cap && s->count) fn(s->slots, s->cap, arg);
    lg_unlock(&s->lock);
  }
  lg_ttab_each_slots_read(fn, arg);
}

void lg_blocks_each_slots(void (*fn)(const lg_slot_t *, size_t, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++)
    if (shards[i].slots && shards[i].cap && shards[i].count) fn(shards[i].slots, shards[i].cap, arg);
  lg_ttab_each_slots(fn, arg);
}
