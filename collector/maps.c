/* collector/maps.c — the process's mappings and their resident pages (see
 * maps.h). */
#include "maps.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "pagemap.h"
#include "sys.h"

#define PAGE 4096u
#define WINDOW 4096u /* pages per pagemap or mincore read */

#define LG_PM_PRESENT (1ull << 63) /* /proc/self/pagemap entry bits */
#define LG_PM_SWAPPED (1ull << 62)
#define RAW_BYTES (WINDOW * 8 > LG_RESID_RUNS * sizeof(struct lg_page_region) ? WINDOW * 8 \
                   : LG_RESID_RUNS * sizeof(struct lg_page_region))

/* ---- the list of mappings ---------------------------------------------- */

static int has_prefix(const char *s, size_t n, const char *p) {
  size_t l = strlen(p);
  return n >= l && !memcmp(s, p, l);
}

/* What a mapping's name says it holds (enum lg_map_kind). */
static uint8_t kind_of(const char *name, size_t n) {
  if (n == 0) return LG_MAP_ANON;
  if (name[0] == '[') {
    if (has_prefix(name, n, "[heap]")) return LG_MAP_HEAP;
    if (has_prefix(name, n, "[stack]")) return LG_MAP_STACK;
    if (has_prefix(name, n, "[anon:") || has_prefix(name, n, "[anon_shmem:")) return LG_MAP_ANON;
    return LG_MAP_SPECIAL;
  }
  if (has_prefix(name, n, "/dev/zero")) return LG_MAP_ANON; /* shared anonymous memory */
  if (has_prefix(name, n, "/dev/shm/")) return LG_MAP_FILE;
  if (has_prefix(name, n, "/dev/") || has_prefix(name, n, "anon_inode:") || has_prefix(name, n, "/dmabuf:"))
    return LG_MAP_DEVICE;
  return LG_MAP_FILE;
}

/* Skips one field and the blanks after it. */
static const char *skip_field(const char *p, const char *end) {
  while (p < end && *p != ' ' && *p != '\n') p++;
  while (p < end && *p == ' ') p++;
  return p;
}

size_t lg_maps_parse(const char *text, size_t len, lg_map_t *out, size_t cap) {
  size_t n = 0;
  const char *end = text + len;
  for (const char *p = text; p < end && n < cap;) {
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    lg_map_t *m = &out[n];
    m->lo = lg_parse_hex(&p);
    if (*p == '-') p++;
    m->hi = lg_parse_hex(&p);
    while (p < eol && *p == ' ') p++;
    if (eol - p >= 4) {
      m->readable = p[0] == 'r';
      m->writable = p[1] == 'w';
      m->shared = p[3] == 's';
      for (int f = 0; f < 4; f++) p = skip_field(p, eol); /* perms, offset, dev, inode */
      size_t nl = (size_t)(eol - p);
      while (nl && p[nl - 1] == ' ') nl--;
      m->kind = kind_of(p, nl);
      if (m->hi > m->lo) n++;
    }
    p = eol + 1;
  }
  return n;
}

/* Reads all of /proc/self/maps into a fresh mapping. A buffer that fills
 * up is dropped before the next, bigger read, so the text that is kept
 * describes memory where no buffer of ours was unmapped since. */
static char *read_text(size_t *len, size_t *cap) {
  static size_t guess = 1u << 16;
  for (int tries = 0; tries < 12; tries++) {
    size_t c = guess, n = 0;
    char *buf = lg_sys_map(c);
    if (!buf) return NULL;
    int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
    if (fd < 0) { lg_sys_unmap(buf, c); return NULL; }
    for (;;) {
      ssize_t r = read(fd, buf + n, c - n);
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      n += (size_t)r;
      if (n == c) break;
    }
    close(fd);
    if (n < c) { *len = n; *cap = c; return buf; }
    lg_sys_unmap(buf, c);
    guess = c * 2;
  }
  return NULL;
}

/* Removes [lo, hi) from the sorted list (which has room for one more
 * entry, for a split). */
static void cut(lg_map_t *v, size_t *n, uintptr_t lo, uintptr_t hi) {
  for (size_t i = 0; i < *n; i++) {
    lg_map_t *m = &v[i];
    if (m->hi <= lo || m->lo >= hi) continue;
    if (m->lo < lo && m->hi > hi) { /* split in two */
      memmove(m + 1, m, (*n - i) * sizeof *m);
      (*n)++;
      m->hi = lo;
      m[1].lo = hi;
      return;
    }
    if (m->lo < lo) m->hi = lo;
    else if (m->hi > hi) m->lo = hi;
    else { memmove(m, m + 1, (*n - i - 1) * sizeof *m); (*n)--; i--; }
  }
}

int lg_maps_read(lg_map_t **out, size_t *n, size_t *bytes) {
  size_t len, cap;
  char *text = read_text(&len, &cap);
  if (!text) return -1;
  size_t lines = 0;
  for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
  *bytes = (lines + 2) * sizeof(lg_map_t);
  *out = lg_sys_map(*bytes);
  if (*out) {
    *n = lg_maps_parse(text, len, *out, lines + 1);
    uintptr_t base = (uintptr_t)text - LG_SYS_HEADER;
    cut(*out, n, base, base + ((cap + LG_SYS_HEADER + PAGE - 1) & ~(uintptr_t)(PAGE - 1)));
  }
  lg_sys_unmap(text, cap);
  return *out ? 0 : -1;
}

const lg_map_t *lg_maps_find(const lg_map_t *maps, size_t n, uintptr_t a) {
  size_t lo = 0, hi = n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (maps[mid].hi <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo < n && maps[lo].lo <= a ? &maps[lo] : NULL;
}

int lg_maps_readable(const lg_map_t *maps, size_t n, uintptr_t a, uintptr_t len, lg_maps_cursor_t *c) {
  if (a >= c->lo && a < c->end) return a + len <= c->end;
  while (c->m < n && maps[c->m].hi <= a) c->m++;
  if (c->m == n || maps[c->m].lo > a || !maps[c->m].readable) return 0;
  uintptr_t end = maps[c->m].hi;
  for (size_t k = c->m + 1; k < n && maps[k].lo == end && maps[k].readable; k++) end = maps[k].hi;
  c->lo = maps[c->m].lo;
  c->end = end;
  return a + len <= end;
}

/* ---- residency -------------------------------------------------------- */

int lg_resid_open(lg_resid_t *r, int how, int in_child) {
  memset(r, 0, sizeof *r);
  r->in_child = in_child;
  r->runs = lg_sys_map(LG_RESID_RUNS * sizeof *r->runs);
  r->raw = lg_sys_map(RAW_BYTES);
  if (!r->runs || !r->raw) { lg_resid_close(r); return -1; }
  r->fd = how == LG_RESID_MINCORE ? -1 : open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  r->how = r->fd < 0 ? LG_RESID_MINCORE : how == LG_RESID_AUTO ? LG_RESID_AUTO : LG_RESID_PAGEMAP;
  return 0;
}

void lg_resid_close(lg_resid_t *r) {
  if (r->fd >= 0) close(r->fd);
  r->fd = -1;
  lg_sys_unmap(r->runs, LG_RESID_RUNS * sizeof *r->runs);
  lg_sys_unmap(r->raw, RAW_BYTES);
  r->runs = NULL;
  r->raw = NULL;
}

/* Appends page run [a, b) to the cached runs, joining it to the last. */
static void add_run(lg_resid_t *r, uintptr_t a, uintptr_t b) {
  if (r->nruns && r->runs[r->nruns - 1][1] == a) { r->runs[r->nruns - 1][1] = b; return; }
  r->runs[r->nruns][0] = a;
  r->runs[r->nruns][1] = b;
  r->nruns++;
}

/* PAGEMAP_SCAN over [from, to): 1 with the runs cached, 0 when the kernel
 * has no such ioctl (the caller falls back for good). */
static int fill_scan(lg_resid_t *r, uintptr_t from, uintptr_t to) {
  struct lg_page_region *reg = r->raw;
  struct lg_pm_scan_arg a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.start = from;
  a.end = to;
  a.vec = (uintptr_t)reg;
  a.vec_len = LG_RESID_RUNS;
  a.category_inverted = LG_PAGE_IS_PFNZERO; /* not the zero page ... */
  a.category_mask = LG_PAGE_IS_PFNZERO;
  a.category_anyof_mask = LG_PAGE_IS_PRESENT | LG_PAGE_IS_SWAPPED; /* ... present or swapped */
  a.return_mask = LG_PAGE_IS_PRESENT | LG_PAGE_IS_SWAPPED;
  long k = ioctl(r->fd, LG_PAGEMAP_SCAN, &a);
  if (k < 0 && (errno == ENOTTY || errno == EINVAL || errno == EOPNOTSUPP)) return 0;
  r->q_hi = k < 0 || a.walk_end <= from || a.walk_end > to ? to : (uintptr_t)a.walk_end;
  for (long i = 0; i < k; i++) add_run(r, (uintptr_t)reg[i].start, (uintptr_t)reg[i].end);
  return 1;
}

/* One window of /proc/self/pagemap entries or of mincore()'s vector from
 * `from`, as runs. */
static void fill_window(lg_resid_t *r, uintptr_t from, uintptr_t to, int use_mincore) {
  size_t pages = (to - from) / PAGE < WINDOW ? (to - from) / PAGE : WINDOW;
  r->q_hi = from + pages * PAGE;
  uint64_t *ent = r->raw;
  unsigned char *vec = r->raw;
  int ok;
  if (use_mincore) {
    ok = mincore((void *)from, pages * PAGE, vec) == 0;
  } else {
    ssize_t got = pread(r->fd, ent, pages * 8, (off_t)(from / PAGE * 8));
    ok = got == (ssize_t)(pages * 8);
  }
  if (!ok) return; /* unmapped since, or unreadable: nothing resident */
  for (size_t i = 0; i < pages; i++) {
    int in = use_mincore ? (vec[i] & 1) : (ent[i] & (LG_PM_PRESENT | LG_PM_SWAPPED)) != 0;
    if (in) add_run(r, from + i * PAGE, from + (i + 1) * PAGE);
  }
}

/* Replaces the cached answer by one for mapping m from `from`. */
static void refill(lg_resid_t *r, const lg_map_t *m, uintptr_t from, uintptr_t to) {
  r->q_map = m;
  r->q_lo = from;
  r->nruns = r->irun = 0;
  int use_mincore = r->how == LG_RESID_MINCORE || (r->in_child && m->shared);
  if (!use_mincore && r->how == LG_RESID_AUTO) {
    if (fill_scan(r, from, to)) return;
    r->how = LG_RESID_PAGEMAP;
  }
  fill_window(r, from, to, use_mincore);
}

int lg_resid_next(lg_resid_t *r, const lg_map_t *m, uintptr_t from, uintptr_t to, uintptr_t *a, uintptr_t *b) {
  while (from < to) {
    if (r->q_map != m || from < r->q_lo || from >= r->q_hi) refill(r, m, from, to);
    while (r->irun < r->nruns && r->runs[r->irun][1] <= from) r->irun++;
    if (r->irun < r->nruns && r->runs[r->irun][0] < to) {
      *a = r->runs[r->irun][0] > from ? r->runs[r->irun][0] : from;
      *b = r->runs[r->irun][1] < to ? r->runs[r->irun][1] : to;
      return 1;
    }
    from = r->q_hi;
  }
  return 0;
}

int lg_resid_page(lg_resid_t *r, const lg_map_t *m, uintptr_t page) {
  r->q_map = NULL; /* the cache is for rising walks; start over after this */
  uintptr_t a, b;
  return lg_resid_next(r, m, page, page + PAGE, &a, &b);
}
