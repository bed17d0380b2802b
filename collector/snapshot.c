/* collector/snapshot.c — the snapshot phase (snapshot.h): the scan's copy
 * of the block table. It runs in the snapshot child or in process with the
 * world stopped: memory from mmap (lg_sys_map), never from malloc. */
#include "snapshot.h"

#include "blocks.h"
#include "format.h"
#include "graph.h"
#include "maps.h"
#include "modules.h"
#include "stacks.h"
#include "sys.h"

typedef struct fill { lg_blk_t *b; size_t n, cap; } fill_t;

/* Was the block allocated by the dynamic loader itself? (See modules.h.)
 * Computed once per stack; the scan is the only writer of stack flags. */
static int from_loader(uint32_t id) {
  lg_stack_t *st = (lg_stack_t *)lg_stacks_get(id);
  if (!st) return 0;
  if (!(st->flags & LG_STACK_CHECKED))
    st->flags = LG_STACK_CHECKED | (st->nframes && lg_modules_in_loader(st->frames[0]) ? LG_STACK_LOADER : 0);
  return (st->flags & LG_STACK_LOADER) != 0;
}

static void copy_slot(lg_slot_t *sl, void *arg) {
  fill_t *f = arg;
  if (f->n == f->cap) return;
  lg_blk_t *b = &f->b[f->n++];
  b->addr = lg_slot_addr(sl);
  b->size = sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)b->addr) : sl->size;
  b->stack = lg_slot_stack(sl);
  b->mark = LG_UNREACHED;
  b->flags = (sl->key & LG_BLK_IGNORED) || from_loader(b->stack) ? LG_BF_IGNORED : 0;
  b->gen = (uint8_t)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  b->cat = 0;
  b->cluster = 0;
  b->heur = 0;
}

int lg_snapshot_take(lg_scan_t *s) {
  size_t cap = lg_blocks_count();
  s->blk_bytes = (cap + 1) * sizeof(lg_blk_t);
  fill_t f = {lg_sys_map_populated(s->blk_bytes), 0, cap};
  if (!f.b) return -1;
  lg_blocks_each(copy_slot, &f);
  s->heap.blk = f.b;
  s->heap.n = f.n;
  if (lg_heap_sort(f.b, f.n) < 0 || lg_heap_build(&s->heap) < 0) return -1;
  /* A block outside readable memory (a free we never saw) is not read.
   * Blocks and maps are both sorted: one merge walk. */
  size_t m = 0;
  for (size_t i = 0; i < f.n; i++) {
    while (m < s->nmaps && s->maps[m].hi <= f.b[i].addr) m++;
    const lg_map_t *mp = m < s->nmaps && s->maps[m].lo <= f.b[i].addr ? &s->maps[m] : NULL;
    if (!mp || !mp->readable || f.b[i].addr + f.b[i].size > mp->hi) f.b[i].flags |= LG_BF_UNREADABLE;
  }
  return 0;
}

/* Gives graph.c the readable pieces of a module segment (the heuristic
 * reads vtables there); a piece the maps do not show ends the segment.
 * Out of memory, fewer vtables are recognised. */
static void add_segment(uintptr_t lo, uintptr_t hi, uint32_t flags, void *arg) {
  lg_scan_t *s = arg;
  while (lo < hi) {
    const lg_map_t *m = lg_maps_find(s->maps, s->nmaps, lo);
    if (!m) return;
    uintptr_t end = m->hi < hi ? m->hi : hi;
    if (m->readable) lg_heap_add_segment(&s->heap, lo, end, flags);
    lo = end;
  }
}

void lg_snapshot_heuristics(lg_scan_t *s) {
  s->heap.heur = s->opts->heuristics;
  if (s->heap.heur & LG_HEUR_BIT(LG_HEUR_MULTIPLEINHERITANCE)) lg_modules_each_segment(add_segment, s);
}
