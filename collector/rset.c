/* collector/rset.c — the remembered set's registry and clean runs (see
 * rset.h). */
#include "rset.h"

#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "dirty.h"
#include "maps.h"
#include "sys.h"

#define PAGE 4096u

typedef struct entry { uintptr_t lo, hi; } entry_t; /* a tracked range */

static int on;
static int closed;              /* the program uses a userfaultfd: never again */
static entry_t *reg;            /* tracked ranges, by address, disjoint */
static size_t nreg, reg_bytes;
static lg_rset_run_t *clean;    /* the last collection's clean runs */
static size_t nclean, clean_bytes;
static lg_rset_run_t *noted;    /* written runs noted since (lg_rset_note_written) */
static size_t nnoted, noted_bytes;
static int noted_lost;          /* a note found no room: nothing is clean */

int lg_rset_open(void) {
  if (on) return 0;
  if (closed || lg_dirty_open() < 0) return -1;
  on = 1;
  return 0;
}

int lg_rset_ready(void) { return on && lg_dirty_ready(); }

int lg_rset_available(void) {
  if (on) return 1;
  if (closed || lg_dirty_open() < 0) return 0;
  lg_dirty_close(); /* opened for good at the first scan that uses it */
  return 1;
}

#define ARENA_HEAP ((uintptr_t)64 << 20) /* glibc's HEAP_MAX_SIZE on 64-bit */

/* Reads n bytes at a of this process's memory into out, when the page
 * holding a is resident (a page that is not is never faulted in: a
 * MAP_NORESERVE reservation stays as the program left it); 0 or -1. */
static int peek(uintptr_t a, void *out, size_t n) {
  unsigned char vec = 0;
  struct iovec local = {out, n}, remote = {(void *)a, n};
  if (mincore((void *)(a & ~(uintptr_t)(PAGE - 1)), PAGE, &vec) < 0 || !(vec & 1)) return -1;
  return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t)n ? 0 : -1;
}

int lg_rset_heap(const lg_map_t *maps, size_t n, size_t i) {
  const lg_map_t *m = &maps[i];
  if (!m->readable || !m->writable || m->shared) return 0;
  if (m->kind == LG_MAP_HEAP) return 1;
  if (m->kind != LG_MAP_ANON) return 0;
  uintptr_t base = m->lo & ~(ARENA_HEAP - 1), w[4];
  const lg_map_t *b = lg_maps_find(maps, n, base);
  if (!b || !b->readable || peek(base, w, sizeof w) < 0) return 0;
  /* heap_info: ar_ptr, prev, size, mprotect_size */
  return w[0] && w[2] >= PAGE && w[2] <= ARENA_HEAP && w[3] >= w[2] && w[3] <= ARENA_HEAP;
}

/* Grows *p (of *bytes) to hold `need` bytes; 0 or -1. */
static int room(void **p, size_t *bytes, size_t need) {
  if (need <= *bytes) return 0;
  size_t nb = need * 2 < 65536 ? 65536 : need * 2;
  void *n = *p ? lg_sys_remap(*p, *bytes, nb) : lg_sys_map(nb);
  if (!n) return -1;
  *p = n;
  *bytes = nb;
  return 0;
}

/* ---- the chunks glibc mapped for one block each ------------------------ */

#define MAX_CHUNKS 65536u /* candidates kept; more are read whole as roots */

static uintptr_t *cand;       /* chunk addresses noted since, and verified at, the last collection */
static uint32_t ncand;        /* slots taken (some may still be 0: being written) */
static lg_rset_run_t *chunks; /* the last collection's chunks, by address */
static size_t nchunks, chunks_bytes;

void lg_rset_keep_chunks(void) {
  if (!cand) cand = lg_sys_map(MAX_CHUNKS * sizeof *cand); /* none: every chunk is read whole */
}

void lg_rset_note_chunk(uintptr_t block) {
  if (!cand || (block & (PAGE - 1)) != 16) return;
  uint32_t i = __atomic_fetch_add(&ncand, 1, __ATOMIC_RELAXED);
  if (i < MAX_CHUNKS) __atomic_store_n(&cand[i], block - 16, __ATOMIC_RELAXED);
}

/* Where the chunk at c ends if c starts a chunk glibc mapped for one
 * block in a private anonymous mapping of maps (prev_size 0, IS_MMAPPED
 * and no other flag, a whole number of pages inside the mapping), else 0. */
static uintptr_t chunk_end(const lg_map_t *maps, size_t n, uintptr_t c) {
  const lg_map_t *m = lg_maps_find(maps, n, c);
  uintptr_t w[2];
  if (!m || !m->readable || !m->writable || m->shared || m->kind != LG_MAP_ANON) return 0;
  if (lg_rset_heap(maps, n, (size_t)(m - maps)) || peek(c, w, sizeof w) < 0) return 0;
  uintptr_t size = w[1] & ~(uintptr_t)7;
  if (w[0] || (w[1] & 7) != 2 || !size || (size & (PAGE - 1)) || size > m->hi - c) return 0;
  return c + size;
}

/* Sorts a[0..n) (a shell sort: no malloc with the world stopped). */
static void sort_addrs(uintptr_t *a, size_t n) {
  for (size_t gap = n / 2; gap; gap /= 2)
    for (size_t i = gap; i < n; i++)
      for (size_t j = i; j >= gap && a[j - gap] > a[j]; j -= gap) {
        uintptr_t t = a[j]; a[j] = a[j - gap]; a[j - gap] = t;
      }
}

/* Verifies the candidates against the maps: the chunks that still are
 * become this collection's (by address, disjoint), the rest are dropped. */
static void verify_chunks(const lg_map_t *maps, size_t n) {
  nchunks = 0;
  size_t k = __atomic_load_n(&ncand, __ATOMIC_RELAXED), keep = 0;
  if (k > MAX_CHUNKS) k = MAX_CHUNKS;
  sort_addrs(cand, k);
  if (room((void **)&chunks, &chunks_bytes, (k + 1) * sizeof *chunks) < 0) k = 0;
  for (size_t i = 0; i < k; i++) {
    uintptr_t c = cand[i], e = c ? chunk_end(maps, n, c) : 0;
    if (!e || (nchunks && chunks[nchunks - 1].hi > c)) continue;
    chunks[nchunks++] = (lg_rset_run_t){c, e};
    cand[keep++] = c;
  }
  __atomic_store_n(&ncand, (uint32_t)keep, __ATOMIC_RELAXED);
}

const lg_rset_run_t *lg_rset_chunks(size_t *n) {
  *n = on ? nchunks : 0;
  return chunks;
}

static int add_clean(uintptr_t lo, uintptr_t hi) {
  if (lo >= hi) return 0;
  if (room((void **)&clean, &clean_bytes, (nclean + 1) * sizeof *clean) < 0) return -1;
  clean[nclean++] = (lg_rset_run_t){lo, hi};
  return 0;
}

/* Is mapping m the shim's own (its first page holds sys.c's header)? Read
 * through process_vm_readv: a thread that did not stop may unmap it. */
static int shim_mapping(const lg_map_t *m) {
  unsigned char head[LG_SYS_HEADER];
  return peek(m->lo, head, sizeof head) == 0 && lg_sys_own_mapping(head) != 0;
}

/* The written runs of one tracked range, turned into clean runs. */
typedef struct gaps { uintptr_t at; int oom; } gaps_t;

static void on_written(uintptr_t a, uintptr_t b, void *arg) {
  gaps_t *g = arg;
  if (add_clean(g->at, a) < 0) g->oom = 1;
  g->at = b;
}

/* Collects the tracked range [lo, hi): its pages written since the last
 * collection are dirty, the rest clean, and all of it is protected again.
 * Returns 0, or -1 when the kernel cannot answer for part of it (then
 * none of it is clean). */
static int collect_part(uintptr_t lo, uintptr_t hi) {
  size_t mark = nclean;
  gaps_t g = {lo, 0};
  if (lg_dirty_written(lo, hi, 1, on_written, &g) < 0) {
    nclean = mark;
    return -1;
  }
  if (add_clean(g.at, hi) < 0 || g.oom) nclean = mark;
  return 0;
}

/* Appends the tracked range [lo, hi) to the registry being built (out,
 * *no entries), joined to the last entry when adjacent. */
static void keep(entry_t *out, size_t *no, uintptr_t lo, uintptr_t hi) {
  if (*no && out[*no - 1].hi == lo) { out[*no - 1].hi = hi; return; }
  out[(*no)++] = (entry_t){lo, hi};
}

/* Tracks [lo, hi) of a heap mapping afresh: nothing of it is clean now,
 * all of it from the next collection on (unless the kernel refuses). */
static void track_part(entry_t *out, size_t *no, uintptr_t lo, uintptr_t hi) {
  if (lo < hi && lg_dirty_track(lo, hi) == 0) keep(out, no, lo, hi);
}

/* Untracks what the registry holds below `to` that no heap mapping holds
 * any more (from reg[*j], starting at *from): the kernel already dropped
 * the registration of what was unmapped or made anew; the rest stops
 * being write-protected on our account. */
static void drop_below(size_t *j, uintptr_t *from, uintptr_t to) {
  while (*j < nreg && reg[*j].lo < to) {
    uintptr_t lo = reg[*j].lo > *from ? reg[*j].lo : *from, hi = reg[*j].hi < to ? reg[*j].hi : to;
    if (lo < hi) lg_dirty_untrack(lo, hi);
    if (reg[*j].hi > to) { *from = to; return; }
    (*j)++;
  }
  *from = to;
}

/* Refreshes heap mapping m against the registry (from reg[*j]): each part
 * of it the registry holds is collected, or tracked again when the kernel
 * cannot answer for it (a part unmapped and made anew, moved, or
 * registered elsewhere); each part it does not hold (the mapping grew, or
 * is new) is tracked afresh. glibc grows the brk heap and its arena
 * heaps in place, and the kernel may merge a grown part into the mapping
 * once both are registered: the registry is by address range, not by
 * mapping, so a mapping that grew or merged keeps its clean pages, and
 * only its new ones count as written. */
static void refresh_mapping(const lg_map_t *m, size_t *j, uintptr_t *from, entry_t *out, size_t *no) {
  drop_below(j, from, m->lo);
  if (shim_mapping(m)) { drop_below(j, from, m->hi); return; }
  uintptr_t pos = m->lo;
  while (*j < nreg && reg[*j].lo < m->hi) {
    uintptr_t lo = reg[*j].lo > pos ? reg[*j].lo : pos, hi = reg[*j].hi < m->hi ? reg[*j].hi : m->hi;
    track_part(out, no, pos, lo);
    if (lo < hi) {
      if (collect_part(lo, hi) == 0) keep(out, no, lo, hi);
      else track_part(out, no, lo, hi);
    }
    pos = hi > pos ? hi : pos;
    if (reg[*j].hi > m->hi) break;
    (*j)++;
  }
  track_part(out, no, pos, m->hi);
  *from = m->hi;
}

/* Rebuilds the registry from the maps (see refresh_mapping): the heap
 * mappings and the chunks malloc mapped for one block each
 * (lg_rset_chunk_end); what it held outside them is untracked. */
static void rebuild(const lg_map_t *maps, size_t n, entry_t *out) {
  size_t j = 0, no = 0, c = 0;
  uintptr_t from = 0;
  for (size_t i = 0; i < n; i++) {
    if (lg_rset_heap(maps, n, i)) refresh_mapping(&maps[i], &j, &from, out, &no);
    else
      while (c < nchunks && chunks[c].lo < maps[i].hi) {
        lg_map_t chunk = maps[i]; /* only the chunk: the rest of the mapping is not malloc's */
        chunk.lo = chunks[c].lo;
        chunk.hi = chunks[c++].hi;
        if (chunk.lo >= maps[i].lo) refresh_mapping(&chunk, &j, &from, out, &no);
      }
  }
  drop_below(&j, &from, UINTPTR_MAX);
  if (reg) lg_sys_unmap(reg, reg_bytes);
  reg = out;
  nreg = no;
}

void lg_rset_note_written(uintptr_t lo, uintptr_t hi) {
  if (!on || lo >= hi) return;
  if (nnoted && noted[nnoted - 1].hi == lo) { noted[nnoted - 1].hi = hi; return; }
  if (room((void **)&noted, &noted_bytes, (nnoted + 1) * sizeof *noted) < 0) { noted_lost = 1; return; }
  noted[nnoted++] = (lg_rset_run_t){lo, hi};
}

/* Sorts the noted runs by start (a shell sort: no malloc with the world
 * stopped). */
static void sort_noted(void) {
  for (size_t gap = nnoted / 2; gap; gap /= 2)
    for (size_t i = gap; i < nnoted; i++)
      for (size_t j = i; j >= gap && noted[j - gap].lo > noted[j].lo; j -= gap) {
        lg_rset_run_t t = noted[j]; noted[j] = noted[j - gap]; noted[j - gap] = t;
      }
}

/* Appends what of clean run c no noted run covers to out (*no entries),
 * from noted[*j] on (sorted by start; they may overlap). */
static void cut_run(lg_rset_run_t c, size_t *j, lg_rset_run_t *out, size_t *no) {
  while (*j < nnoted && noted[*j].hi <= c.lo) (*j)++;
  uintptr_t pos = c.lo;
  for (size_t k = *j; k < nnoted && noted[k].lo < c.hi && pos < c.hi; k++) {
    if (noted[k].hi <= pos) continue;
    if (noted[k].lo > pos) out[(*no)++] = (lg_rset_run_t){pos, noted[k].lo};
    pos = noted[k].hi;
  }
  if (pos < c.hi) out[(*no)++] = (lg_rset_run_t){pos, c.hi};
}

/* Takes the noted runs out of this collection's clean runs, and forgets
 * them (they are written for this collection only). */
static void subtract_noted(void) {
  if (noted_lost) nclean = 0;
  if (nnoted && nclean) {
    size_t bytes = (nclean + nnoted + 1) * sizeof(lg_rset_run_t), no = 0, j = 0;
    lg_rset_run_t *out = lg_sys_map(bytes);
    sort_noted();
    for (size_t i = 0; out && i < nclean; i++) cut_run(clean[i], &j, out, &no);
    if (out) {
      lg_sys_unmap(clean, clean_bytes);
      clean = out;
      clean_bytes = bytes;
    }
    nclean = out ? no : 0;
  }
  nnoted = 0;
  noted_lost = 0;
}

void lg_rset_collect(void) {
  nclean = 0;
  if (!lg_rset_ready()) { nnoted = 0; noted_lost = 0; return; }
  lg_map_t *maps = NULL;
  size_t n = 0, bytes = 0;
  if (lg_maps_read(&maps, &n, &bytes) < 0) return;
  verify_chunks(maps, n);
  /* a mapping or chunk adds at most two entries per registry entry it
   * overlaps (one overlaps at most every mapping it spans), plus one */
  size_t out_bytes = (3 * (n + nchunks) + 2 * nreg + 1) * sizeof(entry_t);
  entry_t *out = lg_sys_map(out_bytes);
  if (out) {
    rebuild(maps, n, out);
    reg_bytes = out_bytes;
  }
  lg_sys_unmap(maps, bytes);
  subtract_noted();
}

void lg_rset_each_range(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg) {
  for (size_t i = 0; on && i < nreg; i++) fn(reg[i].lo, reg[i].hi, arg);
}

int lg_rset_covers(uintptr_t lo, uintptr_t hi) {
  uintptr_t at = lo;
  int any = 0;
  for (size_t i = 0; on && i < nreg && reg[i].lo < hi; i++) {
    if (reg[i].hi <= lo) continue;
    any = 1;
    if (reg[i].lo > at) return 1; /* a gap */
    if (reg[i].hi > at) at = reg[i].hi;
  }
  return !any ? 0 : at >= hi ? 2 : 1;
}

const lg_rset_run_t *lg_rset_clean(size_t *n) {
  *n = on ? nclean : 0;
  return clean;
}

void lg_rset_close(void) {
  closed = 1;
  lg_dirty_close();
  nreg = nclean = nchunks = nnoted = 0;
}

void lg_rset_fork_child(void) {
  if (reg) lg_sys_unmap(reg, reg_bytes);
  if (clean) lg_sys_unmap(clean, clean_bytes);
  if (chunks) lg_sys_unmap(chunks, chunks_bytes);
  if (noted) lg_sys_unmap(noted, noted_bytes);
  noted = NULL;
  nnoted = noted_bytes = 0;
  noted_lost = 0;
  reg = NULL;
  clean = NULL;
  chunks = NULL;
  nreg = nclean = reg_bytes = clean_bytes = nchunks = chunks_bytes = 0;
  on = 0;
  lg_dirty_fork_child();
}
