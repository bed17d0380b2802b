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

typedef struct entry { uintptr_t lo, hi; uint8_t kept, broken; } entry_t;

static int on;
static int closed;              /* the program uses a userfaultfd: never again */
static entry_t *reg;            /* tracked mappings, by address */
static size_t nreg, reg_bytes;
static lg_rset_run_t *clean;    /* the last collection's clean runs */
static size_t nclean, clean_bytes;

int lg_rset_open(void) {
  if (on) return 0;
  if (closed || lg_dirty_open() < 0) return -1;
  on = 1;
  return 0;
}

int lg_rset_ready(void) { return on && lg_dirty_ready(); }

#define ARENA_HEAP ((uintptr_t)64 << 20) /* glibc's HEAP_MAX_SIZE on 64-bit */

/* Reads n bytes at a of this process's memory into out; 0 or -1. */
static int peek(uintptr_t a, void *out, size_t n) {
  struct iovec local = {out, n}, remote = {(void *)a, n};
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

static int add_clean(uintptr_t lo, uintptr_t hi) {
  if (lo >= hi) return 0;
  if (room((void **)&clean, &clean_bytes, (nclean + 1) * sizeof *clean) < 0) return -1;
  clean[nclean++] = (lg_rset_run_t){lo, hi};
  return 0;
}

/* Is mapping m the shim's own (its first page holds sys.c's header)? Read
 * through process_vm_readv: a thread that did not stop may unmap it. */
static int shim_mapping(const lg_map_t *m) {
  unsigned char vec = 0, head[LG_SYS_HEADER];
  if (mincore((void *)m->lo, PAGE, &vec) < 0 || !(vec & 1)) return 0;
  return peek(m->lo, head, sizeof head) == 0 && lg_sys_own_mapping(head) != 0;
}

/* The written runs of one kept entry, turned into clean runs. */
typedef struct gaps { uintptr_t at; int oom; } gaps_t;

static void on_written(uintptr_t a, uintptr_t b, void *arg) {
  gaps_t *g = arg;
  if (add_clean(g->at, a) < 0) g->oom = 1;
  g->at = b;
}

/* Collects entry e: its written pages since the last collection become
 * dirty, the rest clean, and all of it is protected again. */
static void collect_entry(entry_t *e) {
  size_t mark = nclean;
  gaps_t g = {e->lo, 0};
  if (lg_dirty_written(e->lo, e->hi, 1, on_written, &g) < 0) {
    nclean = mark; /* nothing of it is clean; tracked afresh next time */
    e->broken = 1;
    return;
  }
  if (add_clean(g.at, e->hi) < 0 || g.oom) nclean = mark;
}

/* Matches the candidate mappings against the registry: an entry with the
 * same bounds (and no failure) is kept; the others are untracked, before
 * anything new is tracked where they were. */
static void match(const lg_map_t *maps, size_t n) {
  size_t j = 0;
  for (size_t k = 0; k < nreg; k++) reg[k].kept = 0;
  for (size_t i = 0; i < n; i++) {
    const lg_map_t *m = &maps[i];
    while (j < nreg && reg[j].hi <= m->lo) j++;
    if (j < nreg && reg[j].lo == m->lo && reg[j].hi == m->hi && !reg[j].broken && lg_rset_heap(maps, n, i))
      reg[j].kept = 1;
  }
  for (size_t k = 0; k < nreg; k++)
    if (!reg[k].kept) lg_dirty_untrack(reg[k].lo, reg[k].hi);
}

/* Rebuilds the registry from the maps: kept entries are collected, new
 * candidates tracked (nothing of them is clean before the next scan). */
static void rebuild(const lg_map_t *maps, size_t n, entry_t *out) {
  size_t j = 0, no = 0;
  for (size_t i = 0; i < n; i++) {
    const lg_map_t *m = &maps[i];
    if (!lg_rset_heap(maps, n, i)) continue;
    while (j < nreg && reg[j].hi <= m->lo) j++;
    if (j < nreg && reg[j].kept && reg[j].lo == m->lo && reg[j].hi == m->hi) {
      out[no] = (entry_t){m->lo, m->hi, 0, 0};
      collect_entry(&out[no]);
      no++;
    } else if (!shim_mapping(m) && lg_dirty_track(m->lo, m->hi) == 0) {
      out[no++] = (entry_t){m->lo, m->hi, 0, 0};
    }
  }
  if (reg) lg_sys_unmap(reg, reg_bytes);
  reg = out;
  nreg = no;
}

void lg_rset_collect(void) {
  nclean = 0;
  if (!lg_rset_ready()) return;
  lg_map_t *maps = NULL;
  size_t n = 0, bytes = 0;
  if (lg_maps_read(&maps, &n, &bytes) < 0) return;
  size_t out_bytes = (n + 1) * sizeof(entry_t);
  entry_t *out = lg_sys_map(out_bytes);
  if (out) {
    match(maps, n);
    rebuild(maps, n, out);
    reg_bytes = out_bytes;
  }
  lg_sys_unmap(maps, bytes);
}

const lg_rset_run_t *lg_rset_clean(size_t *n) {
  *n = on ? nclean : 0;
  return clean;
}

void lg_rset_close(void) {
  closed = 1;
  lg_dirty_close();
  nreg = nclean = 0;
}

void lg_rset_fork_child(void) {
  if (reg) lg_sys_unmap(reg, reg_bytes);
  if (clean) lg_sys_unmap(clean, clean_bytes);
  reg = NULL;
  clean = NULL;
  nreg = nclean = reg_bytes = clean_bytes = 0;
  on = 0;
  lg_dirty_fork_child();
}
