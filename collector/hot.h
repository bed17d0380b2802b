/* collector/hot.h — the collector's malloc and free fast paths, inlined
 * into the shim's hooks (preload includes this header; the collector
 * never calls back into preload). Each does the common case in one piece
 * — tracing on, the calling thread has a table of its own (and, when the
 * born lists are kept, a list of its own: lg_born_alloc_hot), a small
 * aligned block, no refcounted object in a freed block — and hands every
 * other case, whole, to the out-of-line
 * entry points of collector.h and blocks.h, which behave exactly as if
 * the hook had called them directly. */
#ifndef LG_HOT_H
#define LG_HOT_H

#include <stddef.h>
#include <stdint.h>

#include "blocks.h"
#include "born.h"
#include "collector.h"
#include "sys.h"
#include "trigger.h"
#include "ttab.h"

/* The variables below are the shim's own (LG_INTERNAL: read in one
 * instruction, not through the GOT). Tracing (collector.c); 0 before
 * init and after the collector gave up. */
extern int lg_collector_on LG_INTERNAL;
/* Tracing and no born lists (collector.c): the one word the fast paths
 * read to know they may run; 0 whenever lg_collector_on is. */
extern int lg_collector_hot LG_INTERNAL;
/* The epoch's parity bit (blocks.c): LG_BLK_PARITY or 0. */
extern unsigned lg_blocks_parity LG_INTERNAL;
/* lg_blocks_own_parity gives a new thread table entry the epoch's parity
 * when a scan flipped it while the entry was being written (blocks.c). */
void lg_blocks_own_parity(lg_slot_t *sl, uintptr_t parity) __attribute__((noinline, cold));
/* lg_blocks_remove_rest finishes lg_blocks_remove for a block that the
 * caller's own table did not hold (gone 0: the other tables and the
 * shared part are asked) or held with a refcounted object (gone
 * LG_TT_GONE_RC: the object table is told); 1 if the block was known. */
int lg_blocks_remove_rest(uintptr_t addr, int gone) __attribute__((noinline, cold));

/* lg_collector_alloc_prefetch starts loading the lines of the calling
 * thread's table that recording block p will touch, and returns p's hash
 * for lg_collector_alloc_hot_h; a hook calls it before it captures p's
 * stack, so that those loads overlap the capture. */
static inline __attribute__((always_inline)) uint64_t lg_collector_alloc_prefetch(void *p) {
  uint64_t h = lg_tt_hash((uintptr_t)p & LG_BLK_ADDR_MASK);
  lg_ttab_prefetch(lg_ttab_self, h);
  return h;
}

/* The born lists' fast path (born.h) for an allocation, taken when lg_collector_hot is 0
 * for them alone: the common case — tracing, the thread's own table and
 * list, a small aligned block — as an LG_BORN_OWN change, its record
 * appended inline; 1 when done, 0 when the caller's out-of-line path is
 * to do all of it (nothing was changed). A free goes out of line, where
 * blocks.c's remove_born does the same for it: inline, its copy of the
 * entry cost the plain free path registers (3.7 instructions a free on
 * churn). */
static inline __attribute__((always_inline)) int lg_born_alloc_hot(lg_ttab_t *t, void *p, uint64_t h, size_t size,
                                                                   uint32_t stack, unsigned flags) {
  lg_born_log_t *l = lg_born_self;
  if (!lg_born_on || !lg_collector_on || !l || !t || size >= LG_BLOCKS_LARGE || ((uintptr_t)p & LG_BLK_FLAGS)) return 0;
  l->busy = LG_BORN_OWN;
  __atomic_signal_fence(__ATOMIC_SEQ_CST); /* marked before the table changes */
  uintptr_t parity = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  int replaced = 0; /* set only when an entry was there */
  lg_slot_t *sl = lg_ttab_insert_h(t, (uintptr_t)p | (flags & (LG_BLK_FLAGS & ~LG_BLK_PARITY)) | parity, h, (uint32_t)size,
                                   stack, &replaced);
  if (__builtin_expect(sl != NULL, 1)) {
    if (__builtin_expect(__atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED) != parity, 0)) lg_blocks_own_parity(sl, parity);
    if (__builtin_expect(replaced, 0)) lg_born_lose(); /* a free never seen: the old entry's site is gone */
    lg_born_new(l, (uintptr_t)p, t, sl);
  }
  lg_born_leave_own(l);
  if (sl) lg_trigger_count(size);
  return sl != NULL;
}

/* lg_collector_alloc_hot_h records block p (hash h, from
 * lg_collector_alloc_prefetch; size bytes, stack id, LG_BLK_* flags) as
 * lg_collector_alloc_id does, inline when it is the common case. */
static inline __attribute__((always_inline)) void lg_collector_alloc_hot_h(void *p, uint64_t h, size_t size, uint32_t stack,
                                                                           unsigned flags) {
  lg_ttab_t *t = lg_ttab_self;
  if (__builtin_expect(lg_collector_hot && t && size < LG_BLOCKS_LARGE && !((uintptr_t)p & LG_BLK_FLAGS),
                       1)) {
    uintptr_t parity = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
    int replaced;
    lg_slot_t *sl = lg_ttab_insert_h(t, (uintptr_t)p | (flags & (LG_BLK_FLAGS & ~LG_BLK_PARITY)) | parity, h,
                                     (uint32_t)size, stack, &replaced);
    if (__builtin_expect(sl != NULL, 1)) {
      if (__builtin_expect(__atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED) != parity, 0))
        lg_blocks_own_parity(sl, parity);
      lg_trigger_count(size);
      return;
    }
  } else if (lg_born_alloc_hot(t, p, h, size, stack, flags)) {
    return;
  }
  lg_collector_alloc_id(p, size, stack, flags);
}

/* lg_collector_free_hot forgets block p as lg_collector_free does, inline
 * when the calling thread's own table holds it. */
static inline __attribute__((always_inline)) void lg_collector_free_hot(void *p) {
  lg_ttab_t *t = lg_ttab_self;
  if (__builtin_expect(!lg_collector_hot || !t, 0)) { lg_collector_free(p); return; }
  uint64_t h = lg_tt_hash((uintptr_t)p);
  lg_ttab_prefetch(t, h); /* the group's control bytes and slots, together */
  int gone = lg_ttab_take_own_h(t, (uintptr_t)p, h, NULL);
  if (__builtin_expect(gone != LG_TT_GONE, 0)) lg_blocks_remove_rest((uintptr_t)p, gone);
}

#endif
