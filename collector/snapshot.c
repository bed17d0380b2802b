/* collector/snapshot.c — the snapshot phase (snapshot.h): the scan's copy
 * of the block table. It runs in the snapshot child or in process with the
 * world stopped: memory from mmap (lg_sys_map), never from malloc. */
#include "snapshot.h"

#include <string.h>

#include "blocks.h"
#include "born.h"
#include "format.h"
#include "graph.h"
#include "history.h"
#include "maps.h"
#include "modules.h"
#include "refcount.h"
#include "stacks.h"
#include "sys.h"

typedef struct fill {
  lg_blk_t *b;
  size_t n, cap;
  int young;            /* copy the young blocks only, count the others */
  lg_site_gen_t *sites;
  uint32_t nsites;
  /* A young scan: the previous lost list, hashed by address (index + 1;
   * 0 empty), to tell which of its blocks still live. */
  const lg_seen_t *prev;
  uint32_t *hash;
  size_t mask;
  uint8_t *live;
  lg_heap_plan_t *plan; /* a full scan: each block straight into its bucket */
  lg_heap_t *heap;      /* takes the big blocks' sizes (lg_heap_set_size) */
  uint32_t min_age;     /* a young scan: judge again the lost blocks of a shorter streak */
} fill_t;

static size_t hash_of(uintptr_t a, size_t mask) { return (size_t)((a >> 4) * 0x9E3779B97F4A7C15ull >> 20) & mask; }

/* Hashes the previous scan's lost list (a young scan); out of memory, no
 * entry counts as live (none is carried forward). */
static void hash_prev(lg_scan_t *s, fill_t *f) {
  size_t n;
  f->prev = lg_history_prev_list(&n);
  if (!n) return;
  size_t cap = 64;
  while (cap < 2 * n) cap *= 2;
  s->prev_live_bytes = ((n + 7) & ~(size_t)7) + cap * sizeof(uint32_t);
  uint8_t *mem = lg_sys_map(s->prev_live_bytes);
  if (!mem) return;
  s->prev_live = f->live = mem;
  f->hash = (uint32_t *)(mem + ((n + 7) & ~(size_t)7));
  f->mask = cap - 1;
  for (size_t k = 0; k < n; k++) {
    size_t j = hash_of(f->prev[k].addr, f->mask);
    while (f->hash[j]) j = (j + 1) & f->mask;
    f->hash[j] = (uint32_t)k + 1;
  }
}

/* The index + 1 of the previous lost entry at addr, or 0. */
static size_t prev_entry(const fill_t *f, uintptr_t addr) {
  if (!f->hash) return 0;
  for (size_t j = hash_of(addr, f->mask); f->hash[j]; j = (j + 1) & f->mask)
    if (f->prev[f->hash[j] - 1].addr == addr) return f->hash[j];
  return 0;
}

/* Does a young scan judge the older block whose previous lost entry is
 * k (index + 1; 0: none) again? Yes when the previous scan found it lost
 * with a streak still below min_age (young.h argues why that is exact);
 * it then goes into the copy as a young block does, with its generation,
 * and is neither counted by site as an older block nor carried forward. */
static int judge_again(const fill_t *f, size_t k) { return k && f->prev[k - 1].streak < f->min_age; }

/* The streak below which a young scan judges a lost block again: min_age
 * for a periodic scan, 0 (none) when the program has refcounted objects
 * (CPython's, the object table's): a full scan's refcount phase then
 * judges those blocks too (rcscan.h: a pointer to an object inside its
 * block is a pointer to the block), a young scan has none, and would find
 * lost, again and again, objects a full scan finds reachable. Such a
 * program's leaks wait for the next full scan, as before. */
static uint32_t judge_again_age(const lg_scan_t *s) {
  if (s->kind != LG_SCAN_PERIODIC || s->min_age <= 0 || lg_rc_count() || lg_rc_python_type()) return 0;
  return (uint32_t)s->min_age;
}

/* Does the previous lost list hold a block a young scan would judge
 * again? (The born lists then cannot stand for the walk: they name no
 * older block.) */
static int any_to_judge_again(const fill_t *f) {
  size_t n;
  lg_history_prev_list(&n);
  for (size_t k = 0; f->hash && k < n; k++)
    if (f->prev[k].streak < f->min_age) return 1;
  return 0;
}

int lg_snapshot_from_loader(uint32_t id) {
  uint32_t fl = lg_stacks_flags(id);
  if (!(fl & LG_STACK_CHECKED)) {
    uintptr_t inner;
    int n = lg_stacks_frames(id, &inner, 1);
    if (n < 0) return 0;
    fl = LG_STACK_CHECKED | (n > 0 && lg_modules_in_loader(inner) ? LG_STACK_LOADER : 0);
    lg_stacks_set_flags(id, fl);
  }
  return (fl & LG_STACK_LOADER) != 0;
}

/* A young scan's older block: counted by site, not copied; k is its
 * previous lost entry (index + 1; 0: none). */
static void count_old(fill_t *f, const lg_slot_t *sl, unsigned gen, size_t k) {
  uint32_t st = lg_slot_stack(sl);
  if (k) f->live[k - 1] = 1; /* its previous lost entry, if any, lives */
  if (!f->sites || st >= f->nsites) return;
  f->sites[st].blocks[gen > 2 ? 2 : gen]++;
  f->sites[st].bytes[gen > 2 ? 2 : gen] +=
      sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)lg_slot_addr(sl)) : sl->size;
}

/* Doubles the copy's room: the table's count is kept on the side and can
 * be short by the blocks of threads stopped in the middle of a removal. */
static int fill_grow(fill_t *f) {
  lg_blk_t *b = lg_sys_remap(f->b, (f->cap + 1) * sizeof *b, (2 * f->cap + 1) * sizeof *b);
  if (!b) return -1;
  f->b = b;
  f->cap *= 2;
  return 0;
}

static void copy_slot(lg_slot_t *sl, void *arg) {
  fill_t *f = arg;
  unsigned gen = (unsigned)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  if (f->young && gen) {
    size_t k = prev_entry(f, lg_slot_addr(sl));
    if (!judge_again(f, k)) { count_old(f, sl, gen, k); return; }
  }
  if (f->n == f->cap && fill_grow(f) < 0) return;
  lg_blk_t *b = &f->b[f->plan ? lg_heap_plan_slot(f->plan, f->b, lg_slot_addr(sl)) : f->n];
  f->n++;
  uint32_t stack = lg_slot_stack(sl);
  b->addr = lg_slot_addr(sl);
  lg_heap_set_size(f->heap, b,
                   sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)b->addr) : sl->size);
  b->stack = stack < LG_BLK_STACKS ? stack : 0;
  b->mark = LG_UNREACHED;
  b->flags = (sl->key & LG_BLK_IGNORED) || lg_snapshot_from_loader(stack) ? LG_BF_IGNORED : 0;
  b->gen = gen & 3;
}

/* ---- a young scan from the born lists (born.h) -------------------------------- */

/* A new record's generation-0 entry: copied like a walk's. */
static void take_new(lg_slot_t *sl, void *arg) { copy_slot(sl, arg); }

/* A gone record: the block is no longer among the older ones of its site,
 * and an entry of the previous lost list at its address no longer lives. */
static void take_gone(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg) {
  fill_t *f = arg;
  if (f->hash)
    for (size_t j = hash_of(addr, f->mask); f->hash[j]; j = (j + 1) & f->mask)
      if (f->prev[f->hash[j] - 1].addr == addr) { f->live[f->hash[j] - 1] = 0; break; }
  lg_born_sites_gone(f->sites, f->nsites, stack, size, gen);
}

/* Fills a young scan's copy from the lists: the young blocks, and the
 * older ones' counts. Every entry of the previous lost list lived at the
 * previous snapshot; it still lives unless a gone record names it.
 * Returns 1, or 0 when the lists cannot stand for a walk. */
static int fill_from_lists(lg_scan_t *s, fill_t *f) {
  s->young_why = f->sites ? lg_born_why() : LG_BORN_OFF;
  if (s->young_why == LG_BORN_WHOLE && any_to_judge_again(f)) s->young_why = LG_BORN_AGAIN;
  if (s->young_why != LG_BORN_WHOLE) return 0;
  size_t n;
  lg_history_prev_list(&n);
  if (f->live) memset(f->live, 1, n);
  lg_born_sites_aged(f->sites, f->nsites);
  lg_born_each(take_new, take_gone, f);
  s->young_from_lists = 1;
  return 1;
}

#define PLAN_MIN_BLOCKS (1u << 18) /* the sort's own threshold for a big heap (graph.c) */

static void plan_note(lg_slot_t *sl, void *arg) { lg_heap_plan_note(arg, lg_slot_addr(sl)); }
static void plan_count(lg_slot_t *sl, void *arg) { lg_heap_plan_count(arg, lg_slot_addr(sl)); }

/* A full scan's copy, sorted as it is made (lg_heap_plan_t, graph.h): a
 * walk of the table for the addresses' range and first digits (a second
 * one for the digits when the first's side counts cannot give them), then
 * the copy into the records of f->cap (enough room: the walks counted
 * every block). Returns 0, or -1 out of memory. */
static int fill_sorted(fill_t *f) {
  lg_heap_plan_t plan;
  memset(&plan, 0, sizeof plan);
  lg_blocks_each(plan_note, &plan);
  if (plan.n > f->cap) {
    lg_blk_t *b = lg_sys_remap(f->b, (f->cap + 1) * sizeof *b, (plan.n + 1) * sizeof *b);
    if (!b) return -1;
    f->b = b;
    f->cap = plan.n;
  }
  if (lg_heap_plan_digits(&plan) < 0) return -1;
  if (!lg_heap_plan_binned(&plan)) lg_blocks_each(plan_count, &plan);
  lg_heap_plan_place(&plan);
  f->plan = &plan;
  lg_blocks_each(copy_slot, f);
  f->plan = NULL;
  return lg_heap_plan_sort(&plan, f->b);
}

/* Keeps one entry per address in the sorted copy. An address is in two
 * parts of the table only for a moment (a realloc in place of another
 * thread's block) or after a free the shim never saw: either entry is
 * the block; one is kept. */
static size_t drop_duplicates(lg_blk_t *b, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k && b[k - 1].addr == b[i].addr) { b[k - 1] = b[i]; continue; }
    b[k++] = b[i];
  }
  return k;
}

int lg_snapshot_take(lg_scan_t *s) {
  size_t cap = lg_blocks_count();
  cap += cap / 64 + 1024;
  size_t bytes = (cap + 1) * sizeof(lg_blk_t);
  /* A young scan copies few blocks: only the pages it fills are touched. */
  fill_t f = {s->young ? lg_sys_map(bytes) : lg_sys_map_populated(bytes), 0, cap, s->young, NULL, 0,
              NULL, NULL, 0, NULL, NULL, &s->heap, 0};
  if (!f.b) return -1;
  if (s->young) {
    f.nsites = lg_stacks_count() + 1;
    s->old_sites_bytes = (size_t)f.nsites * sizeof(lg_site_gen_t);
    if (!(f.sites = lg_sys_map(s->old_sites_bytes))) return -1;
    s->old_sites = f.sites;
    s->nold_sites = f.nsites;
    f.min_age = judge_again_age(s);
    hash_prev(s, &f);
  }
  /* Sorting while copying costs two more walks of the table: worth it for
   * a big heap (the sort's first levels then move every record out of
   * cache), not for a small one or a table left big by a heap gone. */
  int sorted = !s->young && lg_blocks_count() >= PLAN_MIN_BLOCKS && fill_sorted(&f) == 0;
  if (!sorted && !s->young) f.n = 0; /* out of memory: the plain copy, then the sort */
  if (!sorted && (!s->young || !fill_from_lists(s, &f))) lg_blocks_each(copy_slot, &f);
  s->heap.blk = f.b;
  s->blk_bytes = (f.cap + 1) * sizeof(lg_blk_t);
  if (!sorted && lg_heap_sort(f.b, f.n) < 0) return -1;
  s->heap.n = f.n = drop_duplicates(f.b, f.n);
  if (lg_heap_build(&s->heap) < 0) return -1;
  /* A block outside readable memory (a free we never saw) is not read.
   * Blocks and maps are both sorted: one merge walk. A block may span
   * mappings that touch (the brk heap grown past a VMA the kernel will not
   * merge with, as one registered for written-page tracking). */
  lg_maps_cursor_t run = {0, 0, 0};
  for (size_t i = 0; i < f.n; i++)
    if (!lg_maps_readable(s->maps, s->nmaps, f.b[i].addr, lg_blk_size(&s->heap, &f.b[i]), &run))
      f.b[i].flags |= LG_BF_UNREADABLE;
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
