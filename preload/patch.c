/* preload/patch.c — entry patching (see patch.h): rewrites the first bytes
 * of a library function into a jump to a hook, and gives the hook a
 * trampoline that runs the original function.
 *
 * How. The function's first whole instructions — at least the 5 bytes a
 * `jmp rel32` needs — are decoded with Zydis and copied into a trampoline
 * in a mapping of the shim's (tagged through sys.c, within ±2 GiB of the
 * library, sealed read+execute before use), followed by a jump back to the
 * first instruction not copied. Instructions that depend on where they
 * are get rewritten for their new place:
 *   - a RIP-relative memory operand: its 32-bit displacement recomputed
 *     (refused when the result does not fit);
 *   - jmp rel8/rel32: an absolute jump to the same target, and the copy
 *     ends there;
 *   - jcc rel8/rel32: the same condition jumping to an absolute jump to
 *     the same target;
 *   - call rel32, only as the last instruction copied: the original return
 *     address (the instruction after it, which is not overwritten) pushed,
 *     then an absolute jump to the callee — so the callee returns straight
 *     into the original code and stacks unwind through it as usual.
 * Anything else relative (jrcxz, loop, xbegin), a privileged instruction,
 * bytes that do not decode, an instruction reaching past the function's
 * end, or a direct branch anywhere in the function whose target lies in
 * the bytes to be overwritten (a loop head at the entry: the hook would
 * run again on every turn) — is refused. A function shorter than 5 bytes
 * (`ret`) is patched only when the bytes after it up to 5 are alignment
 * padding (int3 or nop) before the next 16-byte boundary. The entry's
 * `jmp rel32` goes to a per-function stub next to the trampoline, an
 * absolute jump to the hook, which may be anywhere.
 *
 * An entry that already is a jump — another tracer patched it first, or
 * it is a thunk — is chained through: the jump itself is the instruction
 * relocated (a `jmp rel32` or `jmp [rip+x]` keeps its target, so the other
 * tool's hook runs after ours). A short jump (2 bytes) cannot be
 * overwritten without the 3 bytes after it and is refused.
 *
 * All or nothing. A group (one family in one module) is planned completely
 * — every trampoline built, nothing of the program's touched — before any
 * entry is written; a refusal unmaps the trampolines and leaves the
 * program as it was. The writes happen with every other thread stopped
 * (lg_collector_stopped) and only when none of them is executing the bytes
 * being replaced (calls can only be the last instruction copied, so no
 * return address points into them either); each page is made writable
 * while keeping it executable (another thread may run code elsewhere on
 * it once it resumes) and its protection restored at once. A failed write
 * undoes those done before it.
 *
 * What cannot be known: an indirect jump (a jump table) into the first
 * bytes of a function. Compilers do not emit those at a function's entry.
 *
 * Nothing here allocates from the traced malloc or the arena; the decoder
 * allocates nothing. The decoder (libZydis) is loaded with dlopen the first
 * time a family needs it: a process that patches nothing (refcount=none,
 * no GLib, GStreamer or OpenSSL) never maps it. */
#include "patch.h"

#include <Zydis/Zydis.h>
#include <dlfcn.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>

#include "collector.h"
#include "sys.h"

#define COVER_MIN 5u     /* a jmp rel32 */
#define TRAMP_MAX 160u   /* bytes of one trampoline */
#define STUB_SIZE 16u    /* jmp [rip+0]; .quad hook */
#define SLOT (TRAMP_MAX + STUB_SIZE)
#define ABS_JMP 14u      /* jmp [rip+0]; .quad target */

typedef struct plan {
  uint8_t *tramp, *stub;
  size_t cover;        /* entry bytes overwritten */
  uint8_t saved[32];   /* their original contents */
  uint8_t jump[32];    /* what replaces them */
} plan_t;

typedef struct insn {
  ZydisDecodedInstruction in;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
} insn_t;

/* Two decoders: the full one for the instructions that are moved, and a
 * minimal one (length, attributes and raw fields only: it touches a
 * fraction of Zydis's tables, which count in the program's memory) for
 * sweeps over whole functions. */
static ZydisDecoder decoder, minimal;
static int decoder_ready; /* 0 not tried, 1 ready, -1 libZydis missing */

/* libZydis's functions, looked up in it after dlopen. */
static struct {
  ZyanStatus (*init)(ZydisDecoder *, ZydisMachineMode, ZydisStackWidth);
  ZyanStatus (*mode)(ZydisDecoder *, ZydisDecoderMode, ZyanBool);
  ZyanStatus (*full)(const ZydisDecoder *, const void *, ZyanUSize, ZydisDecodedInstruction *,
                     ZydisDecodedOperand *);
  ZyanStatus (*insn)(const ZydisDecoder *, ZydisDecoderContext *, const void *, ZyanUSize, ZydisDecodedInstruction *);
  ZyanStatus (*absolute)(const ZydisDecodedInstruction *, const ZydisDecodedOperand *, ZyanU64, ZyanU64 *);
} zy;

/* Loads libZydis (Zydis 4's sonames) and its functions, with the C
 * library's dlopen (not the shim's hook); the error state a failed try
 * leaves is cleared, so the program's dlerror() never sees ours. */
static int load_zydis(void) {
  static const char *const names[] = {"libZydis.so.4.0", "libZydis.so.4.1", "libZydis.so.4", "libZydis.so"};
  void *(*real_dlopen)(const char *, int) = (void *(*)(const char *, int))dlsym(RTLD_NEXT, "dlopen");
  void *h = NULL;
  for (size_t i = 0; real_dlopen && i < sizeof names / sizeof *names && !h; i++)
    h = real_dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  dlerror();
  if (!h) return -1;
  *(void **)&zy.init = dlsym(h, "ZydisDecoderInit");
  *(void **)&zy.mode = dlsym(h, "ZydisDecoderEnableMode");
  *(void **)&zy.full = dlsym(h, "ZydisDecoderDecodeFull");
  *(void **)&zy.insn = dlsym(h, "ZydisDecoderDecodeInstruction");
  *(void **)&zy.absolute = dlsym(h, "ZydisCalcAbsoluteAddress");
  return zy.init && zy.mode && zy.full && zy.insn && zy.absolute ? 0 : -1;
}

static int decoders(void) {
  if (decoder_ready) return decoder_ready > 0 ? 0 : -1;
  decoder_ready = -1;
  if (load_zydis() < 0 || ZYAN_FAILED(zy.init(&decoder, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
      ZYAN_FAILED(zy.init(&minimal, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64)) ||
      ZYAN_FAILED(zy.mode(&minimal, ZYDIS_DECODER_MODE_MINIMAL, ZYAN_TRUE)))
    return -1;
  decoder_ready = 1;
  return 0;
}

/* Decodes the instruction at `at` with `avail` readable bytes; 0 or -1. */
static int decode(uintptr_t at, size_t avail, insn_t *x) {
  if (decoders() < 0 || !avail) return -1;
  return ZYAN_SUCCESS(zy.full(&decoder, (const void *)at, avail, &x->in, x->ops)) ? 0 : -1;
}

/* Decodes only the length, attributes and raw fields at `at`; 0 or -1. */
static int decode_min(uintptr_t at, size_t avail, ZydisDecodedInstruction *in) {
  if (decoders() < 0 || !avail) return -1;
  return ZYAN_SUCCESS(zy.insn(&minimal, NULL, (const void *)at, avail, in)) ? 0 : -1;
}

/* The target of a relative branch decoded minimally at `from`, or 0. */
static uintptr_t raw_target(const ZydisDecodedInstruction *in, uintptr_t from) {
  if (!(in->attributes & ZYDIS_ATTRIB_IS_RELATIVE)) return 0;
  for (int i = 0; i < 2; i++)
    if (in->raw.imm[i].is_relative) return from + in->length + (uintptr_t)in->raw.imm[i].value.s;
  return 0;
}

static int fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

static void put32(uint8_t *b, int32_t v) { memcpy(b, &v, 4); }

/* jmp [rip+0]; .quad target */
static size_t put_abs_jmp(uint8_t *b, uintptr_t target) {
  static const uint8_t op[6] = {0xFF, 0x25, 0, 0, 0, 0};
  memcpy(b, op, 6);
  memcpy(b + 6, &target, 8);
  return ABS_JMP;
}

/* A jump from address `at` to `target`: rel32 when it reaches, else absolute. */
static size_t put_jmp(uint8_t *b, uintptr_t at, uintptr_t target) {
  int64_t rel = (int64_t)target - (int64_t)(at + 5);
  if (!fits32(rel)) return put_abs_jmp(b, target);
  b[0] = 0xE9;
  put32(b + 1, (int32_t)rel);
  return 5;
}

/* The RIP-relative memory operand of x, or NULL. */
static const ZydisDecodedOperand *rip_operand(const insn_t *x) {
  for (unsigned i = 0; i < x->in.operand_count; i++)
    if (x->ops[i].type == ZYDIS_OPERAND_TYPE_MEMORY && x->ops[i].mem.base == ZYDIS_REGISTER_RIP) return &x->ops[i];
  return NULL;
}

/* The target of a relative branch x at `from`; 0 when x is none. */
static uintptr_t branch_target(const insn_t *x, uintptr_t from) {
  if (!(x->in.attributes & ZYDIS_ATTRIB_IS_RELATIVE) || rip_operand(x)) return 0;
  ZyanU64 abs = 0;
  for (unsigned i = 0; i < x->in.operand_count; i++)
    if (x->ops[i].type == ZYDIS_OPERAND_TYPE_IMMEDIATE && x->ops[i].imm.is_relative &&
        ZYAN_SUCCESS(zy.absolute(&x->in, &x->ops[i], from, &abs)))
      return (uintptr_t)abs;
  return 0;
}

/* The condition code (0-15) of a jcc, or -1 for any other conditional
 * branch (jrcxz, loop*), which has no rel32 form to rewrite it into. */
static int jcc_condition(const insn_t *x) {
  if (x->in.opcode_map == ZYDIS_OPCODE_MAP_DEFAULT && (x->in.opcode & 0xF0) == 0x70) return x->in.opcode & 0xF;
  if (x->in.opcode_map == ZYDIS_OPCODE_MAP_0F && (x->in.opcode & 0xF0) == 0x80) return x->in.opcode & 0xF;
  return -1;
}

/* Relocates a relative branch x from `from` into b; its length, or 0
 * (refused). *ends: nothing after it runs in the trampoline. */
static size_t move_branch(const insn_t *x, uintptr_t from, uint8_t *b, int *ends, const char **why) {
  uintptr_t target = branch_target(x, from), next = from + x->in.length;
  if (!target) return *why = "a relative instruction without a target", 0;
  switch (x->in.meta.category) {
  case ZYDIS_CATEGORY_UNCOND_BR:
    *ends = 1;
    return put_abs_jmp(b, target);
  case ZYDIS_CATEGORY_COND_BR: {
    int cc = jcc_condition(x);
    if (cc < 0) return *why = "a conditional branch with no rel32 form (jrcxz, loop)", 0;
    b[0] = (uint8_t)(0x70 | cc); /* jcc +2: to the absolute jump */
    b[1] = 2;
    b[2] = 0xEB; /* jmp +14: over it */
    b[3] = ABS_JMP;
    return 4 + put_abs_jmp(b + 4, target);
  }
  case ZYDIS_CATEGORY_CALL:
    /* push next (imm32 sign-extended, then its high half), jmp target */
    b[0] = 0x68;
    put32(b + 1, (int32_t)(uint32_t)next);
    b[5] = 0xC7; b[6] = 0x44; b[7] = 0x24; b[8] = 0x04;
    put32(b + 9, (int32_t)(uint32_t)(next >> 32));
    *ends = 1;
    return 13 + put_abs_jmp(b + 13, target);
  default:
    return *why = "a relative instruction that cannot be moved", 0;
  }
}

/* Relocates one instruction x from `from` into b, which will run at `to`;
 * returns its length there, or 0 with *why set. */
static size_t move_one(const insn_t *x, uintptr_t from, uint8_t *b, uintptr_t to, int *ends, const char **why) {
  if (x->in.attributes & ZYDIS_ATTRIB_IS_PRIVILEGED) return *why = "a privileged instruction", 0;
  const ZydisDecodedOperand *rip = rip_operand(x);
  if (!rip && (x->in.attributes & ZYDIS_ATTRIB_IS_RELATIVE)) return move_branch(x, from, b, ends, why);
  memcpy(b, (const void *)from, x->in.length);
  if (rip) {
    if (x->in.raw.disp.size != 32) return *why = "a RIP-relative operand without a 32-bit displacement", 0;
    int64_t disp = x->in.raw.disp.value + (int64_t)from - (int64_t)to;
    if (!fits32(disp)) return *why = "a RIP-relative operand out of reach of the trampoline", 0;
    put32(b + x->in.raw.disp.offset, (int32_t)disp);
  }
  if (x->in.meta.category == ZYDIS_CATEGORY_RET || x->in.meta.category == ZYDIS_CATEGORY_UNCOND_BR) *ends = 1;
  return x->in.length;
}

/* After an instruction that ends the function within the first 5 bytes:
 * are the bytes from `at` to entry + 5 alignment padding? */
static int padding_to_cover(const lg_patch_t *p, uintptr_t at) {
  uintptr_t end = p->entry + COVER_MIN, aligned = (p->entry + p->size + 15) & ~(uintptr_t)15;
  if (at < p->entry + p->size || end > aligned || end > p->seg_end) return 0;
  for (uintptr_t a = at; a < end; a++) {
    uint8_t c = *(const uint8_t *)a;
    insn_t x;
    if (c == 0xCC) continue;
    if (decode(a, p->seg_end - a, &x) < 0 || x.in.mnemonic != ZYDIS_MNEMONIC_NOP) return 0;
    a += x.in.length - 1;
  }
  return 1;
}

/* Does a direct branch anywhere in the function land in (entry, entry +
 * cover), or back on its entry? A linear sweep over its st_size bytes. */
static int branch_into_cover(const lg_patch_t *p, size_t cover) {
  for (uintptr_t a = p->entry; a < p->entry + p->size;) {
    ZydisDecodedInstruction in;
    if (decode_min(a, p->seg_end - a, &in) < 0) { a++; continue; } /* desynchronised: resync on the next byte */
    uintptr_t t = raw_target(&in, a);
    if (t >= p->entry && t < p->entry + cover) return 1;
    a += in.length;
  }
  return 0;
}

/* Builds the trampoline of p in pl (its memory already assigned); 0, or -1
 * with *why set. Touches nothing of the program's. */
static int plan_one(lg_patch_t *p, plan_t *pl, const char **why) {
  if (!p->size) return *why = "its size is unknown", -1;
  if (p->entry + p->size > p->seg_end) return *why = "it reaches past its segment", -1;
  size_t cover = 0, tl = 0;
  int ends = 0;
  while (cover < COVER_MIN) {
    if (ends) {
      if (!padding_to_cover(p, p->entry + cover)) return *why = "it is shorter than a jump and not followed by padding", -1;
      cover = COVER_MIN;
      break;
    }
    insn_t x;
    uintptr_t from = p->entry + cover;
    if (decode(from, p->seg_end - from, &x) < 0) return *why = "its first bytes do not decode", -1;
    if (cover + x.in.length > p->size) return *why = "an instruction reaches past its end", -1;
    if (cover == 0 && x.in.meta.category == ZYDIS_CATEGORY_UNCOND_BR) p->chained = 1;
    if (x.in.meta.category == ZYDIS_CATEGORY_CALL &&
        (cover + x.in.length < COVER_MIN || !(x.in.attributes & ZYDIS_ATTRIB_IS_RELATIVE) || rip_operand(&x)))
      return *why = "a call among its first bytes that cannot end the copy", -1;
    size_t w = move_one(&x, from, pl->tramp + tl, (uintptr_t)pl->tramp + tl, &ends, why);
    if (!w) return -1;
    tl += w;
    cover += x.in.length;
    if (tl + ABS_JMP > TRAMP_MAX) return *why = "its first instructions are too long to move", -1;
  }
  if (!ends) tl += put_jmp(pl->tramp + tl, (uintptr_t)pl->tramp + tl, p->entry + cover);
  if (branch_into_cover(p, cover)) return *why = "a branch in it targets its first bytes", -1;
  int64_t rel = (int64_t)(uintptr_t)pl->stub - (int64_t)(p->entry + 5);
  if (!fits32(rel)) return *why = "no trampoline within reach", -1;
  put_abs_jmp(pl->stub, (uintptr_t)p->hook);
  pl->cover = cover;
  memcpy(pl->saved, (const void *)p->entry, cover);
  memset(pl->jump, 0xCC, cover);
  pl->jump[0] = 0xE9;
  put32(pl->jump + 1, (int32_t)rel);
  return 0;
}

/* ---- writing, with the world stopped ------------------------------------ */

typedef struct group { lg_patch_t *p; plan_t *pl; size_t n; int failed; size_t failed_at; } group_t;

/* Writes `len` bytes at `at`, whose pages have protection `prot`; 0 or -1. */
static int write_code(uintptr_t at, const uint8_t *bytes, size_t len, int prot) {
  uintptr_t lo = at & ~(uintptr_t)4095, hi = (at + len + 4095) & ~(uintptr_t)4095;
  if (mprotect((void *)lo, hi - lo, prot | PROT_READ | PROT_WRITE | PROT_EXEC) < 0) return -1;
  memcpy((void *)at, bytes, len);
  __builtin___clear_cache((char *)at, (char *)at + len);
  mprotect((void *)lo, hi - lo, prot);
  return 0;
}

static int apply(const uintptr_t *ips, size_t nips, void *arg) {
  group_t *g = arg;
  for (size_t i = 0; i < g->n; i++)
    for (size_t k = 0; k < nips; k++)
      if (ips[k] >= g->p[i].entry && ips[k] < g->p[i].entry + g->pl[i].cover) return -2; /* busy there */
  for (size_t i = 0; i < g->n; i++) {
    if (write_code(g->p[i].entry, g->pl[i].jump, g->pl[i].cover, g->p[i].prot) < 0) {
      g->failed = 1;
      g->failed_at = i;
      while (i--) write_code(g->p[i].entry, g->pl[i].saved, g->pl[i].cover, g->p[i].prot);
      return -1;
    }
  }
  return 0;
}

int lg_patch_install(lg_patch_t *p, size_t n, char *why, size_t whylen) {
  if (!n || n > LG_PATCH_MAX) return lg_fmt(why, whylen, "bad group"), -1;
  if (decoders() < 0) return lg_fmt(why, whylen, "the x86-64 decoder (libZydis.so.4) cannot be loaded"), -1;
  size_t size = n * SLOT + n * sizeof(plan_t);
  uint8_t *mem = lg_sys_map_near(p[0].entry, size);
  if (!mem) return lg_fmt(why, whylen, "no free memory within 2 GiB of %s for trampolines", p[0].name), -1;
  plan_t *pl = (plan_t *)(mem + n * SLOT);
  for (size_t i = 0; i < n; i++) {
    const char *reason = NULL;
    pl[i].tramp = mem + i * SLOT;
    pl[i].stub = pl[i].tramp + TRAMP_MAX;
    p[i].chained = 0;
    if (plan_one(&p[i], &pl[i], &reason) < 0) {
      lg_fmt(why, whylen, "cannot patch %s: %s", p[i].name, reason);
      lg_sys_unmap(mem, size);
      return -1;
    }
  }
  /* The plans stay readable in the sealed mapping: apply only reads them. */
  if (lg_sys_seal(mem, size) < 0) {
    lg_fmt(why, whylen, "cannot make the trampolines executable");
    lg_sys_unmap(mem, size);
    return -1;
  }
  /* The hooks may run as soon as the threads resume: their trampolines
   * first. Only the patched entries lead to the hooks. */
  for (size_t i = 0; i < n; i++) __atomic_store_n(p[i].orig, (void *)pl[i].tramp, __ATOMIC_RELEASE);
  group_t g = {p, pl, n, 0, 0};
  int r = -2;
  for (int tries = 0; tries < 20 && r == -2; tries++) r = lg_collector_stopped(apply, &g);
  if (r < 0) {
    for (size_t i = 0; i < n; i++) *p[i].orig = NULL;
    lg_fmt(why, whylen, r == -2 ? "a thread kept running the first bytes of %s" :
                        g.failed ? "cannot make the code of %s writable" :
                        "cannot stop the other threads to patch %s", p[g.failed ? g.failed_at : 0].name);
    lg_sys_unmap(mem, size);
    return -1;
  }
  return 0;
}

int lg_patch_count_field(uintptr_t entry, size_t size, uintptr_t seg_end, int32_t *off, unsigned *width) {
  int found = 0;
  uintptr_t a = entry;
  for (int k = 0; k < 8 && a < entry + size; k++) {
    insn_t x;
    if (decode(a, seg_end - a, &x) < 0) return 0;
    if (x.in.meta.category == ZYDIS_CATEGORY_RET || x.in.meta.category == ZYDIS_CATEGORY_CALL ||
        x.in.meta.category == ZYDIS_CATEGORY_UNCOND_BR)
      break;
    int add = x.in.mnemonic == ZYDIS_MNEMONIC_XADD || x.in.mnemonic == ZYDIS_MNEMONIC_ADD ||
              x.in.mnemonic == ZYDIS_MNEMONIC_INC;
    const ZydisDecodedOperand *m = &x.ops[0];
    if ((x.in.attributes & ZYDIS_ATTRIB_HAS_LOCK) && add && m->type == ZYDIS_OPERAND_TYPE_MEMORY &&
        m->mem.base == ZYDIS_REGISTER_RDI && m->mem.index == ZYDIS_REGISTER_NONE &&
        (m->size == 32 || m->size == 64)) {
      if (found++) return 0; /* two candidates: ambiguous */
      *off = (int32_t)m->mem.disp.value;
      *width = m->size / 8;
    }
    a += x.in.length;
  }
  return found == 1;
}

uintptr_t lg_patch_find_ret(uintptr_t from, uintptr_t seg_end) {
  for (uintptr_t a = from; a < seg_end && a < from + 16384;) {
    ZydisDecodedInstruction in;
    if (decode_min(a, seg_end - a, &in) < 0) return 0;
    if (in.mnemonic == ZYDIS_MNEMONIC_RET && in.length == 1) return a; /* c3: a plain ret */
    a += in.length;
  }
  return 0;
}

/* Drops the read-only pages of the module holding `arg` (Zydis). */
static int drop_readonly(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  int mine = 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    mine |= ph->p_type == PT_LOAD && (uintptr_t)arg >= lo && (uintptr_t)arg < lo + ph->p_memsz;
  }
  if (!mine) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W)) continue;
    uintptr_t lo = (info->dlpi_addr + ph->p_vaddr) & ~(uintptr_t)4095;
    uintptr_t hi = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(uintptr_t)4095; /* the last page may be shared */
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
  }
  return 1;
}

void lg_patch_idle(void) {
  if (decoder_ready > 0) dl_iterate_phdr(drop_readonly, *(void **)&zy.init);
}
