/* collector/rcscan.h — the refcount phase of a scan (SPEC section 4):
 * CPython's cycle detection run over every refcounted object the scan can
 * see, on the scan's snapshot, reading the program's memory and never
 * writing it.
 *
 * The objects. Those of the object table (refcount.h: GObject, GStreamer
 * mini objects, OpenSSL, the API), each with the address and width of its
 * count, and the CPython objects found in the heap itself (rcpython.c:
 * with PYTHONMALLOC=malloc every Python object is a malloc block). An
 * object is analysed only when it lies in a readable tracked block, with
 * its count inside that block, at most one object per block; its count is
 * read from the snapshot. Counts of 0 (dying, or on a free list) and of
 * 2^31 and more (CPython 3.12's immortal objects) leave it out.
 *
 * Before marking (lg_rcscan_prepare), each object's block learns where the
 * object lies in it (lg_blk_t.xoff), so that the conservative marking
 * takes a pointer to the object for a pointer to its block's start, and
 * notes the blocks whose object a root word names exactly (LG_BF_ROOT_OBJ).
 *
 * After the conservative analysis (lg_rcscan_analyse), in five passes:
 *
 *  1. Ownership. A plain block (one holding no object) belongs to object o
 *     when, in the snapshot's pointer graph, every pointer into the group
 *     of plain blocks it is linked with comes from o's block: a GHashTable
 *     with its arrays, a doubly linked GList of children. The groups are
 *     the connected components of the plain-to-plain pointers
 *     (union-find); a group pointed at from two objects, from none, or
 *     from a root, belongs to nobody. A Python object owns only the plain
 *     blocks that it alone, of all objects, points at (its item array, its
 *     dict's table: CPython's containers keep nothing deeper), so that a
 *     stale pointer left in some plain block or on a stack cannot take
 *     them away. The
 *     stale words of a dead object kept on a free list (CPython's lists
 *     and dicts) are no pointers. One pass over the heap,
 *     which also counts, per object, the aligned words anywhere in the heap
 *     that hold its exact address.
 *  2. Subtraction. Each object's count is copied (gc); every aligned word
 *     of an object's block or of a block it owns that holds the exact
 *     address of an object subtracts one from that object's copy, and is a
 *     counted reference (an edge) between the two. An object may say
 *     which words of an owned block are its references (a Python list:
 *     its ob_size items, not the stale pointers of its spare capacity; a
 *     dict: the keys and values of its entries, not their hashes, which
 *     for a dict keyed by id() are addresses).
 *     Words that a family names as non-owning (a GstObject's parent, a GstPad's peer, a mini
 *     object's parent list, a Python weak reference) count for nothing,
 *     here and in pass 1.
 *     So does every word of a Python object that is not GC-tracked but its
 *     header (CPython's collector never traverses it: an int's digits, a
 *     code object's bytecode, whose inline caches keep borrowed pointers),
 *     and a word of a Python object's own block that holds its own
 *     address (an empty lru_cache: its list's root links, inside the
 *     cache, point at the cache, borrowed).
 *  3. Marking. Objects whose copy stays above zero are held from outside.
 *     From them, from the objects a root word names exactly (but for
 *     CPython's: its roots hold borrowed pointers, and every owned one is
 *     in the counts, as its own collector assumes) and from those in
 *     ignored blocks, marking follows the counted references.
 *  4. Cyclic garbage: the objects marking did not reach. Only the counts
 *     of other garbage objects hold them, so they can never be freed — even
 *     when conservative reachability alone would call them reachable
 *     through a stale or borrowed pointer from a heap block. They are
 *     grouped by their references (weakly connected components).
 *  5. Unbalanced: an object that is not garbage, whose block is lost (no
 *     root reaches it), and whose count is above the number of words in
 *     the whole heap that hold its address: a ref that no memory accounts
 *     for, never to be released. Its history (refcount.h) shows where.
 *     Not counted: the words of side data — the plain blocks (and their
 *     groups) that an object's non-owning words point into — that point
 *     back at that object (a GObject's qdata, where the records of its
 *     weak references name it), nor any word of side data that a family
 *     says holds no reference (a mini object's list of its parents).
 *
 * The phase costs one test when the table is empty and the process has no
 * CPython. Memory comes from lg_sys_map: in process the world is stopped
 * and a stopped thread may hold the malloc lock. */
#ifndef LG_RCSCAN_H
#define LG_RCSCAN_H

#include <stddef.h>
#include <stdint.h>

#include "graph.h"

#define LG_RC_MAX_SKIP 4

enum lg_rcstate {
  LG_RCS_OUT = 0,     /* not analysed (no readable block, a second object in one, count 0 or huge) */
  LG_RCS_LIVE,        /* held from outside, or reached from what is */
  LG_RCS_GARBAGE,     /* cyclic garbage */
  LG_RCS_UNBALANCED,  /* an unreleased ref */
};

/* One refcounted object as the scan sees it. */
typedef struct lg_rcobj {
  uintptr_t addr;        /* the object */
  const void *src;       /* its lg_rc_obj_t (refcount.h), NULL when read from the heap */
  uint32_t count;        /* its count in the snapshot */
  int32_t gc;            /* after pass 2: count minus the counted references to it */
  int32_t ext;           /* after pass 1: count minus the words holding its address */
  uint32_t blk;          /* index of its block in the snapshot */
  uint32_t type;         /* RC_TYPE id, 0 unknown */
  uint32_t birth;        /* STACK id of its birth, 0 unknown */
  uint32_t base;         /* its count at birth (or when the hooks first saw it) */
  int32_t count_off;     /* the count is the `width`-byte integer at addr + count_off */
  int32_t skip[LG_RC_MAX_SKIP]; /* offsets from addr of non-owning pointer words */
  uint32_t self_hi;      /* in its own block, the words from addr + self_hi on are no references
                            (a Python object CPython's collector never traverses:
                            an int's digits, a code object's bytecode); 0: all may be */
  uintptr_t only_lo, only_hi; /* in the owned block holding only_lo, only these words are references
                                 (a Python list's items, not its spare capacity); 0: all */
  uint32_t only_stride;       /* and of those, with a stride (bytes), the first of each is none */
                              /* (a dict entry's hash: the hash of an int key is the int, an address */
                              /* for a dict keyed by id()); 0: no stride */
  uint8_t family;        /* enum lg_rc_family */
  uint8_t width;         /* 4 or 8 */
  uint8_t nskip;
  uint8_t side_mute;     /* bit k: the plain blocks skip[k] points into hold no reference at all */
  uint8_t state;         /* enum lg_rcstate */
} lg_rcobj_t;

/* The phase's working state and results. */
typedef struct lg_rcscan {
  lg_rcobj_t *obj;       /* sorted by address after lg_rcscan_place */
  size_t n, cap;
  uint32_t *of_blk;      /* block index -> object index, or 0xFFFFFFFF */
  size_t nblk;
  uint8_t *dead;         /* per block, or NULL: it holds a dead object (on a
                            free list, count 0), whose stale words are no pointers */
  /* Counted references between objects (object indexes), grouped by
   * source: the targets of object i are to[start[i] .. start[i+1]). */
  uint32_t *start, *to;
  size_t nedges;
  /* Cyclic garbage in groups: group g is member[gstart[g] .. gstart[g+1]). */
  uint32_t *gstart, *member;
  size_t ngroups, ngarbage, nunbalanced, nlive;
} lg_rcscan_t;

/* lg_rcscan_add appends a copy of object *o (state LG_RCS_OUT until
 * placed; a non-zero o->blk is taken for the index of its block when that
 * block holds it). lg_rcscan_reserve makes room for n objects in all.
 * Both return 0, or -1 out of memory. */
int lg_rcscan_add(lg_rcscan_t *rs, const lg_rcobj_t *o);
int lg_rcscan_reserve(lg_rcscan_t *rs, size_t n);
/* lg_rcscan_dead notes that block `b` of `h` holds a dead object: pass 1
 * reads nothing in it and no object owns it. Returns 0, or -1 out of
 * memory. */
int lg_rcscan_dead(lg_rcscan_t *rs, const lg_heap_t *h, size_t b);
/* lg_rcscan_place sorts the objects, finds each one's block in `h`
 * (indexed) and keeps the objects that lie in a readable block, at most
 * one per block (the lowest address); their blocks get xoff when the
 * offset fits. Returns 0, or -1 out of memory. Counts are read after it,
 * by the caller (lg_rcscan_read_counts). */
int lg_rcscan_place(lg_rcscan_t *rs, lg_heap_t *h);
/* lg_rcscan_read_counts reads each placed object's count from memory, as
 * `width` bytes at addr + count_off, when the field lies inside its block;
 * an object whose field does not, or whose count is 0 or 2^31 and more,
 * is left out. */
void lg_rcscan_read_counts(lg_rcscan_t *rs, const lg_heap_t *h);
/* lg_rcscan_solve runs passes 1 to 5 over the marked and analysed heap
 * `h`, setting each object's state and filling the results. Returns 0, or
 * -1 out of memory (the results are then empty). */
int lg_rcscan_solve(lg_rcscan_t *rs, const lg_heap_t *h);
/* lg_rcscan_free releases everything rs holds. */
void lg_rcscan_free(lg_rcscan_t *rs);

/* CPython's objects (rcpython.c). lg_rcpython_find adds to rs every
 * Python object it recognises in the blocks of `h` (indexed), given the
 * address of PyType_Type and the process's maps (sorted), and names their
 * types with ids from LG_RC_PYTYPE_BASE, valid until the next call.
 * Returns the number of objects added, LG_RCPYTHON_FINALIZED when the
 * interpreter has finalized (nothing is added), or -1 out of memory.
 * lg_rcpython_type_name returns the name of such a type id (not
 * NUL-terminated: *len bytes), or NULL; lg_rcpython_ntypes counts them. */
#define LG_RC_PYTYPE_BASE 0x80000000u
#define LG_RCPYTHON_FINALIZED (-2)
struct lg_map;
long lg_rcpython_find(lg_rcscan_t *rs, const lg_heap_t *h, uintptr_t pytype, const struct lg_map *maps,
                      size_t nmaps);
const char *lg_rcpython_type_name(uint32_t id, uint32_t *len);
uint32_t lg_rcpython_ntypes(void);

/* The scan's hooks (rcscan.c), each a no-op for a process without
 * refcounted objects: lg_rcscan_prepare after the snapshot and before the
 * roots are marked, lg_rcscan_analyse after the conservative analysis and
 * before the clusters are logged (it writes RC_TYPE, RC_FINDING and
 * RC_OBJECTS with the log lock held). */
struct lg_scan;
void lg_rcscan_prepare(struct lg_scan *s);
void lg_rcscan_analyse(struct lg_scan *s);

#endif
