/* collector/history.c — the scans' memory of earlier scans (see history.h):
 * two lost-block lists (previous and next) and the per-site old bytes, in
 * shared anonymous mappings (sys.c's, headed like all the shim's memory)
 * grown only by the parent. */
#include "history.h"

#include <string.h>

#include "sys.h"

typedef struct header {
  uint32_t cur;        /* which list is the previous scan's */
  uint32_t pad;
  size_t n[2];
  lg_scan_result_t result;
} header_t;

static header_t *hdr;
static lg_seen_t *list[2];
static size_t cap;         /* entries per list */
static uint64_t *old;
static uint32_t old_cap;   /* entries; also the bits of `logged` */
static uint64_t *logged;   /* stacks already in the current log */
/* In a snapshot child's private mode (lg_history_private): the shared
 * mappings the pointers above stood for, and the sizes of the copies. */
static header_t *shared_hdr;
static lg_seen_t *shared_next;
static uint64_t *shared_old, *shared_logged;

static void *map_shared(size_t bytes) { return lg_sys_map_shared(bytes); }

/* Replaces *p (of old_bytes) by a bigger shared mapping with the same
 * prefix. */
static int grow(void **p, size_t old_bytes, size_t new_bytes) {
  void *n = map_shared(new_bytes);
  if (!n) return -1;
  if (*p) { memcpy(n, *p, old_bytes); lg_sys_unmap(*p, old_bytes); }
  *p = n;
  return 0;
}

int lg_history_reserve(size_t blocks, uint32_t stacks) {
  if (!hdr && !(hdr = map_shared(sizeof *hdr))) return -1;
  if (blocks + 1 > cap) {
    size_t nc = (blocks + 1) * 2;
    for (int i = 0; i < 2; i++)
      if (grow((void **)&list[i], cap * sizeof(lg_seen_t), nc * sizeof(lg_seen_t)) < 0) return -1;
    cap = nc;
  }
  if (stacks + 1 > old_cap) {
    uint32_t nc = (stacks + 1) * 2;
    if (grow((void **)&old, (size_t)old_cap * 8, (size_t)nc * 8) < 0 ||
        grow((void **)&logged, ((size_t)old_cap + 63) / 64 * 8, ((size_t)nc + 63) / 64 * 8) < 0)
      return -1;
    old_cap = nc;
  }
  return 0;
}

const lg_seen_t *lg_history_prev(uintptr_t addr) {
  if (!hdr) return NULL;
  const lg_seen_t *l = list[hdr->cur];
  size_t lo = 0, hi = hdr->n[hdr->cur];
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (l[mid].addr < addr) lo = mid + 1; else hi = mid;
  }
  return lo < hdr->n[hdr->cur] && l[lo].addr == addr ? &l[lo] : NULL;
}

lg_seen_t *lg_history_next(void) { return hdr ? list[hdr->cur ^ 1] : NULL; }

const lg_seen_t *lg_history_prev_list(size_t *n) {
  *n = hdr ? hdr->n[hdr->cur] : 0;
  return hdr ? list[hdr->cur] : NULL;
}

size_t lg_history_capacity(void) { return cap; }

void lg_history_commit(size_t n) {
  if (!hdr) return;
  hdr->n[hdr->cur ^ 1] = n;
  hdr->cur ^= 1;
}

uint64_t *lg_history_old_bytes(uint32_t *nstacks) {
  *nstacks = old_cap;
  return old;
}

int lg_history_stack_needs_log(uint32_t id) {
  if (!logged || id >= old_cap) return 1;
  uint64_t bit = 1ull << (id % 64);
  if (logged[id / 64] & bit) return 0;
  logged[id / 64] |= bit;
  return 1;
}

lg_scan_result_t *lg_history_result(void) {
  if (shared_hdr) return &shared_hdr->result; /* shared even in private mode */
  return hdr ? &hdr->result : NULL;
}

static size_t logged_bytes(void) { return ((size_t)old_cap + 63) / 64 * 8; }

int lg_history_private(void) {
  if (!hdr || shared_hdr) return 0;
  header_t *h = lg_sys_map(sizeof *h);
  lg_seen_t *next = lg_sys_map(cap * sizeof(lg_seen_t)); /* untouched pages cost nothing */
  uint64_t *o = lg_sys_map((size_t)old_cap * 8), *l = lg_sys_map(logged_bytes());
  if (!h || !next || !o || !l) {
    if (h) lg_sys_unmap(h, sizeof *h);
    if (next) lg_sys_unmap(next, cap * sizeof(lg_seen_t));
    if (o) lg_sys_unmap(o, (size_t)old_cap * 8);
    if (l) lg_sys_unmap(l, logged_bytes());
    return -1;
  }
  memcpy(h, hdr, sizeof *h);
  memcpy(o, old, (size_t)old_cap * 8);
  memcpy(l, logged, logged_bytes());
  shared_hdr = hdr;
  shared_next = list[hdr->cur ^ 1];
  shared_old = old;
  shared_logged = logged;
  list[hdr->cur ^ 1] = next;
  hdr = h;
  old = o;
  logged = l;
  return 0;
}

void lg_history_publish(void) {
  if (!shared_hdr) return;
  uint32_t next = shared_hdr->cur ^ 1;
  memcpy(shared_old, old, (size_t)old_cap * 8);
  memcpy(shared_logged, logged, logged_bytes());
  if (hdr->cur != next) return; /* the scan committed no list */
  memcpy(shared_next, list[next], hdr->n[next] * sizeof(lg_seen_t));
  shared_hdr->n[next] = hdr->n[next];
  shared_hdr->cur = next;
}

void lg_history_forget(void) {
  lg_sys_unmap(logged, ((size_t)old_cap + 63) / 64 * 8);
  logged = NULL;
  lg_sys_unmap(hdr, sizeof *hdr);
  for (int i = 0; i < 2; i++) lg_sys_unmap(list[i], cap * sizeof(lg_seen_t));
  lg_sys_unmap(old, (size_t)old_cap * 8);
  hdr = NULL;
  list[0] = list[1] = NULL;
  old = NULL;
  cap = 0;
  old_cap = 0;
}
