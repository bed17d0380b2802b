/* collector/annot.c — registered root regions and ignored interior pointers
 * (annot.h), kept in arena vectors under the roots lock. */
#include "annot.h"

#include "arena.h"
#include "blocks.h"
#include "collector.h"
#include "lock.h"

typedef struct range { uintptr_t lo, hi; } range_t;
static lg_lock_t roots_lock = LG_LOCK_INIT;
static range_t *roots;
static size_t nroots, caproots;
static uintptr_t *ignored;  /* interior pointers given to ignore */
static size_t nignored, capignored;

/* Appends to an arena vector; caller holds the roots lock. */
static int grow_vec(void **v, size_t *cap, size_t n, size_t elem) {
  if (n < *cap) return 0;
  size_t nc = *cap ? *cap * 2 : 64;
  void *nv = lg_arena_realloc(*v, nc * elem);
  if (!nv) return -1;
  *v = nv;
  *cap = nc;
  return 0;
}

void lg_collector_ignore(const void *p) {
  if (!lg_collector_tracing() || !p) return;
  if (lg_blocks_set_flags((uintptr_t)p, LG_BLK_IGNORED)) return;
  lg_roots_lock();
  if (grow_vec((void **)&ignored, &capignored, nignored, sizeof *ignored) == 0) ignored[nignored++] = (uintptr_t)p;
  lg_roots_unlock();
}

void lg_ignored_resolve(lg_heap_t *h) {
  size_t keep = 0;
  for (size_t i = 0; i < nignored; i++) {
    long b = lg_heap_find(h, ignored[i]);
    if (b < 0) continue; /* freed since: forget it */
    h->blk[b].flags |= LG_BF_IGNORED;
    ignored[keep++] = ignored[i];
  }
  nignored = keep;
}

void lg_ignored_mark(lg_heap_t *h) {
  for (size_t i = 0; i < nignored; i++) {
    long b = lg_heap_find(h, ignored[i]);
    if (b < 0) continue;
    h->blk[b].flags |= LG_BF_IGNORED;
    lg_mark_block(h, (size_t)b);
  }
}

void lg_collector_add_root(const void *p, size_t n) {
  if (!lg_collector_tracing() || !n) return;
  lg_roots_lock();
  if (grow_vec((void **)&roots, &caproots, nroots, sizeof *roots) == 0)
    roots[nroots++] = (range_t){(uintptr_t)p, (uintptr_t)p + n};
  lg_roots_unlock();
}

void lg_collector_remove_root(const void *p, size_t n) {
  lg_roots_lock();
  for (size_t i = 0; i < nroots; i++)
    if (roots[i].lo == (uintptr_t)p && roots[i].hi == (uintptr_t)p + n) {
      roots[i] = roots[--nroots];
      break;
    }
  lg_roots_unlock();
}

void lg_roots_lock(void) { lg_lock(&roots_lock); }
void lg_roots_unlock(void) { lg_unlock(&roots_lock); }
void lg_roots_reset_lock(void) { lg_lock_reset(&roots_lock); }

void lg_roots_each(lg_range_fn fn, void *arg) {
  for (size_t i = 0; i < nroots; i++) fn(roots[i].lo, roots[i].hi, arg);
}
