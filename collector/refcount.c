/* collector/refcount.c — the refcounted-object table, folded histories and
 * type names (see refcount.h for the model and the locking).
 *
 * Two sharded open-addressing tables (linear probing, backward-shift
 * deletion, no tombstones), in the style of blocks.c:
 *   objects  keyed by object address, each slot {address, entry}: the
 *            lg_rc_obj_t lives in a node of its own, which never moves
 *            while the object lives;
 *   inblock  keyed by block address, {block, object} pairs — a multimap
 *            (one block may hold several objects), only for objects that
 *            live inside a tracked heap block past its start: with the
 *            objects table (for an object at the block's start, most of
 *            them), the free hook's way from a block to its objects.
 * A history is a set of entries, each the events of one thread from one
 * stack, owned by that thread (refcount.h): LG_RC_INLINE of them inline in
 * the node's first cache line (the first to come, which stay where they
 * are), the others in a table in the arena — entries in pages that never
 * move while the object lives, found through an index by (stack, owner)
 * that is rebuilt twice as large as it fills. An entry with refs ==
 * unrefs == 0 is empty. lg_rc_history adds up the entries of one stack.
 *
 * A ref or unref takes no lock, as a rule (event, below): it finds the
 * node in the thread's lookaside of its last objects or by a probe of the
 * shard's array without the lock, then its own entry for the stack, inline
 * or through the table's index, and adds one to its count with a plain
 * add; a first event of the thread from the stack claims a free inline
 * entry by a compare-and-swap of its owner. A thread without a tag (past
 * 65,534 threads) claims entries that any thread counts into atomically.
 * That is sound because
 *   - an array the shard outgrew is never freed (kept, not reused: at most
 *     as many bytes as the array in use), so a probe never reads memory
 *     that became something else; it may miss an object an insertion or
 *     deletion is moving, and then takes the lock;
 *   - nodes are never freed either, only reused for later objects (each
 *     shard keeps a list of free nodes), and a node whose address field is
 *     the object's is that object's entry (a node going free has its
 *     address cleared first, one being filled gets it last);
 *   - an entry, once it has a stack and a count, keeps both and its owner,
 *     and its place, until the object dies; only its counts change, and
 *     only by its owner (or by atomic adds, for an entry without one); an
 *     outgrown index of the table is kept until the object dies too;
 *   - a ref or unref comes from code that holds a reference, so its object
 *     cannot die meanwhile in a correct program.
 * The rest — a thread's first event from a stack once every inline entry
 * is taken (a new table entry), a shared count near saturation, an unref
 * that must know whether the count is spent when the object has a table,
 * births, deaths — takes the shard lock. A thread stopped by a scan inside
 * the quick path has made its one add or not: the scan (all locks held,
 * world stopped) sees a consistent table.
 * Nothing here calls into the program's libraries, stdio or the traced
 * malloc. */
#include "refcount.h"

#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "arena.h"
#include "blocks.h"
#include "collector.h"
#include "lock.h"
#include "sys.h"

_Static_assert(sizeof(lg_rc_obj_t) == 128 && offsetof(lg_rc_obj_t, block) == 64,
               "an object's entry: its address and owned inline entries in one cache line, its facts in another");

#define NSHARDS 64u
#define INIT_CAP 4u /* slots; powers of two. Shard arrays come from the
                     * arena (rc shards come before it in the lock order):
                     * an idle shard costs no page of its own. */
#define NODE_CHUNK 7u /* nodes carved from the arena at a time: 1 KiB with the alignment (64 shards
                       * with an object each hold 64 KiB of nodes) */

typedef struct pair { uintptr_t block, obj; } pair_t;

/* One slot of the objects table; obj is NULL only while addr is 0. */
typedef struct oslot { uintptr_t addr; lg_rc_obj_t *obj; } oslot_t;
/* A shard's array, with its capacity beside it: the quick path reads both
 * through one pointer. */
typedef struct otab { uint32_t cap, pad; oslot_t s[]; } otab_t;

/* Object events counted per shard, under its lock: no shared counter to
 * bounce. refs and unrefs are the histories of the objects gone from the
 * shard, added up as each goes (a ref or unref itself counts nothing). */
typedef struct counts { uint64_t born, adopted, refs, unrefs, died; } counts_t;

/* A shard: what every event needs (the lock, the array) in its first cache
 * line, the counters, which only births and deaths touch, after it. Free
 * nodes are linked through their `hpages` field. */
typedef struct oshard {
  lg_lock_t lock;
  uint32_t count, nodes; /* live objects; nodes carved (live + free) */
  otab_t *tab;
  lg_rc_obj_t *free;
  size_t retired;        /* bytes of the arrays the shard outgrew */
  counts_t seen[LG_RC_NFAMILIES + 1];
} __attribute__((aligned(64))) oshard_t;

typedef struct bshard {
  lg_lock_t lock;
  uint32_t count, cap;
  pair_t *slots;
} __attribute__((aligned(64))) bshard_t;

static oshard_t objs[NSHARDS];
/* Each shard's array as the quick path reads it (the same as its `tab`),
 * packed: 8 cache lines that stay in cache, where the shards span 40. */
static otab_t *quick_tabs[NSHARDS];
static bshard_t inblock[NSHARDS];
static unsigned families;
static uintptr_t python_type;

static inline uint64_t hash_addr(uintptr_t a) {
  uint64_t h = (uint64_t)(a >> 3) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}
static inline uint32_t shard_no(uintptr_t a) { return (uint32_t)(hash_addr(a) >> 58); }
static inline uint32_t home(uintptr_t a, uint32_t cap) { return (uint32_t)hash_addr(a) & (cap - 1); }

/* ---- the objects table ------------------------------------------------- */

/* Finds obj's slot index in s, or -1; shard lock held. */
static int64_t ofind(const oshard_t *s, uintptr_t obj) {
  const otab_t *t = s->tab;
  if (!t) return -1;
  for (uint32_t i = home(obj, t->cap);; i = (i + 1) & (t->cap - 1)) {
    if (!t->s[i].addr) return -1;
    if (t->s[i].addr == obj) return i;
  }
}

/* Finds obj's entry without the lock (see the file's head); NULL when the
 * probe does not see it, which the caller settles under the lock. */
static lg_rc_obj_t *oquick(uintptr_t obj) {
  const otab_t *t = __atomic_load_n(&quick_tabs[shard_no(obj)], __ATOMIC_ACQUIRE);
  if (!t) return NULL;
  for (uint32_t i = home(obj, t->cap), k = 0; k < t->cap; i = (i + 1) & (t->cap - 1), k++) {
    uintptr_t a = __atomic_load_n(&t->s[i].addr, __ATOMIC_ACQUIRE);
    if (!a) return NULL;
    if (a != obj) continue;
    lg_rc_obj_t *o = __atomic_load_n(&t->s[i].obj, __ATOMIC_ACQUIRE);
    return o && __atomic_load_n(&o->addr, __ATOMIC_ACQUIRE) == obj ? o : NULL;
  }
  return NULL;
}

/* Doubles (or first maps) s's array; the old one is kept (the quick path
 * may be reading it). Shard lock held. 0 or -1. */
static int ogrow(oshard_t *s) {
  otab_t *old = s->tab;
  uint32_t ncap = old ? old->cap * 2 : INIT_CAP;
  otab_t *nt = lg_arena_alloc(sizeof *nt + (size_t)ncap * sizeof(oslot_t));
  if (!nt) return -1;
  nt->cap = ncap;
  for (uint32_t i = 0; old && i < old->cap; i++) {
    if (!old->s[i].addr) continue;
    uint32_t j = home(old->s[i].addr, ncap);
    while (nt->s[j].addr) j = (j + 1) & (ncap - 1);
    nt->s[j] = old->s[i];
  }
  if (old) s->retired += sizeof *old + (size_t)old->cap * sizeof(oslot_t);
  s->tab = nt;
  __atomic_store_n(&quick_tabs[s - objs], nt, __ATOMIC_RELEASE);
  return 0;
}

/* A free node of s (zeroed, address 0), carving more from the arena when
 * none is left; NULL when out of memory. Shard lock held. */
static lg_rc_obj_t *node_take(oshard_t *s) {
  if (!s->free) {
    uintptr_t m = (uintptr_t)lg_arena_bump((NODE_CHUNK + 1) * sizeof(lg_rc_obj_t) - 16);
    if (!m) return NULL;
    lg_rc_obj_t *c = (lg_rc_obj_t *)((m + 63) & ~(uintptr_t)63); /* the bump is 16-aligned */
    for (uint32_t i = 0; i < NODE_CHUNK; i++) {
      c[i].hpages = (struct lg_rc_hpage *)s->free;
      s->free = &c[i];
    }
    s->nodes += NODE_CHUNK;
  }
  lg_rc_obj_t *o = s->free;
  s->free = (lg_rc_obj_t *)o->hpages;
  memset(o, 0, sizeof *o);
  return o;
}

/* Returns the entry for a new object at obj (or its existing one, with
 * *fresh = 0); NULL when out of memory. A fresh entry is not in the
 * table yet: the caller fills it and then publishes it (opublish). Shard
 * lock held. */
static lg_rc_obj_t *oinsert(oshard_t *s, uintptr_t obj, int *fresh) {
  int64_t at = ofind(s, obj);
  *fresh = at < 0;
  if (at >= 0) return s->tab->s[at].obj;
  if ((!s->tab || (s->count + 1) * 4 > s->tab->cap * 3) && ogrow(s) < 0) return NULL;
  return node_take(s);
}

/* Puts the filled fresh entry o into s's array: the entry first, then the
 * address the quick path looks for. Shard lock held, room made by oinsert. */
static void opublish(oshard_t *s, lg_rc_obj_t *o) {
  otab_t *t = s->tab;
  uint32_t i = home(o->addr, t->cap);
  while (t->s[i].addr) i = (i + 1) & (t->cap - 1);
  __atomic_store_n(&t->s[i].obj, o, __ATOMIC_RELEASE);
  __atomic_store_n(&t->s[i].addr, o->addr, __ATOMIC_RELEASE);
  s->count++;
}

/* Deletes slot i by shifting later members of its probe run back, and
 * gives its node back (its address cleared first, its history's table
 * freed). Shard lock held. */
static void odelete(oshard_t *s, uint32_t i) {
  otab_t *t = s->tab;
  uint32_t m = t->cap - 1;
  lg_rc_obj_t *o = t->s[i].obj;
  for (uint32_t j = (i + 1) & m; t->s[j].addr; j = (j + 1) & m) {
    uint32_t h = home(t->s[j].addr, t->cap);
    if (((j - h) & m) >= ((j - i) & m)) { /* h is not within (i, j] */
      __atomic_store_n(&t->s[i].obj, t->s[j].obj, __ATOMIC_RELEASE);
      __atomic_store_n(&t->s[i].addr, t->s[j].addr, __ATOMIC_RELEASE);
      i = j;
    }
  }
  __atomic_store_n(&t->s[i].addr, 0, __ATOMIC_RELEASE);
  t->s[i].obj = NULL;
  s->count--;
  __atomic_store_n(&o->addr, 0, __ATOMIC_RELEASE);
  o->hpages = (struct lg_rc_hpage *)s->free;
  s->free = o;
}

/* ---- the block -> objects multimap -------------------------------------- */

static int bgrow(bshard_t *s) {
  uint32_t ncap = s->slots ? s->cap * 2 : INIT_CAP;
  pair_t *ns = lg_arena_alloc((size_t)ncap * sizeof *ns);
  if (!ns) return -1;
  for (uint32_t i = 0; s->slots && i < s->cap; i++) {
    if (!s->slots[i].block) continue;
    uint32_t j = home(s->slots[i].block, ncap);
    while (ns[j].block) j = (j + 1) & (ncap - 1);
    ns[j] = s->slots[i];
  }
  lg_arena_free(s->slots);
  s->slots = ns;
  s->cap = ncap;
  return 0;
}

static void bdelete(bshard_t *s, uint32_t i) {
  uint32_t m = s->cap - 1;
  for (uint32_t j = (i + 1) & m; s->slots[j].block; j = (j + 1) & m) {
    uint32_t h = home(s->slots[j].block, s->cap);
    if (((j - h) & m) >= ((j - i) & m)) {
      s->slots[i] = s->slots[j];
      i = j;
    }
  }
  s->slots[i].block = 0;
  s->count--;
}

/* Adds the pair {block, obj} unless it is there; 0 or -1. */
static int pair_add(uintptr_t block, uintptr_t obj) {
  bshard_t *s = &inblock[shard_no(block)];
  int rc = 0;
  lg_lock(&s->lock);
  uint32_t i = 0;
  if (s->slots)
    for (i = home(block, s->cap); s->slots[i].block; i = (i + 1) & (s->cap - 1))
      if (s->slots[i].block == block && s->slots[i].obj == obj) goto out;
  if ((!s->slots || (s->count + 1) * 4 > s->cap * 3) && bgrow(s) < 0) { rc = -1; goto out; }
  for (i = home(block, s->cap); s->slots[i].block; i = (i + 1) & (s->cap - 1)) {}
  s->slots[i] = (pair_t){block, obj};
  s->count++;
out:
  lg_unlock(&s->lock);
  return rc;
}

/* Removes the pair {block, obj} if present. */
static void pair_remove(uintptr_t block, uintptr_t obj) {
  bshard_t *s = &inblock[shard_no(block)];
  lg_lock(&s->lock);
  for (uint32_t i = s->slots ? home(block, s->cap) : 0; s->slots && s->slots[i].block; i = (i + 1) & (s->cap - 1))
    if (s->slots[i].block == block && s->slots[i].obj == obj) {
      bdelete(s, i);
      break;
    }
  lg_unlock(&s->lock);
}

/* Removes up to `max` pairs of `block`, storing their objects in out;
 * returns how many. */
static size_t pairs_take(uintptr_t block, uintptr_t *out, size_t max) {
  bshard_t *s = &inblock[shard_no(block)];
  size_t n = 0;
  lg_lock(&s->lock);
  uint32_t i = s->slots ? home(block, s->cap) : 0;
  while (s->slots && s->slots[i].block && n < max) {
    if (s->slots[i].block == block) {
      out[n++] = s->slots[i].obj;
      bdelete(s, i); /* a later member may now sit at i: look again */
    } else {
      i = (i + 1) & (s->cap - 1);
    }
  }
  lg_unlock(&s->lock);
  return n;
}

/* ---- histories ----------------------------------------------------------- */

/* The table of a history: entries that never move while the object lives,
 * in pages, and an index over them by (stack, owner) that is rebuilt twice
 * as large as it fills; an outgrown index is kept until the object dies
 * (the quick path may be reading it). Entries and the index are written
 * under the lock only, counts by their owners. */
typedef struct hent {
  lg_rc_hist_t h;
  uint16_t owner, pad; /* the thread that counts into it (TAG_NONE: any, atomically) */
} hent_t;
typedef struct lg_rc_hpage {
  struct lg_rc_hpage *next;
  uint32_t used, cap;
  hent_t e[];
} hpage_t;
typedef struct lg_rc_hidx {
  struct lg_rc_hidx *older;
  uint32_t cap, n;
  hent_t *slot[];
} hidx_t;

#define HIDX_INIT 8u    /* index slots at first; load <= 1/2 */
#define HPAGE_INIT 4u   /* entries of the first page, doubling up to HPAGE_MAX */
#define HPAGE_MAX 256u
#define SAT_QUICK 0xF0000000u /* shared counts from here on saturate under the lock */

static inline int hempty(const lg_rc_hist_t *e) {
  return !__atomic_load_n(&e->refs, __ATOMIC_ACQUIRE) && !__atomic_load_n(&e->unrefs, __ATOMIC_ACQUIRE);
}
static inline uint32_t hhome(uint32_t stack, uint16_t owner, uint32_t cap) {
  return ((stack ^ (uint32_t)owner << 20) * 2654435761u) >> 7 & (cap - 1);
}

/* The table's entry of (stack, owner), NULL when none. Lock-free: an
 * index, once published, and its entries' stacks and owners never change
 * while the object lives. */
static inline hent_t *tab_find(const lg_rc_obj_t *o, uint32_t stack, uint16_t owner) {
  const hidx_t *x = __atomic_load_n(&o->hidx, __ATOMIC_ACQUIRE);
  if (!x) return NULL;
  for (uint32_t i = hhome(stack, owner, x->cap), k = 0; k < x->cap; i = (i + 1) & (x->cap - 1), k++) {
    hent_t *e = __atomic_load_n(&x->slot[i], __ATOMIC_ACQUIRE);
    if (!e) return NULL;
    if (e->h.stack == stack && e->owner == owner) return e;
  }
  return NULL;
}

/* Puts e into index x, which has room; shard lock held. */
static void hidx_put(hidx_t *x, hent_t *e) {
  uint32_t i = hhome(e->h.stack, e->owner, x->cap);
  while (x->slot[i]) i = (i + 1) & (x->cap - 1);
  __atomic_store_n(&x->slot[i], e, __ATOMIC_RELEASE);
  x->n++;
}

/* Makes room in o's index for one entry more (a new index twice as large
 * when it would pass load 1/2, the old one kept); 0 or -1. Shard lock held:
 * the arena lock comes after it. */
static int hidx_room(lg_rc_obj_t *o) {
  hidx_t *old = o->hidx;
  if (old && (old->n + 1) * 2 <= old->cap) return 0;
  uint32_t cap = old ? old->cap * 2 : HIDX_INIT;
  hidx_t *x = lg_arena_alloc(sizeof *x + (size_t)cap * sizeof(hent_t *));
  if (!x) return -1;
  x->cap = cap;
  x->older = old;
  for (uint32_t i = 0; old && i < old->cap; i++)
    if (old->slot[i]) hidx_put(x, old->slot[i]);
  __atomic_store_n(&o->hidx, x, __ATOMIC_RELEASE);
  return 0;
}

/* A new table entry of o for (stack, owner), its counts 0; NULL when out
 * of memory. Shard lock held. */
static hent_t *tab_new(lg_rc_obj_t *o, uint32_t stack, uint16_t owner) {
  hpage_t *p = o->hpages;
  if (hidx_room(o) < 0) return NULL;
  if (!p || p->used == p->cap) {
    uint32_t cap = p ? (p->cap * 2 > HPAGE_MAX ? HPAGE_MAX : p->cap * 2) : HPAGE_INIT;
    hpage_t *np = lg_arena_alloc(sizeof *np + (size_t)cap * sizeof(hent_t));
    if (!np) return NULL;
    np->cap = cap;
    np->next = p;
    o->hpages = p = np;
  }
  hent_t *e = &p->e[p->used++];
  e->h.stack = stack;
  e->owner = owner;
  hidx_put(o->hidx, e);
  o->nhist++;
  return e;
}

/* Frees o's table (the object is gone, or its node is reused); shard
 * lock held. */
static void tab_free(lg_rc_obj_t *o) {
  for (hpage_t *p = o->hpages, *n; p; p = n) {
    n = p->next;
    lg_arena_free(p);
  }
  for (hidx_t *x = o->hidx, *n; x; x = n) {
    n = x->older;
    lg_arena_free(x);
  }
  o->hpages = NULL;
  o->hidx = NULL;
}

/* The sums of o's history: refs into *refs, unrefs into *unrefs. */
static void hist_sums(const lg_rc_obj_t *o, uint64_t *refs, uint64_t *unrefs) {
  uint64_t r = 0, u = 0;
  for (int i = 0; i < LG_RC_INLINE; i++) {
    r += __atomic_load_n(&o->inl[i].refs, __ATOMIC_RELAXED);
    u += __atomic_load_n(&o->inl[i].unrefs, __ATOMIC_RELAXED);
  }
  for (const hpage_t *p = o->hpages; p; p = p->next)
    for (uint32_t k = 0; k < p->used; k++) {
      r += __atomic_load_n(&p->e[k].h.refs, __ATOMIC_RELAXED);
      u += __atomic_load_n(&p->e[k].h.unrefs, __ATOMIC_RELAXED);
    }
  *refs = r;
  *unrefs = u;
}

/* Adds o's history to shard s's counts: o is leaving the table. */
static void count_gone(oshard_t *s, const lg_rc_obj_t *o) {
  uint64_t r, u;
  hist_sums(o, &r, &u);
  s->seen[o->family].refs += r;
  s->seen[o->family].unrefs += u;
}

/* ---- thread tags: who owns an inline entry --------------------------------- */

#define TAG_NONE 0xFFFFu /* a thread past the last tag, and the owner of the entries it claims: any thread
                          * counts into those, atomically (owner 0: the entry is free) */
static __thread uint16_t my_tag_v __attribute__((tls_model("initial-exec")));
static uint32_t tags_given;

/* The calling thread's tag (1..65534, TAG_NONE past them), given on its
 * first event; tags are never reused. */
static __thread uint64_t my_lanes __attribute__((tls_model("initial-exec"))); /* the tag in each 16-bit lane */
static inline uint16_t my_tag(void) {
  if (LG_LIKELY(my_tag_v)) return my_tag_v;
  uint32_t n = __atomic_add_fetch(&tags_given, 1, __ATOMIC_RELAXED);
  my_tag_v = n < TAG_NONE ? (uint16_t)n : TAG_NONE;
  my_lanes = my_tag_v * 0x0001000100010001ull;
  return my_tag_v;
}

/* How the calling thread may count into an entry. */
enum { NOPE, MINE, SHARED };

/* o's inline entry for stack that the calling thread (tag `me`) may count
 * into, and how (*how), else the first one of another thread's (*how =
 * NOPE); NULL when o has none for stack. Lock-free: an inline entry that
 * has a count keeps its stack and owner. Two threads may each hold an
 * entry of the same stack (lg_rc_history adds them up). */
static inline lg_rc_hist_t *inl_find(lg_rc_obj_t *o, uint32_t stack, uint16_t me, int *how) {
  lg_rc_hist_t *other = NULL;
  for (int i = 0; i < LG_RC_INLINE && me != TAG_NONE; i++) /* the common case: the thread's own entry */
    if (__atomic_load_n(&o->owner[i], __ATOMIC_RELAXED) == me && o->inl[i].stack == stack) {
      *how = MINE; /* its claim is complete: the thread made it, and cannot be inside it */
      return &o->inl[i];
    }
  for (int i = 0; i < LG_RC_INLINE; i++)
    /* The counts first (acquire), then the stack: a count seen means the
     * claimer's stack store, made before it (release), is seen too. */
    if (!hempty(&o->inl[i]) && __atomic_load_n(&o->inl[i].stack, __ATOMIC_RELAXED) == stack) {
      uint16_t ow = __atomic_load_n(&o->owner[i], __ATOMIC_RELAXED);
      *how = ow == TAG_NONE ? SHARED : ow == me ? MINE : NOPE;
      if (*how != NOPE) return &o->inl[i];
      if (!other) other = &o->inl[i];
    }
  *how = NOPE;
  return other;
}

/* Claims a free inline entry of o for stack for the calling thread (its
 * owner from now on), without the lock: the owner field is taken by a
 * compare-and-swap (the lock's holder claims the same way), then the stack
 * written, then the caller's first count. NULL when none is free; *how as
 * inl_find sets it. */
static __attribute__((noinline)) lg_rc_hist_t *inl_claim(lg_rc_obj_t *o, uint32_t stack, uint16_t me, int *how) {
  for (int i = 0; i < LG_RC_INLINE; i++) {
    uint16_t free_ = 0;
    if (__atomic_load_n(&o->owner[i], __ATOMIC_RELAXED) ||
        !__atomic_compare_exchange_n(&o->owner[i], &free_, me, 0, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
      continue;
    o->inl[i].stack = stack; /* before its count: inl_find reads them in the other order */
    __atomic_add_fetch(&o->nhist, 1, __ATOMIC_RELAXED);
    *how = me == TAG_NONE ? SHARED : MINE;
    return &o->inl[i];
  }
  return NULL;
}

/* Adds one to *v, saturating at UINT32_MAX: a plain add by an entry's
 * owner or under the lock (MINE), else atomic (SHARED). */
static inline void add_one(uint32_t *v, int how) {
  uint32_t x = __atomic_load_n(v, __ATOMIC_RELAXED);
  if (how == MINE) {
    if (x != UINT32_MAX) __atomic_store_n(v, x + 1, __ATOMIC_RELEASE);
    return;
  }
  while (x != UINT32_MAX && !__atomic_compare_exchange_n(v, &x, x + 1, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED)) {}
}

/* o's entry for stack that the calling thread may count into, and how
 * (*how): its own or a shared inline entry, else its table entry; NULL
 * when none. */
static inline lg_rc_hist_t *find(lg_rc_obj_t *o, uint32_t stack, uint16_t me, int *how) {
  lg_rc_hist_t *e = inl_find(o, stack, me, how);
  if (e && *how != NOPE) return e;
  hent_t *t = __atomic_load_n(&o->hidx, __ATOMIC_RELAXED) ? tab_find(o, stack, me) : NULL;
  *how = me == TAG_NONE ? SHARED : MINE;
  return t ? &t->h : NULL;
}

/* A new entry of o for stack and the calling thread (its counts still 0:
 * the caller's add makes one 1), inline when one is free, else in the
 * table; *how as find sets it. NULL when out of memory. Shard lock held. */
static lg_rc_hist_t *claim(lg_rc_obj_t *o, uint32_t stack, uint16_t me, int *how) {
  lg_rc_hist_t *e = inl_claim(o, stack, me, how);
  if (e) return e;
  hent_t *t = tab_new(o, stack, me);
  *how = me == TAG_NONE ? SHARED : MINE;
  return t ? &t->h : NULL;
}

/* Folds one event (delta +1 ref, -1 unref) from `stack` into o's history;
 * shard lock held. A stack that finds no room goes to the overflow entry:
 * stack 0, of no owner. */
static void fold(lg_rc_obj_t *o, uint32_t stack, int delta) {
  uint16_t me = my_tag();
  int how;
  lg_rc_hist_t *e = find(o, stack, me, &how);
  if (!e && o->nhist + 1u >= LG_RC_MAX_HISTORY) { /* full: the overflow entry, one for every thread */
    hent_t *t = tab_find(o, 0, TAG_NONE);
    if (!t && o->nhist < LG_RC_MAX_HISTORY) t = tab_new(o, 0, TAG_NONE);
    if (!t) return;
    e = &t->h;
    how = SHARED;
  }
  if (!e && !(e = claim(o, stack, me, &how))) return; /* out of memory: the event is lost */
  add_one(delta > 0 ? &e->refs : &e->unrefs, how);
}

/* The quick fold: one add to o's entry for stack and the calling thread,
 * without the lock — plain when the thread owns the entry, else atomic
 * (none owns it) — claiming a free inline one first when the thread has
 * none for the stack; 0 when that cannot be (a first event of the thread
 * from the stack once every inline entry is taken, a shared count near
 * saturation) and fold must do it under the lock. */
/* Whether one of the four 16-bit lanes of x is v. */
static inline int has_lane(uint64_t x, uint16_t v) {
  uint64_t y = x ^ (v * 0x0001000100010001ull);
  return ((y - 0x0001000100010001ull) & ~y & 0x8000800080008000ull) != 0;
}

/* The top bit of each 16-bit lane of y that is 0, exactly. (has_lane's
 * subtraction is exact only for "some lane": its borrow also marks a lane
 * holding 1 just above a 0 one, and a thread would take a neighbour's
 * entry for its own — tags are consecutive — and race its plain adds.) */
static inline uint64_t own_lanes(uint64_t y) {
  uint64_t low = 0x7FFF7FFF7FFF7FFFull;
  return ~(((y & low) + low) | y | low);
}

static inline __attribute__((always_inline)) int quick_fold(lg_rc_obj_t *o, uint32_t stack, int delta) {
  int how = MINE;
  uint16_t me = my_tag();
  uint64_t lanes = __atomic_load_n(&o->owners, __ATOMIC_RELAXED); /* an owner, once set, stays */
  lg_rc_hist_t *e = NULL;
  uint64_t mine = own_lanes(lanes ^ my_lanes);
  while (LG_LIKELY(mine) && me != TAG_NONE) { /* the common case: the thread's own entry */
    int i = __builtin_ctzll(mine) >> 4;
    if (o->inl[i].stack == stack) {
      e = &o->inl[i];
      break;
    }
    mine &= mine - 1;
  }
  if (LG_UNLIKELY(!e)) {
    hent_t *t;
    if (has_lane(lanes, TAG_NONE) && (e = inl_find(o, stack, me, &how)) && how == NOPE) e = NULL;
    if (e) {
    } else if (has_lane(lanes, 0)) { /* an inline entry is free */
      e = inl_claim(o, stack, me, &how);
    } else if ((t = tab_find(o, stack, me))) {
      e = &t->h;
      how = me == TAG_NONE ? SHARED : MINE;
    }
    if (!e) return 0;
  }
  uint32_t *v = delta > 0 ? &e->refs : &e->unrefs;
  if (how == MINE) return add_one(v, MINE), 1;
  if (__atomic_load_n(v, __ATOMIC_RELAXED) >= SAT_QUICK) return 0;
  __atomic_add_fetch(v, 1, __ATOMIC_ACQ_REL);
  return 1;
}

/* ---- events ----------------------------------------------------------------- */

LG_READS_ANY static int64_t read_count(uintptr_t at, unsigned width) {
  return width == 8 ? *(const volatile int64_t *)at : (int64_t)*(const volatile uint32_t *)at;
}

/* The block that holds obj: `hint` when it is a tracked block covering
 * the object's count field, else a block starting at obj or at most
 * LG_RC_PROBE_BACK bytes before it; 0 when none. The block is flagged
 * LG_BLK_STACK_RC. */
static uintptr_t find_block(uintptr_t obj, uintptr_t hint, intptr_t off, unsigned width) {
  uintptr_t need = (uintptr_t)(off > 0 ? off : 0) + width;
  if (!lg_blocks_on_rc_free) __atomic_store_n(&lg_blocks_on_rc_free, lg_rc_block_freed, __ATOMIC_RELEASE);
  if (hint && hint <= obj && lg_blocks_mark_rc(hint, obj - hint, need)) return hint;
  for (uintptr_t back = 0; back <= LG_RC_PROBE_BACK && back <= obj; back += 16)
    if (lg_blocks_mark_rc((obj - back) & ~(uintptr_t)15, obj - ((obj - back) & ~(uintptr_t)15), need))
      return (obj - back) & ~(uintptr_t)15;
  return 0;
}

typedef struct desc {
  uintptr_t obj, block;
  int family;
  intptr_t off;
  unsigned width;
  uint32_t type, stack;
} desc_t;

/* Fills entry o of shard s from d (a fresh one, or one replaced by a
 * birth, whose history goes to the shard's counts); base from the field
 * now. The address is stored last: the quick path takes the entry as the
 * object's only from then on. */
static void fill(oshard_t *s, lg_rc_obj_t *o, const desc_t *d, int born) {
  __atomic_store_n(&o->addr, 0, __ATOMIC_RELEASE);
  count_gone(s, o);
  tab_free(o);
  memset(o, 0, sizeof *o);
  o->block = d->block;
  o->count_off = (int32_t)d->off;
  o->family = (uint8_t)d->family;
  o->width = (uint8_t)d->width;
  o->flags = born ? LG_RC_F_BORN : 0;
  o->type = d->type;
  o->birth_stack = born ? d->stack : 0;
  o->base = read_count(d->obj + (uintptr_t)d->off, d->width);
  __atomic_store_n(&o->addr, d->obj, __ATOMIC_RELEASE);
}

/* Sets *spent to whether the count the hooks account for is now at most 0,
 * from o's inline entries without the lock; 1, or 0 when o has a table
 * (the caller reads it under the lock). A table in the making on another
 * thread at this moment is for an event in flight there, which sees this
 * one's add when it looks. */
static int quick_spent(const lg_rc_obj_t *o, int *spent) {
  if (__atomic_load_n(&o->hpages, __ATOMIC_ACQUIRE)) return 0;
  int64_t c = o->base;
  for (int i = 0; i < LG_RC_INLINE; i++)
    c += (int64_t)__atomic_load_n(&o->inl[i].refs, __ATOMIC_ACQUIRE) -
         (int64_t)__atomic_load_n(&o->inl[i].unrefs, __ATOMIC_ACQUIRE);
  *spent = c <= 0;
  return 1;
}

/* Registers d's object: a birth (`born`) replaces a known object, an
 * adoption keeps it; then folds `delta`. Returns the object's block. */
static uintptr_t record(desc_t *d, int born, int delta) {
  if (!lg_collector_tracing() || !d->obj || (d->width != 4 && d->width != 8)) return 0;
  if (d->off < INT32_MIN || d->off > INT32_MAX || d->family < 1 || d->family > LG_RC_NFAMILIES) return 0;
  oshard_t *s = &objs[shard_no(d->obj)];
  if (!born) { /* known already */
    lg_rc_obj_t *q = delta ? oquick(d->obj) : NULL;
    if (q && quick_fold(q, d->stack, delta)) return q->block;
    lg_lock(&s->lock);
    int64_t at = ofind(s, d->obj);
    uintptr_t block = at >= 0 ? s->tab->s[at].obj->block : 0;
    if (at >= 0 && delta) fold(s->tab->s[at].obj, d->stack, delta);
    lg_unlock(&s->lock);
    if (at >= 0) return block;
  }
  d->block = find_block(d->obj, d->block, d->off, d->width);
  if (d->block && d->block != d->obj && pair_add(d->block, d->obj) < 0) d->block = 0;
  uintptr_t old_block = 0;
  int fresh;
  lg_lock(&s->lock);
  lg_rc_obj_t *o = oinsert(s, d->obj, &fresh);
  if (o && (fresh || born)) {
    old_block = fresh ? 0 : o->block;
    fill(s, o, d, born);
    if (fresh) opublish(s, o);
    if (born) s->seen[d->family].born++;
    else s->seen[d->family].adopted++;
  }
  if (o && delta) fold(o, d->stack, delta);
  lg_unlock(&s->lock);
  if (old_block && old_block != d->block && old_block != d->obj) pair_remove(old_block, d->obj);
  return d->block;
}

uintptr_t lg_rc_birth_in(uintptr_t obj, uintptr_t block, int family, intptr_t count_off, unsigned width,
                         uint32_t type, uint32_t birth_stack) {
  desc_t d = {obj, block, family, count_off, width, type, birth_stack};
  return record(&d, 1, 0);
}

uintptr_t lg_rc_birth(uintptr_t obj, int family, intptr_t count_off, unsigned width, uint32_t type,
                      uint32_t birth_stack) {
  return lg_rc_birth_in(obj, 0, family, count_off, width, type, birth_stack);
}

void lg_rc_adopt(uintptr_t obj, uintptr_t block, int family, intptr_t count_off, unsigned width, uint32_t type,
                 uint32_t stack, int delta) {
  desc_t d = {obj, block, family, count_off, width, type, stack};
  record(&d, 0, delta);
}

/* Each thread's last objects, by address: a ref or unref of one of them
 * needs no probe of the table. An entry is only a guess, taken when the
 * node's address still is the object's (see the file's head). */
#define LOOKASIDE 32u
typedef struct seen_obj { uintptr_t obj; lg_rc_obj_t *o; } seen_obj_t;
static __thread seen_obj_t lookaside[LOOKASIDE] __attribute__((tls_model("initial-exec")));

/* obj's entry without the lock, by the thread's lookaside or a probe of
 * the table; NULL when neither sees it. */
static inline __attribute__((always_inline)) lg_rc_obj_t *find_quick(uintptr_t obj) {
  seen_obj_t *l = &lookaside[(obj >> 4) & (LOOKASIDE - 1)];
  lg_rc_obj_t *o = l->obj == obj ? l->o : NULL;
  if (LG_LIKELY(o && __atomic_load_n(&o->addr, __ATOMIC_ACQUIRE) == obj)) return o;
  if ((o = oquick(obj))) *l = (seen_obj_t){obj, o};
  return o;
}

/* event's way under the lock: folds the event unless the quick path did
 * (`done`, into o) and reads *spent. */
static __attribute__((noinline)) int event_slow(lg_rc_obj_t *o, uintptr_t obj, uint32_t stack, int delta,
                                                int done, int *spent) {
  if (done && quick_spent(o, spent)) return 1;
  oshard_t *s = &objs[shard_no(obj)];
  lg_lock(&s->lock);
  if (!o || o->addr != obj) { /* under the lock, a node with obj's address is obj's */
    int64_t at = ofind(s, obj);
    o = at >= 0 ? s->tab->s[at].obj : NULL;
  }
  if (o) {
    if (!done) fold(o, stack, delta);
    if (spent) *spent = lg_rc_expected(o) <= 0;
  } else if (done && spent) {
    *spent = 1; /* gone meanwhile (freed while referenced): nothing to end */
  }
  lg_unlock(&s->lock);
  return o != NULL || done;
}

/* Folds one event into a known object: without the lock when it can,
 * else under it. Returns 1 if the object is known, else 0; *spent, if not
 * NULL, is set as lg_rc_unref_spent says. */
static inline __attribute__((always_inline)) int event(uintptr_t obj, uint32_t stack, int delta, int *spent) {
  if (!lg_collector_tracing()) return 0;
  lg_rc_obj_t *o = find_quick(obj);
  int done = o && quick_fold(o, stack, delta);
  if (LG_LIKELY(done) && !spent) return 1;
  return event_slow(o, obj, stack, delta, done, spent);
}

int lg_rc_ref(uintptr_t obj, uint32_t stack) { return event(obj, stack, +1, NULL); }
int lg_rc_unref(uintptr_t obj, uint32_t stack) { return event(obj, stack, -1, NULL); }

int lg_rc_unref_spent(uintptr_t obj, uint32_t stack, int *spent) {
  int s = 0, known = event(obj, stack, -1, &s);
  if (known) *spent = s;
  return known;
}

/* Forgets obj if it is known (and, when `block` is not 0, only if it
 * lives in that block); returns the block it lived in. */
static uintptr_t forget(uintptr_t obj, uintptr_t block) {
  oshard_t *s = &objs[shard_no(obj)];
  uintptr_t had = 0;
  lg_lock(&s->lock);
  int64_t at = ofind(s, obj);
  if (at >= 0 && (!block || s->tab->s[at].obj->block == block)) {
    lg_rc_obj_t *o = s->tab->s[at].obj;
    had = o->block;
    s->seen[o->family].died++;
    count_gone(s, o);
    tab_free(o);
    odelete(s, (uint32_t)at);
  }
  lg_unlock(&s->lock);
  return had;
}

void lg_rc_death(uintptr_t obj) {
  uintptr_t block = forget(obj, 0);
  if (block && block != obj) pair_remove(block, obj);
}

void lg_rc_death_if_spent(uintptr_t obj, int family) {
  oshard_t *s = &objs[shard_no(obj)];
  lg_lock(&s->lock);
  int64_t at = ofind(s, obj);
  int spent = at >= 0 && s->tab->s[at].obj->family == family && lg_rc_expected(s->tab->s[at].obj) <= 0;
  lg_unlock(&s->lock);
  if (spent) lg_rc_death(obj);
}

void lg_rc_block_freed(uintptr_t block) {
  uintptr_t objv[32];
  size_t n;
  forget(block, block); /* one at the block's start (not in the multimap) */
  while ((n = pairs_take(block, objv, 32)) > 0)
    for (size_t i = 0; i < n; i++) forget(objv[i], block);
}

int lg_rc_lookup(uintptr_t obj, lg_rc_obj_t *out) {
  oshard_t *s = &objs[shard_no(obj)];
  lg_lock(&s->lock);
  int64_t at = ofind(s, obj);
  if (at >= 0) *out = *s->tab->s[at].obj;
  lg_unlock(&s->lock);
  return at >= 0;
}

/* ---- types -------------------------------------------------------------------- */

#define TCHUNK_BITS 8
#define TCHUNK (1u << TCHUNK_BITS)
#define TNCHUNKS 256u /* 65,536 types */
#define TNAME_MAX 255u

typedef struct rtype { uint32_t family, hash; char name[]; } rtype_t;

static lg_lock_t types_lock = LG_LOCK_INIT;
static rtype_t **tchunks[TNCHUNKS];
static uint32_t ntypes;
static uint32_t *tindex; /* open addressing over ids, for interning */
static uint32_t tindex_cap;

static const rtype_t *type_get(uint32_t id) {
  if (id == 0 || id > __atomic_load_n(&ntypes, __ATOMIC_ACQUIRE)) return NULL;
  rtype_t **c = tchunks[(id - 1) >> TCHUNK_BITS];
  return c ? c[(id - 1) & (TCHUNK - 1)] : NULL;
}

static uint32_t name_hash(int family, const char *name, size_t len) {
  uint32_t h = 2166136261u ^ (uint32_t)family;
  for (size_t i = 0; i < len; i++) h = (h ^ (uint8_t)name[i]) * 16777619u;
  return h;
}

/* Finds the index slot of (family, name), or the empty slot where it would
 * go; types lock held, tindex_cap > ntypes. */
static uint32_t *tindex_slot(uint32_t h, int family, const char *name, size_t len) {
  for (uint32_t i = h & (tindex_cap - 1);; i = (i + 1) & (tindex_cap - 1)) {
    const rtype_t *t = type_get(tindex[i]);
    if (!tindex[i]) return &tindex[i];
    if (t->hash == h && t->family == (uint32_t)family && !strncmp(t->name, name, len) && !t->name[len])
      return &tindex[i];
  }
}

/* Keeps the index at load <= 1/2; types lock held. 0 or -1. */
static int tindex_room(void) {
  if (tindex_cap && (ntypes + 1) * 2 <= tindex_cap) return 0;
  uint32_t ncap = tindex_cap ? tindex_cap * 2 : 64, *ni = lg_arena_alloc(ncap * sizeof *ni);
  if (!ni) return -1;
  uint32_t *old = tindex, ocap = tindex_cap;
  tindex = ni;
  tindex_cap = ncap;
  for (uint32_t i = 0; i < ocap; i++)
    if (old[i]) {
      const rtype_t *t = type_get(old[i]);
      *tindex_slot(t->hash, (int)t->family, t->name, strlen(t->name)) = old[i];
    }
  lg_arena_free(old);
  return 0;
}

/* Stores a new type; types lock held. Its id, or 0. */
static uint32_t type_add(uint32_t h, int family, const char *name, size_t len) {
  uint32_t i = ntypes;
  if (i >= TNCHUNKS * TCHUNK) return 0;
  if (!tchunks[i >> TCHUNK_BITS] && !(tchunks[i >> TCHUNK_BITS] = lg_arena_alloc(TCHUNK * sizeof(rtype_t *))))
    return 0;
  rtype_t *t = lg_arena_bump(sizeof *t + len + 1);
  if (!t) return 0;
  t->family = (uint32_t)family;
  t->hash = h;
  memcpy(t->name, name, len);
  tchunks[i >> TCHUNK_BITS][i & (TCHUNK - 1)] = t;
  __atomic_store_n(&ntypes, i + 1, __ATOMIC_RELEASE);
  return i + 1;
}

uint32_t lg_rc_type_intern(int family, const char *name) {
  if (!name) return 0;
  size_t len = strnlen(name, TNAME_MAX);
  uint32_t h = name_hash(family, name, len), id = 0;
  lg_lock(&types_lock);
  if (tindex_room() == 0) {
    uint32_t *slot = tindex_slot(h, family, name, len);
    if (!*slot) *slot = type_add(h, family, name, len);
    id = *slot;
  }
  lg_unlock(&types_lock);
  return id;
}

const char *lg_rc_type_name(uint32_t id, int *family) {
  const rtype_t *t = type_get(id);
  if (t && family) *family = (int)t->family;
  return t ? t->name : NULL;
}

uint32_t lg_rc_type_count(void) { return __atomic_load_n(&ntypes, __ATOMIC_ACQUIRE); }

/* ---- families ------------------------------------------------------------------- */

void lg_rc_family_active(int family) {
  if (family > 0 && family <= LG_RC_NFAMILIES) __atomic_or_fetch(&families, 1u << family, __ATOMIC_ACQ_REL);
}
unsigned lg_rc_families(void) { return __atomic_load_n(&families, __ATOMIC_ACQUIRE); }
void lg_rc_set_python_type(uintptr_t t) { __atomic_store_n(&python_type, t, __ATOMIC_RELEASE); }
uintptr_t lg_rc_python_type(void) {
  return lg_rc_families() & (1u << LG_RC_PYTHON) ? __atomic_load_n(&python_type, __ATOMIC_ACQUIRE) : 0;
}

/* ---- scan side --------------------------------------------------------------------- */

size_t lg_rc_count(void) {
  size_t n = 0;
  for (unsigned i = 0; i < NSHARDS; i++) n += objs[i].count;
  return n;
}

void lg_rc_each(void (*fn)(const lg_rc_obj_t *, void *), void *arg) {
  for (unsigned i = 0; i < NSHARDS; i++)
    for (uint32_t j = 0; objs[i].tab && j < objs[i].tab->cap; j++)
      if (objs[i].tab->s[j].addr) fn(objs[i].tab->s[j].obj, arg);
}

/* Adds b to *a, saturating at UINT32_MAX. */
static inline void sat_add(uint32_t *a, uint32_t b) { *a = *a > UINT32_MAX - b ? UINT32_MAX : *a + b; }

/* Sorts e[0..n) by stack (a Shell sort: no allocation, no libc). */
static void sort_by_stack(lg_rc_hist_t *e, size_t n) {
  for (size_t gap = n / 2; gap > 0; gap /= 2)
    for (size_t i = gap; i < n; i++) {
      lg_rc_hist_t x = e[i];
      size_t j = i;
      for (; j >= gap && e[j - gap].stack > x.stack; j -= gap) e[j] = e[j - gap];
      e[j] = x;
    }
}

/* Copies e into out[*n] if it has a count and there is room. */
static inline void take(const lg_rc_hist_t *e, lg_rc_hist_t *out, size_t *n, size_t max) {
  if (*n < max && !hempty(e)) out[(*n)++] = *e;
}

size_t lg_rc_history(const lg_rc_obj_t *o, lg_rc_hist_t *out, size_t max) {
  size_t n = 0, m = 0;
  for (int i = 0; i < LG_RC_INLINE; i++) take(&o->inl[i], out, &n, max);
  for (const hpage_t *p = o->hpages; p; p = p->next)
    for (uint32_t k = 0; k < p->used; k++) take(&p->e[k].h, out, &n, max);
  sort_by_stack(out, n); /* then one entry per stack: those of several threads added up */
  for (size_t i = 0; i < n; i++) {
    if (m && out[m - 1].stack == out[i].stack) {
      sat_add(&out[m - 1].refs, out[i].refs);
      sat_add(&out[m - 1].unrefs, out[i].unrefs);
    } else {
      out[m++] = out[i];
    }
  }
  return m;
}

int64_t lg_rc_expected(const lg_rc_obj_t *o) {
  uint64_t r, u;
  hist_sums(o, &r, &u);
  return o->base + (int64_t)r - (int64_t)u;
}

uint64_t lg_rc_field(const lg_rc_obj_t *o) {
  int64_t v = read_count(o->addr + (uintptr_t)(intptr_t)o->count_off, o->width);
  return (uint64_t)v;
}

/* ---- statistics ---------------------------------------------------------------------- */

/* Do o's books disagree with its field? An object outside a tracked block
 * may lie in memory the program has unmapped since: it is read through
 * process_vm_readv, which fails where a load would fault (unreadable
 * counts as disagreeing). */
static int mismatched(const lg_rc_obj_t *o) {
  if (o->block) return lg_rc_expected(o) != (int64_t)lg_rc_field(o);
  uint64_t v = 0;
  struct iovec local = {&v, o->width}, remote = {(void *)(o->addr + (uintptr_t)(intptr_t)o->count_off), o->width};
  if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) != (ssize_t)o->width) return 1;
  return lg_rc_expected(o) != (int64_t)v;
}

void lg_rc_stats(lg_rc_stats_t st[LG_RC_NFAMILIES + 1]) {
  memset(st, 0, sizeof(lg_rc_stats_t) * (LG_RC_NFAMILIES + 1));
  for (unsigned i = 0; i < NSHARDS; i++) {
    oshard_t *s = &objs[i];
    lg_lock(&s->lock);
    for (int f = 0; f <= LG_RC_NFAMILIES; f++) {
      st[f].born += s->seen[f].born;
      st[f].adopted += s->seen[f].adopted;
      st[f].refs += s->seen[f].refs;
      st[f].unrefs += s->seen[f].unrefs;
      st[f].died += s->seen[f].died;
    }
    for (uint32_t j = 0; s->tab && j < s->tab->cap; j++) {
      if (!s->tab->s[j].addr) continue;
      const lg_rc_obj_t *o = s->tab->s[j].obj;
      st[o->family].live++;
      uint64_t r, u;
      hist_sums(o, &r, &u);
      st[o->family].refs += r;
      st[o->family].unrefs += u;
      if (mismatched(o)) st[o->family].mismatched++;
    }
    lg_unlock(&s->lock);
  }
}

size_t lg_rc_stats_text(char *buf, size_t n, int family, const lg_rc_stats_t *st) {
  if (!st->born && !st->adopted && !st->live) return buf[0] = 0, 0;
  return lg_fmt(buf, n,
                "refcount %s: %llu live objects (%llu born, %llu adopted at a first ref or unref, %llu refs, "
                "%llu unrefs, %llu died); %llu live objects whose count differs from what the hooks saw",
                lg_rc_family_name((uint32_t)family), (unsigned long long)st->live, (unsigned long long)st->born,
                (unsigned long long)st->adopted, (unsigned long long)st->refs, (unsigned long long)st->unrefs,
                (unsigned long long)st->died, (unsigned long long)st->mismatched);
}

/* ---- locks ---------------------------------------------------------------------------- */

void lg_rc_lock_all(void) {
  lg_lock(&types_lock);
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock(&objs[i].lock);
  for (unsigned i = 0; i < NSHARDS; i++) lg_lock(&inblock[i].lock);
}

void lg_rc_unlock_all(void) {
  for (unsigned i = 0; i < NSHARDS; i++) lg_unlock(&inblock[i].lock);
  for (unsigned i = 0; i < NSHARDS; i++) lg_unlock(&objs[i].lock);
  lg_unlock(&types_lock);
}

void lg_rc_reset_locks(void) {
  lg_lock_reset(&types_lock);
  for (unsigned i = 0; i < NSHARDS; i++) {
    lg_lock_reset(&objs[i].lock);
    lg_lock_reset(&inblock[i].lock);
  }
}

size_t lg_rc_table_bytes(void) { /* the shard arrays, the outgrown ones and the nodes, in the arena */
  size_t n = 0;
  for (unsigned i = 0; i < NSHARDS; i++) {
    const oshard_t *s = &objs[i];
    n += (s->tab ? sizeof *s->tab + (size_t)s->tab->cap * sizeof(oslot_t) : 0) + s->retired;
    n += (size_t)s->nodes * sizeof(lg_rc_obj_t) + (size_t)inblock[i].cap * sizeof(pair_t);
  }
  return n;
}
