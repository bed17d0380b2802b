/* collector/scan.c — one leak scan, as a sequence of small named phases
 * (LeakSanitizer's shape):
 *
 *   lock       modules refreshed, then every shim lock taken (collector.h)
 *   stop       the other threads stopped by signal (world.c)
 *   snapshot   the block table copied, sorted and indexed (graph.c)
 *   roots      module data and bss, registered regions, every thread's
 *              registers, stack from its stack pointer up and static TLS
 *   mark       flood fill from the roots and the ignored blocks
 *   analyse    categories, cycles and clusters of what stayed unmarked
 *   log        STACK, CLUSTER and SCAN_END records, flushed
 *   age        generations and lost flags written back to the table
 *   start      threads resumed, locks released
 *
 * Everything runs while the world is stopped; memory comes from mmap
 * (graph.c), never from malloc, which a stopped thread may have locked. */
#include <dlfcn.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "blocks.h"
#include "collector_internal.h"
#include "format.h"
#include "graph.h"
#include "logwriter.h"
#include "modules.h"
#include "stacks.h"
#include "sys.h"
#include "world.h"

#define RED_ZONE 128

typedef struct map { uintptr_t lo, hi; int readable; } map_t;

typedef struct scan {
  int kind;
  uint32_t number;
  const lg_self_t *self;
  lg_world_t world;
  map_t *maps;
  size_t nmaps, maps_cap;
  lg_heap_t heap;
  lg_graph_t graph;
  uint64_t t_start, t_stopped, t_resumed;
  uint32_t threads;
  size_t blk_bytes;
} scan_t;

/* ---- phase: maps ---------------------------------------------------------- */

static uintptr_t hex(const char **p) {
  uintptr_t v = 0;
  for (;; (*p)++) {
    char c = **p;
    if (c >= '0' && c <= '9') v = v * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (uintptr_t)(c - 'a' + 10);
    else return v;
  }
}

/* Reads /proc/self/maps into s->maps (sorted by address, as the kernel
 * lists them). */
static int read_maps(scan_t *s) {
  size_t len, cap;
  char *text = lg_sys_read_file("/proc/self/maps", &len, &cap);
  if (!text) return -1;
  size_t lines = 0;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  s->maps_cap = (lines + 1) * sizeof(map_t);
  s->maps = lg_sys_map(s->maps_cap);
  if (!s->maps) { lg_sys_unmap(text, cap); return -1; }
  for (const char *p = text; p < text + len;) {
    map_t *m = &s->maps[s->nmaps];
    m->lo = hex(&p);
    if (*p == '-') p++;
    m->hi = hex(&p);
    if (*p == ' ') p++;
    m->readable = *p == 'r';
    s->nmaps++;
    while (p < text + len && *p != '\n') p++;
    p++;
  }
  lg_sys_unmap(text, cap);
  return 0;
}

/* Returns the mapping containing address a, or NULL. */
static const map_t *map_of(const scan_t *s, uintptr_t a) {
  size_t lo = 0, hi = s->nmaps;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (s->maps[mid].hi <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo < s->nmaps && s->maps[lo].lo <= a ? &s->maps[lo] : NULL;
}

/* Clamps [lo, hi) to readable mappings and marks from each piece. */
static void mark_readable(scan_t *s, uintptr_t lo, uintptr_t hi) {
  while (lo < hi) {
    const map_t *m = map_of(s, lo);
    if (!m) {
      /* Skip to the next mapping above lo. */
      size_t i = 0;
      while (i < s->nmaps && s->maps[i].hi <= lo) i++;
      if (i == s->nmaps || s->maps[i].lo >= hi) return;
      lo = s->maps[i].lo;
      continue;
    }
    uintptr_t end = m->hi < hi ? m->hi : hi;
    if (m->readable) lg_mark_range(&s->heap, lo, end);
    lo = end;
  }
}

/* ---- phase: snapshot ------------------------------------------------------ */

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
  b->stack = sl->stack;
  b->mark = LG_UNREACHED;
  b->flags = (sl->key & LG_BLK_IGNORED) || from_loader(sl->stack) ? LG_BF_IGNORED : 0;
  b->gen = (uint8_t)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  b->cat = 0;
  b->cluster = 0;
  b->orig = (sl->key & LG_BLK_LOST) ? 1 : 0;
  /* Age the table entry now: every block present survives this scan.
   * The lost flag is set again for the blocks this scan finds lost. */
  unsigned gen = b->gen < 2 ? b->gen + 1u : 2u;
  sl->key = (sl->key & ~(uintptr_t)(LG_BLK_GEN_MASK | LG_BLK_LOST)) | ((uintptr_t)gen << LG_BLK_GEN_SHIFT);
}

static int snapshot(scan_t *s) {
  size_t cap = lg_blocks_count();
  s->blk_bytes = (cap + 1) * sizeof(lg_blk_t);
  fill_t f = {lg_sys_map(s->blk_bytes), 0, cap};
  if (!f.b) return -1;
  lg_blocks_each(copy_slot, &f);
  s->heap.blk = f.b;
  s->heap.n = f.n;
  if (lg_heap_sort(f.b, f.n) < 0 || lg_heap_build(&s->heap) < 0) return -1;
  /* A block outside readable memory (a free we never saw) is not read. */
  for (size_t i = 0; i < f.n; i++) {
    const map_t *m = map_of(s, f.b[i].addr);
    if (!m || !m->readable || f.b[i].addr + f.b[i].size > m->hi) f.b[i].flags |= LG_BF_UNREADABLE;
  }
  return 0;
}

/* ---- phase: roots ---------------------------------------------------------- */

static void mark_module(uintptr_t lo, uintptr_t hi, void *arg) { mark_readable(arg, lo, hi); }

/* Marks a thread's stack from sp up to the end of its mapping (or of the
 * heap block it lives in, for a stack the program allocated itself). */
static void mark_stack(scan_t *s, uintptr_t sp) {
  uintptr_t lo = sp - RED_ZONE;
  const map_t *m = map_of(s, sp);
  if (!m) return;
  uintptr_t hi = m->hi;
  long b = lg_heap_find(&s->heap, sp);
  if (b >= 0) hi = s->heap.blk[b].addr + s->heap.blk[b].size;
  if (lo < m->lo) lo = m->lo;
  mark_readable(s, lo, hi);
}

/* Marks a thread's static TLS and thread descriptor around its thread
 * pointer (x86_64: TLS blocks below, struct pthread above), skipping the
 * TLS of the shim and its unwinder. */
static void mark_tls(scan_t *s, uintptr_t tp) {
  if (!tp) return;
  const lg_tls_hole_t *holes;
  uint32_t nh = lg_modules_tls_holes(&holes);
  /* glibc's static TLS size counts the thread descriptor, which lies above
   * the thread pointer on x86_64: below it are only the TLS blocks. */
  uintptr_t below = lg_tls.static_size > lg_tls.pthread_size ? lg_tls.static_size - lg_tls.pthread_size : 0;
  uintptr_t lo = tp - below, hi = tp + lg_tls.pthread_size;
  /* Scan [lo, hi) in pieces around the holes (few; sorted on the fly). */
  while (lo < hi) {
    uintptr_t next_lo = hi, next_hi = hi;
    for (uint32_t k = 0; k < nh; k++) {
      uintptr_t a = tp + (uintptr_t)holes[k].offset, b = a + holes[k].size;
      if (b > lo && a < next_lo) { next_lo = a < lo ? lo : a; next_hi = b; }
    }
    mark_readable(s, lo, next_lo);
    lo = next_hi;
  }
}

/* Reads a thread's stack pointer from /proc/self/task/TID/syscall, which
 * the kernel fills while the thread is blocked in a system call. */
static uintptr_t blocked_sp(pid_t tid) {
  char path[64], buf[512];
  lg_fmt(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
  size_t len, cap;
  char *t = lg_sys_read_file(path, &len, &cap);
  if (!t) return 0;
  lg_fmt(buf, sizeof buf, "%s", t);
  lg_sys_unmap(t, cap);
  /* "nr a1 a2 a3 a4 a5 a6 sp pc": the 8th field. */
  const char *p = buf;
  for (int field = 0; field < 7 && *p; field++) {
    while (*p && *p != ' ') p++;
    while (*p == ' ') p++;
  }
  if (p[0] != '0' || p[1] != 'x') return 0;
  p += 2;
  return hex(&p);
}

static void mark_threads(scan_t *s) {
  for (uint32_t i = 0; i < s->world.n; i++) {
    lg_thread_t *t = &s->world.threads[i];
    if (t->state == LG_TS_STOPPED) {
      lg_mark_range(&s->heap, (uintptr_t)t->regs, (uintptr_t)(t->regs + LG_NREGS));
      mark_stack(s, t->sp);
      mark_tls(s, t->tp);
      s->threads++;
    } else if (t->state == LG_TS_NO_ANSWER) {
      uintptr_t sp = blocked_sp(t->tid);
      if (sp) { mark_stack(s, sp); s->threads++; }
      char msg[160];
      lg_fmt(msg, sizeof msg, "thread %d did not stop in time; %s", (int)t->tid,
             sp ? "its stack was scanned from its system-call stack pointer, conservatively"
                : "its stack could not be located and was not scanned");
      lg_note_locked(LG_NOTE_WARNING, msg);
    }
  }
}

static void mark_self(scan_t *s) {
  const lg_self_t *me = s->self;
  lg_mark_range(&s->heap, (uintptr_t)me->regs, (uintptr_t)(me->regs + 8));
  if (me->sp) mark_stack(s, me->sp);
  mark_tls(s, (uintptr_t)__builtin_thread_pointer());
  s->threads++;
}

static void mark_roots(scan_t *s) {
  lg_modules_each_writable(mark_module, s);
  lg_roots_each(mark_module, s);
  mark_threads(s);
  mark_self(s);
  lg_ignored_resolve(&s->heap);
  for (size_t i = 0; i < s->heap.n; i++)
    if (s->heap.blk[i].flags & LG_BF_IGNORED) lg_mark_block(&s->heap, i);
  lg_mark_finish(&s->heap);
}

/* ---- phase: first seen ------------------------------------------------------ */

/* The lost blocks of the previous scan with the scan that first saw each
 * lost, sorted by address: a cluster's first_seen_scan is the earliest of
 * its blocks'. */
typedef struct seen { uintptr_t addr; uint32_t scan; } seen_t;
static seen_t *seen_prev;
static size_t nseen_prev, seen_prev_bytes;
static uint32_t *cluster_first; /* per cluster of the current scan */
static size_t cluster_first_bytes;

void lg_scan_forget(void) {
  lg_sys_unmap(seen_prev, seen_prev_bytes);
  seen_prev = NULL;
  nseen_prev = seen_prev_bytes = 0;
}

/* Looks up addr among the previous scan's lost blocks. */
static uint32_t seen_before(uintptr_t addr, uint32_t dflt) {
  size_t lo = 0, hi = nseen_prev;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (seen_prev[mid].addr < addr) lo = mid + 1; else hi = mid;
  }
  return lo < nseen_prev && seen_prev[lo].addr == addr ? seen_prev[lo].scan : dflt;
}

/* Fills cluster_first[] and replaces the previous scan's list. */
static void first_seen(scan_t *s) {
  const lg_graph_t *g = &s->graph;
  size_t nb = (g->nmembers + 1) * sizeof(seen_t);
  seen_t *now = lg_sys_map(nb);
  cluster_first_bytes = (g->nclusters + 1) * sizeof(uint32_t);
  cluster_first = lg_sys_map(cluster_first_bytes);
  if (!now || !cluster_first) { lg_sys_unmap(now, nb); return; }
  size_t n = 0;
  for (size_t c = 0; c < g->nclusters; c++) cluster_first[c] = s->number;
  for (size_t i = 0; i < s->heap.n; i++) { /* address order */
    const lg_blk_t *b = &s->heap.blk[i];
    if (!b->cluster) continue;
    uint32_t first = seen_before(b->addr, s->number);
    now[n++] = (seen_t){b->addr, first};
    if (first < cluster_first[b->cluster - 1]) cluster_first[b->cluster - 1] = first;
  }
  lg_scan_forget();
  seen_prev = now;
  nseen_prev = n;
  seen_prev_bytes = nb;
}

/* ---- phase: log ----------------------------------------------------------- */

static void log_stack(uint32_t id) {
  if (!lg_stacks_needs_log(id, lg_log_epoch())) return;
  const lg_stack_t *st = lg_stacks_get(id);
  lg_log_begin(LG_REC_STACK, 8 + st->nframes * 8);
  lg_log_u32(st->id);
  lg_log_u32(st->nframes);
  lg_log_raw(st->frames, st->nframes * sizeof(uintptr_t));
  lg_log_end();
}

#define NONE 0xFFFFFFFFu
typedef struct site { uint32_t stack, cat, blocks, slot; uint64_t bytes; } site_t;

/* Groups a cluster's members by (stack, category) into sites[]; returns the
 * number of sites. `map` has `mask+1` slots of indexes into sites, NONE free. */
static uint32_t group_sites(const lg_heap_t *h, const uint32_t *mem, uint32_t n, site_t *sites,
                            uint32_t *map, uint32_t mask) {
  uint32_t ns = 0;
  for (uint32_t k = 0; k < n; k++) {
    const lg_blk_t *b = &h->blk[mem[k]];
    uint32_t hsh = (b->stack * 2654435761u) ^ b->cat;
    uint32_t j = hsh & mask;
    while (map[j] != NONE && !(sites[map[j]].stack == b->stack && sites[map[j]].cat == b->cat))
      j = (j + 1) & mask;
    if (map[j] == NONE) {
      map[j] = ns;
      sites[ns] = (site_t){b->stack, b->cat, 0, j, 0};
      ns++;
    }
    sites[map[j]].blocks++;
    sites[map[j]].bytes += b->size;
  }
  return ns;
}

static void log_cluster(scan_t *s, uint32_t c, site_t *sites, uint32_t *map, uint32_t mask,
                        uint32_t *listed_ix, const uint32_t *eorder, const uint32_t *estart) {
  const lg_heap_t *h = &s->heap;
  const lg_cluster_info_t *ci = &s->graph.clusters[c];
  const uint32_t *mem = s->graph.members + ci->first;
  uint32_t ns = group_sites(h, mem, ci->blocks, sites, map, mask);
  for (uint32_t k = 0; k < ns; k++) map[sites[k].slot] = NONE;
  uint32_t nl = ci->blocks < LG_CLUSTER_MAX_LISTED ? ci->blocks : LG_CLUSTER_MAX_LISTED;
  for (uint32_t k = 0; k < nl; k++) listed_ix[mem[k]] = k;
  uint32_t ne = 0;
  for (uint32_t e = estart[c]; e < estart[c + 1] && ne < LG_CLUSTER_MAX_EDGES; e++) {
    uint32_t k = eorder[e];
    if (listed_ix[s->graph.edge_from[k]] != NONE && listed_ix[s->graph.edge_to[k]] != NONE) ne++;
  }
  for (uint32_t k = 0; k < ns; k++) log_stack(sites[k].stack);
  for (uint32_t k = 0; k < nl; k++) log_stack(h->blk[mem[k]].stack);
  uint32_t len = 4 * 4 + 8 + 4 + 4 + ns * 20 + 4 + nl * 24 + 4 + ne * 8;
  lg_log_begin(LG_REC_CLUSTER, len);
  lg_log_u32(s->number);
  lg_log_u32(lg_next_cluster_id());
  lg_log_u32(cluster_first ? cluster_first[c] : s->number);
  lg_log_u32((ci->cyclic ? LG_CLUSTER_CYCLIC : 0) | (ci->possible ? LG_CLUSTER_POSSIBLE : 0));
  lg_log_u64(ci->bytes);
  lg_log_u32(ci->blocks);
  lg_log_u32(ns);
  for (uint32_t k = 0; k < ns; k++) {
    lg_log_u32(sites[k].stack);
    lg_log_u32(sites[k].cat);
    lg_log_u32(sites[k].blocks);
    lg_log_u64(sites[k].bytes);
  }
  lg_log_u32(nl);
  for (uint32_t k = 0; k < nl; k++) {
    const lg_blk_t *b = &h->blk[mem[k]];
    lg_log_u64(b->addr);
    lg_log_u64(b->size);
    lg_log_u32(b->stack);
    lg_log_u8(b->cat);
    lg_log_u8((uint8_t)(((b->flags & LG_BF_ENTRY) ? LG_LISTED_ENTRY : 0) |
                        ((b->flags & LG_BF_IN_CYCLE) ? LG_LISTED_IN_CYCLE : 0)));
    lg_log_u16(0);
  }
  lg_log_u32(ne);
  uint32_t written = 0;
  for (uint32_t e = estart[c]; e < estart[c + 1] && written < ne; e++) {
    uint32_t k = eorder[e];
    uint32_t a = listed_ix[s->graph.edge_from[k]], b = listed_ix[s->graph.edge_to[k]];
    if (a == NONE || b == NONE) continue;
    lg_log_u32(a);
    lg_log_u32(b);
    written++;
  }
  lg_log_end();
  for (uint32_t k = 0; k < nl; k++) listed_ix[mem[k]] = NONE;
}

/* Writes every cluster. Edges are first bucketed by cluster (a counting
 * sort), so each cluster finds its own in estart[c] .. estart[c+1]. */
static void log_clusters(scan_t *s) {
  lg_graph_t *g = &s->graph;
  if (!g->nclusters) return;
  uint32_t maxb = 1;
  for (size_t c = 0; c < g->nclusters; c++) if (g->clusters[c].blocks > maxb) maxb = g->clusters[c].blocks;
  uint32_t mask = 1;
  while (mask < maxb * 2) mask <<= 1;
  mask -= 1;
  size_t sz_sites = (size_t)maxb * sizeof(site_t), sz_map = ((size_t)mask + 1) * 4;
  size_t sz_lix = (s->heap.n + 1) * 4, sz_es = (g->nclusters + 1) * 4, sz_eo = (g->nedges + 1) * 4;
  site_t *sites = lg_sys_map(sz_sites);
  uint32_t *map = lg_sys_map(sz_map), *lix = lg_sys_map(sz_lix);
  uint32_t *estart = lg_sys_map(sz_es), *pos = lg_sys_map(sz_es), *eorder = lg_sys_map(sz_eo);
  if (sites && map && lix && estart && pos && eorder) {
    memset(map, 0xFF, sz_map);
    memset(lix, 0xFF, sz_lix);
    for (size_t e = 0; e < g->nedges; e++) estart[s->heap.blk[g->edge_from[e]].cluster]++;
    /* estart[c+1] counted cluster c's edges; prefix sums make it an end. */
    for (size_t c = 1; c <= g->nclusters; c++) estart[c] += estart[c - 1];
    memcpy(pos, estart, sz_es);
    for (size_t e = 0; e < g->nedges; e++) eorder[pos[s->heap.blk[g->edge_from[e]].cluster - 1]++] = (uint32_t)e;
    for (uint32_t c = 0; c < g->nclusters; c++) log_cluster(s, c, sites, map, mask, lix, eorder, estart);
  } else {
    lg_note_locked(LG_NOTE_WARNING, "out of memory while writing clusters; this scan's clusters are missing");
  }
  lg_sys_unmap(sites, sz_sites); lg_sys_unmap(map, sz_map); lg_sys_unmap(lix, sz_lix);
  lg_sys_unmap(estart, sz_es); lg_sys_unmap(pos, sz_es); lg_sys_unmap(eorder, sz_eo);
}

static void log_scan_end(scan_t *s) {
  const lg_graph_t *g = &s->graph;
  uint32_t cyclic = 0;
  for (size_t c = 0; c < g->nclusters; c++) cyclic += g->clusters[c].cyclic;
  lg_log_begin(LG_REC_SCAN_END, 4 + 4 * 16 + 4 + 4 + 8 + 8 + 8 + 4 + 4);
  lg_log_u32(s->number);
  for (int cat = 1; cat <= LG_NCATS; cat++) {
    lg_log_u64(g->cat_bytes[cat]);
    lg_log_u64(g->cat_blocks[cat]);
  }
  lg_log_u32((uint32_t)g->nclusters);
  lg_log_u32(cyclic);
  uint64_t now = lg_now_ns();
  lg_log_u64(now - s->t_stopped);
  lg_log_u64(now - s->t_start);
  lg_log_u64(s->heap.scanned_bytes);
  lg_log_u32(s->threads);
  lg_log_u32(s->world.no_answer ? LG_SCANF_CONSERVATIVE_THREAD : 0);
  lg_log_end();
  lg_last_totals_set(g->cat_bytes, g->cat_blocks, (uint32_t)g->nclusters, cyclic);
}

/* ---- phase: age ------------------------------------------------------------ */

/* Flags this scan's lost blocks in the table (generations were advanced
 * during the snapshot). */
static void mark_lost_in_table(const scan_t *s) {
  const lg_graph_t *g = &s->graph;
  for (size_t k = 0; k < g->nmembers; k++)
    lg_blocks_set_flags_locked(s->heap.blk[g->members[k]].addr, LG_BLK_LOST);
}

/* ---- the scan ------------------------------------------------------------- */

static void lock_all(void) {
  lg_modules_lock();
  lg_modules_refresh();
  lg_stacks_lock();
  lg_arena_lock_all();
  lg_log_lock();
  lg_roots_lock();
  lg_blocks_lock_all();
}

static void unlock_all(void) {
  lg_blocks_unlock_all();
  lg_roots_unlock();
  lg_log_unlock();
  lg_arena_unlock_all();
  lg_stacks_unlock();
  lg_modules_unlock();
}

long lg_scan_run(int kind, uint32_t number, const lg_self_t *self) {
  scan_t s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.number = number;
  s.self = self;
  s.t_start = lg_now_ns();
  lock_all();
  s.t_stopped = lg_now_ns();
  lg_world_stop(&s.world, 1000000000ull);
  long lost = -1;
  lg_log_begin(LG_REC_SCAN_BEGIN, 16);
  lg_log_u32(number);
  lg_log_u32((uint32_t)kind);
  lg_log_u64(s.t_start - lg_start_ns());
  lg_log_end();
  uint64_t t[6] = {lg_now_ns()};
  if (read_maps(&s) == 0 && snapshot(&s) == 0) {
    t[1] = lg_now_ns();
    mark_roots(&s);
    t[2] = lg_now_ns();
    if (lg_graph_analyse(&s.heap, &s.graph) == 0) {
      t[3] = lg_now_ns();
      first_seen(&s);
      log_clusters(&s);
      lg_sys_unmap(cluster_first, cluster_first_bytes);
      cluster_first = NULL;
      t[4] = lg_now_ns();
      char msg[200];
      lg_fmt(msg, sizeof msg, "scan %u phases (ms): snapshot %llu, mark %llu, analyse %llu, log %llu; %zu blocks",
             number, (unsigned long long)(t[1] - t[0]) / 1000000, (unsigned long long)(t[2] - t[1]) / 1000000,
             (unsigned long long)(t[3] - t[2]) / 1000000, (unsigned long long)(t[4] - t[3]) / 1000000, s.heap.n);
      lg_note_locked(LG_NOTE_INFO, msg);
      log_scan_end(&s);
      lost = (long)(s.graph.cat_bytes[LG_CAT_DEFINITE] + s.graph.cat_bytes[LG_CAT_INDIRECT]);
      mark_lost_in_table(&s);
      lg_graph_free(&s.graph);
    }
  }
  if (lost < 0) lg_note_locked(LG_NOTE_WARNING, "the scan ran out of memory and was abandoned");
  lg_log_flush();
  lg_world_start(&s.world);
  lg_heap_free(&s.heap);
  if (s.heap.blk) lg_sys_unmap(s.heap.blk, s.blk_bytes);
  if (s.maps) lg_sys_unmap(s.maps, s.maps_cap);
  unlock_all();
  return lost;
}
