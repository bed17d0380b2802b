/* collector/born.c — the born-since-last-scan lists and the saved per-site
 * counts (see born.h): each thread's list of chunks, the registry of
 * lists, the epoch, and the readers a young scan's snapshot uses. */
#include "born.h"

#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "lock.h"
#include "sys.h"
#include "ttab.h"
#include "world.h"

#define MAX_LOGS 65536u
#define CHUNK_BYTES ((64u << 10) - 64u)
#define MAX_CHUNKS 256u /* 16 MiB of records an epoch per thread; more: the scan walks */
#define GONE 1u         /* record word: address | GONE | gen << 1 (born.h) */

typedef lg_born_rec_t rec_t;
typedef lg_born_chunk_t chunk_t;

/* The saved counts: a shared mapping, grown only by the parent. */
typedef struct sites { uint32_t tag, n; lg_site_gen_t site[]; } sites_t;

int lg_born_on;
uint32_t lg_born_epoch = 1;         /* 0 tags nothing */
static uint32_t lost_epoch;         /* the latest epoch whose lists miss a change */
static int ended_why;               /* why the epoch the last flip ended cannot be trusted (LG_BORN_*) */
static lg_born_log_t *logs[MAX_LOGS];
static uint32_t nlogs;
static lg_born_log_t *free_logs;
static lg_lock_t registry = LG_LOCK_INIT; /* a leaf */
static lg_born_log_t orphan;              /* threads past their end, under orphan_lock */
static lg_lock_t orphan_lock = LG_LOCK_INIT;
static sites_t *sites;
static uint32_t sites_cap;
__thread lg_born_log_t *lg_born_self __attribute__((tls_model("initial-exec")));
static __thread int ended __attribute__((tls_model("initial-exec")));

void lg_born_enable(void) { lg_born_on = 1; }

void lg_born_lose(void) { __atomic_store_n(&lost_epoch, __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED), __ATOMIC_RELAXED); }

static chunk_t *chunk_new(void) {
  chunk_t *c = lg_sys_map(CHUNK_BYTES);
  if (c) c->cap = (uint32_t)((CHUNK_BYTES - sizeof *c) / sizeof(rec_t));
  return c;
}

/* Makes a list or takes one a thread left; registry locked. */
static lg_born_log_t *log_get(void) {
  lg_born_log_t *l = free_logs;
  if (l) { free_logs = l->next_free; return l; }
  if (nlogs == MAX_LOGS || !(l = lg_sys_map(sizeof *l))) return NULL;
  if (!(l->head = l->tail = chunk_new())) { lg_sys_unmap(l, sizeof *l); return NULL; }
  l->nchunks = 1;
  l->epoch = lg_born_epoch;
  __atomic_store_n(&logs[nlogs], l, __ATOMIC_RELEASE);
  __atomic_store_n(&nlogs, nlogs + 1, __ATOMIC_RELEASE);
  return l;
}

/* Returns the calling thread's list, making or adopting one; NULL once
 * the thread ended or when out of memory. */
static lg_born_log_t *mine(void) {
  if (lg_born_self || ended) return lg_born_self;
  lg_lock(&registry);
  lg_born_log_t *l = log_get();
  if (l) l->owned = 1;
  lg_unlock(&registry);
  return lg_born_self = l;
}

/* The calling thread's first change (its list made or adopted), or one
 * past its end (the orphan list, under its lock): never LG_BORN_OWN. */
lg_born_log_t *lg_born_enter_slow(void) {
  lg_born_log_t *l = mine();
  if (!l) {
    if (!orphan.head) { lg_born_lose(); return NULL; }
    lg_lock(&orphan_lock);
    l = &orphan;
  }
  l->busy = LG_BORN_WIDE;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  return l;
}

void lg_born_leave_slow(lg_born_log_t *l) {
  if (!l) return;
  l->busy = 0;
  if (l == &orphan) { lg_unlock(&orphan_lock); return; }
  if (l->stop_pending) {
    l->stop_pending = 0;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    syscall(SYS_tgkill, getpid(), lg_gettid(), lg_world_signal()); /* the stop put off: taken now */
  }
}

int lg_born_defer_stop(void) {
  lg_born_log_t *l = lg_born_self;
  if (!l || l->busy != LG_BORN_OWN) return 0;
  l->stop_pending = 1;
  return 1;
}

/* Empties list l for epoch e (its owner, outside any stop: a scan reads
 * lists of its ended epoch only, and this one is older). */
static void log_reset(lg_born_log_t *l, uint32_t e) {
  for (chunk_t *c = l->head->next, *n; c; c = n) { n = c->next; lg_sys_unmap(c, CHUNK_BYTES); }
  l->head->next = NULL;
  l->head->n = 0;
  l->tail = l->head;
  l->nchunks = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  l->epoch = e;
}

/* The slow part of lg_born_append: a list of an older epoch emptied, a
 * chunk added, or the record lost. */
void lg_born_append_slow(lg_born_log_t *l, uintptr_t word, uintptr_t aux, const lg_slot_t *slot) {
  if (!l) return;
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED);
  if (l->epoch != e) log_reset(l, e);
  chunk_t *c = l->tail;
  if (c->n == c->cap) {
    chunk_t *nc = l->nchunks < MAX_CHUNKS ? chunk_new() : NULL;
    if (!nc) { lg_born_lose(); return; }
    c->next = nc;
    l->tail = c = nc;
    l->nchunks++;
  }
  c->r[c->n].word = word;
  c->r[c->n].aux = aux;
  c->r[c->n].slot = slot;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  c->n++;
}

void lg_born_thread_end(void) {
  lg_born_log_t *l = lg_born_self;
  ended = 1;
  lg_born_self = NULL;
  if (!l) return;
  lg_lock(&registry);
  l->owned = 0;
  l->next_free = free_logs;
  free_logs = l;
  if (lg_born_on && !orphan.head && (orphan.head = orphan.tail = chunk_new())) {
    orphan.nchunks = 1;
    orphan.epoch = lg_born_epoch;
  }
  lg_unlock(&registry);
}

void lg_born_fork_child(void) {
  lg_lock_reset(&registry);
  lg_lock_reset(&orphan_lock);
  orphan.busy = 0;
  free_logs = NULL;
  for (uint32_t i = 0; i < nlogs; i++) {
    lg_born_log_t *l = logs[i];
    l->busy = 0;
    l->stop_pending = 0;
    if (l == lg_born_self) continue;
    l->owned = 0;
    l->next_free = free_logs;
    free_logs = l;
  }
  sites = NULL; /* the parent's mapping: left alone */
  sites_cap = 0;
  lost_epoch = lg_born_epoch;
}

/* ---- the scan's side ------------------------------------------------------------ */

void lg_born_flip(void) {
  int busy = orphan.busy;
  uint32_t n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n && !busy; i++) busy = __atomic_load_n(&logs[i], __ATOMIC_ACQUIRE)->busy;
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED);
  ended_why = !lg_born_on ? LG_BORN_OFF : busy ? LG_BORN_BUSY
              : __atomic_load_n(&lost_epoch, __ATOMIC_RELAXED) == e ? LG_BORN_LOST : LG_BORN_WHOLE;
  __atomic_store_n(&lg_born_epoch, e + 1, __ATOMIC_RELAXED);
  if (busy) __atomic_store_n(&lost_epoch, e + 1, __ATOMIC_RELAXED);
}

int lg_born_reserve(uint32_t stacks) {
  if (!lg_born_on || stacks <= sites_cap) return 0;
  uint32_t nc = stacks * 2;
  sites_t *ns = lg_sys_map_shared(sizeof(sites_t) + (size_t)nc * sizeof(lg_site_gen_t));
  if (!ns) return -1;
  if (sites) {
    memcpy(ns, sites, sizeof(sites_t) + (size_t)sites->n * sizeof(lg_site_gen_t));
    lg_sys_unmap(sites, sizeof(sites_t) + (size_t)sites_cap * sizeof(lg_site_gen_t));
  }
  sites = ns;
  sites_cap = nc;
  return 0;
}

int lg_born_why(void) {
  if (ended_why != LG_BORN_WHOLE) return ended_why;
  return sites && sites->tag == __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) - 1 ? LG_BORN_WHOLE : LG_BORN_UNSAVED;
}

int lg_born_whole(void) { return lg_born_why() == LG_BORN_WHOLE; }

const char *lg_born_why_text(int why) {
  switch (why) {
  case LG_BORN_WHOLE: return "from the born lists";
  case LG_BORN_BUSY: return "by a walk of the table: a thread was stopped inside a table change";
  case LG_BORN_LOST: return "by a walk of the table: the lists missed a change";
  case LG_BORN_UNSAVED: return "by a walk of the table: the scan before saved no site counts";
  case LG_BORN_AGAIN: return "by a walk of the table: blocks the scan before found lost are judged again";
  default: return "by a walk of the table";
  }
}

/* The entry of a new record at the stop: the slot it was written to when
 * that slot is in the current array of its table's part and still holds
 * the address, else found by a probe (an owner's rehash moves entries, and
 * a later array may be mapped where a retired one was, so a slot inside
 * the current array may be another array's); NULL when the address is no
 * longer in the table. */
static lg_slot_t *entry_of(const rec_t *r) {
  const lg_ttab_t *t = (const lg_ttab_t *)r->aux;
  if (!t) return lg_blocks_shared_find(r->word);
  uint64_t h = lg_tt_hash(r->word);
  lg_tarr_t *a = t->part[lg_tt_part(h)].arr;
  lg_slot_t *sl = (lg_slot_t *)r->slot;
  if (sl >= a->slots && sl < a->slots + 16 * (size_t)a->ngroups && (lg_tt_key(sl) & LG_BLK_ADDR_MASK) == r->word) return sl;
  return lg_ttab_find(a, r->word, h);
}

#define AHEAD 16 /* records whose entries are fetched ahead of their use */

/* Calls the callbacks with the records of list l. */
static void each_in(const lg_born_log_t *l, void (*on_new)(lg_slot_t *, void *),
                    void (*on_gone)(uintptr_t, uint32_t, uint32_t, unsigned, void *), void *arg) {
  for (const chunk_t *c = l->head; c; c = c->next)
    for (uint32_t i = 0; i < c->n; i++) {
      const rec_t *r = &c->r[i];
      if (r->word & GONE) {
        on_gone(r->word & ~(uintptr_t)15, (uint32_t)r->aux, (uint32_t)(r->aux >> 32), (unsigned)(r->word >> 1) & 3, arg);
        continue;
      }
      if (i + AHEAD < c->n && c->r[i + AHEAD].slot) __builtin_prefetch(c->r[i + AHEAD].slot);
      lg_slot_t *sl = entry_of(r);
      if (sl && !(lg_tt_key(sl) & LG_BLK_GEN_MASK)) on_new(sl, arg);
    }
}

/* ---- the new records in the order of their slots -------------------------- */

/* The records of an epoch's lists, gathered to be looked up in the order
 * of the table slots they name: the slots lie at random in the thread
 * tables (hashed by address), and in address order consecutive lookups
 * share pages and page-table entries instead of each missing both. */
typedef struct byslot { const rec_t **p, **tmp; size_t n, cap; } byslot_t;

/* Counts the new records of list l (an upper bound: gone ones too). */
static size_t records_in(const lg_born_log_t *l) {
  size_t n = 0;
  for (const chunk_t *c = l->head; c; c = c->next) n += c->n;
  return n;
}

/* Calls on_gone with the gone records of list l and gathers its new ones. */
static void gather_in(const lg_born_log_t *l, byslot_t *b,
                      void (*on_gone)(uintptr_t, uint32_t, uint32_t, unsigned, void *), void *arg) {
  for (const chunk_t *c = l->head; c; c = c->next)
    for (uint32_t i = 0; i < c->n; i++) {
      const rec_t *r = &c->r[i];
      if (r->word & GONE) on_gone(r->word & ~(uintptr_t)15, (uint32_t)r->aux, (uint32_t)(r->aux >> 32), (unsigned)(r->word >> 1) & 3, arg);
      else if (b->n < b->cap) b->p[b->n++] = r;
    }
}

/* Sorts b->p by slot address: four passes of an 11-bit radix sort of the
 * slot's address above its 16-byte alignment. */
static void sort_by_slot(byslot_t *b) {
  static uint32_t count[2048]; /* the scan runs one at a time */
  for (int pass = 0; pass < 4; pass++) {
    unsigned shift = 4 + 11 * (unsigned)pass;
    memset(count, 0, sizeof count);
    for (size_t i = 0; i < b->n; i++) count[((uintptr_t)b->p[i]->slot >> shift) & 2047]++;
    uint32_t at = 0;
    for (int d = 0; d < 2048; d++) { uint32_t c = count[d]; count[d] = at; at += c; }
    for (size_t i = 0; i < b->n; i++) b->tmp[count[((uintptr_t)b->p[i]->slot >> shift) & 2047]++] = b->p[i];
    const rec_t **t = b->p; b->p = b->tmp; b->tmp = t;
  }
}

/* Calls on_new with the generation-0 entry of each gathered record. */
static void lookup_sorted(const byslot_t *b, void (*on_new)(lg_slot_t *, void *), void *arg) {
  for (size_t i = 0; i < b->n; i++) {
    if (i + AHEAD < b->n && b->p[i + AHEAD]->slot) __builtin_prefetch(b->p[i + AHEAD]->slot);
    lg_slot_t *sl = entry_of(b->p[i]);
    if (sl && !(lg_tt_key(sl) & LG_BLK_GEN_MASK)) on_new(sl, arg);
  }
}

/* Is list l one of epoch e's? */
static int of_epoch(const lg_born_log_t *l, uint32_t e) { return l->head && l->epoch == e; }

/* lg_born_each through the slot order; 0, or -1 when out of memory (then
 * nothing was called). */
static int each_by_slot(uint32_t e, uint32_t n, void (*on_new)(lg_slot_t *, void *),
                        void (*on_gone)(uintptr_t, uint32_t, uint32_t, unsigned, void *), void *arg) {
  byslot_t b = {0};
  for (uint32_t i = 0; i < n; i++) if (of_epoch(logs[i], e)) b.cap += records_in(logs[i]);
  if (of_epoch(&orphan, e)) b.cap += records_in(&orphan);
  size_t bytes = 2 * (b.cap + 1) * sizeof *b.p;
  void *room = lg_sys_map(bytes);
  if (!room) return -1;
  b.p = room;
  b.tmp = b.p + b.cap + 1;
  for (uint32_t i = 0; i < n; i++) if (of_epoch(logs[i], e)) gather_in(logs[i], &b, on_gone, arg);
  if (of_epoch(&orphan, e)) gather_in(&orphan, &b, on_gone, arg);
  sort_by_slot(&b);
  lookup_sorted(&b, on_new, arg);
  lg_sys_unmap(room, bytes);
  return 0;
}

void lg_born_each(void (*on_new)(lg_slot_t *, void *), void (*on_gone)(uintptr_t, uint32_t, uint32_t, unsigned, void *),
                  void *arg) {
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) - 1, n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE);
  if (each_by_slot(e, n, on_new, on_gone, arg) == 0) return;
  for (uint32_t i = 0; i < n; i++)
    if (logs[i]->epoch == e) each_in(logs[i], on_new, on_gone, arg);
  if (orphan.head && orphan.epoch == e) each_in(&orphan, on_new, on_gone, arg);
}

const lg_site_gen_t *lg_born_sites(uint32_t *n) {
  *n = sites ? sites->n : 0;
  return sites ? sites->site : NULL;
}

lg_site_gen_t *lg_born_sites_room(uint32_t n) {
  if (!sites || n > sites_cap) return NULL;
  sites->tag = 0; /* not this scan's until committed */
  return sites->site;
}

void lg_born_sites_commit(uint32_t n) {
  if (!sites || n > sites_cap) return;
  sites->n = n;
  __atomic_store_n(&sites->tag, __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED), __ATOMIC_RELEASE);
}
