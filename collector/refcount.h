/* collector/refcount.h — refcounted objects: the object table, each live
 * object's ref/unref history folded by stack, and the names of their
 * types. The hook families (preload/rc_*.c, preload/api.c) feed it while
 * the program runs; the scan reads it (SPEC section 4).
 *
 * An object is known from its birth (g_type_create_instance,
 * gst_mini_object_init, an OpenSSL *_new, leakgraph_refcounted) or, when
 * its birth was not seen (born before the hooks were in place, or by a
 * constructor that is not hooked, such as d2i_X509), from the first ref or
 * unref the hooks see: it is then *adopted* with its count as the field
 * holds it at that moment. From then on every ref and unref is folded into
 * its history: per distinct stack, how many refs and how many unrefs came
 * from it (kept per stack and thread, added up per stack when read). An
 * object refd a million times from one site costs one entry; the entries
 * of one object are bounded (LG_RC_MAX_HISTORY, format.h): stacks beyond
 * that fold into one entry with stack id 0. So the count the
 * hooks account for is
 *
 *     base + sum(refs) - sum(unrefs)            (lg_rc_expected)
 *
 * where base is the count at birth or adoption; for an object whose every
 * ref and unref went through the hooks it equals the library's own field
 * (lg_rc_field), which is what the hook coverage test checks.
 *
 * An object dies — and its history is dropped — at its death hook
 * (g_type_free_instance: lg_rc_death), or when the program frees the heap
 * block that holds it (the free hook: lg_rc_block_freed). A block holding
 * an object carries a flag in the block table (blocks.h, LG_BLK_STACK_RC),
 * so a free of any other block costs nothing more than it did. A new birth
 * at the address of a known object replaces it (the memory was reused
 * without a death the hooks saw).
 *
 * Type names are interned once per (family, name) into the arena and named
 * by a small id (≥ 1). Interning is done where it is safe to call into the
 * library that names the type (in a hook, e.g. g_type_name), never in the
 * scan's snapshot.
 *
 * Locking. The table is split into shards by address hash, each under its
 * own lock, so hooks on different objects rarely meet; a second sharded
 * table maps each block to the objects inside it. A thread holds at most
 * one of these shard locks at a time. The type table has one lock. In the
 * lock order of collector.h they come after the stacks lock and before the
 * arena's (history arrays and names live in the arena):
 *     stacks -> rc types -> rc shards -> arena
 * The caller interns a stack (stacks lock) before it records an event.
 * A scan and fork's prepare handler take all of them (lg_rc_lock_all,
 * from lg_locks_take). A ref or unref from a stack its object has seen
 * before from the same thread takes no lock and no atomic instruction: a
 * plain add into the thread's own entry (refcount.c says why that is
 * sound).
 *
 * The scan side (lg_rc_count, lg_rc_each, lg_rc_history, lg_rc_field,
 * lg_rc_type_name, lg_rc_python_type) runs with every lock held by the
 * scan (world stopped) or in the scan's snapshot child: it reads, never
 * locks, never allocates. */
#ifndef LG_REFCOUNT_H
#define LG_REFCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "format.h"

/* One folded history entry: `refs` refs and `unrefs` unrefs of an object
 * came from stack `stack` (0: the stacks beyond LG_RC_MAX_HISTORY, or a
 * stack the shim could not intern). Counts saturate at UINT32_MAX. */
typedef struct lg_rc_hist {
  uint32_t stack, refs, unrefs;
} lg_rc_hist_t;

/* An object of the table, as lg_rc_each shows it. */
typedef struct lg_rc_obj {
  /* The first cache line: what a ref or unref reads and writes. */
  uintptr_t addr;        /* the object (for GObject the instance, which may lie inside its block) */
  union {
    uint16_t owner[4];   /* LG_RC_INLINE: the thread that counts into each inline entry (0: free) */
    uint64_t owners;     /* the four at once */
  };
  /* The folded history, private to refcount.c: read it with lg_rc_history
   * and lg_rc_expected. Its first LG_RC_INLINE stacks live here (most
   * objects need no more — a GstBuffer's birth, ref and two unrefs come
   * from three stacks: no arena traffic for short-lived ones) and stay
   * here, each counted by the thread that brought it (its owner); the
   * stacks after them go to a table in the arena, one entry per stack and
   * thread (lg_rc_history adds a stack's entries up). */
  lg_rc_hist_t inl[4];   /* LG_RC_INLINE; counted without a lock (refcount.c) */
  /* The second: the object's facts. */
  uintptr_t block;       /* start of the tracked heap block holding it, 0 when none */
  int64_t base;          /* its count at birth or adoption */
  struct lg_rc_hidx *hidx;   /* the history's table: its index, NULL while none */
  struct lg_rc_hpage *hpages; /* and its entries */
  int32_t count_off;     /* its count is the `width`-byte integer at addr + count_off */
  uint32_t type;         /* lg_rc_type_intern id, 0 unknown */
  uint32_t birth_stack;  /* stack of its birth; 0 when adopted at a ref or unref */
  uint16_t nhist;        /* history entries in use (<= LG_RC_MAX_HISTORY) */
  uint8_t family;        /* enum lg_rc_family (format.h) */
  uint8_t width;         /* 4 or 8 */
  uint16_t flags;        /* LG_RC_F_* */
} __attribute__((aligned(64))) lg_rc_obj_t;
#define LG_RC_INLINE 4

#define LG_RC_F_BORN 1u    /* its birth was seen (else adopted) */

/* ---- types ------------------------------------------------------------- */

/* lg_rc_type_intern returns the id (≥ 1) of type `name` of `family`,
 * storing a copy of the name (at most 255 bytes are kept) the first time;
 * 0 when the shim is out of memory or name is NULL. Call it where it is
 * safe to call into the library (a hook), never in the snapshot. */
uint32_t lg_rc_type_intern(int family, const char *name);
/* lg_rc_type_name returns the name of type `id` and, in *family (if not
 * NULL), its family; NULL for an unknown id. Lock-free. */
const char *lg_rc_type_name(uint32_t id, int *family);
/* lg_rc_type_count is the number of interned types (ids 1..count). */
uint32_t lg_rc_type_count(void);

/* ---- events (hooks, guard held, the caller's stack interned) ------------ */

/* lg_rc_birth records a new object of `family` at `obj` whose count is the
 * `width`-byte (4 or 8) integer at obj + count_off, with type `type` and
 * birth stack `birth_stack`; its base count is what the field holds now.
 * The heap block holding it is found in the block table: a block starting
 * at obj, else one starting at most LG_RC_PROBE_BACK bytes before it.
 * lg_rc_birth_in first tries `block` (a guess: the start of a tracked
 * block covering obj, e.g. learned from an earlier object of the type).
 * Both return the block found, 0 when none. An object already known at
 * obj is replaced. Bad widths are ignored. */
#define LG_RC_PROBE_BACK 256u
uintptr_t lg_rc_birth(uintptr_t obj, int family, intptr_t count_off, unsigned width, uint32_t type,
                      uint32_t birth_stack);
uintptr_t lg_rc_birth_in(uintptr_t obj, uintptr_t block, int family, intptr_t count_off, unsigned width,
                         uint32_t type, uint32_t birth_stack);
/* lg_rc_ref and lg_rc_unref fold one ref (unref) of `obj` from `stack`
 * into its history. They return 1, or 0 when obj is not a known object
 * (nothing is recorded: see lg_rc_adopt). Call them before the library's
 * own function runs: an unref may free the object. */
int lg_rc_ref(uintptr_t obj, uint32_t stack);
int lg_rc_unref(uintptr_t obj, uint32_t stack);
/* lg_rc_unref_spent is lg_rc_unref that also sets *spent (when it returns
 * 1) to whether the count the hooks account for is now at most 0: only
 * then can the library's unref that follows end the object. */
int lg_rc_unref_spent(uintptr_t obj, uint32_t stack, int *spent);
/* lg_rc_adopt registers `obj` if it is not known yet — as lg_rc_birth_in
 * does (block 0: found as lg_rc_birth finds it), but with no birth stack
 * and its base read from the field under the shard lock — and then folds
 * `delta` (+1 a ref, -1 an unref, 0 nothing) from `stack` into its
 * history. For hooks whose object was born unseen; `type` names it (0
 * unknown). */
void lg_rc_adopt(uintptr_t obj, uintptr_t block, int family, intptr_t count_off, unsigned width, uint32_t type,
                 uint32_t stack, int delta);
/* lg_rc_death forgets `obj` and its history (its death hook ran, before
 * the library frees it). Unknown objects are ignored. */
void lg_rc_death(uintptr_t obj);
/* lg_rc_block_freed forgets every object inside the heap block starting
 * at `block`, which the program is freeing (or realloc moved): the block
 * table calls it for the blocks flagged LG_BLK_STACK_RC that it removes
 * (blocks.h, lg_blocks_on_rc_free), so a free of any other block pays
 * only a test of a bit it has loaded anyway. */
void lg_rc_block_freed(uintptr_t block);
/* lg_rc_death_if_spent forgets `obj` if it is a known object of `family`
 * whose count the hooks account for is at most 0 (an unref that took it
 * there has returned and no ref took it back): one lock, no copy. */
void lg_rc_death_if_spent(uintptr_t obj, int family);
/* lg_rc_lookup copies the entry of `obj` into *out; 1 if known, else 0. */
int lg_rc_lookup(uintptr_t obj, lg_rc_obj_t *out);

/* ---- families ------------------------------------------------------------- */

/* The families whose hooks are in place, as bits (1u << family); set by
 * the preload layer as it installs them, read by the scan. */
void lg_rc_family_active(int family);
unsigned lg_rc_families(void);
/* The CPython facts, for the scan, which reads Python objects from the
 * heap (no hooks): the address of PyType_Type when the process has
 * CPython and the python family is on, else 0. Set at start and after
 * every dlopen. */
void lg_rc_set_python_type(uintptr_t pytype_type);
uintptr_t lg_rc_python_type(void);

/* ---- scan side (lock-free, read-only, no allocation) ----------------------- */

/* lg_rc_count is the number of live objects in the table. */
size_t lg_rc_count(void);
/* lg_rc_each calls fn for every live object, in no particular order. fn
 * must not change the table. */
void lg_rc_each(void (*fn)(const lg_rc_obj_t *obj, void *arg), void *arg);
/* lg_rc_history copies at most `max` of o's history entries into out (in
 * no particular order, one per stack) and returns how many it copied;
 * there are at most o->nhist. */
size_t lg_rc_history(const lg_rc_obj_t *o, lg_rc_hist_t *out, size_t max);
/* lg_rc_expected is the count the hooks account for: base + refs - unrefs. */
int64_t lg_rc_expected(const lg_rc_obj_t *o);
/* lg_rc_field reads o's count field from memory (the program's, or the
 * snapshot's copy of it): width 4 as an unsigned 32-bit value, else 64.
 * The caller knows the memory is readable: the object's block (o->block)
 * is live, or its address lies in a readable mapping. */
uint64_t lg_rc_field(const lg_rc_obj_t *o);

/* ---- statistics ------------------------------------------------------------ */

/* What the hooks of one family saw, and how the live objects' books stand:
 * `mismatched` live objects whose field differs from lg_rc_expected (0
 * when every ref and unref went through the hooks; an event in flight on
 * another thread makes one transiently). refs and unrefs are the sums of
 * the histories — the live objects' and those of the objects gone, added
 * up as each goes — so an event pays for no counter of its own (an entry
 * that saturated at UINT32_MAX counts as that). */
typedef struct lg_rc_stats {
  uint64_t born, adopted, refs, unrefs, died;
  uint64_t live, mismatched;
} lg_rc_stats_t;
/* lg_rc_stats fills st[0..LG_RC_NFAMILIES] (index = family), taking each
 * shard lock in turn; lg_rc_stats_text formats one family's line into buf
 * ("refcount gobject: ...") and returns its length, 0 when the family saw
 * nothing. */
void lg_rc_stats(lg_rc_stats_t st[LG_RC_NFAMILIES + 1]);
size_t lg_rc_stats_text(char *buf, size_t n, int family, const lg_rc_stats_t *st);

/* ---- locks and memory ---------------------------------------------------------- */

void lg_rc_lock_all(void);
void lg_rc_unlock_all(void);
void lg_rc_reset_locks(void);
/* lg_rc_table_bytes is the memory of the table's shard arrays (in the
 * arena, as the histories are). */
size_t lg_rc_table_bytes(void);

#endif
