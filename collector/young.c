/* collector/young.c — the young scan's remembered set and sweep (see
 * young.h). */
#include "young.h"

#include <unistd.h>

#include "format.h"
#include "graph.h"
#include "maps.h"
#include "rset.h"
#include "sys.h"

#define PAGE 4096u

typedef struct walk {
  lg_scan_t *s;
  lg_resid_t res;
  const lg_rset_run_t *clean;
  size_t nclean, ic;
  size_t ib;            /* next young block that may lie ahead */
  uintptr_t ulo, uspan; /* sweep: the unreached blocks' span */
  uint64_t words;
} walk_t;

/* Lowers *end to where the next young block starts, and returns where to
 * jump past the one pos lies in (0 when none). */
static uintptr_t clip_young(walk_t *w, uintptr_t pos, uintptr_t *end) {
  const lg_heap_t *h = &w->s->heap;
  while (w->ib < h->n && h->blk[w->ib].addr + (h->blk[w->ib].size ? lg_blk_size(h, &h->blk[w->ib]) : 1) <= pos) w->ib++;
  if (w->ib == h->n) return 0;
  const lg_blk_t *b = &h->blk[w->ib];
  if (b->addr <= pos) return b->addr + (b->size ? lg_blk_size(h, b) : 1);
  if (b->addr < *end) *end = b->addr;
  return 0;
}

/* Lowers *end to where the clean run pos lies in ends, or to where the
 * next one starts, and says whether pos is clean. */
static int clip_clean(walk_t *w, uintptr_t pos, uintptr_t *end) {
  while (w->ic < w->nclean && w->clean[w->ic].hi <= pos) w->ic++;
  if (w->ic == w->nclean) return 0;
  const lg_rset_run_t *c = &w->clean[w->ic];
  if (c->lo <= pos) { if (c->hi < *end) *end = c->hi; return 1; }
  if (c->lo < *end) *end = c->lo;
  return 0;
}

/* Sweep: marks from the words of [lo, hi) that point into the span of
 * the unreached young blocks. */
LG_READS_ANY static void sweep_words(walk_t *w, uintptr_t lo, uintptr_t hi) {
  lg_heap_t *h = &w->s->heap;
  for (const uintptr_t *p = (const uintptr_t *)lo; (uintptr_t)p + 8 <= hi; p++) {
    if (*p - w->ulo < w->uspan) lg_mark_range(h, (uintptr_t)p, (uintptr_t)p + 8);
  }
  w->words += (hi - lo) / 8;
}

/* Reads [pos, end) of a run that is wanted, leaving out the young blocks
 * (they are read when reached). */
LG_READS_ANY static void read_run(walk_t *w, uintptr_t pos, uintptr_t end, int want_clean) {
  while (pos < end) {
    uintptr_t stop = end, jump;
    if ((jump = clip_young(w, pos, &stop))) { pos = jump; continue; }
    if (want_clean) sweep_words(w, pos, stop);
    else { lg_mark_range(&w->s->heap, pos, stop); w->words += (stop - pos) / 8; }
    pos = stop;
  }
}

/* Walks the resident pages of heap mapping m and reads what is dirty
 * (want_clean 0) or clean (want_clean 1), a run at a time. The malloc heap
 * holds no memory of the shim's (it maps its own); a mapping that starts
 * with the shim's header (lg_rset_heap took it for a piece of an arena
 * heap) is left out. */
LG_READS_ANY static void walk_mapping(walk_t *w, const lg_map_t *m, uintptr_t lo, uintptr_t hi, int want_clean) {
  uintptr_t pos = lo, a, b;
  if (lg_resid_page(&w->res, m, lo) && lg_sys_own_mapping((const void *)lo)) return;
  while (pos < hi && lg_resid_next(&w->res, m, pos, hi, &a, &b)) {
    for (pos = a; pos < b;) {
      uintptr_t run_end = b;
      int is_clean = clip_clean(w, pos, &run_end);
      if (is_clean == want_clean) read_run(w, pos, run_end, want_clean);
      pos = run_end;
    }
  }
}

/* Walks the remembered set of the scan: every heap mapping, and the
 * chunks of one block each inside the other mappings (rset.h). */
static void walk_all(walk_t *w, int want_clean) {
  const lg_scan_t *s = w->s;
  size_t nch, c = 0;
  const lg_rset_run_t *ch = lg_rset_chunks(&nch);
  w->clean = lg_rset_clean(&w->nclean);
  for (size_t i = 0; i < s->nmaps; i++) {
    const lg_map_t *m = &s->maps[i];
    w->ic = w->ib = 0;
    if (lg_rset_heap(s->maps, s->nmaps, i)) { walk_mapping(w, m, m->lo, m->hi, want_clean); continue; }
    for (; c < nch && ch[c].lo < m->hi; c++)
      if (ch[c].lo >= m->lo && ch[c].hi <= m->hi) walk_mapping(w, m, ch[c].lo, ch[c].hi, want_clean);
  }
}

uintptr_t lg_young_roots_skip(const lg_scan_t *s, uintptr_t pos, uintptr_t *end) {
  size_t n, a = 0, b;
  if (!s->young) return 0;
  const lg_rset_run_t *ch = lg_rset_chunks(&n);
  for (b = n; a < b;) { /* the first chunk that ends above pos */
    size_t mid = (a + b) / 2;
    if (ch[mid].hi <= pos) a = mid + 1;
    else b = mid;
  }
  if (a == n) return 0;
  if (ch[a].lo <= pos) return ch[a].hi;
  if (ch[a].lo < *end) *end = ch[a].lo;
  return 0;
}

void lg_young_mark_remembered(lg_scan_t *s) {
  walk_t w = {.s = s};
  if (lg_resid_open(&w.res, LG_RESID_AUTO, getpid() != s->traced) < 0) {
    s->young_fallback = 1; /* cannot tell what is resident: judge nothing */
    return;
  }
  lg_mark_root_kind(&s->heap, LG_ROOT_MAPPING, 0);
  walk_all(&w, 0);
  lg_mark_finish(&s->heap);
  s->young_words = w.words;
  lg_resid_close(&w.res);
}

void lg_young_mark_written(lg_scan_t *s, uintptr_t lo, uintptr_t hi) {
  const lg_heap_t *h = &s->heap;
  walk_t w = {.s = s};
  size_t a = 0, b = h->n;
  while (a < b) { /* the first young block that ends above lo */
    size_t mid = a + (b - a) / 2;
    if (h->blk[mid].addr + (h->blk[mid].size ? lg_blk_size(h, &h->blk[mid]) : 1) <= lo) a = mid + 1;
    else b = mid;
  }
  w.ib = a;
  read_run(&w, lo, hi, 0);
  s->young_words += w.words;
}

uint64_t lg_young_sweep(lg_scan_t *s) {
  lg_heap_t *h = &s->heap;
  uintptr_t lo = UINTPTR_MAX, hi = 0;
  for (size_t i = 0; i < h->n; i++) {
    const lg_blk_t *b = &h->blk[i];
    if (b->mark == LG_REACHABLE || b->gen) continue; /* an older block judged again needs no sweep (young.h) */
    if (b->addr < lo) lo = b->addr;
    if (b->addr + lg_blk_size(h, b) > hi) hi = b->addr + (b->size ? lg_blk_size(h, b) : 1);
  }
  if (lo >= hi) return 0;
  walk_t w = {.s = s, .ulo = lo, .uspan = hi - lo};
  if (lg_resid_open(&w.res, LG_RESID_AUTO, getpid() != s->traced) < 0) {
    s->young_fallback = 1;
    return 0;
  }
  lg_mark_root_kind(&s->heap, LG_ROOT_MAPPING, 0);
  walk_all(&w, 1);
  lg_mark_finish(&s->heap);
  lg_resid_close(&w.res);
  return w.words ? w.words : 1;
}
