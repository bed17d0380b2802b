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

#include <elf.h>
#include <link.h>
#include <pthread.h>
#include <string.h>

#include "lock.h"

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

#define CACHE 2048
static __thread rule_t cache[CACHE] __attribute__((tls_model("initial-exec")));

static __thread uintptr_t stack_lo, stack_hi __attribute__((tls_model("initial-exec")));
static __thread int stack_known __attribute__((tls_model("initial-exec")));
static uintptr_t self_lo, self_hi;

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

static inline int on_stack(uintptr_t a) { return a >= stack_lo && a + 8 <= stack_hi && !(a & 7); }

int lg_fast_unwind(uintptr_t *frames, uint32_t depth, uint32_t *out) {
  if (!know_stack()) return -1;
  /* The shim's own frames have frame pointers: walk them to the first
   * return address outside the shim. */
  uintptr_t *fp = __builtin_frame_address(0);
  for (int k = 0; k < 16; k++) {
    if (!on_stack((uintptr_t)fp) || !on_stack((uintptr_t)(fp + 1))) return -1;
    if (fp[1] - self_lo >= self_hi - self_lo) break;
    fp = (uintptr_t *)fp[0];
  }
  uintptr_t ip = fp[1], sp = (uintptr_t)(fp + 2), rbp = fp[0];
  uint32_t n = 0;
  while (n < depth && ip) {
    if (ip - 1 - self_lo >= self_hi - self_lo) frames[n++] = ip; /* not the shim's (main wrapper) */
    rule_t *ru = &cache[(uint32_t)((ip * 0x9E3779B97F4A7C15ull) >> 51) & (CACHE - 1)];
    if (ru->ip != ip) compute(ip, ru);
    if (ru->flags & 4) return -1;
    if (ru->flags & 2) break;
    uintptr_t cfa = (ru->cfa_rbp ? rbp : sp) + (uintptr_t)(intptr_t)ru->cfa_off;
    if (!on_stack(cfa - 8) || cfa <= sp) return -1;
    if (ru->flags & 1) {
      uintptr_t at = cfa + (uintptr_t)(intptr_t)ru->rbp_off;
      if (!on_stack(at)) return -1;
      rbp = *(const uintptr_t *)at;
    }
    ip = *(const uintptr_t *)(cfa - 8);
    sp = cfa;
  }
  *out = n;
  return 0;
}
