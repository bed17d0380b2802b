/* collector/ttab.h — the per-thread block tables: the part of the block
 * table (blocks.h) that the malloc path of a thread touches without a lock
 * or an atomic instruction. blocks.c and the hot path (hot.h) are their only
 * users.
 *
 * Each thread that allocates owns a table of the blocks it allocated. A
 * table's states:
 *
 *   OWNED    a live thread inserts into it and removes its own frees with
 *            plain loads and stores; any other thread may remove, look up
 *            or flag an entry (a block freed by another thread than the one
 *            that allocated it) with the protocol below.
 *   FREE     its thread ended (or is not in a forked child): entries stay
 *            and are removed by whoever frees them, the same way; the next
 *            new thread adopts the table and owns it.
 *
 * A table is LG_TT_PARTS arrays, an entry's part chosen by its hash, each
 * grown on its own (so growing never holds two copies of the whole table).
 * An array has its slots in groups of 16 and a control byte per slot
 * (Abseil's SwissTable layout): EMPTY, DELETED, or 7 bits of the entry's
 * hash. A probe looks at a whole group's control bytes at once and goes on
 * to the next group only if the group has no EMPTY byte; so a group before
 * an entry's own one, on its probe path, never has an EMPTY byte, and a
 * slot may turn EMPTY again only in a group that already has one. Entries
 * never move while a part keeps its array. So a reader probing for an
 * address finds its entry if it is there, even while the owner writes
 * other slots; it may see an entry of the owner's half written, which is
 * never the one it looks for (a thread only looks for blocks it holds).
 *
 * The key is the truth (a scan reads keys only, and ages and flags entries
 * by their keys): an insert writes it before the control byte, a removal
 * turns it into LG_TT_TOMB before it changes the byte. Another thread
 * removes an entry by its key alone (a compare-and-swap); its control
 * byte stays as it was until the owner rehashes that part.
 *
 * Only the owner replaces an array (a rehash: to grow, or to clear removed
 * slots), and announces it with the table's sequence count, odd while it
 * copies (a seqlock):
 *
 *   owner   seq++ (odd), fence; copy the live entries into a new array;
 *           publish it; seq++ (even); retire the old array, unmapped once
 *           no other thread is inside the table.
 *   other   readers++; read seq, the array, probe, act on the entry with
 *           a compare-and-swap of its key; read seq again, and do it all
 *           again on the current array if a rehash began or ended in
 *           between (an entry removed from the old array after the copy
 *           read it is still in the new one); readers--.
 *
 * The owner's fence is the only one on its side, and only in a rehash:
 * the common insert and remove cost no atomic instruction at all.
 *
 * A scan reads every table with the world stopped. A thread stopped
 * inside an insert or a removal leaves its table consistent: an entry's
 * key is written last, with one store, and a removal is one store. */
#ifndef LG_TTAB_H
#define LG_TTAB_H

#include <emmintrin.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "blocks.h"

#define LG_TT_TOMB ((uintptr_t)1) /* the key of a removed entry */
#define LG_TT_EMPTY 0x80u          /* control byte: never used since the array was made */
#define LG_TT_DELETED 0xFEu        /* control byte: removed, reusable; a probe goes on past it */
#define LG_TT_PARTS 16u

typedef struct lg_tarr {
  uint32_t ngroups;
  uint32_t pad;            /* 1: a table's first array, in the table's mapping */
  struct lg_tarr *retired; /* the next retired array of its table */
  uint8_t *ctrl;           /* ngroups * 16 control bytes, after the slots */
  uint64_t pad2[5];        /* slots on a cache line's start: a group is four whole lines */
  lg_slot_t slots[];       /* ngroups * 16 */
} lg_tarr_t;
_Static_assert(sizeof(lg_tarr_t) == 64, "slots start a cache line after the array's start");

/* One part of a table: its array and the owner's counts of it. */
typedef struct lg_tpart {
  lg_tarr_t *arr;
  uint32_t count; /* entries the owner inserted less those it removed */
  uint32_t used;  /* control bytes not EMPTY */
} lg_tpart_t;

typedef struct lg_ttab {
  /* The owner's; read by others. */
  lg_tpart_t part[LG_TT_PARTS];
  uint32_t seq;        /* odd while a rehash copies */
  pid_t owner;         /* the owning thread, 0: free for adoption */
  uintptr_t lo, hi;    /* bounds of every address the table ever held */
  lg_tarr_t *retired;  /* replaced arrays not yet unmapped */
  struct lg_ttab *next_free;
  /* Other threads'. */
  uint32_t removed[LG_TT_PARTS] __attribute__((aligned(64))); /* entries others removed */
  uint32_t readers;                                           /* others inside the table */
} lg_ttab_t;

/* The calling thread's table, or NULL (none yet, or the thread ended). */
extern __thread lg_ttab_t *lg_ttab_self __attribute__((tls_model("initial-exec")));

/* lg_ttab_mine returns the calling thread's table, adopting a free one or
 * making one on first use; NULL once the thread has ended
 * (lg_ttab_thread_end) or when out of memory. */
lg_ttab_t *lg_ttab_mine(void);
/* lg_ttab_rehash replaces the array of part p of the owner's table by one
 * with room to insert (grown by a quarter when its live entries fill more
 * than 11/16 of it, else the same size without removed slots: a quarter,
 * not a half, keeps a big table's slack, which is resident memory, small);
 * 0, or -1 when out of memory. */
int lg_ttab_rehash(lg_ttab_t *t, uint32_t p);

static inline uint64_t lg_tt_hash(uintptr_t a) {
  uint64_t h = (uint64_t)(a >> 4) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}
static inline uint32_t lg_tt_part(uint64_t h) { return (uint32_t)(h >> 40) & (LG_TT_PARTS - 1); }
static inline uint32_t lg_tt_group(uint64_t h, uint32_t ngroups) { return (uint32_t)(((h & 0xFFFFFFFFu) * ngroups) >> 32); }
static inline uint8_t lg_tt_h7(uint64_t h) { return (uint8_t)(h >> 57); }
static inline uintptr_t lg_tt_key(const lg_slot_t *s) { return __atomic_load_n(&s->key, __ATOMIC_RELAXED); }
static inline __m128i lg_tt_ctrl(const lg_tarr_t *a, uint32_t g) { return _mm_load_si128((const __m128i *)(a->ctrl + 16 * g)); }
static inline unsigned lg_tt_match(__m128i v, uint8_t c) { return (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8((char)c))); }

/* lg_ttab_find returns the slot of addr (hash h) in array a, or NULL. Any
 * thread. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_find(lg_tarr_t *a, uintptr_t addr, uint64_t h) {
  uint8_t h7 = lg_tt_h7(h);
  for (uint32_t g = lg_tt_group(h, a->ngroups);; g = g + 1 == a->ngroups ? 0 : g + 1) {
    __m128i v = lg_tt_ctrl(a, g);
    for (unsigned m = lg_tt_match(v, h7); m; m &= m - 1) {
      lg_slot_t *s = &a->slots[16 * g + (unsigned)__builtin_ctz(m)];
      if ((lg_tt_key(s) & LG_BLK_ADDR_MASK) == addr) return s;
    }
    if (lg_tt_match(v, LG_TT_EMPTY)) return NULL;
  }
}

/* lg_ttab_find_own returns the slot of addr in the owner's table t. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_find_own(lg_ttab_t *t, uintptr_t addr) {
  uint64_t h = lg_tt_hash(addr);
  return lg_ttab_find(t->part[lg_tt_part(h)].arr, addr, h);
}

/* lg_ttab_prefetch starts loading, without waiting, the lines an insert
 * or a removal of addr (hash h, lg_tt_hash) in the owner's table t reads:
 * the group's control bytes and its four lines of slots (which slot is the
 * entry's, only the control bytes tell: loading all four at once makes the
 * two dependent misses one). Owner only; t may be NULL (nothing then). */
static inline __attribute__((always_inline)) void lg_ttab_prefetch(const lg_ttab_t *t, uint64_t h) {
  if (!t) return;
  const lg_tarr_t *a = t->part[lg_tt_part(h)].arr;
  uint32_t g = lg_tt_group(h, a->ngroups);
  const char *s = (const char *)&a->slots[16 * g];
  __builtin_prefetch(a->ctrl + 16 * g);
  __builtin_prefetch(s);
  __builtin_prefetch(s + 64);
  __builtin_prefetch(s + 128);
  __builtin_prefetch(s + 192);
}

/* Writes a new entry into slot ai (whose control byte was EMPTY if
 * was_empty, else DELETED) of array a of part pt: lg_ttab_insert's end. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_put_new(lg_ttab_t *t, lg_tpart_t *pt, lg_tarr_t *a, uint32_t ai,
                                                                        unsigned was_empty, uintptr_t key, uint32_t size,
                                                                        uint32_t stack, uint8_t h7) {
  uintptr_t addr = key & LG_BLK_ADDR_MASK;
  lg_slot_t *at = &a->slots[ai];
  pt->used += was_empty;
  pt->count++;
  if (addr < t->lo) t->lo = addr;
  if (addr > t->hi) t->hi = addr;
  at->size = size;
  at->stack = stack;
  __atomic_store_n(&at->key, key, __ATOMIC_RELEASE);      /* the entry is whole: a scan sees it */
  __atomic_store_n(&a->ctrl[ai], h7, __ATOMIC_RELEASE);   /* probes find it */
  return at;
}

/* Writes entry (key, size, stack) over slot `at`, which holds the same
 * address already (a free never seen): lg_ttab_insert's end then. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_put_over(lg_slot_t *at, uintptr_t key, uint32_t size,
                                                                         uint32_t stack, int *replaced) {
  *replaced = 1;
  at->size = size;
  at->stack = stack | (at->stack & LG_BLK_STACK_RC); /* a realloc in place keeps its objects */
  __atomic_store_n(&at->key, key, __ATOMIC_RELEASE);
  return at;
}

/* lg_ttab_slot_of returns the slot of addr among the slots of group g of
 * array a whose control bytes match (mask m), or NULL. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_slot_of(lg_tarr_t *a, uint32_t g, unsigned m, uintptr_t addr) {
  for (; m; m &= m - 1) {
    lg_slot_t *s = &a->slots[16 * g + (unsigned)__builtin_ctz(m)];
    if ((lg_tt_key(s) & LG_BLK_ADDR_MASK) == addr) return s;
  }
  return NULL;
}

/* lg_ttab_insert_far is lg_ttab_insert_h's probe past home group g of
 * array a (whose control bytes were v): the group has no EMPTY byte, so
 * the address may be in a later group; the entry goes to the first slot
 * not in use from g on. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_insert_far(lg_ttab_t *t, lg_tpart_t *pt, lg_tarr_t *a,
                                                                           uint32_t g, __m128i v, uintptr_t key,
                                                                           uint32_t size, uint32_t stack, uint8_t h7,
                                                                           int *replaced) {
  uintptr_t addr = key & LG_BLK_ADDR_MASK;
  lg_slot_t *s = lg_ttab_slot_of(a, g, lg_tt_match(v, h7), addr);
  if (s) return lg_ttab_put_over(s, key, size, stack, replaced);
  unsigned free_here = (unsigned)_mm_movemask_epi8(v); /* DELETED bytes: EMPTY has none here */
  uint32_t ai = 16 * g + (unsigned)__builtin_ctz(free_here | 0x10000u);
  for (;;) {
    g = g + 1 == a->ngroups ? 0 : g + 1;
    v = lg_tt_ctrl(a, g);
    if ((s = lg_ttab_slot_of(a, g, lg_tt_match(v, h7), addr))) return lg_ttab_put_over(s, key, size, stack, replaced);
    if (!free_here && (free_here = (unsigned)_mm_movemask_epi8(v))) ai = 16 * g + (unsigned)__builtin_ctz(free_here);
    if (lg_tt_match(v, LG_TT_EMPTY)) break;
  }
  return lg_ttab_put_new(t, pt, a, ai, a->ctrl[ai] == LG_TT_EMPTY, key, size, stack, h7);
}

/* lg_ttab_insert_h records a block in the owner's table t (replacing an
 * entry at the same address, and then setting *replaced); `key` is the
 * address with its flags, h its hash (lg_tt_hash of the address). Returns
 * the slot, or NULL when the table cannot grow. Owner only. The common
 * case — the home group has an EMPTY byte, so the probe ends there, and
 * none of the slots whose byte matches the entry's hash (read from the
 * lines lg_ttab_prefetch loaded) holds the address — takes the group's
 * first free slot at once; a home group without an EMPTY byte is probed
 * past (lg_ttab_insert_far). */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_insert_h(lg_ttab_t *t, uintptr_t key, uint64_t h, uint32_t size,
                                                                         uint32_t stack, int *replaced) {
  uintptr_t addr = key & LG_BLK_ADDR_MASK;
  lg_tpart_t *pt = &t->part[lg_tt_part(h)];
  lg_tarr_t *a = pt->arr;
  if (__builtin_expect(pt->used >= a->ngroups * 13u, 0)) { /* 13/16 of the slots used */
    if (lg_ttab_rehash(t, lg_tt_part(h)) < 0) return NULL;
    a = pt->arr;
  }
  uint8_t h7 = lg_tt_h7(h);
  uint32_t g = lg_tt_group(h, a->ngroups);
  __m128i v = lg_tt_ctrl(a, g);
  unsigned empty = lg_tt_match(v, LG_TT_EMPTY);
  if (__builtin_expect(!empty, 0)) return lg_ttab_insert_far(t, pt, a, g, v, key, size, stack, h7, replaced);
  lg_slot_t *s = lg_ttab_slot_of(a, g, lg_tt_match(v, h7), addr);
  if (__builtin_expect(s != NULL, 0)) return lg_ttab_put_over(s, key, size, stack, replaced);
  unsigned i = (unsigned)__builtin_ctz((unsigned)_mm_movemask_epi8(v)); /* EMPTY and DELETED have the top bit */
  return lg_ttab_put_new(t, pt, a, 16 * g + i, (empty >> i) & 1, key, size, stack, h7);
}

/* lg_ttab_insert is lg_ttab_insert_h with the hash computed here. */
static inline __attribute__((always_inline)) lg_slot_t *lg_ttab_insert(lg_ttab_t *t, uintptr_t key, uint32_t size, uint32_t stack, int *replaced) {
  return lg_ttab_insert_h(t, key, lg_tt_hash(key & LG_BLK_ADDR_MASK), size, stack, replaced);
}

#define LG_TT_GONE 1
#define LG_TT_GONE_RC 3
/* Removes the owner's entry s, slot i of array a of part pt, whose group
 * had an EMPTY byte when the caller read its control bytes (had_empty;
 * only the owner changes them, so it still has); returns LG_TT_GONE or
 * LG_TT_GONE_RC. lg_ttab_take_own's second half. */
static inline __attribute__((always_inline)) int lg_ttab_forget_own(lg_tpart_t *pt, lg_tarr_t *a, lg_slot_t *s, uint32_t i,
                                                                    unsigned had_empty) {
  int gone = __builtin_expect(!!(__atomic_load_n(&s->stack, __ATOMIC_RELAXED) & LG_BLK_STACK_RC), 0) ? LG_TT_GONE_RC : LG_TT_GONE;
  __atomic_store_n(&s->key, LG_TT_TOMB, __ATOMIC_RELAXED);
  if (had_empty) {
    __atomic_store_n(&a->ctrl[i], LG_TT_EMPTY, __ATOMIC_RELAXED);
    pt->used--;
  } else {
    __atomic_store_n(&a->ctrl[i], LG_TT_DELETED, __ATOMIC_RELAXED);
  }
  pt->count--;
  return gone;
}

/* lg_ttab_take_own_h forgets addr in the owner's table t, copying its entry
 * into *out first unless out is NULL (the born lists, born.h, need its
 * site and age): 0 if it was not there, LG_TT_GONE if it was,
 * LG_TT_GONE_RC if it was and held a refcounted object (LG_BLK_STACK_RC).
 * Its control byte turns EMPTY when its group has an EMPTY byte already
 * (no probe goes past that group), else DELETED. The probe is
 * lg_ttab_find's, kept here so that the group's control bytes it read
 * decide that without being read again. h is addr's hash (lg_tt_hash). */
static inline __attribute__((always_inline)) int lg_ttab_take_own_h(lg_ttab_t *t, uintptr_t addr, uint64_t h, lg_slot_t *out) {
  lg_tpart_t *pt = &t->part[lg_tt_part(h)];
  lg_tarr_t *a = pt->arr;
  uint8_t h7 = lg_tt_h7(h);
  for (uint32_t g = lg_tt_group(h, a->ngroups);; g = g + 1 == a->ngroups ? 0 : g + 1) {
    __m128i v = lg_tt_ctrl(a, g);
    unsigned empty = lg_tt_match(v, LG_TT_EMPTY);
    for (unsigned m = lg_tt_match(v, h7); m; m &= m - 1) {
      uint32_t i = 16 * g + (unsigned)__builtin_ctz(m);
      lg_slot_t *s = &a->slots[i];
      if ((lg_tt_key(s) & LG_BLK_ADDR_MASK) != addr) continue;
      if (out) *out = *s;
      return lg_ttab_forget_own(pt, a, s, i, empty);
    }
    if (empty) return 0;
  }
}

/* lg_ttab_take_own is lg_ttab_take_own_h with the hash computed here. */
static inline __attribute__((always_inline)) int lg_ttab_take_own(lg_ttab_t *t, uintptr_t addr, lg_slot_t *out) {
  return lg_ttab_take_own_h(t, addr, lg_tt_hash(addr), out);
}

/* lg_ttab_remove_own is lg_ttab_take_own without the copy. */
static inline __attribute__((always_inline)) int lg_ttab_remove_own(lg_ttab_t *t, uintptr_t addr) {
  return lg_ttab_take_own(t, addr, NULL);
}

/* What lg_ttab_others does to the entry it finds. */
enum lg_tt_op { LG_TT_REMOVE, LG_TT_REMOVE_IF, LG_TT_LOOKUP, LG_TT_FLAGS, LG_TT_MARK_RC };
typedef struct lg_tt_req {
  int op;
  uintptr_t addr;
  uint32_t size, stack; /* LG_TT_REMOVE_IF: what the entry must still hold */
  uintptr_t flags;      /* LG_TT_FLAGS: bits to set */
  uintptr_t end;        /* LG_TT_MARK_RC: the entry's size must reach it */
  lg_slot_t out;        /* LG_TT_LOOKUP: the entry; LG_TT_REMOVE(_IF): its stack word */
} lg_tt_req_t;

/* lg_ttab_others finds req->addr in the tables of the other threads (every
 * table but `self`, which may be NULL) and acts on it; 1 if found (for
 * REMOVE_IF: found and removed). Any thread, no lock. */
int lg_ttab_others(lg_ttab_t *self, lg_tt_req_t *req);

/* For the scan (world stopped, registry locked) and fork. */
void lg_ttab_lock(void);
void lg_ttab_unlock(void);
/* lg_ttab_each_array calls fn with every table's current arrays (start,
 * bytes): the snapshot child releases its view of them (clone.h). */
void lg_ttab_each_array(void (*fn)(void *p, size_t n, void *arg), void *arg);
void lg_ttab_each(void (*fn)(lg_slot_t *slot, void *arg), void *arg);
/* lg_ttab_each_live calls fn with a consistent copy of every live entry
 * while owners and other threads work (blocks.h's lg_blocks_each_live):
 * each table as a reader, walked again when its owner rehashed meanwhile. */
void lg_ttab_each_live(void (*fn)(const lg_slot_t *slot, void *arg), void *arg);
/* lg_ttab_each_slots calls fn with every table's current slot arrays
 * (first slot, count); the world stopped, the registry locked. */
void lg_ttab_each_slots(void (*fn)(const lg_slot_t *slots, size_t n, void *arg), void *arg);
/* lg_ttab_each_slots_read is lg_ttab_each_slots while owners and other
 * threads work: each table as a reader (its arrays stay mapped meanwhile),
 * its arrays given again when its owner rehashed meanwhile (so fn must be
 * safe to repeat). fn reads slots with the owner's protocol (a key read
 * before and after the rest). */
void lg_ttab_each_slots_read(void (*fn)(const lg_slot_t *slots, size_t n, void *arg), void *arg);
size_t lg_ttab_count(void);
size_t lg_ttab_bytes(void);
size_t lg_ttab_tables(void); /* tables made so far (a thread's table is reused after it ends) */
/* lg_ttab_age ages, while the program runs, the entries whose parity is
 * not `now` (blocks.h); safe against owners and other threads at work. */
void lg_ttab_age(uintptr_t now);
/* lg_ttab_fork_child frees every table but the calling thread's (their
 * threads are not in the child) and resets the lock. */
void lg_ttab_fork_child(void);
/* lg_ttab_thread_end frees the calling thread's table for adoption; the
 * thread has no table from then on. */
void lg_ttab_thread_end(void);

#endif
