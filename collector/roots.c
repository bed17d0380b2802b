/* collector/roots.c — the roots phase of a scan (see roots.h for what is
 * and is not a root): module data, registered regions, the threads, the
 * program's own mappings, ignored blocks. */
#include "roots.h"

#include <string.h>
#include <unistd.h>

#include "annot.h"
#include "format.h"
#include "modules.h"
#include "scanstate.h"
#include "sys.h"
#include "tdesc.h"
#include "young.h"

#define RED_ZONE 128
#define PAGE 4096u
#define ARENA_HEAP ((uintptr_t)64 << 20) /* glibc's HEAP_MAX_SIZE on 64-bit */
#define PAGE_UP(x) (((x) + PAGE - 1) & ~(uintptr_t)(PAGE - 1))

typedef struct range { uintptr_t lo, hi; } range_t;
/* A stack mapping with a thread descriptor at its top (tdesc.h). */
typedef struct tstack { uintptr_t lo, hi, pd; pid_t tid; } tstack_t;

typedef struct roots {
  lg_scan_t *s;
  lg_heap_t *h;
  lg_resid_t res;
  int have_res;
  const lg_map_t *main_stack;      /* [stack] */
  tstack_t *stk;                   /* by address */
  size_t nstk, istk;
  range_t *ex;                     /* not roots inside mappings, by lo */
  size_t nex, capex, iex;
  size_t ib;                       /* the next block that may lie ahead */
  uintptr_t bx_lo, bx_hi;          /* what block ib covers, once known */
  int bx_known;
  uintptr_t run_a;                 /* start of the resident run walked */
  uintptr_t skip_to;               /* end of the last shim mapping or arena heap
                                      met: it may span several VMAs */
  uintptr_t mark_lo, mark_hi;      /* root bytes waiting to be marked */
} roots_t;

/* ---- reading roots ------------------------------------------------------- */

/* The mapping holding lo, else the first above it below hi, or NULL. */
static const lg_map_t *map_from(const lg_scan_t *s, uintptr_t lo, uintptr_t hi) {
  const lg_map_t *m = lg_maps_find(s->maps, s->nmaps, lo);
  if (m) return m;
  size_t i = 0;
  while (i < s->nmaps && s->maps[i].hi <= lo) i++;
  return i < s->nmaps && s->maps[i].lo < hi ? &s->maps[i] : NULL;
}

/* Marks from [lo, hi), clamped to the readable mappings. */
static void mark_readable(lg_scan_t *s, uintptr_t lo, uintptr_t hi) {
  const lg_map_t *m;
  for (; lo < hi && (m = map_from(s, lo, hi)); lo = m->hi < hi ? m->hi : hi)
    if (m->readable) lg_mark_range(&s->heap, lo > m->lo ? lo : m->lo, m->hi < hi ? m->hi : hi);
}

static void mark_module(uintptr_t lo, uintptr_t hi, void *arg) { mark_readable(arg, lo, hi); }

/* Marks [lo, hi) of mapping-resident memory page by page, skipping every
 * mapping of the shim's own it meets (a tagged header at a page start):
 * the kernel merges adjacent anonymous mappings into one VMA, so a
 * program's coroutine stack or a stack it gave pthread_attr_setstack can
 * share its VMA with the shim's block table, whose words name every
 * block. */
LG_READS_ANY static void mark_unowned(roots_t *r, uintptr_t lo, uintptr_t hi) {
  while (lo < hi) {
    if (!(lo & (PAGE - 1))) {
      size_t own = lg_sys_own_mapping((const void *)lo);
      if (own) { lo = PAGE_UP(lo + own); continue; }
    }
    uintptr_t end = (lo | (PAGE - 1)) + 1;
    if (end > hi) end = hi;
    lg_mark_range(r->h, lo, end);
    lo = end;
  }
}

/* Marks from the resident pages of [lo, hi) (a whole stack, a coroutine's
 * mapping: much of it may never have been touched), clamped to readable
 * mappings, never from the shim's own memory; from all of it when
 * residency is unknown. */
static void mark_resident(roots_t *r, uintptr_t lo, uintptr_t hi) {
  const lg_map_t *m;
  for (; lo < hi && (m = map_from(r->s, lo, hi)); lo = m->hi < hi ? m->hi : hi) {
    uintptr_t from = lo > m->lo ? lo : m->lo, end = m->hi < hi ? m->hi : hi, a, b;
    if (!m->readable) continue;
    if (!r->have_res) { mark_unowned(r, from, end); continue; }
    uintptr_t pos = from & ~(uintptr_t)(PAGE - 1);
    while (pos < end && lg_resid_next(&r->res, m, pos, PAGE_UP(end), &a, &b)) {
      mark_unowned(r, a > from ? a : from, b < end ? b : end);
      pos = b;
    }
  }
}

/* Marks a thread's static TLS and descriptor around its thread pointer
 * (x86_64: TLS blocks below, struct pthread above), skipping the TLS of
 * the shim and its unwinder. */
static void mark_tls(lg_scan_t *s, uintptr_t tp) {
  if (!tp) return;
  const lg_tls_hole_t *holes;
  uint32_t nh = lg_modules_tls_holes(&holes);
  uintptr_t lo = lg_tdesc_tls_lo(tp), hi = lg_tdesc_end(tp);
  while (lo < hi) { /* in pieces around the holes (few; sorted on the fly) */
    uintptr_t next_lo = hi, next_hi = hi;
    for (uint32_t k = 0; k < nh; k++) {
      uintptr_t a = tp + (uintptr_t)holes[k].offset, b = a + holes[k].size;
      if (b > lo && a < next_lo) { next_lo = a < lo ? lo : a; next_hi = b; }
    }
    mark_readable(s, lo, next_lo);
    lo = next_hi;
  }
}

/* ---- threads ----------------------------------------------------------- */

/* The stack mapping whose descriptor holds tid, or NULL. */
static const tstack_t *stack_of_tid(const roots_t *r, pid_t tid) {
  for (size_t i = 0; i < r->nstk; i++)
    if (r->stk[i].tid == tid) return &r->stk[i];
  return NULL;
}

/* Is tp the readable descriptor of thread tid? */
static int own_descriptor(const roots_t *r, uintptr_t tp, pid_t tid) {
  const lg_map_t *m = tp ? lg_maps_find(r->s->maps, r->s->nmaps, tp) : NULL;
  pid_t seen;
  return m && m->readable && tp + 24 <= m->hi && lg_tdesc_is(tp) && lg_tdesc_tid(tp, &seen) && seen == tid;
}

/* Finds a thread's own stack [*lo, *hi): [stack] for the main thread; for
 * another, from the base of the mapping or block holding its descriptor
 * up to its static TLS. Returns 0 when it cannot tell. */
static int own_stack(const roots_t *r, pid_t tid, uintptr_t tp, uintptr_t *lo, uintptr_t *hi) {
  if (tid == r->s->traced) {
    if (!r->main_stack) return 0;
    *lo = r->main_stack->lo;
    *hi = r->main_stack->hi;
    return 1;
  }
  if (!own_descriptor(r, tp, tid)) return 0;
  long b = lg_heap_find(r->h, tp);
  const lg_map_t *m = lg_maps_find(r->s->maps, r->s->nmaps, tp);
  *lo = b >= 0 ? r->h->blk[b].addr : m->lo;
  *hi = lg_tdesc_tls_lo(tp) > *lo ? lg_tdesc_tls_lo(tp) : *lo;
  return 1;
}

/* Does the mapping walk (mark_mappings) read mapping m as a program
 * mapping? Then all of its resident memory is a root already. */
static int walked(const roots_t *r, const lg_map_t *m) {
  if (!r->have_res || !r->ex || !m->readable || !m->writable || (m->kind != LG_MAP_ANON && m->kind != LG_MAP_FILE))
    return 0;
  for (size_t i = 0; i < r->nstk; i++)
    if (r->stk[i].lo == m->lo) return 0;
  return 1;
}

/* Marks the memory a thread runs on from sp up: to the end of the heap
 * block holding sp (a stack the program allocated); in a program mapping
 * (a stack it mapped itself), nothing more: the mapping walk reads all of
 * that mapping, minus the malloc heap and the shim's memory that may share
 * its VMA; else to the end of the mapping, plus `red` bytes below sp (the
 * red zone of an interrupted thread, which leaf code uses without moving
 * sp). */
static void mark_from_sp(roots_t *r, uintptr_t sp, uintptr_t red) {
  const lg_map_t *m = lg_maps_find(r->s->maps, r->s->nmaps, sp);
  if (!m) return;
  uintptr_t lo = sp - red, base = m->lo, hi = m->hi;
  long b = lg_heap_find(r->h, sp);
  if (b >= 0) { base = r->h->blk[b].addr; hi = base + lg_blk_size(r->h, &r->h->blk[b]); }
  else if (walked(r, m)) return;
  mark_resident(r, lo < base ? base : lo, hi);
}

/* Marks a running thread's stack: from sp up when sp is on its own stack;
 * else (a coroutine, a fiber, an alternate signal stack) its own stack
 * whole and what it runs on from sp up. */
static void mark_stack(roots_t *r, pid_t tid, uintptr_t tp, uintptr_t sp, uintptr_t red) {
  uintptr_t lo, hi;
  if (!own_stack(r, tid, tp, &lo, &hi)) { if (sp) mark_from_sp(r, sp, red); return; }
  if (sp >= lo && sp < hi) {
    mark_readable(r->s, sp - red > lo ? sp - red : lo, hi);
    return;
  }
  mark_resident(r, lo, hi);
  if (sp) mark_from_sp(r, sp, red);
  r->s->elsewhere++;
}

static void mark_stopped(roots_t *r, const lg_thread_t *t) {
  lg_heap_t *h = r->h;
  uint32_t tid = (uint32_t)t->tid;
  lg_mark_root_kind(h, LG_ROOT_REGS, tid);
  lg_mark_range(h, (uintptr_t)t->regs, (uintptr_t)(t->regs + LG_NREGS));
  lg_mark_root_kind(h, LG_ROOT_STACK, tid);
  mark_stack(r, t->tid, t->tp, t->sp, RED_ZONE);
  lg_mark_root_kind(h, LG_ROOT_TLS, tid);
  mark_tls(r->s, t->tp);
  r->s->threads++;
}

/* A thread that did not stop: its whole stack mapping (found by the tid
 * in the descriptor at its top, or [stack]) and TLS, and from the stack
 * pointer the kernel showed, when that lies elsewhere. */
static void mark_silent(roots_t *r, const lg_thread_t *t) {
  uintptr_t lo = 0, hi = 0, tp = 0;
  int found = 0;
  if (t->tid == r->s->traced) {
    if ((found = r->main_stack != NULL)) { lo = r->main_stack->lo; hi = r->main_stack->hi; }
    tp = lg_tdesc_main();
  } else {
    const tstack_t *st = stack_of_tid(r, t->tid);
    if ((found = st != NULL)) { lo = st->lo; hi = lg_tdesc_tls_lo(st->pd); tp = st->pd; }
  }
  lg_mark_root_kind(r->h, LG_ROOT_STACK, (uint32_t)t->tid);
  if (found) mark_resident(r, lo, hi);
  if (t->sp && !(found && t->sp >= lo && t->sp < hi)) mark_from_sp(r, t->sp, RED_ZONE);
  lg_mark_root_kind(r->h, LG_ROOT_TLS, (uint32_t)t->tid);
  mark_tls(r->s, tp);
  if (found || t->sp) r->s->threads++;
  char msg[200];
  lg_fmt(msg, sizeof msg, "thread %d did not stop in time; %s", (int)t->tid,
         found ? "its whole stack was scanned, conservatively"
         : t->sp ? "its stack was scanned from its system-call stack pointer, conservatively"
                 : "its stack could not be located and was not scanned");
  lg_note_locked(LG_NOTE_WARNING, msg);
}

/* The scanning thread's own roots, unless it is the shim's scanner thread
 * (self->foreign), which holds no pointer of the program's. Its id comes
 * from its descriptor: in a snapshot child, gettid names the child. */
static void mark_self(roots_t *r) {
  const lg_self_t *me = r->s->self;
  if (me->foreign) return;
  uintptr_t tp = (uintptr_t)__builtin_thread_pointer();
  pid_t tid;
  if (!lg_tdesc_is(tp) || !lg_tdesc_tid(tp, &tid) || tid <= 0) tid = lg_gettid();
  lg_heap_t *h = r->h;
  lg_mark_root_kind(h, LG_ROOT_REGS, (uint32_t)tid);
  lg_mark_range(h, (uintptr_t)me->regs, (uintptr_t)(me->regs + LG_SELF_NREGS));
  lg_mark_root_kind(h, LG_ROOT_STACK, (uint32_t)tid);
  if (me->sp) mark_stack(r, tid, tp, me->sp, 0); /* below sp: the shim's own frames */
  lg_mark_root_kind(h, LG_ROOT_TLS, (uint32_t)tid);
  mark_tls(r->s, tp);
  r->s->threads++;
}

/* One running thread's stack [lo, hi) and TLS (tp) in the concurrent
 * pass: from the hint world.h gives (minus the red zone) when it lies on
 * that stack, else all of its resident pages (a thread neither blocked
 * nor seen by a stop nor ever captured: its dead frames may then keep a
 * block marked in this scan). Whatever is read here can
 * only mark more (the finish reads the stack again from its stack pointer
 * with the thread stopped): a dead frame's stale pointer is floating
 * garbage of this scan, reported by a later one. */
static void mark_running_one(roots_t *r, pid_t tid, uintptr_t tp, uintptr_t lo, uintptr_t hi) {
  int blocked;
  uintptr_t sp = lg_world_sp_hint(tid, tp, &blocked);
  lg_mark_root_kind(r->h, LG_ROOT_STACK, (uint32_t)tid);
  if (sp > lo + RED_ZONE && sp < hi) mark_resident(r, sp - RED_ZONE, hi);
  else { mark_resident(r, lo, hi); r->s->running_whole++; }
  lg_mark_root_kind(r->h, LG_ROOT_TLS, (uint32_t)tid);
  mark_tls(r->s, tp);
  r->s->running_read++;
}

/* The concurrent pass's threads (s->running, the world running): every
 * live thread's own stack (the main thread's [stack], and each stack
 * mapping whose descriptor names a thread; glibc's cached stacks hold tid
 * 0) and TLS, but the scanning thread's and the shim's scanner thread's;
 * stacks elsewhere (a coroutine's) are read as blocks or mappings. Reading
 * them here keeps a live set that hangs off a running thread's stack out
 * of the finish's flood. */
static void mark_running(roots_t *r) {
  pid_t self = lg_gettid(), scanner = lg_scanner_tid(), main = r->s->traced;
  if (r->main_stack && main != self && main != scanner)
    mark_running_one(r, main, lg_tdesc_main(), r->main_stack->lo, r->main_stack->hi);
  for (size_t i = 0; i < r->nstk; i++) {
    const tstack_t *st = &r->stk[i];
    if (st->tid <= 0 || st->tid == self || st->tid == scanner || st->tid == main) continue;
    mark_running_one(r, st->tid, st->pd, st->lo, lg_tdesc_tls_lo(st->pd));
  }
}

static void mark_threads(roots_t *r) {
  if (r->s->running && r->have_res) mark_running(r);
  if (r->s->world.first_kernel)
    lg_note_locked(LG_NOTE_INFO, "io_uring worker threads (PF_IO_WORKER) run no user code: "
                   "the scans neither stop nor read them");
  for (uint32_t i = 0; i < r->s->world.n; i++) {
    const lg_thread_t *t = &r->s->world.threads[i];
    if (t->state == LG_TS_STOPPED) mark_stopped(r, t);
    else if (t->state == LG_TS_NO_ANSWER) mark_silent(r, t);
  }
  mark_self(r);
}

/* Finds the stack mappings: [stack], and every private anonymous mapping
 * with a thread descriptor at its top (live, exited or cached). */
static void find_stacks(roots_t *r) {
  for (size_t i = 0; i < r->s->nmaps; i++) {
    const lg_map_t *m = &r->s->maps[i];
    if (m->kind == LG_MAP_STACK) r->main_stack = m;
    if (m->kind != LG_MAP_ANON || m->shared || !m->readable || !m->writable) continue;
    uintptr_t pd = lg_tdesc_at_top(m->hi);
    if (pd < m->lo || pd > m->hi || !lg_resid_page(&r->res, m, pd & ~(uintptr_t)(PAGE - 1)) || !lg_tdesc_is(pd))
      continue;
    tstack_t *st = &r->stk[r->nstk++];
    st->lo = m->lo;
    st->hi = m->hi;
    st->pd = pd;
    if (!lg_tdesc_tid(pd, &st->tid)) st->tid = 0;
  }
}

/* ---- the program's mappings ------------------------------------------------ */

/* Queues [lo, hi) to be marked, joined to what is pending when adjacent,
 * up to 64 KiB: the pages the walk just touched (their first words were
 * read for the tag) are still in the cache when they are marked. */
static void add_root(roots_t *r, uintptr_t lo, uintptr_t hi) {
  if (lo == r->mark_hi && hi - r->mark_lo <= 65536) { r->mark_hi = hi; return; }
  if (r->mark_hi > r->mark_lo) lg_mark_range(r->h, r->mark_lo, r->mark_hi);
  r->mark_lo = lo;
  r->mark_hi = hi;
}

static void flush_roots(roots_t *r) {
  if (r->mark_hi > r->mark_lo) lg_mark_range(r->h, r->mark_lo, r->mark_hi);
  r->mark_lo = r->mark_hi = 0;
}

static void add_excl(roots_t *r, uintptr_t lo, uintptr_t hi) {
  if (r->nex < r->capex && hi > lo) r->ex[r->nex++] = (range_t){lo, hi};
}

/* A writable segment of any module, the shim's included: read as module
 * data (or not at all), never again as a mapping. Page-rounded. */
static void excl_module(uintptr_t lo, uintptr_t hi, uint32_t flags, void *arg) {
  if (flags & LG_SEG_W) add_excl(arg, lo & ~(uintptr_t)(PAGE - 1), PAGE_UP(hi));
}

static void count_segment(uintptr_t lo, uintptr_t hi, uint32_t flags, void *arg) {
  (void)lo;
  (void)hi;
  (void)flags;
  (*(size_t *)arg)++;
}

/* Sifts ex[i] down a max-heap of n ranges ordered by lo. */
static void sift(range_t *ex, size_t i, size_t n) {
  for (size_t c; (c = 2 * i + 1) < n; i = c) {
    if (c + 1 < n && ex[c + 1].lo > ex[c].lo) c++;
    if (ex[c].lo <= ex[i].lo) return;
    range_t t = ex[i]; ex[i] = ex[c]; ex[c] = t;
  }
}

static void sort_excl(range_t *ex, size_t n) {
  for (size_t i = n / 2; i-- > 0;) sift(ex, i, n);
  for (size_t k = n; k-- > 1;) {
    range_t t = ex[0]; ex[0] = ex[k]; ex[k] = t;
    sift(ex, 0, k);
  }
}

/* Collects what lies inside mappings but is no mapping root: every
 * module's data (the shim's too; page-rounded), and the TLS of the threads
 * whose thread pointer is known (read with the threads). */
static void collect_excl(roots_t *r) {
  lg_modules_each_segment(excl_module, r);
  for (uint32_t i = 0; i < r->s->world.n; i++) {
    const lg_thread_t *t = &r->s->world.threads[i];
    if (t->state == LG_TS_STOPPED && t->tp && lg_tdesc_is(t->tp)) add_excl(r, lg_tdesc_tls_lo(t->tp), lg_tdesc_end(t->tp));
  }
  uintptr_t me = (uintptr_t)__builtin_thread_pointer(), main = lg_tdesc_main();
  if (lg_tdesc_is(me)) add_excl(r, lg_tdesc_tls_lo(me), lg_tdesc_end(me));
  if (main) add_excl(r, lg_tdesc_tls_lo(main), lg_tdesc_end(main));
  sort_excl(r->ex, r->nex);
}

/* Is the resident page at a (64 MiB-aligned) the start of a heap of one
 * of glibc's non-main arenas? Its heap_info: ar_ptr, prev, size,
 * mprotect_size. The first heap of an arena holds the arena just after
 * its heap_info; a later heap points at that arena and at its previous
 * heap. */
LG_READS_ANY static int is_arena_heap(roots_t *r, uintptr_t a) {
  const uintptr_t *w = (const uintptr_t *)a;
  uintptr_t ar = w[0], prev = w[1], size = w[2], mprot = w[3];
  if (size < PAGE || size > ARENA_HEAP || mprot < size || mprot > ARENA_HEAP) return 0;
  uintptr_t first = ar & ~(ARENA_HEAP - 1), off = ar - first;
  if (off < 32 || off > 128 || (off & 15)) return 0;
  if (!prev) return first == a;
  if ((prev & (ARENA_HEAP - 1)) || first == a) return 0;
  const lg_map_t *fm = lg_maps_find(r->s->maps, r->s->nmaps, first);
  if (!fm || !fm->readable || !lg_resid_page(&r->res, fm, first)) return 0;
  return ((const uintptr_t *)first)[0] == ar && ((const uintptr_t *)first)[1] == 0;
}

/* Works out what block ib covers: the block, or, for a chunk glibc mapped
 * for it alone (IS_MMAPPED in its size word), the whole chunk mapping
 * [chunk - prev_size, chunk + size), both ends page-aligned. The header is
 * read only when it lies in the resident run being walked. */
LG_READS_ANY static void block_extent(roots_t *r, const lg_map_t *m) {
  const lg_blk_t *b = &r->h->blk[r->ib];
  uintptr_t a = b->addr, chunk = a - 16;
  r->bx_lo = a;
  r->bx_hi = a + (b->size ? lg_blk_size(r->h, b) : 1);
  r->bx_known = 1;
  if (chunk < r->run_a || chunk < m->lo) return;
  uintptr_t prev = ((const uintptr_t *)chunk)[0], word = ((const uintptr_t *)chunk)[1];
  uintptr_t lo = chunk - prev, hi = chunk + (word & ~(uintptr_t)7);
  if ((word & 2) && prev <= chunk && !(lo & (PAGE - 1)) && !(hi & (PAGE - 1)) && hi >= a + lg_blk_size(r->h, b) &&
      lo >= m->lo && hi <= m->hi) {
    r->bx_lo = lo;
    r->bx_hi = hi;
  }
}

/* Clips a piece [pos, *end) against the tracked blocks: returns where to
 * jump when pos lies in a block (or its chunk mapping), else 0 with *end
 * lowered to the next block's possible start (its header). */
static uintptr_t clip_blocks(roots_t *r, const lg_map_t *m, uintptr_t pos, uintptr_t *end) {
  while (r->ib < r->h->n) {
    const lg_blk_t *b = &r->h->blk[r->ib];
    uintptr_t lo = r->bx_known ? r->bx_lo : b->addr - 16;
    uintptr_t hi = r->bx_known ? r->bx_hi : b->addr + (b->size ? lg_blk_size(r->h, b) : 1);
    if (hi <= pos) { r->ib++; r->bx_known = 0; continue; }
    if (lo > pos) { if (lo < *end) *end = lo; return 0; }
    if (!r->bx_known) { block_extent(r, m); continue; }
    return hi;
  }
  return 0;
}

/* Skips the exclusions that end at or below pos; returns where to jump
 * when pos lies in one, else 0 with *end lowered to the next one. */
static uintptr_t clip_excl(roots_t *r, uintptr_t pos, uintptr_t *end) {
  while (r->iex < r->nex && r->ex[r->iex].hi <= pos) r->iex++;
  if (r->iex == r->nex) return 0;
  if (r->ex[r->iex].lo <= pos) return r->ex[r->iex].hi;
  if (r->ex[r->iex].lo < *end) *end = r->ex[r->iex].lo;
  return 0;
}

/* Walks one piece of a resident run [pos, b) of mapping m, at most to the
 * next page: skips a shim mapping or an arena heap starting at a page,
 * exclusions and blocks; queues the rest as roots. Returns where the walk
 * goes on. */
static uintptr_t walk_piece(roots_t *r, const lg_map_t *m, uintptr_t pos, uintptr_t b) {
  if (!(pos & (PAGE - 1))) {
    size_t own = lg_sys_own_mapping((const void *)pos);
    if (own) return r->skip_to = PAGE_UP(pos + own);
    if (!(pos & (ARENA_HEAP - 1)) && is_arena_heap(r, pos)) return r->skip_to = pos + ARENA_HEAP;
  }
  uintptr_t end = (pos | (PAGE - 1)) + 1, jump;
  if (end > b) end = b;
  if ((jump = clip_excl(r, pos, &end)) || (jump = clip_blocks(r, m, pos, &end))) return jump;
  if ((jump = lg_young_roots_skip(r->s, pos, &end))) return jump; /* young.h */
  add_root(r, pos, end);
  return end;
}

/* The first block that ends above lo. */
static size_t first_block_above(const lg_heap_t *h, uintptr_t lo) {
  size_t a = 0, b = h->n;
  while (a < b) {
    size_t mid = (a + b) / 2;
    if (h->blk[mid].addr + (h->blk[mid].size ? lg_blk_size(h, &h->blk[mid]) : 1) <= lo) a = mid + 1;
    else b = mid;
  }
  return a;
}

static void walk_mapping(roots_t *r, const lg_map_t *m) {
  r->ib = first_block_above(r->h, m->lo);
  r->bx_known = 0;
  uintptr_t pos = m->lo > r->skip_to ? m->lo : r->skip_to, a, b;
  while (pos < m->hi && lg_resid_next(&r->res, m, pos, m->hi, &a, &b)) {
    r->run_a = pos = a;
    while (pos < b) {
      uintptr_t next = walk_piece(r, m, pos, b);
      if (next <= pos) return; /* cannot happen: never loop */
      pos = next;
    }
  }
}

/* Is mapping m one whose memory the program holds directly (not a stack,
 * the heap, the kernel's, a device, read-only)? */
static int program_mapping(roots_t *r, const lg_map_t *m) {
  if (!m->readable || !m->writable || (m->kind != LG_MAP_ANON && m->kind != LG_MAP_FILE)) return 0;
  while (r->istk < r->nstk && r->stk[r->istk].hi <= m->lo) r->istk++;
  return !(r->istk < r->nstk && r->stk[r->istk].lo == m->lo);
}

static void mark_mappings(roots_t *r) {
  collect_excl(r);
  lg_mark_root_kind(r->h, LG_ROOT_MAPPING, 0);
  for (size_t i = 0; i < r->s->nmaps; i++)
    if (program_mapping(r, &r->s->maps[i])) walk_mapping(r, &r->s->maps[i]);
  flush_roots(r);
}

/* ---- the phase ------------------------------------------------------------ */

/* Maps the phase's tables; 0 or -1. */
static int roots_alloc(roots_t *r) {
  size_t segs = 0;
  lg_modules_each_segment(count_segment, &segs);
  r->capex = segs + r->s->world.n + 2;
  r->stk = lg_sys_map((r->s->nmaps + 1) * sizeof *r->stk);
  r->ex = lg_sys_map(r->capex * sizeof *r->ex);
  return r->stk && r->ex ? 0 : -1;
}

static void roots_free(roots_t *r) {
  lg_sys_unmap(r->stk, (r->s->nmaps + 1) * sizeof *r->stk);
  lg_sys_unmap(r->ex, r->capex * sizeof *r->ex);
  if (r->have_res) lg_resid_close(&r->res);
}

void (*lg_roots_gate)(lg_scan_t *s);

void lg_roots_mark(lg_scan_t *s) {
  lg_roots_mark_live(s);
  lg_mark_root_kind(&s->heap, LG_ROOT_IGNORED, 0);
  lg_ignored_resolve(&s->heap);
  for (size_t i = 0; i < s->heap.n; i++)
    if (s->heap.blk[i].flags & LG_BF_IGNORED) lg_mark_block(&s->heap, i);
}

void lg_roots_mark_live(lg_scan_t *s) {
  roots_t r;
  memset(&r, 0, sizeof r);
  r.s = s;
  r.h = &s->heap;
  if (!s->heap.chains) lg_heap_track_parents(&s->heap); /* for retention chains; optional (kept by a second pass) */
  lg_mark_root_kind(&s->heap, LG_ROOT_DATA, 0);
  lg_modules_each_writable(mark_module, s);
  lg_mark_root_kind(&s->heap, LG_ROOT_REGION, 0);
  lg_roots_each(mark_module, s);
  if (lg_roots_gate) lg_roots_gate(s);
  int ready = roots_alloc(&r) == 0 && (r.have_res = lg_resid_open(&r.res, LG_RESID_AUTO, getpid() != s->traced) == 0);
  if (ready) find_stacks(&r);
  else for (size_t i = 0; i < s->nmaps; i++) if (s->maps[i].kind == LG_MAP_STACK) r.main_stack = &s->maps[i];
  mark_threads(&r);
  if (s->elsewhere) {
    char msg[160];
    lg_fmt(msg, sizeof msg, "%u threads ran on another stack (a coroutine, fiber or signal stack): "
           "their own stacks were scanned whole", s->elsewhere);
    lg_note_locked(LG_NOTE_INFO, msg);
  }
  if (ready) mark_mappings(&r);
  else lg_note_locked(LG_NOTE_WARNING, "out of memory: the program's own mappings were not scanned");
  roots_free(&r);
}
