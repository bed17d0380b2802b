/* collector/rcpython.c — finds CPython's objects in the scan's snapshot
 * (rcscan.h). CPython is not hooked: with PYTHONMALLOC=malloc each of its
 * objects is a malloc block, and an object is recognised by its header,
 * read from memory without calling into Python:
 *
 *   ob_refcnt at +0 (8 bytes), ob_type at +8; the type is a type object
 *   when its own ob_type is PyType_Type (found by the shim with dlsym), or
 *   a metatype whose type is PyType_Type and whose flags say it subclasses
 *   type (an ABCMeta or EnumMeta class); the type must be ready.
 *   GC-tracked types (Py_TPFLAGS_HAVE_GC) have a 16-byte PyGC_Head in
 *   front: their objects sit at block +16; managed dicts (3.11,
 *   Py_TPFLAGS_MANAGED_DICT) and weak lists (3.12) put 16 more bytes
 *   before that: +32. Other objects sit at +0. A tracked object fills its
 *   type's tp_basicsize.
 *   Counts of 2^31 and more are 3.12's immortal objects: skipped.
 *
 * Each type seen gets a scan-local id (LG_RC_PYTYPE_BASE + index) and its
 * tp_name, read from memory, for the RC_TYPE records. Its
 * tp_weaklistoffset names a borrowed pointer in its objects (the list of
 * weak references to the object), and a weak reference's wr_object,
 * wr_prev and wr_next are borrowed too: those words are non-owning. So
 * is every word past the header (ob_refcnt, ob_type) of an object whose
 * type is not GC-tracked: CPython's collector never traverses it, so
 * none of its words is a reference it counts — an int's digits (id(x)
 * stores x's address), a str's bytes, and a code object's bytecode
 * (3.11's co_code_adaptive), where the specialising interpreter's inline
 * caches keep borrowed pointers as 16-bit units (LOAD_METHOD's
 * descriptor: a function of a class). A
 * list's references are its ob_size items: the rest of its item array
 * (spare capacity, where a pop leaves the pointer it took) is not; a
 * dict's are the keys and values of its table's entries, not their hashes
 * (an int's hash is the int: for a dict keyed by id(), an address). An
 * object with count 0 is dead, kept on a free list with the stale
 * pointers of its former life: its block is noted dead (rcscan.h).
 *
 * Once the interpreter has finalized (Py_FinalizeEx clears the ready flag
 * of PyType_Type, the last static type it deallocates), what is left in
 * the heap is CPython's own leftovers, with the types it needs to be read
 * gone: nothing is analysed then.
 *
 * Everything is read through the process's maps (a word that points
 * anywhere is only followed into a readable mapping). Memory comes from
 * lg_sys_map; no lock, no malloc. */
#include <string.h>

#include "format.h"
#include "maps.h"
#include "rcscan.h"
#include "sys.h"

/* CPython's fixed layout (the limited API's PyTypeObject, unchanged from
 * 3.6 to 3.13) and flags. */
#define TP_NAME 24
#define TP_BASICSIZE 32
#define TP_FLAGS 168
#define TP_WEAKLISTOFFSET 208
#define TP_BASE 256
#define TYPE_BYTES 264 /* what is read of a type object */
#define F_PREHEADER (3ul << 3) /* MANAGED_DICT (3.11), MANAGED_WEAKREF (3.12) */
#define F_READY (1ul << 12)
#define F_HAVE_GC (1ul << 14)
#define F_LIST_SUBCLASS (1ul << 25)
#define F_DICT_SUBCLASS (1ul << 29)
#define DICT_KEYS 32  /* PyDictObject: ma_keys; its PyDictKeysObject: */
#define DK_LOG2_SIZE 8
#define DK_LOG2_INDEX_BYTES 9
#define DK_KIND 10    /* 0 general entries {hash, key, value}, 1 unicode {key, value}, 2 split */
#define DK_NENTRIES 24
#define DK_INDICES 32
#define LIST_SIZE 16  /* PyListObject: ob_size, ob_item, allocated */
#define LIST_ITEM 24
#define LIST_ALLOCATED 32
#define F_TYPE_SUBCLASS (1ul << 31)
#define WR_OBJECT 16
#define WR_PREV 40
#define WR_NEXT 48
#define NAME_MAX_LEN 200

typedef struct pytype {
  uintptr_t addr;
  uint64_t flags;
  int64_t basicsize, weaklist;
  const char *name;
  uint32_t len;
  uint8_t weakref;
} pytype_t;

/* The types of this scan: an open-addressing table (address -> index into
 * types[]), and recent verdicts on addresses that are no type. */
static pytype_t *types;
static size_t ntypes, types_cap;
static uint32_t *slots;
static size_t nslots;
static uintptr_t not_type[256];

static const lg_map_t *maps;
static size_t nmaps;
static uintptr_t pytype_type;

/* Is [p, p + n) inside one readable mapping? */
static int readable(uintptr_t p, size_t n) {
  const lg_map_t *m = lg_maps_find(maps, nmaps, p);
  return m && m->readable && p + n >= p && p + n <= m->hi;
}

LG_READS_ANY static inline uintptr_t word(uintptr_t p) { return *(const uintptr_t *)p; }

/* Reads the NUL-terminated string at p (at most NAME_MAX_LEN bytes, all
 * in one readable mapping); *len gets its length. NULL when unreadable. */
LG_READS_ANY static const char *read_name(uintptr_t p, uint32_t *len) {
  const lg_map_t *m = lg_maps_find(maps, nmaps, p);
  if (!m || !m->readable) return NULL;
  const char *s = (const char *)p;
  uint32_t n = 0;
  while (p + n < m->hi && n < NAME_MAX_LEN && s[n]) n++;
  if (p + n >= m->hi) return NULL;
  *len = n;
  return s;
}

/* Is T (readable) a type object: its type PyType_Type, or a ready
 * metatype whose own type is PyType_Type? */
static int is_type_object(uintptr_t t) {
  uintptr_t m = word(t + 8);
  if (!(word(t + TP_FLAGS) & F_READY)) return 0;
  if (m == pytype_type) return 1;
  return m && !(m & 7) && readable(m, TYPE_BYTES) && word(m + 8) == pytype_type &&
         (word(m + TP_FLAGS) & (F_TYPE_SUBCLASS | F_READY)) == (F_TYPE_SUBCLASS | F_READY);
}

/* Is type t, or one of its first bases, one of CPython's weak reference
 * types ("weakref.ReferenceType", "weakref.ProxyType", ...)? */
static int is_weakref_type(uintptr_t t) {
  for (int depth = 0; t && depth < 8; depth++) {
    uint32_t len;
    const char *name = readable(t, TYPE_BYTES) ? read_name(word(t + TP_NAME), &len) : NULL;
    if (name && len > 8 && !memcmp(name, "weakref.", 8)) return 1;
    t = readable(t, TYPE_BYTES) ? word(t + TP_BASE) : 0;
  }
  return 0;
}

/* Makes room for one more type; 0 or -1. */
static int grow_types(void) {
  if (ntypes + 1 < nslots / 2 && ntypes < types_cap) return 0;
  size_t cap = types_cap ? types_cap * 2 : 512, ns = cap * 4;
  pytype_t *nt = lg_sys_map(cap * sizeof *nt);
  uint32_t *nsl = lg_sys_map(ns * sizeof *nsl);
  if (!nt || !nsl) {
    if (nt) lg_sys_unmap(nt, cap * sizeof *nt);
    if (nsl) lg_sys_unmap(nsl, ns * sizeof *nsl);
    return -1;
  }
  if (types) memcpy(nt, types, ntypes * sizeof *nt);
  memset(nsl, 0xFF, ns * sizeof *nsl);
  for (size_t i = 0; i < ntypes; i++) {
    size_t j = (nt[i].addr >> 4) * 0x9E3779B97F4A7C15ull % ns;
    while (nsl[j] != 0xFFFFFFFFu) j = (j + 1) % ns;
    nsl[j] = (uint32_t)i;
  }
  if (types) lg_sys_unmap(types, types_cap * sizeof *types);
  if (slots) lg_sys_unmap(slots, nslots * sizeof *slots);
  types = nt, types_cap = cap, slots = nsl, nslots = ns;
  return 0;
}

/* Returns the type at address t (learning it the first time), or NULL
 * when t is no type object. */
static const pytype_t *type_at(uintptr_t t) {
  if (!t || (t & 7) || not_type[(t >> 3) & 255] == t) return NULL;
  size_t j = nslots ? (t >> 4) * 0x9E3779B97F4A7C15ull % nslots : 0;
  for (; nslots && slots[j] != 0xFFFFFFFFu; j = (j + 1) % nslots)
    if (types[slots[j]].addr == t) return &types[slots[j]];
  if (!readable(t, TYPE_BYTES) || !is_type_object(t) || grow_types() < 0) {
    not_type[(t >> 3) & 255] = t;
    return NULL;
  }
  pytype_t *ty = &types[ntypes];
  memset(ty, 0, sizeof *ty);
  ty->addr = t;
  ty->flags = word(t + TP_FLAGS);
  ty->basicsize = (int64_t)word(t + TP_BASICSIZE);
  ty->weaklist = (int64_t)word(t + TP_WEAKLISTOFFSET);
  ty->name = read_name(word(t + TP_NAME), &ty->len);
  if (!ty->name) ty->name = "?", ty->len = 1;
  ty->weakref = (uint8_t)is_weakref_type(t);
  j = (t >> 4) * 0x9E3779B97F4A7C15ull % nslots;
  while (slots[j] != 0xFFFFFFFFu) j = (j + 1) % nslots;
  slots[j] = (uint32_t)ntypes;
  return &types[ntypes++];
}

/* Where an object of type ty may sit in its block: +0 for a plain
 * object, +16 after a PyGC_Head, +32 with a managed dict's pointers too.
 * A tracked object fills its type's tp_basicsize; a plain one may be
 * smaller (a compact str is allocated shorter than a PyUnicodeObject). */
static int fits(const pytype_t *ty, uintptr_t off, uintptr_t size) {
  int gc = (ty->flags & F_HAVE_GC) != 0, managed = (ty->flags & F_PREHEADER) != 0;
  int where = off == 0 ? !gc : off == 16 ? gc && !managed : gc && managed;
  return where && ty->basicsize >= 16 && (!gc || (uintptr_t)ty->basicsize <= size - off);
}

/* Sets what of a dict's keys table are its references: the keys and
 * values of its entries, without their hashes (the hash of an int key is
 * the int: an address, for a dict keyed by id()), nor the stale entries
 * past dk_nentries. The table must look like CPython's (3.11 to 3.12) and
 * lie in one readable block of h; else nothing is restricted. */
LG_READS_ANY static void dict_entries(lg_rcobj_t *o, const lg_heap_t *h) {
  uintptr_t keys = word(o->addr + DICT_KEYS);
  long b = keys && !(keys & 7) ? lg_heap_find(h, keys) : -1;
  if (b < 0 || (h->blk[b].flags & LG_BF_UNREADABLE) || keys + DK_INDICES > h->blk[b].addr + lg_blk_size(h, &h->blk[b])) return;
  const uint8_t *k = (const uint8_t *)keys;
  unsigned log2 = k[DK_LOG2_SIZE], log2ib = k[DK_LOG2_INDEX_BYTES], kind = k[DK_KIND];
  uintptr_t n = word(keys + DK_NENTRIES), esz = kind == 0 ? 24 : 16;
  if (kind > 1 || log2 < 3 || log2 > 40 || log2ib < log2 || log2ib > log2 + 3 || n > (1ull << log2)) return;
  uintptr_t lo = keys + DK_INDICES + ((uintptr_t)1 << log2ib), hi = lo + n * esz;
  if (hi > h->blk[b].addr + lg_blk_size(h, &h->blk[b])) return;
  o->only_lo = lo, o->only_hi = hi;
  o->only_stride = kind == 0 ? 24 : 0;
}

/* Adds object o of type ty with its non-owning words. */
static int add_object(lg_rcscan_t *rs, const lg_heap_t *h, uintptr_t addr, uint64_t count, const pytype_t *ty,
                      uint32_t stack, size_t blk) {
  lg_rcobj_t o = {.addr = addr, .count = (uint32_t)count, .family = LG_RC_PYTHON, .width = 8,
                  .type = LG_RC_PYTYPE_BASE + (uint32_t)(ty - types), .birth = stack, .blk = (uint32_t)blk};
  if (ty->weaklist > 0 && ty->weaklist < 1 << 20) o.skip[o.nskip++] = (int32_t)ty->weaklist;
  if (ty->weakref) {
    o.skip[o.nskip++] = WR_OBJECT;
    o.skip[o.nskip++] = WR_PREV;
    o.skip[o.nskip++] = WR_NEXT;
  }
  if (!(ty->flags & F_HAVE_GC)) o.self_hi = 16; /* no tp_traverse: only its header */
  if ((ty->flags & F_LIST_SUBCLASS) && ty->basicsize >= LIST_ALLOCATED + 8) {
    uintptr_t size = word(addr + LIST_SIZE), cap = word(addr + LIST_ALLOCATED);
    o.only_lo = word(addr + LIST_ITEM);
    o.only_hi = o.only_lo + 8 * (size < cap ? size : cap);
  }
  if ((ty->flags & F_DICT_SUBCLASS) && ty->basicsize >= DICT_KEYS + 8) dict_entries(&o, h);
  return lg_rcscan_add(rs, &o);
}

/* Looks for an object at +0, +16 and +32 of block i; adds the first, or
 * notes a dead one (count 0: on a free list). */
LG_READS_ANY static int find_in_block(lg_rcscan_t *rs, const lg_heap_t *h, size_t i) {
  static const uintptr_t offs[3] = {0, 16, 32};
  const lg_blk_t *b = &h->blk[i];
  if ((b->flags & LG_BF_UNREADABLE) || (b->addr & 7)) return 0;
  uintptr_t size = lg_blk_size(h, b);
  for (int k = 0; k < 3 && size >= offs[k] + 16; k++) {
    uintptr_t p = b->addr + offs[k];
    uint64_t count = word(p);
    if (count >= 0x80000000ull) continue;
    const pytype_t *ty = type_at(word(p + 8));
    if (!ty || !fits(ty, offs[k], size)) continue;
    return count ? add_object(rs, h, p, count, ty, b->stack, i) : lg_rcscan_dead(rs, h, i);
  }
  return 0;
}

/* Forgets the previous scan's types. */
static void reset(void) {
  if (types) lg_sys_unmap(types, types_cap * sizeof *types);
  if (slots) lg_sys_unmap(slots, nslots * sizeof *slots);
  types = NULL, slots = NULL;
  ntypes = types_cap = nslots = 0;
  memset(not_type, 0, sizeof not_type);
}

long lg_rcpython_find(lg_rcscan_t *rs, const lg_heap_t *h, uintptr_t pytype, const lg_map_t *m, size_t nm) {
  reset();
  pytype_type = pytype, maps = m, nmaps = nm;
  size_t before = rs->n;
  if (!pytype || !readable(pytype, TYPE_BYTES)) return 0;
  if (!(word(pytype + TP_FLAGS) & F_READY)) return LG_RCPYTHON_FINALIZED;
  if (lg_rcscan_reserve(rs, rs->n + h->n) < 0) return -1; /* at most one per block: no regrowth */
  for (size_t i = 0; i < h->n; i++)
    if (find_in_block(rs, h, i) < 0) return -1;
  return (long)(rs->n - before);
}

const char *lg_rcpython_type_name(uint32_t id, uint32_t *len) {
  if (id < LG_RC_PYTYPE_BASE || id - LG_RC_PYTYPE_BASE >= ntypes) return NULL;
  *len = types[id - LG_RC_PYTYPE_BASE].len;
  return types[id - LG_RC_PYTYPE_BASE].name;
}

uint32_t lg_rcpython_ntypes(void) { return (uint32_t)ntypes; }
