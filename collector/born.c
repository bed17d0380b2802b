/* collector/born.c — the born-since-last-scan lists and the saved per-site
 * counts (see born.h): each thread's list of chunks, the registry of
 * lists, the epoch, and the readers a young scan's snapshot uses. */
#include "born.h"

#include <linux/membarrier.h>
#include <sched.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
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
typedef lg_born_list_t list_t;

extern unsigned lg_blocks_parity LG_INTERNAL; /* blocks.c: the epoch's parity bit */

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
/* The scanner's own lists, by epoch parity: records a running flip's
 * settle found on the wrong side of it (lg_born_settle), read with the
 * epoch they belong to. */
static list_t carry[2];
/* Where each list of the epoch a flip ended stood at the flip (the
 * records after it came in flight or after: lg_born_settle looks at
 * those), by the index in logs (MAX_LOGS: the orphan's); lg_sys_map'd. */
typedef struct mark { const chunk_t *c; uint32_t n; } mark_t;
static mark_t *marks;
static int abandoned;                /* lg_born_abandoned: the next flip starts an untrusted epoch */
static int membarrier_ok;            /* registered for MEMBARRIER_CMD_PRIVATE_EXPEDITED */
__thread lg_born_log_t *lg_born_self __attribute__((tls_model("initial-exec")));
static __thread int ended __attribute__((tls_model("initial-exec")));

void lg_born_enable(void) {
  lg_born_on = 1;
  membarrier_ok = syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) == 0;
  marks = lg_sys_map((MAX_LOGS + 1) * sizeof *marks);
}

void lg_born_lose(void) { __atomic_store_n(&lost_epoch, __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED), __ATOMIC_RELAXED); }

static chunk_t *chunk_new(void) {
  chunk_t *c = lg_sys_map(CHUNK_BYTES);
  if (c) c->cap = (uint32_t)((CHUNK_BYTES - sizeof *c) / sizeof(rec_t));
  return c;
}

/* Gives list L of log l its first chunk, tagged with the current epoch,
 * and points l's appends at it when it is the epoch's; 0 or -1. */
static int list_init(lg_born_log_t *l, list_t *L) {
  if (!(L->head = L->tail = chunk_new())) return -1;
  L->nchunks = 1;
  L->epoch = lg_born_epoch - (L != &l->list[lg_born_epoch & 1]); /* the other one: the epoch before */
  if (L == &l->list[lg_born_epoch & 1]) { l->tail = L->tail; l->epoch = lg_born_epoch; }
  return 0;
}

/* Makes a log or takes one a thread left; registry locked. */
static lg_born_log_t *log_get(void) {
  lg_born_log_t *l = free_logs;
  if (l) { free_logs = l->next_free; return l; }
  if (nlogs == MAX_LOGS || !(l = lg_sys_map(sizeof *l))) return NULL;
  if (list_init(l, &l->list[0]) < 0 || list_init(l, &l->list[1]) < 0) {
    if (l->list[0].head) lg_sys_unmap(l->list[0].head, CHUNK_BYTES);
    lg_sys_unmap(l, sizeof *l);
    return NULL;
  }
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
    if (!orphan.tail) { lg_born_lose(); return NULL; }
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

/* Empties list L for epoch e (its owner's or the scanner's, outside any
 * stop: a scan reads the lists of its ended epoch only, and this one is
 * two epochs older). Its chunks stay, empty, for the epoch to fill again:
 * a busy thread does not fault in fresh pages for its records every
 * epoch. */
static void list_reset(list_t *L, uint32_t e) {
  for (chunk_t *c = L->head; c; c = c->next) c->n = 0;
  L->tail = L->head;
  L->nchunks = 1;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  __atomic_store_n(&L->epoch, e, __ATOMIC_RELEASE);
}

/* Moves list L on to its next chunk, kept from an earlier epoch or made;
 * 0, or -1 (then the epoch's lists miss a change). */
static int list_grow(list_t *L) {
  if (L->nchunks >= MAX_CHUNKS) { lg_born_lose(); return -1; }
  chunk_t *nc = L->tail->next;
  if (!nc && !(nc = chunk_new())) { lg_born_lose(); return -1; }
  if (!L->tail->next) __atomic_store_n(&L->tail->next, nc, __ATOMIC_RELEASE);
  L->tail = nc;
  L->nchunks++;
  return 0;
}

/* The slow part of lg_born_append: the epoch's list taken (emptied when
 * it holds an older epoch's), a chunk added, or the record lost. */
void lg_born_append_slow(lg_born_log_t *l, uintptr_t word, uintptr_t aux, const lg_slot_t *slot) {
  if (!l) return;
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED);
  list_t *L = &l->list[e & 1];
  if (l->epoch != e) {
    if (L->epoch != e) list_reset(L, e);
    l->tail = L->tail;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    l->epoch = e;
  }
  chunk_t *c = l->tail;
  if (c->n == c->cap) {
    if (list_grow(L) < 0) return;
    l->tail = c = L->tail;
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
  if (lg_born_on && !orphan.tail && list_init(&orphan, &orphan.list[0]) == 0 && list_init(&orphan, &orphan.list[1]) < 0)
    orphan.tail = NULL; /* half made: never used */
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
  abandoned = 0;
  sites = NULL; /* the parent's mapping: left alone */
  sites_cap = 0;
  lost_epoch = lg_born_epoch;
}

/* ---- the scan's side ------------------------------------------------------------ */

static int ended_base;      /* ended_why but for a change in flight at the flip (lg_born_settle judges those) */
static uint32_t busy_epoch; /* an epoch untrusted for a change in flight at the flip that began it */

/* Notes where list L (index i of the marks) stands: the records of epoch
 * e after this point came while or after the epoch flipped. */
static void mark_at(uint32_t i, const list_t *L, uint32_t e) {
  if (!marks) return;
  int mine = L->tail && __atomic_load_n(&L->epoch, __ATOMIC_ACQUIRE) == e;
  const chunk_t *c = mine ? __atomic_load_n(&L->tail, __ATOMIC_ACQUIRE) : NULL;
  marks[i] = (mark_t){c, c ? __atomic_load_n(&c->n, __ATOMIC_ACQUIRE) : 0};
}

void lg_born_mark(void) {
  uint32_t n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE), e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED);
  for (uint32_t i = 0; i < n; i++) mark_at(i, &__atomic_load_n(&logs[i], __ATOMIC_ACQUIRE)->list[e & 1], e);
  mark_at(MAX_LOGS, &orphan.list[e & 1], e);
  __atomic_thread_fence(__ATOMIC_SEQ_CST); /* read before the parity flips */
}

void lg_born_flip(void) {
  int busy = orphan.busy;
  uint32_t n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE);
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED);
  for (uint32_t i = 0; i < n; i++) busy |= __atomic_load_n(&logs[i], __ATOMIC_ACQUIRE)->busy;
  ended_base = !lg_born_on ? LG_BORN_OFF
               : busy_epoch == e || __atomic_load_n(&lost_epoch, __ATOMIC_RELAXED) == e ? LG_BORN_LOST : LG_BORN_WHOLE;
  ended_why = busy && lg_born_on ? LG_BORN_BUSY : ended_base;
  __atomic_store_n(&lg_born_epoch, e + 1, __ATOMIC_SEQ_CST);
  if (busy) busy_epoch = e + 1;
  if (abandoned) { abandoned = 0; __atomic_store_n(&lost_epoch, e + 1, __ATOMIC_RELAXED); }
}

void lg_born_abandoned(void) { abandoned = 1; }

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

/* Is list L one of epoch e's? */
static int of_epoch(const list_t *L, uint32_t e) { return L->head && __atomic_load_n(&L->epoch, __ATOMIC_ACQUIRE) == e; }

/* Calls fn with every list of epoch e: the threads', the orphan's and,
 * with `carried`, the scanner's carried records. */
static void each_list(uint32_t e, int carried, void (*fn)(const list_t *, void *), void *ctx) {
  uint32_t n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE);
  for (uint32_t i = 0; i < n; i++) {
    const list_t *L = &__atomic_load_n(&logs[i], __ATOMIC_ACQUIRE)->list[e & 1];
    if (of_epoch(L, e)) fn(L, ctx);
  }
  if (of_epoch(&orphan.list[e & 1], e)) fn(&orphan.list[e & 1], ctx);
  if (carried && of_epoch(&carry[e & 1], e)) fn(&carry[e & 1], ctx);
}

/* The records of chunk c a reader may read: those its count shows. */
static uint32_t count_of(const chunk_t *c) { return __atomic_load_n(&c->n, __ATOMIC_ACQUIRE); }

/* ---- looking entries up ----------------------------------------------------------- */

/* The slot of a new record's address in array a: the one it was written
 * to when that slot is in a and still holds the address, else found by a
 * probe (an owner's rehash moves entries, and a later array may be mapped
 * where a retired one was, so a slot inside a may be another array's). */
static lg_slot_t *slot_in(lg_tarr_t *a, const rec_t *r, uint64_t h) {
  lg_slot_t *sl = (lg_slot_t *)r->slot;
  if (sl >= a->slots && sl < a->slots + 16 * (size_t)a->ngroups && (lg_tt_key(sl) & LG_BLK_ADDR_MASK) == r->word) return sl;
  return lg_ttab_find(a, r->word, h);
}

/* The entry of a new record at the stop, or NULL when the address is no
 * longer in the table. */
static lg_slot_t *entry_of(const rec_t *r) {
  const lg_ttab_t *t = (const lg_ttab_t *)r->aux;
  if (!t) return lg_blocks_shared_find(r->word);
  uint64_t h = lg_tt_hash(r->word);
  return slot_in(t->part[lg_tt_part(h)].arr, r, h);
}

/* A reader inside one thread table at a time (ttab.h's protocol for other
 * threads), for lookups with the world running. */
typedef struct reader { lg_ttab_t *t; } reader_t;

static void reader_enter(reader_t *rd, lg_ttab_t *t) {
  if (rd->t == t) return;
  if (rd->t) __atomic_fetch_sub(&rd->t->readers, 1, __ATOMIC_RELEASE);
  rd->t = t;
  if (t) __atomic_fetch_add(&t->readers, 1, __ATOMIC_SEQ_CST);
}

/* Copies entry sl into *out if it holds addr, taken whole (its key the
 * same before and after); 1 if so. */
static int copy_whole(const lg_slot_t *sl, uintptr_t addr, lg_slot_t *out) {
  uintptr_t k = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);
  if ((k & LG_BLK_ADDR_MASK) != addr) return 0;
  out->size = __atomic_load_n(&sl->size, __ATOMIC_RELAXED);
  out->stack = __atomic_load_n(&sl->stack, __ATOMIC_RELAXED);
  __atomic_thread_fence(__ATOMIC_ACQUIRE);
  out->key = k;
  return __atomic_load_n(&sl->key, __ATOMIC_RELAXED) == k;
}

/* The entry of a new record as the live table holds it, copied into *out
 * (world running); 1, or 0 when the address is not in the table. */
static int copy_running(reader_t *rd, const rec_t *r, lg_slot_t *out) {
  lg_ttab_t *t = (lg_ttab_t *)r->aux;
  if (!t) return lg_blocks_shared_copy(r->word, out);
  reader_enter(rd, t);
  uint64_t h = lg_tt_hash(r->word);
  uint32_t p = lg_tt_part(h);
  for (;;) {
    uint32_t s1 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
    lg_slot_t *sl = slot_in(__atomic_load_n(&t->part[p].arr, __ATOMIC_ACQUIRE), r, h);
    if (sl && copy_whole(sl, r->word, out)) return 1; /* a copy taken whole is a copy */
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    uint32_t s2 = __atomic_load_n(&t->seq, __ATOMIC_ACQUIRE);
    if (s1 == s2 && !(s1 & 1)) return 0;
    if (s2 & 1) sched_yield(); /* the owner is copying */
  }
}

/* ---- settling a flip made with the world running ------------------------------------ */

#define SETTLE_NS 20000000ull /* how long a thread may stay inside one change */

static uint64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Waits until log l is seen outside a change; 0, or -1 after SETTLE_NS. */
static int wait_idle(const lg_born_log_t *l) {
  uint64_t t0 = 0;
  while (l->busy) {
    uint64_t now = mono_ns();
    if (!t0) t0 = now;
    else if (now - t0 > SETTLE_NS) return -1;
    sched_yield();
  }
  return 0;
}

/* Appends record r to the scanner's list K; 0 or -1. */
static int carry_add(list_t *K, const rec_t *r) {
  if (K->tail->n == K->tail->cap && list_grow(K) < 0) return -1;
  K->tail->r[K->tail->n] = *r;
  __atomic_store_n(&K->tail->n, K->tail->n + 1, __ATOMIC_RELEASE);
  return 0;
}

/* Makes the scanner's list K empty for epoch e; 0 or -1. */
static int carry_reset(list_t *K, uint32_t e) {
  if (!K->head && !(K->head = K->tail = chunk_new())) return -1;
  K->nchunks = 1;
  list_reset(K, e);
  return 0;
}

typedef struct settle { list_t *carry; uintptr_t now; reader_t rd; int failed; } settle_t;

/* The new records of list L from mark m on (all of them when m's chunk is
 * not L's: a list the flip saw empty or of an older epoch) whose entry is
 * a generation-0 block of the new epoch's parity: its record is the ended
 * epoch's, the block is the next scan's to judge; carried over to it. */
static void carry_from(const list_t *L, const mark_t *m, settle_t *st) {
  const chunk_t *c = L->head;
  uint32_t from = 0;
  for (const chunk_t *k = L->head; m->c && k; k = __atomic_load_n(&k->next, __ATOMIC_ACQUIRE))
    if (k == m->c) { c = k; from = m->n; break; }
  for (; c && !st->failed; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE), from = 0)
    for (uint32_t i = from, n = count_of(c); i < n; i++) {
      const rec_t *r = &c->r[i];
      lg_slot_t e;
      if (r->word & GONE || !copy_running(&st->rd, r, &e)) continue;
      if (!(e.key & LG_BLK_GEN_MASK) && (e.key & LG_BLK_PARITY) == st->now && carry_add(st->carry, r) < 0) st->failed = 1;
    }
}

void lg_born_settle(void) {
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) - 1, n = __atomic_load_n(&nlogs, __ATOMIC_ACQUIRE);
  settle_t st = {&carry[(e + 1) & 1], __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED), {NULL}, 0};
  /* Every thread's stores seen and the new epoch seen by every thread: a
   * change that begins after this reads it; one inside its change now is
   * waited for, so the ended epoch's lists grow no more. */
  st.failed = !lg_born_on || !marks || !membarrier_ok || syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0) != 0;
  for (uint32_t i = 0; i < n && !st.failed; i++) st.failed = wait_idle(logs[i]) < 0;
  if (!st.failed) st.failed = wait_idle(&orphan) < 0 || carry_reset(st.carry, e + 1) < 0;
  for (uint32_t i = 0; i < n && !st.failed; i++)
    if (of_epoch(&logs[i]->list[e & 1], e)) carry_from(&logs[i]->list[e & 1], &marks[i], &st);
  if (!st.failed && of_epoch(&orphan.list[e & 1], e)) carry_from(&orphan.list[e & 1], &marks[MAX_LOGS], &st);
  reader_enter(&st.rd, NULL);
  if (busy_epoch == e + 1) busy_epoch = 0; /* judged here instead */
  ended_why = st.failed && lg_born_on ? LG_BORN_BUSY : ended_base;
  if (st.failed) {
    busy_epoch = e + 1;
    if (carry[(e + 1) & 1].head) __atomic_store_n(&carry[(e + 1) & 1].epoch, 0, __ATOMIC_RELEASE);
  }
}

/* ---- the records of an epoch ---------------------------------------------------------- */

typedef void (*on_new_fn)(lg_slot_t *, void *);
typedef void (*on_gone_fn)(uintptr_t, uint32_t, uint32_t, unsigned, void *);

/* Passes a gone record to on_gone. */
static void give_gone(const rec_t *r, on_gone_fn on_gone, void *arg) {
  on_gone(r->word & ~(uintptr_t)15, (uint32_t)r->aux, (uint32_t)(r->aux >> 32), (unsigned)(r->word >> 1) & 3, arg);
}

#define AHEAD 16 /* records whose entries are fetched ahead of their use */

typedef struct plain { on_new_fn on_new; on_gone_fn on_gone; void *arg; } plain_t;

/* Calls the callbacks with the records of list L, in its order. */
static void each_in(const list_t *L, void *ctx) {
  const plain_t *p = ctx;
  for (const chunk_t *c = L->head; c; c = c->next)
    for (uint32_t i = 0; i < c->n; i++) {
      const rec_t *r = &c->r[i];
      if (r->word & GONE) { give_gone(r, p->on_gone, p->arg); continue; }
      if (i + AHEAD < c->n && c->r[i + AHEAD].slot) __builtin_prefetch(c->r[i + AHEAD].slot);
      lg_slot_t *sl = entry_of(r);
      if (sl && !(lg_tt_key(sl) & LG_BLK_GEN_MASK)) p->on_new(sl, p->arg);
    }
}

/* ---- the new records in the order of their slots -------------------------- */

/* The records of an epoch's lists, gathered to be looked up in the order
 * of the table slots they name: the slots lie at random in the thread
 * tables (hashed by address), and in address order consecutive lookups
 * share pages and page-table entries instead of each missing both. */
typedef struct byslot {
  const rec_t **p, **tmp;
  size_t n, cap;
  on_gone_fn on_gone; /* NULL: gone records are left out */
  void *arg;
} byslot_t;

/* Counts the records of list L (an upper bound of its new ones). */
static void records_in(const list_t *L, void *ctx) {
  for (const chunk_t *c = L->head; c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE)) *(size_t *)ctx += count_of(c);
}

/* Calls on_gone with the gone records of list L and gathers its new ones. */
static void gather_in(const list_t *L, void *ctx) {
  byslot_t *b = ctx;
  for (const chunk_t *c = L->head; c; c = __atomic_load_n(&c->next, __ATOMIC_ACQUIRE))
    for (uint32_t i = 0, n = count_of(c); i < n; i++) {
      const rec_t *r = &c->r[i];
      if (r->word & GONE) { if (b->on_gone) give_gone(r, b->on_gone, b->arg); }
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
static void lookup_sorted(const byslot_t *b, on_new_fn on_new, void *arg) {
  for (size_t i = 0; i < b->n; i++) {
    if (i + AHEAD < b->n && b->p[i + AHEAD]->slot) __builtin_prefetch(b->p[i + AHEAD]->slot);
    lg_slot_t *sl = entry_of(b->p[i]);
    if (sl && !(lg_tt_key(sl) & LG_BLK_GEN_MASK)) on_new(sl, arg);
  }
}

/* Calls on_new with a copy of the generation-0 entry of each gathered
 * record, taken from the live table. */
static void lookup_sorted_running(const byslot_t *b, void (*on_new)(const lg_slot_t *, void *), void *arg) {
  reader_t rd = {NULL};
  for (size_t i = 0; i < b->n; i++) {
    if (i + AHEAD < b->n && b->p[i + AHEAD]->slot) __builtin_prefetch(b->p[i + AHEAD]->slot);
    lg_slot_t e;
    if (copy_running(&rd, b->p[i], &e) && !(e.key & LG_BLK_GEN_MASK)) on_new(&e, arg);
  }
  reader_enter(&rd, NULL);
}

/* Maps room for the records of epoch e (and, with `next`, e + 1's so
 * far) into b; 0 or -1. */
static int gather_room(byslot_t *b, uint32_t e, int next, size_t *bytes) {
  b->cap = 0;
  each_list(e, 1, records_in, &b->cap);
  if (next) each_list(e + 1, 0, records_in, &b->cap);
  *bytes = 2 * (b->cap + 1) * sizeof *b->p;
  void *room = lg_sys_map(*bytes);
  if (!room) return -1;
  b->p = room;
  b->tmp = b->p + b->cap + 1;
  return 0;
}

/* lg_born_each through the slot order; 0, or -1 when out of memory (then
 * nothing was called). */
static int each_by_slot(uint32_t e, on_new_fn on_new, on_gone_fn on_gone, void *arg) {
  byslot_t b = {.on_gone = on_gone, .arg = arg};
  size_t bytes;
  if (gather_room(&b, e, 0, &bytes) < 0) return -1;
  each_list(e, 1, gather_in, &b);
  sort_by_slot(&b);
  lookup_sorted(&b, on_new, arg);
  lg_sys_unmap(b.p < b.tmp ? b.p : b.tmp, bytes);
  return 0;
}

void lg_born_each(on_new_fn on_new, on_gone_fn on_gone, void *arg) {
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) - 1;
  if (each_by_slot(e, on_new, on_gone, arg) == 0) return;
  plain_t p = {on_new, on_gone, arg};
  each_list(e, 1, each_in, &p);
}

int lg_born_each_running(void (*on_new)(const lg_slot_t *, void *), on_gone_fn on_gone, void *arg) {
  uint32_t e = __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) - 1;
  byslot_t b = {.on_gone = on_gone, .arg = arg};
  size_t bytes;
  if (gather_room(&b, e, 1, &bytes) < 0) return -1;
  each_list(e, 1, gather_in, &b);
  b.on_gone = NULL; /* the next epoch's: a change that straddled the flip may have put its new record there */
  each_list(e + 1, 0, gather_in, &b); /* (its carried records are the ended epoch's, read above) */
  sort_by_slot(&b);
  lookup_sorted_running(&b, on_new, arg);
  lg_sys_unmap(b.p < b.tmp ? b.p : b.tmp, bytes);
  return 0;
}

void lg_born_sites_aged(lg_site_gen_t *out, uint32_t nout) {
  uint32_t n = sites ? sites->n : 0;
  for (uint32_t k = 0; k < n && k < nout; k++) {
    const lg_site_gen_t *p = &sites->site[k];
    out[k].blocks[1] = p->blocks[0];
    out[k].blocks[2] = p->blocks[1] + p->blocks[2];
    out[k].bytes[1] = p->bytes[0];
    out[k].bytes[2] = p->bytes[1] + p->bytes[2];
  }
}

void lg_born_sites_gone(lg_site_gen_t *out, uint32_t nout, uint32_t stack, uint32_t size, unsigned gen) {
  if (!out || stack >= nout || gen < 1 || gen > 2) return;
  lg_site_gen_t *st = &out[stack];
  st->blocks[gen] -= st->blocks[gen] ? 1 : 0;
  st->bytes[gen] -= st->bytes[gen] > size ? size : st->bytes[gen];
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
