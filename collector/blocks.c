/* collector/blocks.c — the sharded block table (see blocks.h for the slot
 * layout and locking). Hot path of every malloc and free: keep it short. */
#include "blocks.h"

#include "lock.h"
#include "sys.h"

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
static unsigned epoch_parity; /* LG_BLK_PARITY or 0 */
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

int lg_blocks_init(void) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    if (shards[i].slots) continue;
    shards[i].slots = lg_sys_map(INIT_CAP * sizeof(lg_slot_t));
    if (!shards[i].slots) return -1;
    shards[i].cap = INIT_CAP;
  }
  return 0;
}

/* Grows a shard's array by half; caller holds the shard lock. */
static int grow(shard_t *s) {
  uint32_t ncap = s->cap + s->cap / 2;
  lg_slot_t *ns = lg_sys_map((size_t)ncap * sizeof(lg_slot_t));
  if (!ns) return -1;
  for (uint32_t i = 0; i < s->cap; i++) {
    lg_slot_t *o = &s->slots[i];
    if (!o->key) continue;
    uint32_t j = home(hash_addr(o->key & ~(uintptr_t)LG_BLK_FLAGS), ncap);
    while (ns[j].key) j = next(j, ncap);
    ns[j] = *o;
  }
  lg_sys_unmap(s->slots, (size_t)s->cap * sizeof(lg_slot_t));
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
    if ((k & ~(uintptr_t)LG_BLK_FLAGS) == addr) return i;
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
    uint32_t h = home(hash_addr(k & ~(uintptr_t)LG_BLK_FLAGS), s->cap);
    /* Move j to i if its home is not cyclically within (i, j]. */
    if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
      s->slots[i] = s->slots[j];
      i = j;
    }
  }
  s->slots[i].key = 0;
  s->count--;
}

int lg_blocks_insert(uintptr_t addr, size_t size, uint32_t stack, unsigned flags) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
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
  sl->key = addr | (flags & (LG_BLK_FLAGS & ~LG_BLK_PARITY)) | __atomic_load_n(&epoch_parity, __ATOMIC_RELAXED);
  sl->size = size >= LG_SIZE_BIG ? LG_SIZE_BIG : (uint32_t)size;
  sl->stack = stack | keep;
  lg_unlock(&s->lock);
  return 0;
}

/* Removes slot i, which holds a refcounted object, and hands its block
 * on; out of the hot path. Shard lock held, released here. */
__attribute__((noinline, cold)) static int remove_rc(shard_t *s, uint32_t i, uintptr_t addr) {
  delete_at(s, i);
  lg_unlock(&s->lock);
  lg_blocks_on_rc_free(addr);
  return 1;
}

int lg_blocks_remove(uintptr_t addr) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0 && LG_UNLIKELY(s->slots[at].stack & LG_BLK_STACK_RC)) return remove_rc(s, (uint32_t)at, addr);
  if (at >= 0) delete_at(s, (uint32_t)at);
  lg_unlock(&s->lock);
  return at >= 0;
}

int lg_blocks_remove_if(uintptr_t addr, uint32_t size, uint32_t stack) {
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

int lg_blocks_lookup(uintptr_t addr, lg_slot_t *out) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0) *out = s->slots[at];
  lg_unlock(&s->lock);
  return at >= 0;
}

int lg_blocks_set_flags(uintptr_t addr, unsigned set) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  if (at >= 0) s->slots[at].key |= (set & LG_BLK_FLAGS);
  lg_unlock(&s->lock);
  return at >= 0;
}

int lg_blocks_mark_rc(uintptr_t addr, uintptr_t off, uintptr_t len) {
  uint64_t h = hash_addr(addr);
  shard_t *s = shard_of(h);
  lg_lock(&s->lock);
  int64_t at = find(s, addr, h);
  /* A big block (LG_SIZE_BIG) covers at least 4 GiB. */
  int ok = at >= 0 && off + len >= off && off + len <= (uintptr_t)s->slots[at].size;
  if (ok) s->slots[at].stack |= LG_BLK_STACK_RC;
  lg_unlock(&s->lock);
  return ok;
}

void lg_blocks_flip_epoch(void) { __atomic_store_n(&epoch_parity, epoch_parity ^ LG_BLK_PARITY, __ATOMIC_RELAXED); }

void lg_blocks_age(void) {
  uintptr_t now = __atomic_load_n(&epoch_parity, __ATOMIC_RELAXED);
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

void lg_blocks_lock_all(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock(&shards[i].lock);
}
void lg_blocks_unlock_all(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_unlock(&shards[i].lock);
}
void lg_blocks_reset_locks(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock_reset(&shards[i].lock);
}

size_t lg_blocks_count(void) {
  size_t n = 0;
  for (unsigned i = 0; i < NSHARDS; i++) n += shards[i].count;
  return n;
}

size_t lg_blocks_table_bytes(void) {
  size_t n = 0;
  for (unsigned i = 0; i < NSHARDS; i++) n += (size_t)shards[i].cap * sizeof(lg_slot_t);
  return n;
}

void lg_blocks_each(void (*fn)(lg_slot_t *, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++) {
    shard_t *s = &shards[i];
    for (uint32_t j = 0; j < s->cap && s->slots; j++)
      if (s->slots[j].key) fn(&s->slots[j], arg);
  }
}
