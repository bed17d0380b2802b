/* preload/fastunwind.c — the fast path of stack capture: an unwinder that
 * reads the modules' DWARF call-frame information (.eh_frame, found through
 * .eh_frame_hdr) once per return address and caches, per thread, the rule
 * it boils down to on x86_64 — where the caller's frame (CFA) is (RSP or
 * RBP plus an offset), and where RBP was saved. A cached frame then costs a
 * hash probe and two loads, so stacks stay exact (DWARF, not frame
 * pointers: Debian's binaries have none) at a fraction of a general
 * unwinder's cost.
 *
 * Anything outside the common subset — CFA expressions, signal frames,
 * registers saved in registers, an address no module's table covers, a
 * frame that leaves the thread's stack — makes lg_fast_unwind fail, and
 * the caller falls back to libunwind for that stack. Every memory read is
 * checked against the thread's stack bounds first, so a bad rule can cost
 * exactness of one stack, never a fault. */
#include "fastunwind.h"
#include "fastunwind_state.h"

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

#include "format.h"
#include "lock.h"
#include "sys.h"

enum { REG_RBP = 6, REG_RSP = 7, REG_RA = 16 };
enum { R_UNDEF = 0, R_SAME, R_OFFSET, R_BAD };

/* The rule of one return address. cfa_off == BAD_RULE marks "use the
 * fallback", end == 1 "the outermost frame". */
typedef struct rule {
  uintptr_t ip;
  int32_t cfa_off;
  int16_t rbp_off;
  uint8_t cfa_rbp, flags; /* flags: 1 RBP saved at rbp_off, 2 end, 4 bad */
} rule_t;

/* A thread's rules are a direct-mapped cache by return address that
 * starts small and doubles (the rules it holds rehashed into the new one)
 * each time it has missed as many times as half its size since it last
 * grew, up to CACHE_MAX: a cache is touched at random, so all of it is
 * resident, and most threads (a streaming thread, a worker) run through a
 * few hundred return addresses, not thousands. */
#define CACHE_MIN 512
#define CACHE_MAX 8192

static __thread uintptr_t stack_lo, stack_hi __attribute__((tls_model("initial-exec")));
static __thread int stack_known __attribute__((tls_model("initial-exec")));
uintptr_t lg_fast_self_lo, lg_fast_self_hi;

/* ---- modules and their .eh_frame_hdr ------------------------------------- */

typedef struct mod { uintptr_t lo, hi; const uint8_t *hdr; } mod_t;
#define MAXMODS 512
static mod_t mods[MAXMODS];
static int nmods;
static lg_lock_t mods_lock = LG_LOCK_INIT;

static int collect(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  if (nmods == MAXMODS) return 1;
  mod_t m = {0, 0, NULL};
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t a = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X)) { m.lo = a; m.hi = a + ph->p_memsz; }
    if (ph->p_type == PT_GNU_EH_FRAME) m.hdr = (const uint8_t *)a;
  }
  if (m.hdr && m.hi) mods[nmods++] = m;
  return 0;
}

/* Finds the .eh_frame_hdr covering ip; rereads the module list once when
 * ip is in no known module (a library loaded since). Lock held. */
static const uint8_t *hdr_for(uintptr_t ip) {
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < nmods; i++)
      if (ip >= mods[i].lo && ip < mods[i].hi) return mods[i].hdr;
    if (pass == 0) { nmods = 0; dl_iterate_phdr(collect, NULL); }
  }
  return NULL;
}

/* ---- DWARF readers ---------------------------------------------------------- */

typedef struct rd { const uint8_t *p, *end; int bad; } rd_t;

static uint64_t uleb(rd_t *r) {
  uint64_t v = 0;
  for (int shift = 0; r->p < r->end && shift < 64; shift += 7) {
    uint8_t b = *r->p++;
    v |= (uint64_t)(b & 0x7f) << shift;
    if (!(b & 0x80)) return v;
  }
  r->bad = 1;
  return 0;
}

static int64_t sleb(rd_t *r) {
  int64_t v = 0;
  int shift = 0;
  uint8_t b = 0;
  while (r->p < r->end && shift < 64) {
    b = *r->p++;
    v |= (int64_t)(b & 0x7f) << shift;
    shift += 7;
    if (!(b & 0x80)) {
      if (shift < 64 && (b & 0x40)) v |= -((int64_t)1 << shift);
      return v;
    }
  }
  r->bad = 1;
  return 0;
}

static uint64_t fixed(rd_t *r, int n) {
  if (r->end - r->p < n) { r->bad = 1; return 0; }
  uint64_t v = 0;
  memcpy(&v, r->p, (size_t)n);
  r->p += n;
  return v;
}

/* Reads a pointer in DW_EH_PE encoding `enc` (the subset GCC emits:
 * absptr, udata4/sdata4/udata8/sdata8, pc-relative or data-relative). */
static uintptr_t encoded(rd_t *r, uint8_t enc, uintptr_t datarel) {
  const uint8_t *at = r->p;
  uintptr_t v;
  switch (enc & 0x0f) {
  case 0x00: v = (uintptr_t)fixed(r, 8); break;
  case 0x03: v = (uintptr_t)(uint32_t)fixed(r, 4); break;
  case 0x0b: v = (uintptr_t)(intptr_t)(int32_t)fixed(r, 4); break;
  case 0x04: case 0x0c: v = (uintptr_t)fixed(r, 8); break;
  case 0x01: v = (uintptr_t)uleb(r); break;
  case 0x09: v = (uintptr_t)sleb(r); break;
  default: r->bad = 1; return 0;
  }
  switch (enc & 0x70) {
  case 0x00: break;
  case 0x10: v += (uintptr_t)at; break;
  case 0x30: v += datarel; break;
  default: r->bad = 1;
  }
  return v;
}

/* Binary-searches the .eh_frame_hdr table for the FDE covering ip. */
static const uint8_t *find_fde(const uint8_t *hdr, uintptr_t ip) {
  if (hdr[0] != 1 || hdr[3] != 0x3b) return NULL; /* datarel|sdata4 table */
  rd_t r = {hdr + 4, hdr + 4 + 16, 0};
  encoded(&r, hdr[1], (uintptr_t)hdr);
  uintptr_t count = encoded(&r, hdr[2], (uintptr_t)hdr);
  if (r.bad || !count) return NULL;
  const int32_t *tab = (const int32_t *)r.p;
  size_t lo = 0, hi = count;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if ((uintptr_t)hdr + (intptr_t)tab[2 * mid] <= ip) lo = mid; else hi = mid;
  }
  if ((uintptr_t)hdr + (intptr_t)tab[2 * lo] > ip) return NULL;
  return hdr + (intptr_t)tab[2 * lo + 1];
}

/* ---- the CFA program ------------------------------------------------------- */

typedef struct state { uint8_t cfa_reg; int64_t cfa_off; uint8_t rbp, ra; int64_t rbp_off, ra_off; } state_t;

typedef struct cie {
  uint64_t code_align;
  int64_t data_align;
  uint8_t fde_enc, signal;
  rd_t init;
} cie_t;

static int parse_cie(const uint8_t *p, cie_t *c) {
  rd_t r = {p, p + 4, 0};
  uint32_t len = (uint32_t)fixed(&r, 4);
  if (len == 0xffffffffu || len < 8) return -1;
  r.end = p + 4 + len;
  if (fixed(&r, 4) != 0) return -1; /* CIE id */
  uint8_t version = (uint8_t)fixed(&r, 1);
  const char *aug = (const char *)r.p;
  size_t al = strnlen(aug, (size_t)(r.end - r.p));
  r.p += al + 1;
  c->code_align = uleb(&r);
  c->data_align = sleb(&r);
  if (version == 1) fixed(&r, 1); else uleb(&r); /* return address register */
  c->fde_enc = 0;
  c->signal = 0;
  if (aug[0] == 'z') {
    uint64_t alen = uleb(&r);
    const uint8_t *after = r.p + alen;
    for (const char *a = aug + 1; *a && !r.bad; a++) {
      if (*a == 'R') c->fde_enc = (uint8_t)fixed(&r, 1);
      else if (*a == 'L') fixed(&r, 1);
      else if (*a == 'P') { uint8_t e = (uint8_t)fixed(&r, 1); encoded(&r, e & 0x7f, 0); }
      else if (*a == 'S') c->signal = 1;
      else return -1;
    }
    r.p = after;
  } else if (aug[0]) {
    return -1;
  }
  if (r.bad || r.p > r.end) return -1;
  c->init = r;
  return 0;
}

/* Runs CFA instructions until the location passes `target`; 0, or -1 for
 * anything outside the supported subset. */
static int run(rd_t *r, const cie_t *c, state_t *st, const state_t *initial, uintptr_t loc, uintptr_t target) {
  state_t stack[8];
  int depth = 0;
  while (r->p < r->end && !r->bad) {
    uint8_t op = *r->p++, low = op & 0x3f;
    uint64_t reg = 0;
    int64_t off = 0;
    switch (op & 0xc0) {
    case 0x40: loc += low * c->code_align; if (loc > target) return 0; continue;
    case 0x80: reg = low; off = (int64_t)uleb(r) * c->data_align; goto set_offset;
    case 0xc0: reg = low; goto restore;
    }
    switch (op) {
    case 0x00: case 0x2e: if (op == 0x2e) uleb(r); continue;
    case 0x02: loc += fixed(r, 1) * c->code_align; if (loc > target) return 0; continue;
    case 0x03: loc += fixed(r, 2) * c->code_align; if (loc > target) return 0; continue;
    case 0x04: loc += fixed(r, 4) * c->code_align; if (loc > target) return 0; continue;
    case 0x05: reg = uleb(r); off = (int64_t)uleb(r) * c->data_align; goto set_offset;
    case 0x11: reg = uleb(r); off = sleb(r) * c->data_align; goto set_offset;
    case 0x06: reg = uleb(r); goto restore;
    case 0x07: reg = uleb(r);
      if (reg == REG_RBP) st->rbp = R_UNDEF;
      if (reg == REG_RA) st->ra = R_UNDEF;
      continue;
    case 0x08: reg = uleb(r); if (reg == REG_RBP) st->rbp = R_SAME; if (reg == REG_RA) return -1; continue;
    case 0x09: reg = uleb(r); uleb(r); if (reg == REG_RBP || reg == REG_RA) return -1; continue;
    case 0x0a: if (depth == 8) return -1; stack[depth++] = *st; continue;
    case 0x0b: if (!depth) return -1; *st = stack[--depth]; continue;
    case 0x0c: st->cfa_reg = (uint8_t)uleb(r); st->cfa_off = (int64_t)uleb(r); continue;
    case 0x12: st->cfa_reg = (uint8_t)uleb(r); st->cfa_off = sleb(r) * c->data_align; continue;
    case 0x0d: st->cfa_reg = (uint8_t)uleb(r); continue;
    case 0x0e: st->cfa_off = (int64_t)uleb(r); continue;
    case 0x13: st->cfa_off = sleb(r) * c->data_align; continue;
    case 0x10: case 0x16: reg = uleb(r); { uint64_t n = uleb(r); r->p += n; }
      if (reg == REG_RBP || reg == REG_RA) return -1;
      continue;
    case 0x14: case 0x15: reg = uleb(r); if (op == 0x14) uleb(r); else sleb(r);
      if (reg == REG_RBP || reg == REG_RA) return -1;
      continue;
    default: return -1; /* set_loc, def_cfa_expression, vendor ops */
    }
  set_offset:
    if (reg == REG_RBP) { st->rbp = R_OFFSET; st->rbp_off = off; }
    if (reg == REG_RA) { st->ra = R_OFFSET; st->ra_off = off; }
    continue;
  restore:
    if (reg == REG_RBP) { st->rbp = initial->rbp; st->rbp_off = initial->rbp_off; }
    if (reg == REG_RA) { st->ra = initial->ra; st->ra_off = initial->ra_off; }
  }
  return r->bad ? -1 : 0;
}

/* Computes the rule of return address ra (the call is at ra - 1). */
static void compute(uintptr_t ra, rule_t *out) {
  out->ip = ra;
  out->flags = 4;
  lg_lock(&mods_lock);
  const uint8_t *hdr = hdr_for(ra - 1);
  lg_unlock(&mods_lock);
  if (!hdr) return;
  const uint8_t *fde = find_fde(hdr, ra - 1);
  if (!fde) return;
  rd_t r = {fde, fde + 8, 0};
  uint32_t len = (uint32_t)fixed(&r, 4);
  if (len == 0xffffffffu || len < 8) return;
  r.end = fde + 4 + len;
  const uint8_t *idp = r.p;
  uint32_t id = (uint32_t)fixed(&r, 4);
  cie_t c;
  if (!id || parse_cie(idp - id, &c) < 0 || c.signal) return;
  uintptr_t begin = encoded(&r, c.fde_enc, 0);
  uintptr_t range = encoded(&r, c.fde_enc & 0x0f, 0);
  if (r.bad || ra - 1 < begin || ra - 1 >= begin + range) return;
  uint64_t alen = uleb(&r);
  r.p += alen;
  state_t st = {REG_RSP, 8, R_SAME, R_OFFSET, 0, -8};
  if (run(&c.init, &c, &st, &st, begin, (uintptr_t)-1) < 0) return;
  state_t initial = st;
  if (run(&r, &c, &st, &initial, begin, ra - 1) < 0) return;
  if (st.ra == R_UNDEF) { out->flags = 2; return; } /* the outermost frame */
  if (st.ra != R_OFFSET || st.ra_off != -8) return;
  if (st.cfa_reg != REG_RSP && st.cfa_reg != REG_RBP) return;
  if (st.cfa_off < 0 || st.cfa_off > (1 << 24)) return;
  if (st.rbp == R_OFFSET && (st.rbp_off < -32768 || st.rbp_off > 32767)) return;
  out->cfa_off = (int32_t)st.cfa_off;
  out->cfa_rbp = st.cfa_reg == REG_RBP;
  out->rbp_off = (int16_t)st.rbp_off;
  out->flags = st.rbp == R_OFFSET ? 1 : 0;
}

/* ---- the thread's recent stacks --------------------------------------------
 *
 * Most allocations come from a stack that shares all but its innermost
 * frames with one of the thread's recent stacks. So each thread keeps the
 * frames of its recent captures as a tree, outermost frames at the roots:
 * for every frame, the stack slot its return address was read from, the
 * address, the RBP value the unwinder held on reaching it, the frame's rule
 * and the frame outside it. A capture unwinds for real until it stands
 * where a frame of the tree stood — same slot, same address, and the same
 * RBP where the frames outside depend on it (an index by slot and address
 * finds it) — and from there checks instead of unwinding: every frame
 * outside, as far as the depth reaches, must still hold its return address
 * in its slot, and every saved RBP that a frame's position depends on must
 * still be in its slot. A frame's slot follows from the slot, rule and RBP
 * of the frame inside it alone, so when all of this holds, the real
 * unwinder would walk exactly these frames: the result is what it gives,
 * at one or two compares a frame. When a check fails, or the depth reaches
 * past the known frames, unwinding goes on for real.
 *
 * A frame of the tree also remembers which stack id a capture ending in
 * it was interned to: a stack seen before costs no copy of its frames and
 * no interning. Such a capture also gets its checks laid out in a row
 * (slot and return address, saved RBP slot and value, in the order the
 * walk makes them), so that a stack seen before is checked by going down
 * an array, not by following the tree's links from frame to frame (a
 * load that waits for the one before it: on a 30-frame stack that halved
 * the cost of a malloc and free). A capture interned when the checks
 * were full gets its row the first time the tree's walk finds it holding;
 * a full array starts afresh on its own (now and then, see checks_again),
 * each capture then laying its row out again when it is next checked.
 * Frames are never changed once made (but for their rows); when the
 * thread's pool of frames is full, the tree and the checks start afresh. */

/* The frames, checks and per-thread state are in fastunwind_state.h (the
 * hooks check a known stack inline); here they go by their short names. */
typedef lg_uw_node_t node_t;
typedef lg_uw_chk_t chk_t;
typedef lg_uw_thread_t uw_thread_t;
#define uw lg_fast_uw
#define self_lo lg_fast_self_lo
#define self_hi lg_fast_self_hi
#define word lg_uw_word
#define index_of lg_uw_index_of
#define row_holds lg_uw_row_holds
#define WAYS LG_UW_WAYS
#define M_RBP LG_UW_M_RBP

/* A thread that captures many distinct stacks fills its pool and checks,
 * and all of its state is resident: the program pays it per such thread
 * (python3's main thread, GStreamer's). Halving the pool and the checks
 * from 8192 and 32768 took 0.5 MB off python3's peak RSS and 0.6 MB off
 * a GStreamer pipeline's, for about 0.8% more instructions in the
 * unwinder (the tree is forgotten twice as often). */
_Static_assert(sizeof(uw_thread_t) + CACHE_MAX * sizeof(rule_t) <= (704u << 10),
               "the unwinder's per-thread state stays small");

__thread lg_uw_thread_t *lg_fast_uw __attribute__((tls_model("initial-exec")));
static __thread int uw_gone __attribute__((tls_model("initial-exec")));
static uw_thread_t *uw_free;
static lg_lock_t uw_lock = LG_LOCK_INIT;
static void (*uw_first_use)(void);

/* Forgets the tree (the rules stay: they belong to code, not to a stack),
 * first taking the next level if the captures since the last time found
 * a known stack more often than not. */
static void forget_stacks(uw_thread_t *t) {
  if (t->level < LEVEL_MAX && t->caps >= 2 * t->news && t->pool) t->level++;
  t->pool = POOL >> (LEVEL_MAX - t->level);
  t->nindex = INDEX >> (LEVEL_MAX - t->level);
  t->nchk_max = CHECKS >> (LEVEL_MAX - t->level);
  t->caps = t->news = 0;
  memset(t->index, 0, t->nindex * sizeof t->index[0]);
  memset(t->kids, 0, t->nindex * sizeof t->kids[0]);
  t->nnodes = 0;
  t->last = 0;
  t->pending = 0;
  t->nchecks = 0;
  t->chk_gen++;
  t->chk_from = 0;
}

/* Returns the calling thread's state, made (or taken from an ended
 * thread) on first use; NULL once the thread has ended or out of memory. */
static uw_thread_t *uw_state(void) {
  if (LG_LIKELY(uw != NULL)) return uw;
  if (uw_gone) return NULL;
  lg_lock(&uw_lock);
  uw_thread_t *t = uw_free;
  if (t) uw_free = t->next_free;
  lg_unlock(&uw_lock);
  if (!t && !(t = lg_sys_map(sizeof *t))) return NULL;
  if (!t->cache && !(t->cache = lg_sys_map(CACHE_MIN * sizeof(rule_t)))) {
    lg_sys_unmap(t, sizeof *t);
    return NULL;
  }
  if (!t->cache_mask) t->cache_mask = CACHE_MIN - 1;
  forget_stacks(t); /* another thread's stacks */
  uw = t;
  if (uw_first_use) uw_first_use();
  return t;
}

void lg_fast_unwind_on_first_use(void (*fn)(void)) { uw_first_use = fn; }

uintptr_t lg_fast_unwind_recent_sp(uintptr_t tp) {
  /* Initial-exec TLS lies at one offset from every thread's pointer. */
  uintptr_t off = (uintptr_t)&lg_fast_uw - (uintptr_t)__builtin_thread_pointer();
  const uw_thread_t *t = __atomic_load_n((uw_thread_t *const *)(tp + off), __ATOMIC_RELAXED);
  if (!t) return 0;
  uint32_t last = __atomic_load_n(&t->last, __ATOMIC_RELAXED);
  if (!last || last > POOL) return 0;
  return __atomic_load_n(&t->node[last - 1].slot, __ATOMIC_RELAXED);
}

void lg_fast_unwind_thread_end(void) {
  uw_thread_t *t = uw;
  uw_gone = 1;
  if (!t) return;
  uw = NULL;
  lg_lock(&uw_lock);
  t->next_free = uw_free;
  uw_free = t;
  lg_unlock(&uw_lock);
}

void lg_fast_unwind_fork_child(void) { lg_lock_reset(&uw_lock); }

/* The word the checks that pad a row out to a group of four read. */
static const uintptr_t row_pad = 0;

/* Lays out, one after the other, the checks outside_holds(in, 0, depth)
 * makes, in its order, so that a capture with an id is checked without
 * following the tree from frame to frame; none when they do not fit. */
static void make_checks(uw_thread_t *t, node_t *in, uint32_t depth) {
  if (t->chk_depth && t->chk_depth != depth) return;
  uint32_t left = depth - in->emit, k = t->nchecks;
  const node_t *x = in;
  while (left) {
    const node_t *f = x->out;
    if (!f) {
      if (!(x->mark & M_END)) return; /* it never holds: outside_holds says so */
      break;
    }
    if (k + 2 > t->nchk_max) return;
    t->checks[k++] = (chk_t){f->slot, f->ra};
    if (x->pchk) t->checks[k++] = (chk_t){x->pchk, f->rbp};
    left -= f->emit;
    x = f;
  }
  /* A row is a whole number of groups of four (see row_holds): the rest
   * of its last group checks a word that never changes. */
  while ((k - t->nchecks) % 4) {
    if (k == t->nchk_max) return;
    t->checks[k++] = (chk_t){(uintptr_t)&row_pad, 0};
  }
  if (k - t->nchecks > UINT16_MAX) return;
  in->chk = t->nchecks + 1;
  in->chk_gen = t->chk_gen;
  in->nchk = (uint16_t)(k - t->nchecks);
  in->nframes = (uint16_t)(depth - left);
  t->nchecks = k;
  t->chk_depth = depth;
}

void lg_fast_unwind_set_id(uint32_t id) {
  uw_thread_t *t = uw;
  if (!t || !t->pending) return;
  t->pending = 0;
  if (!id) return; /* no id (out of memory): never known, and no row */
  node_t *in = &t->node[t->last - 1];
  in->id = id;
  make_checks(t, in, t->pending_depth);
}

/* ---- unwinding -------------------------------------------------------------- */

void lg_fast_unwind_init(uintptr_t lo, uintptr_t hi) {
  self_lo = lo;
  self_hi = hi;
}

/* Learns the calling thread's stack bounds once. */
static int know_stack(void) {
  if (stack_known) return stack_known > 0;
  pthread_attr_t a;
  void *addr;
  size_t size;
  stack_known = -1;
  if (pthread_getattr_np(pthread_self(), &a) == 0) {
    if (pthread_attr_getstack(&a, &addr, &size) == 0) {
      stack_lo = (uintptr_t)addr;
      stack_hi = (uintptr_t)addr + size;
      stack_known = 1;
    }
    pthread_attr_destroy(&a);
  }
  return stack_known > 0;
}

/* Where the unwinder stands: the return address `ip` read from `slot`
 * (the caller's stack pointer is slot + 8) and RBP, within the stack
 * [lo, hi). */
typedef struct ust { uintptr_t ip, slot, rbp, lo, hi; } ust_t;

static inline uint32_t rule_slot(uintptr_t ip, uint32_t mask) {
  return (uint32_t)((ip * 0x9E3779B97F4A7C15ull) >> 40) & mask;
}

/* Doubles the thread's rule cache, keeping the rules it holds (two that
 * meet in one slot of the new cache: the later one stays); left as it is
 * when there is no memory. */
static void grow_cache(uw_thread_t *t) {
  uint32_t n = t->cache_mask + 1, mask = 2 * n - 1;
  rule_t *c = lg_sys_map(2 * n * sizeof *c);
  if (!c) return;
  for (uint32_t i = 0; i < n; i++)
    if (t->cache[i].ip) c[rule_slot(t->cache[i].ip, mask)] = t->cache[i];
  lg_sys_unmap(t->cache, n * sizeof *c);
  t->cache = c;
  t->cache_mask = mask;
}

/* A miss of the rule cache: grows it when it has missed often enough,
 * then computes ip's rule into its slot. */
static __attribute__((noinline)) rule_t *rule_miss(uw_thread_t *t, uintptr_t ip) {
  if (++t->cache_miss > (t->cache_mask + 1) / 2 && t->cache_mask + 1 < CACHE_MAX) {
    grow_cache(t);
    t->cache_miss = 0;
  }
  rule_t *ru = &t->cache[rule_slot(ip, t->cache_mask)];
  compute(ip, ru);
  return ru;
}

/* The rule of return address ip, from the thread's rule cache. */
static inline const rule_t *rule_of(uw_thread_t *t, uintptr_t ip) {
  rule_t *ru = &t->cache[rule_slot(ip, t->cache_mask)];
  return LG_LIKELY(ru->ip == ip) ? ru : rule_miss(t, ip);
}

/* Unwinds frame st for real into f: 1 moved on to the caller, 0 it was the
 * outermost frame, -1 fall back (a rule outside the subset, a frame that
 * would leave the stack). */
static inline __attribute__((always_inline)) int step(uw_thread_t *t, ust_t *st, node_t *f) {
  const rule_t *ru = rule_of(t, st->ip);
  f->slot = st->slot;
  f->ra = st->ip;
  f->rbp = st->rbp;
  f->rbp_off = ru->rbp_off;
  f->rflags = (uint8_t)((ru->flags & (RF_SAVED | RF_END)) | (ru->cfa_rbp ? RF_CFA_RBP : 0));
  if (LG_UNLIKELY(ru->flags & 6)) return ru->flags & 4 ? -1 : 0;
  uintptr_t sp = st->slot + 8;
  uintptr_t cfa = (ru->cfa_rbp ? st->rbp : sp) + (uintptr_t)(intptr_t)ru->cfa_off;
  if (cfa - 8 < st->lo || cfa > st->hi || (cfa & 7) || cfa <= sp) return -1;
  if (ru->flags & 1) {
    uintptr_t at = cfa + (uintptr_t)(intptr_t)ru->rbp_off;
    if (at < st->lo || at + 8 > st->hi || (at & 7)) return -1;
    st->rbp = word(at);
  }
  st->slot = cfa - 8;
  st->ip = word(st->slot);
  return 1;
}

/* The bucket of t->kids for a frame at slot with return address ra
 * inside frame out. */
static inline uint32_t kid_of(const uw_thread_t *t, uintptr_t slot, uintptr_t ra, const node_t *out) {
  uint64_t h = (slot ^ (ra * 0x9E3779B97F4A7C15ull) ^ ((uintptr_t)out * 0xc2b2ae3d27d4eb4full)) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h >> 52) & (t->nindex - 1);
}

/* Is c the frame f would be inside frame o, with marks `mark`? */
static inline int same_frame(const node_t *c, const node_t *f, const node_t *o, uint8_t mark) {
  return c->slot == f->slot && c->ra == f->ra && c->out == o && c->mark == mark && (!(mark & M_RBP) || c->rbp == f->rbp);
}

/* Does the unwinder at st stand where frame f stood? */
static inline int stands_on(const node_t *f, const ust_t *st) {
  return f->slot == st->slot && f->ra == st->ip && (!(f->mark & M_RBP) || f->rbp == st->rbp);
}

/* With the unwinder standing on frame m and e program frames already
 * unwound inside it, checks the frames outside m as far as the depth
 * reaches (see the band comment); their program frames, m's included, in
 * *n. 0 when a frame no longer holds, or when the depth reaches past the
 * known frames. Adds the frames it looked at to *walked. */
static inline __attribute__((always_inline)) int outside_holds(const node_t *in, uint32_t e, uint32_t depth, uint32_t *n,
                                                                uint32_t *walked) {
  uint32_t left = depth - e - in->emit; /* program frames still to come */
  while (left) {
    const node_t *f = in->out;
    ++*walked;
    if (!f) {
      if (!(in->mark & M_END)) return 0;
      break;
    }
    if (word(f->slot) != f->ra || (in->pchk && word(in->pchk) != f->rbp)) return 0;
    left -= f->emit;
    in = f;
  }
  *n = depth - e - left;
  return 1;
}

/* A capture with an id whose checks are gone or were never laid out (the
 * array was full when it was interned), found to hold by the walk of the
 * tree: lays its checks out now, so that the next time it is checked down
 * the array. A full array starts afresh (the captures that use it lay
 * theirs out again as they come), but only after a quarter as many
 * captures as it holds checks since it last did, so that a thread whose
 * stacks do not fit in it does not spend its captures laying checks out
 * (a wait of as many captures as checks left python3's workload walking
 * the tree for 3.6% of its captures, a quarter of that 0.7%, for 39
 * million instructions less of 7,145 million). */
static __attribute__((noinline)) void checks_again(uw_thread_t *t, node_t *c, uint32_t depth) {
  if (t->chk_depth && t->chk_depth != depth) return; /* rows of another depth: never */
  if (t->nchecks + 2 * depth > t->nchk_max) {
    if (t->caps - t->chk_from < t->nchk_max / 4) return;
    t->nchecks = 0;
    t->chk_gen++;
    t->chk_from = t->caps;
  }
  make_checks(t, c, depth);
}

/* outside_holds(c, 0, depth, n) for a capture c with an id: by its checks
 * when it has them (of the generation in use), else by the tree, and
 * then its checks are laid out for the next time. */
static inline __attribute__((always_inline)) int holds(uw_thread_t *t, node_t *c, uint32_t depth, uint32_t *n) {
  if (LG_LIKELY(c->chk) && LG_LIKELY(c->chk_gen == t->chk_gen) && LG_LIKELY(depth == t->chk_depth)) {
    if (!row_holds(&t->checks[c->chk - 1], c->nchk)) return 0;
    *n = c->nframes;
    return 1;
  }
  uint32_t walked = 0;
  if (!outside_holds(c, 0, depth, n, &walked)) return 0;
  checks_again(t, c, depth);
  return 1;
}

/* Links the k frames just unwound (t->node[base..base + k), innermost
 * first) to the frame `out` outside them (NULL: none): their marks, checks
 * and index entries. The outermost of them the tree has already, with the
 * same outside, are taken instead (with their stack ids): once one is new,
 * so are all inside it, and those stay where they are. Returns the
 * innermost frame. */
static const node_t *link_new(uw_thread_t *t, uint32_t base, uint32_t k, const node_t *out, int end) {
  int fresh = 0;
  for (uint32_t i = k; i-- > 0;) {
    node_t *f = &t->node[base + i];
    const node_t *o = out;
    int uses = !(f->rflags & RF_END) && f->ra &&
               ((f->rflags & RF_CFA_RBP) || (!(f->rflags & RF_SAVED) && o && (o->mark & M_RBP)));
    uint8_t mark = (uint8_t)((uses ? M_RBP : 0) | (!o && end ? M_END : 0));
    uint16_t *ways = t->index[index_of(t, f->slot, f->ra)];
    uint16_t *kid = &t->kids[kid_of(t, f->slot, f->ra, o)];
    if (!fresh) {
      const node_t *old = NULL;
      for (int w = 0; w < WAYS && ways[w] && !old; w++)
        if (same_frame(&t->node[ways[w] - 1], f, o, mark)) old = &t->node[ways[w] - 1];
      if (!old && *kid && same_frame(&t->node[*kid - 1], f, o, mark)) {
        /* One of many stacks through the same innermost frames (a wrapper
         * called from many places): the index's ways held others. */
        old = &t->node[*kid - 1];
        if (i == 0) {
          memmove(ways + 1, ways, (WAYS - 1) * sizeof *ways);
          ways[0] = *kid;
        }
      }
      if (old) {
        out = old;
        continue;
      }
      fresh = 1;
      t->nnodes = base + i + 1;
    }
    *kid = (uint16_t)(base + i + 1);
    f->out = o;
    f->id = 0;
    f->chk = 0;
    f->chk_gen = 0; /* no row (the thread's generations start at 1) */
    f->mark = mark;
    f->pchk = o && (o->mark & M_RBP) && (f->rflags & RF_SAVED) ? o->slot + 8 + (uintptr_t)(intptr_t)f->rbp_off : 0;
    memmove(ways + 1, ways, (WAYS - 1) * sizeof *ways);
    ways[0] = (uint16_t)(base + i + 1);
    out = f;
  }
  return out;
}

/* The program frames of the capture ending in frame m, innermost first. */
static uint32_t emit_frames(const node_t *m, uintptr_t *frames, uint32_t depth) {
  uint32_t n = 0;
  for (; m && n < depth; m = m->out)
    if (m->emit) frames[n++] = m->ra;
  return n;
}

/* The general case: unwinds for real until the unwinder stands on a frame
 * whose outside still holds, and takes that outside; where none does, the
 * stack is unwound for real to its end or the depth. The frames it stands
 * on may each have a few candidates in the index (the same slot and
 * return address in other stacks: a function called at the same depth
 * from other places). It tries them until it has looked at TRY_FRAMES
 * frames of their outsides per frame of the depth (a bound of a few times
 * a full unwind's cost, for a stack that has many such candidates): on
 * python3's bench workload, the cap of 8 candidates in all it had before
 * left most new stacks unwound to the depth with their frames already in
 * the tree, and the unwinder spent 16% more. */
static __attribute__((noinline)) int unwind_new(uw_thread_t *t, ust_t *st, uintptr_t *frames, uint32_t depth,
                                                uint32_t *out, uint32_t *same) {
  t->pending = 0;
  t->last = 0;
  if (LG_UNLIKELY(stack_known <= 0) && !know_stack()) return -1;
  st->lo = stack_lo;
  st->hi = stack_hi;
  if (st->slot < st->lo || st->slot + 8 > st->hi) return -1;
  t->news++;
  if (t->nnodes + depth + EXTRA > t->pool) forget_stacks(t);
  uint32_t base = t->nnodes, k = 0, e = 0, walked = 0, n = 0;
  const node_t *m = NULL;
  int end = 0;
  while (e < depth && st->ip) {
    const uint16_t *ways = t->index[index_of(t, st->slot, st->ip)];
    for (int w = 0; w < WAYS && ways[w] && walked < TRY_FRAMES * depth; w++) {
      const node_t *c = &t->node[ways[w] - 1];
      if (stands_on(c, st) && outside_holds(c, e, depth, &n, &walked)) { m = c; break; }
    }
    if (m) break;
    if (k >= depth + EXTRA - 1) return -1;
    node_t *f = &t->node[base + k++];
    f->emit = st->ip - 1 - self_lo >= self_hi - self_lo; /* not the shim's (main wrapper) */
    e += f->emit;
    int r = step(t, st, f);
    if (r < 0) return -1;
    if (r == 0) { end = 1; break; }
  }
  if (!m && !end && !st->ip) { /* the end: a zero read at this slot */
    node_t *z = &t->node[base + k++];
    *z = (node_t){.slot = st->slot, .rbp = st->rbp};
    end = 1;
  }
  const node_t *in = k ? link_new(t, base, k, m, end) : m;
  t->last = (uint32_t)(in - t->node) + 1;
  *out = t->last_out = e + n;
  uint32_t id = t->node[t->last - 1].id;
  if (id) { *same = id; return 0; }
  t->pending = 1;
  t->pending_depth = depth;
  emit_frames(&t->node[t->last - 1], frames, depth);
  return 0;
}

#ifdef LG_DEBUG
/* The debug build checks every capture against a real unwind of the whole
 * stack that ignores the tree (the rules as the fast path has them,
 * nothing reused), and says so once if the two differ. */
void lg_fast_unwind_check(uintptr_t slot, uint32_t n, uint32_t depth) {
  static int warned;
  uw_thread_t *t = uw;
  ust_t st = {.ip = word(slot), .slot = slot, .rbp = word(slot - 8)};
  uintptr_t want[LG_MAX_FRAMES], got[LG_MAX_FRAMES];
  uint32_t k = 0;
  node_t f;
  st.lo = stack_lo;
  st.hi = stack_hi;
  while (k < depth && st.ip) {
    if (st.ip - 1 - self_lo >= self_hi - self_lo) want[k++] = st.ip;
    int r = step(t, &st, &f);
    if (r < 0) return; /* the fast path would have fallen back as well */
    if (r == 0) break;
  }
  uint32_t m = emit_frames(&t->node[t->last - 1], got, depth);
  if ((m != k || m != n || memcmp(got, want, k * sizeof *got)) && !__atomic_exchange_n(&warned, 1, __ATOMIC_RELAXED))
    lg_warn("debug: the fast unwinder gave %u frames (said %u), a full unwind %u", m, n, k);
}
#define CHECK_CAPTURE(slot, n, depth) lg_fast_unwind_check(slot, n, depth)
#else
#define CHECK_CAPTURE(slot, n, depth) ((void)0)
#endif

/* Finds a known stack by the tree's walk where its row is missing, else
 * unwinds in part (the rest of lg_fast_unwind_rest). */
static int fast_unwind_rest(uintptr_t *frames, uint32_t depth, uint32_t *out, uint32_t *same, uintptr_t slot) {
  ust_t st = {.ip = word(slot), .slot = slot, .rbp = word(slot - 8)};
  uw_thread_t *t = uw;
  if (LG_UNLIKELY(!t) && !(t = uw_state())) return -1;
  t->caps++;
  /* The common cases first: the stack is the last one, or one of the
   * thread's recent stacks, frame for frame and with a stack id (every
   * slot checked was on the stack when a capture read it). */
  uint32_t m = t->last, n;
  if (m && t->node[m - 1].id && stands_on(&t->node[m - 1], &st) && holds(t, &t->node[m - 1], depth, &n)) {
    *same = t->node[m - 1].id;
    *out = n;
    return 0;
  }
  const uint16_t *ways = t->index[index_of(t, st.slot, st.ip)];
  for (int w = 0; w < WAYS && ways[w]; w++) {
    node_t *c = &t->node[ways[w] - 1];
    if (c->id && stands_on(c, &st) && holds(t, c, depth, &n)) {
      t->last = ways[w];
      t->pending = 0;
      *same = c->id;
      *out = n;
      return 0;
    }
  }
  *same = 0;
  return unwind_new(t, &st, frames, depth, out, same);
}

int lg_fast_unwind_rest(uintptr_t *frames, uint32_t depth, uint32_t *out, uint32_t *same, uintptr_t slot) {
  int r = fast_unwind_rest(frames, depth, out, same, slot);
  if (r == 0) CHECK_CAPTURE(slot, *out, depth);
  return r;
}

uint32_t lg_fast_unwind_last(uintptr_t *frames, uint32_t depth) {
  uw_thread_t *t = uw;
  return t && t->last ? emit_frames(&t->node[t->last - 1], frames, depth) : 0;
}

int lg_fast_unwind(uintptr_t *frames, uint32_t depth, uint32_t *out, uint32_t *same) {
  return lg_fast_unwind_known(__builtin_frame_address(0), frames, depth, out, same);
}
