/* collector/rcsolve.c — the refcount phase's algorithm (rcscan.h, passes 1
 * to 5) over a marked and analysed snapshot and an array of objects: pure
 * computation on memory the caller provides, so the unit tests drive it
 * with fake heaps and the scan (rcscan.c) with the real one. It reads the
 * program's memory (through the snapshot's blocks) and never writes it.
 * All memory comes from lg_sys_map. */
#include "rcscan.h"

#include <string.h>

#include "format.h"
#include "sys.h"

#define NONE 0xFFFFFFFFu
#define MULTI 0xFFFFFFFEu

/* ---- scratch memory --------------------------------------------------------- */
/* Arrays come from lg_sys_grab and go back by lg_sys_drop (sys.h). */

/* A growing array of u32 pairs. */
typedef struct pairs { uint32_t *v; size_t n, cap; } pairs_t;

/* Appends the pair (a, b), growing the array; 0 or -1 out of memory. */
static int pairs_push(pairs_t *p, uint32_t a, uint32_t b) {
  if (lg_sys_grow((void **)&p->v, &p->cap, p->n, 2 * sizeof *p->v, 4096) < 0) return -1;
  p->v[2 * p->n] = a;
  p->v[2 * p->n + 1] = b;
  p->n++;
  return 0;
}

/* Returns the root of x's set in the union-find forest p, halving paths. */
static uint32_t uf_find(uint32_t *p, uint32_t x) {
  while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
  return x;
}

/* Joins the sets of a and b. */
static void uf_union(uint32_t *p, uint32_t a, uint32_t b) {
  a = uf_find(p, a);
  b = uf_find(p, b);
  if (a != b) p[a] = b;
}

/* ---- objects ------------------------------------------------------------------ */

int lg_rcscan_add(lg_rcscan_t *rs, const lg_rcobj_t *o) {
  if (lg_sys_grow((void **)&rs->obj, &rs->cap, rs->n, sizeof *rs->obj, 1024) < 0) return -1;
  rs->obj[rs->n] = *o;
  rs->obj[rs->n].state = LG_RCS_OUT;
  rs->n++;
  return 0;
}

int lg_rcscan_reserve(lg_rcscan_t *rs, size_t n) {
  if (n <= rs->cap) return 0;
  lg_rcobj_t *nv = lg_sys_grab(n, sizeof *nv);
  if (!nv) return -1;
  if (rs->obj) memcpy(nv, rs->obj, rs->n * sizeof *nv);
  lg_sys_drop(rs->obj);
  rs->obj = nv;
  rs->cap = n;
  return 0;
}

/* Merges the sorted runs a[lo, mid) and a[mid, hi) into b[lo, hi). */
static void merge(const lg_rcobj_t *a, lg_rcobj_t *b, size_t lo, size_t mid, size_t hi) {
  size_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) b[k++] = a[j].addr < a[i].addr ? a[j++] : a[i++];
  while (i < mid) b[k++] = a[i++];
  while (j < hi) b[k++] = a[j++];
}

/* Sorts the objects by address. The table hands them out in hash order,
 * the heap walk — most of them, in a Python process — in address order,
 * after them: the sorted tail stays where it is, the head before it is
 * merge-sorted (in `tmp`), then merged with the tail in place (a write
 * never overtakes the tail's next unread object). */
static int sort_objects(lg_rcscan_t *rs) {
  size_t n = rs->n, t = n ? n - 1 : 0;
  while (t > 0 && rs->obj[t - 1].addr <= rs->obj[t].addr) t--;
  if (t == 0) return 0; /* sorted already */
  lg_rcobj_t *tmp = lg_sys_grab(n, sizeof *tmp), *o = rs->obj;
  if (!tmp) return -1;
  lg_rcobj_t *a = o, *b = tmp;
  for (size_t w = 1; w < t; w *= 2) {
    for (size_t lo = 0; lo < t; lo += 2 * w) merge(a, b, lo, lo + w < t ? lo + w : t, lo + 2 * w < t ? lo + 2 * w : t);
    lg_rcobj_t *x = a; a = b; b = x;
  }
  if (a == o) memcpy(tmp, o, t * sizeof *tmp);
  size_t i = 0, j = t, k = 0;
  while (i < t && j < n) o[k++] = o[j].addr < tmp[i].addr ? o[j++] : tmp[i++];
  while (i < t) o[k++] = tmp[i++];
  lg_sys_drop(tmp);
  return 0;
}

int lg_rcscan_dead(lg_rcscan_t *rs, const lg_heap_t *h, size_t b) {
  if (!rs->dead && !(rs->dead = lg_sys_grab(h->n + 1, 1))) return -1;
  rs->dead[b] = 1;
  return 0;
}

int lg_rcscan_place(lg_rcscan_t *rs, lg_heap_t *h) {
  if (sort_objects(rs) < 0) return -1;
  lg_sys_drop(rs->of_blk);
  rs->nblk = h->n;
  rs->of_blk = lg_sys_grab(h->n + 1, sizeof *rs->of_blk);
  if (!rs->of_blk) return -1;
  memset(rs->of_blk, 0xFF, (h->n + 1) * sizeof *rs->of_blk);
  for (size_t i = 0; i < rs->n; i++) {
    lg_rcobj_t *o = &rs->obj[i];
    const lg_blk_t *k = o->blk && o->blk < h->n ? &h->blk[o->blk] : NULL; /* a block the finder knew */
    long b = k && o->addr - k->addr < lg_blk_size(h, k) ? (long)o->blk : lg_heap_find(h, o->addr);
    o->state = LG_RCS_OUT;
    if (b < 0 || (h->blk[b].flags & LG_BF_UNREADABLE) || rs->of_blk[b] != NONE) continue;
    o->blk = (uint32_t)b;
    o->state = LG_RCS_LIVE;
    rs->of_blk[b] = (uint32_t)i;
    uintptr_t off = o->addr - h->blk[b].addr;
    if (off <= 0xFFFF) lg_heap_set_xoff(h, (size_t)b, (uint16_t)off);
  }
  return 0;
}

/* Reads the `width`-byte count at p (width 4 unsigned, else 8). */
LG_READS_ANY static uint64_t read_count(uintptr_t p, unsigned width) {
  if (width == 4) return *(const uint32_t *)p;
  return *(const uint64_t *)p;
}

void lg_rcscan_read_counts(lg_rcscan_t *rs, const lg_heap_t *h) {
  for (size_t i = 0; i < rs->n; i++) {
    lg_rcobj_t *o = &rs->obj[i];
    if (o->state == LG_RCS_OUT) continue;
    const lg_blk_t *b = &h->blk[o->blk];
    uintptr_t f = o->addr + (uintptr_t)(intptr_t)o->count_off;
    unsigned w = o->width == 4 ? 4 : 8;
    uint64_t c = f >= b->addr && f + w <= b->addr + lg_blk_size(h, b) && !(f & (w - 1)) ? read_count(f, w) : 0;
    if (c == 0 || c >= 0x80000000u) {
      o->state = LG_RCS_OUT;
      rs->of_blk[o->blk] = NONE;
      continue;
    }
    o->count = (uint32_t)c;
  }
}

/* ---- pass 1: ownership and pointer counts ------------------------------------ */

/* Is the word at p, inside object o's block, one its family names
 * non-owning? */
static inline int is_skipped(const lg_rcobj_t *o, uintptr_t p) {
  for (unsigned k = 0; o && k < o->nskip; k++)
    if (p == o->addr + (uintptr_t)(intptr_t)o->skip[k]) return 1;
  return 0;
}

/* Is the word at p, inside object o's block, outside the words that may
 * be its references (past the header of a Python object its collector
 * never traverses)? Such a word still holds an address for the
 * unbalanced test (pass 5). */
static inline int is_past_refs(const lg_rcobj_t *o, uintptr_t p) {
  return o && o->self_hi && p - o->addr >= o->self_hi;
}

/* The object whose exact address w is, or NONE. */
static inline uint32_t object_at(const lg_rcscan_t *rs, const lg_heap_t *h, uintptr_t w, long *blk) {
  long t = w - h->lo < h->span ? lg_heap_find(h, w) : -1;
  *blk = t;
  if (t < 0) return NONE;
  uint32_t k = rs->of_blk[t];
  return k != NONE && rs->obj[k].addr == w ? k : NONE;
}

typedef struct own {
  uint32_t *uf;     /* per block: union-find over plain blocks */
  uint32_t *owner;  /* per union-find root: owning object, NONE, MULTI */
  uint32_t *direct; /* per block: the one object pointing at it, NONE, MULTI */
  uint32_t *side;   /* per group root: the object whose side data it is (its non-owning
                       words point into it), NONE, MULTI */
  uint8_t *mute;    /* per group root: side data that holds no reference at all */
  pairs_t from_obj; /* (plain block, object) for pointers from objects' blocks */
  pairs_t to_lost;  /* (block, object) for exact pointers at objects in lost blocks */
} own_t;

/* The meet of two owners: NONE is no information, MULTI a conflict. */
static inline uint32_t meet(uint32_t a, uint32_t b) { return a == NONE || a == b ? b : b == NONE ? a : MULTI; }

/* Reads block b for pass 1. */
LG_READS_ANY static int own_block(lg_rcscan_t *rs, const lg_heap_t *h, own_t *w, uint32_t b) {
  const lg_blk_t *k = &h->blk[b];
  uint32_t ob = rs->of_blk[b];
  const lg_rcobj_t *o = ob != NONE ? &rs->obj[ob] : NULL;
  const uintptr_t *p = (const uintptr_t *)((k->addr + 7) & ~(uintptr_t)7);
  const uintptr_t *e = (const uintptr_t *)((k->addr + lg_blk_size(h, k)) & ~(uintptr_t)7);
  for (; p < e; p++) {
    if (*p - h->lo >= h->span || is_skipped(o, (uintptr_t)p)) continue;
    long t;
    uint32_t ot = object_at(rs, h, *p, &t);
    if (ot != NONE && h->blk[t].mark == LG_UNREACHED && pairs_push(&w->to_lost, b, ot) < 0) return -1;
    if (t < 0 || (uint32_t)t == b || rs->of_blk[t] != NONE || is_past_refs(o, (uintptr_t)p)) continue;
    if (ob == NONE) uf_union(w->uf, b, (uint32_t)t);
    else if (pairs_push(&w->from_obj, (uint32_t)t, ob) < 0) return -1;
  }
  return 0;
}

/* Notes, per group of plain blocks, the object whose non-owning words
 * point into it: its side data (a GObject's qdata with the records of its
 * weak references, a mini object's parents), where a pointer back at the
 * object is no reference to it, and where, for some families, no pointer
 * is a reference at all (`mute`). */
LG_READS_ANY static void side_groups(const lg_rcscan_t *rs, const lg_heap_t *h, own_t *w) {
  for (uint32_t i = 0; i < rs->n; i++) {
    const lg_rcobj_t *o = &rs->obj[i];
    for (unsigned k = 0; o->state != LG_RCS_OUT && k < o->nskip; k++) {
      uintptr_t at = o->addr + (uintptr_t)(intptr_t)o->skip[k];
      const lg_blk_t *b = &h->blk[o->blk];
      if (at < b->addr || at + 8 > b->addr + lg_blk_size(h, b) || (at & 7)) continue;
      uintptr_t v = *(const uintptr_t *)at;
      long t = v - h->lo < h->span ? lg_heap_find(h, v) : -1;
      if (t < 0 || rs->of_blk[t] != NONE) continue;
      uint32_t r = uf_find(w->uf, (uint32_t)t);
      w->side[r] = meet(w->side[r], i);
      w->mute[r] |= (o->side_mute >> k) & 1;
    }
  }
}

/* Counts, per object in a lost block, the words that hold its address,
 * but for those in its own side data and in side data holding no
 * references. */
static void count_pointers(lg_rcscan_t *rs, own_t *w) {
  for (size_t k = 0; k < w->to_lost.n; k++) {
    uint32_t b = w->to_lost.v[2 * k], o = w->to_lost.v[2 * k + 1];
    uint32_t r = rs->of_blk[b] == NONE ? uf_find(w->uf, b) : NONE;
    if (r == NONE || (!w->mute[r] && w->side[r] != o)) rs->obj[o].ext--;
  }
}

/* Pass 1, then the owner of each group of plain blocks. */
static int ownership(lg_rcscan_t *rs, const lg_heap_t *h, own_t *w) {
  int groups = 0; /* only objects of other families than Python's own groups */
  for (size_t i = 0; i < rs->n; i++) {
    rs->obj[i].ext = (int32_t)rs->obj[i].count;
    groups |= rs->obj[i].state != LG_RCS_OUT && rs->obj[i].family != LG_RC_PYTHON;
  }
  for (uint32_t b = 0; b < h->n; b++) { w->uf[b] = b; w->owner[b] = w->direct[b] = w->side[b] = NONE; }
  for (uint32_t b = 0; b < h->n; b++) {
    const lg_blk_t *k = &h->blk[b];
    /* A plain block matters for the groups, or when lost (only lost blocks
     * point at a lost object): the others need no reading. */
    int needed = rs->of_blk[b] != NONE || groups || k->mark == LG_UNREACHED;
    if (needed && !(k->flags & LG_BF_UNREADABLE) && !(rs->dead && rs->dead[b]) && own_block(rs, h, w, b) < 0)
      return -1;
  }
  for (size_t k = 0; k < w->from_obj.n; k++) {
    uint32_t t = w->from_obj.v[2 * k], o = w->from_obj.v[2 * k + 1], r = uf_find(w->uf, t);
    w->owner[r] = meet(w->owner[r], o);
    w->direct[t] = meet(w->direct[t], o);
  }
  for (uint32_t b = 0; b < h->n; b++) /* a root's pointer into a group: nobody's */
    if (rs->of_blk[b] == NONE && (h->blk[b].flags & LG_BF_ROOTED)) w->owner[uf_find(w->uf, b)] = MULTI;
  side_groups(rs, h, w);
  count_pointers(rs, w);
  return 0;
}

/* The owner of plain block b: its only object source when that is a
 * Python object, else its group's owner unless that is one. */
static uint32_t owner_of(const lg_rcscan_t *rs, const own_t *w, uint32_t b) {
  uint32_t d = w->direct[b], g = w->owner[uf_find(w->uf, b)];
  if (d < MULTI && rs->obj[d].family == LG_RC_PYTHON) return d;
  return g < MULTI && rs->obj[g].family != LG_RC_PYTHON ? g : NONE;
}

/* The plain blocks each object owns: obj i owns list[ostart[i] ..
 * ostart[i+1]). */
static int owned_lists(const lg_rcscan_t *rs, const lg_heap_t *h, own_t *w, uint32_t **ostart,
                       uint32_t **list) {
  *ostart = lg_sys_grab(rs->n + 1, sizeof **ostart);
  uint32_t *fill = lg_sys_grab(rs->n + 1, sizeof *fill), *by = lg_sys_grab(h->n + 1, sizeof *by);
  if (!*ostart || !fill || !by) { lg_sys_drop(fill); lg_sys_drop(by); return -1; }
  size_t total = 0;
  for (uint32_t b = 0; b < h->n; b++) {
    uint32_t o = rs->of_blk[b] == NONE && !(rs->dead && rs->dead[b]) ? owner_of(rs, w, b) : NONE;
    by[b] = o < MULTI && rs->obj[o].state != LG_RCS_OUT ? o : NONE;
    if (by[b] != NONE) { (*ostart)[o + 1]++; total++; }
  }
  for (size_t i = 0; i < rs->n; i++) (*ostart)[i + 1] += (*ostart)[i];
  *list = lg_sys_grab(total + 1, sizeof **list);
  if (*list) {
    memcpy(fill, *ostart, (rs->n + 1) * sizeof *fill);
    for (uint32_t b = 0; b < h->n; b++)
      if (by[b] != NONE) (*list)[fill[by[b]]++] = b;
  }
  lg_sys_drop(fill);
  lg_sys_drop(by);
  return *list ? 0 : -1;
}

/* ---- pass 2: subtraction --------------------------------------------------------- */

/* Reads block b, object o's own block (skipping its non-owning words) or
 * one it owns: every word holding an object's exact address is a counted
 * reference from o. A word of a Python object's own block that holds its
 * own address is none: CPython keeps such words borrowed (an
 * lru_cache's empty list, whose root links, inside the cache, point at
 * it); a list that holds itself does so from its item array. */
LG_READS_ANY static int refs_of_block(lg_rcscan_t *rs, const lg_heap_t *h, uint32_t o, uint32_t b, pairs_t *e) {
  const lg_blk_t *k = &h->blk[b];
  const lg_rcobj_t *self = rs->of_blk[b] == o ? &rs->obj[o] : NULL, *ob = &rs->obj[o];
  uintptr_t lo = k->addr, hi = k->addr + lg_blk_size(h, k), stride = 0;
  if (!self && ob->only_lo && ob->only_lo - lo < hi - lo) {
    lo = ob->only_lo;
    hi = ob->only_hi < hi ? ob->only_hi : hi;
    stride = ob->only_stride;
  }
  const uintptr_t *p = (const uintptr_t *)((lo + 7) & ~(uintptr_t)7);
  const uintptr_t *end = (const uintptr_t *)(hi & ~(uintptr_t)7);
  for (; p < end; p++) {
    if (*p - h->lo >= h->span || is_skipped(self, (uintptr_t)p) || is_past_refs(self, (uintptr_t)p)) continue;
    if (stride && ((uintptr_t)p - lo) % stride == 0) continue;
    long t;
    uint32_t to = object_at(rs, h, *p, &t);
    if (to == NONE || (self && to == o && self->family == LG_RC_PYTHON)) continue;
    rs->obj[to].gc--;
    if (pairs_push(e, o, to) < 0) return -1;
  }
  return 0;
}

static int subtract(lg_rcscan_t *rs, const lg_heap_t *h, const uint32_t *ostart, const uint32_t *list,
                    pairs_t *e) {
  for (size_t i = 0; i < rs->n; i++) rs->obj[i].gc = (int32_t)rs->obj[i].count;
  for (uint32_t i = 0; i < rs->n; i++) {
    if (rs->obj[i].state == LG_RCS_OUT) continue;
    if (refs_of_block(rs, h, i, rs->obj[i].blk, e) < 0) return -1;
    for (uint32_t k = ostart[i]; k < ostart[i + 1]; k++)
      if (refs_of_block(rs, h, i, list[k], e) < 0) return -1;
  }
  return 0;
}

/* Turns the (from, to) pairs into rs->start / rs->to (a target named
 * twice by one source appears twice). */
static int edges_by_source(lg_rcscan_t *rs, const pairs_t *e) {
  rs->start = lg_sys_grab(rs->n + 1, sizeof *rs->start);
  rs->to = lg_sys_grab(e->n + 1, sizeof *rs->to);
  uint32_t *fill = lg_sys_grab(rs->n + 1, sizeof *fill);
  if (!rs->start || !rs->to || !fill) { lg_sys_drop(fill); return -1; }
  for (size_t k = 0; k < e->n; k++) rs->start[e->v[2 * k] + 1]++;
  for (size_t i = 0; i < rs->n; i++) rs->start[i + 1] += rs->start[i];
  memcpy(fill, rs->start, (rs->n + 1) * sizeof *fill);
  for (size_t k = 0; k < e->n; k++) rs->to[fill[e->v[2 * k]]++] = e->v[2 * k + 1];
  rs->nedges = e->n;
  lg_sys_drop(fill);
  return 0;
}

/* ---- passes 3 to 5: marking and verdicts -------------------------------------------- */

/* Is object o a starting point of the marking: held from outside, named
 * by a root word, or in an ignored block? A Python object is held only by
 * its count, as CPython's own collector has it: the interpreter keeps
 * borrowed pointers in its roots (its type cache, a popped frame's stale
 * slots) and every owned one is in the counts. */
static int is_seed(const lg_rcobj_t *o, const lg_heap_t *h) {
  const lg_blk_t *b = &h->blk[o->blk];
  int rooted = (b->flags & LG_BF_ROOT_OBJ) && o->family != LG_RC_PYTHON;
  return o->gc > 0 || rooted || (b->flags & LG_BF_IGNORED);
}

/* Pass 3: marks the reached objects (reached[i] = 1); breadth first with
 * an explicit queue. */
static int mark(const lg_rcscan_t *rs, const lg_heap_t *h, uint8_t *reached) {
  uint32_t *queue = lg_sys_grab(rs->n + 1, sizeof *queue);
  if (!queue) return -1;
  size_t head = 0, tail = 0;
  for (uint32_t i = 0; i < rs->n; i++)
    if (rs->obj[i].state != LG_RCS_OUT && is_seed(&rs->obj[i], h)) { reached[i] = 1; queue[tail++] = i; }
  while (head < tail) {
    uint32_t i = queue[head++];
    for (uint32_t k = rs->start[i]; k < rs->start[i + 1]; k++)
      if (!reached[rs->to[k]]) { reached[rs->to[k]] = 1; queue[tail++] = rs->to[k]; }
  }
  lg_sys_drop(queue);
  return 0;
}

/* Passes 4 and 5: each analysed object's state. */
static void verdicts(lg_rcscan_t *rs, const lg_heap_t *h, const uint8_t *reached) {
  for (uint32_t i = 0; i < rs->n; i++) {
    lg_rcobj_t *o = &rs->obj[i];
    if (o->state == LG_RCS_OUT) continue;
    if (!reached[i]) o->state = LG_RCS_GARBAGE, rs->ngarbage++;
    else if (h->blk[o->blk].mark == LG_UNREACHED && o->ext > 0) o->state = LG_RCS_UNBALANCED, rs->nunbalanced++;
    else o->state = LG_RCS_LIVE, rs->nlive++;
  }
}

/* Groups the garbage objects by their references: gstart / member. */
static int group_garbage(lg_rcscan_t *rs) {
  uint32_t *uf = lg_sys_grab(rs->n + 1, sizeof *uf), *gid = lg_sys_grab(rs->n + 1, sizeof *gid);
  uint32_t *fill = lg_sys_grab(rs->n + 1, sizeof *fill);
  rs->member = lg_sys_grab(rs->ngarbage + 1, sizeof *rs->member);
  if (!uf || !gid || !fill || !rs->member) { lg_sys_drop(uf); lg_sys_drop(gid); lg_sys_drop(fill); return -1; }
  for (uint32_t i = 0; i < rs->n; i++) uf[i] = i;
  for (uint32_t i = 0; i < rs->n; i++)
    for (uint32_t k = rs->start[i]; k < rs->start[i + 1] && rs->obj[i].state == LG_RCS_GARBAGE; k++)
      if (rs->obj[rs->to[k]].state == LG_RCS_GARBAGE) uf_union(uf, i, rs->to[k]);
  memset(gid, 0xFF, (rs->n + 1) * sizeof *gid);
  for (uint32_t i = 0; i < rs->n; i++) /* number the groups, then each object's group */
    if (rs->obj[i].state == LG_RCS_GARBAGE && gid[uf_find(uf, i)] == NONE) gid[uf_find(uf, i)] = (uint32_t)rs->ngroups++;
  for (uint32_t i = 0; i < rs->n; i++)
    fill[i] = rs->obj[i].state == LG_RCS_GARBAGE ? gid[uf_find(uf, i)] : NONE;
  rs->gstart = lg_sys_grab(rs->ngroups + 1, sizeof *rs->gstart);
  if (!rs->gstart) { lg_sys_drop(uf); lg_sys_drop(gid); lg_sys_drop(fill); return -1; }
  for (uint32_t i = 0; i < rs->n; i++)
    if (fill[i] != NONE) rs->gstart[fill[i] + 1]++;
  for (size_t g = 0; g < rs->ngroups; g++) rs->gstart[g + 1] += rs->gstart[g];
  memcpy(gid, rs->gstart, (rs->ngroups + 1) * sizeof *gid); /* gid: next free slot per group */
  for (uint32_t i = 0; i < rs->n; i++)
    if (fill[i] != NONE) rs->member[gid[fill[i]]++] = i;
  lg_sys_drop(uf);
  lg_sys_drop(gid);
  lg_sys_drop(fill);
  return 0;
}

/* ---- the whole --------------------------------------------------------------------- */

/* Forgets the results of an earlier solve. */
static void drop_results(lg_rcscan_t *rs) {
  lg_sys_drop(rs->start); lg_sys_drop(rs->to); lg_sys_drop(rs->gstart); lg_sys_drop(rs->member);
  rs->start = rs->to = rs->gstart = rs->member = NULL;
  rs->nedges = rs->ngroups = rs->ngarbage = rs->nunbalanced = rs->nlive = 0;
}

int lg_rcscan_solve(lg_rcscan_t *rs, const lg_heap_t *h) {
  drop_results(rs);
  own_t w = {lg_sys_grab(h->n + 1, sizeof(uint32_t)), lg_sys_grab(h->n + 1, sizeof(uint32_t)), lg_sys_grab(h->n + 1, sizeof(uint32_t)),
             lg_sys_grab(h->n + 1, sizeof(uint32_t)), lg_sys_grab(h->n + 1, 1), {0}, {0}};
  pairs_t e = {0};
  uint32_t *ostart = NULL, *list = NULL;
  uint8_t *reached = lg_sys_grab(rs->n + 1, 1);
  int rc = -1;
  if (w.uf && w.owner && w.direct && w.side && w.mute && reached && ownership(rs, h, &w) == 0 && owned_lists(rs, h, &w, &ostart, &list) == 0 &&
      subtract(rs, h, ostart, list, &e) == 0 && edges_by_source(rs, &e) == 0 && mark(rs, h, reached) == 0) {
    verdicts(rs, h, reached);
    rc = group_garbage(rs);
  }
  lg_sys_drop(w.uf); lg_sys_drop(w.owner); lg_sys_drop(w.direct); lg_sys_drop(w.side); lg_sys_drop(w.mute); lg_sys_drop(w.from_obj.v); lg_sys_drop(w.to_lost.v); lg_sys_drop(e.v); lg_sys_drop(ostart); lg_sys_drop(list); lg_sys_drop(reached);
  if (rc < 0) {
    drop_results(rs);
    for (size_t i = 0; i < rs->n; i++) if (rs->obj[i].state != LG_RCS_OUT) rs->obj[i].state = LG_RCS_LIVE;
  }
  return rc;
}

void lg_rcscan_free(lg_rcscan_t *rs) {
  drop_results(rs);
  lg_sys_drop(rs->obj);
  lg_sys_drop(rs->of_blk);
  lg_sys_drop(rs->dead);
  memset(rs, 0, sizeof *rs);
}
