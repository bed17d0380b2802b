/* collector/graph.h — the heap as a graph, for one scan: a snapshot of the
 * live blocks sorted by address, an index answering "which block contains
 * this word", marking from roots, and the analysis of what stays unmarked.
 * Pure algorithms over memory the caller provides: the unit tests drive them
 * with fake heaps, the scan (scan.c) with the real one.
 *
 * Marking follows valgrind's two-pass semantics in a single pass: a block is
 * REACHABLE when a chain of pointers to block starts leads to it from a root,
 * POSSIBLE when every chain to it uses at least one interior pointer, and
 * UNREACHED otherwise. Blocks are flooded with two explicit work stacks, one
 * per state, never by recursion: the REACHABLE stack is drained first, so a
 * block seen first through an interior pointer and later through a start
 * pointer ends REACHABLE, and each block's memory is read once.
 *
 * Three kinds of pointer that are not to a block's start still count as one.
 * A pointer to the refcounted object a block holds (lg_heap_xoff, set by
 * rcscan.c before marking: a GObject after its private data, a Python
 * object after its GC header) is what the program keeps of such a block.
 * A pointer just past an 8-byte block whose word is 0 is what C++ `new
 * T[0]` returns for a T with a destructor (the block is only the element
 * count): it always counts, as in LeakSanitizer. And the heuristics of
 * valgrind's --leak-check-heuristics, each switched on by its bit in
 * lg_heap_t.heur, make an interior pointer found in REACHABLE memory reach
 * its block as if it pointed at the start:
 *   stdstring   at +24 of a block that starts with a length <= capacity and
 *               is 24 + capacity + 1 bytes long (the old copy-on-write
 *               std::string's representation: length, capacity, refcount)
 *   length64    at +8 of a block whose first u64 is its size - 8
 *   newarray    at +8 of a block whose first word is a count n > 0 that
 *               divides size - 8 (the cookie of C++ `new T[n]`)
 *   multipleinheritance
 *               at an aligned word inside the block that holds a vtable
 *               pointer, while the block's first word holds one too (a
 *               pointer to a second base class of the object); a vtable
 *               pointer points into a loaded module's readable segment
 *               (lg_heap_t.segs), at two or more pointers into executable
 *               segments among its first words, with only zeros between
 * They are tried in this order (valgrind's) and the first that matches
 * tags the block (lg_blk_heur); a start pointer from REACHABLE memory
 * clears the tag, so the analysis counts, per heuristic, the blocks that
 * are reachable only because of it.
 *
 * Analysis (lg_graph_analyse) then takes the UNREACHED blocks and, separately,
 * the POSSIBLE ones, builds the pointer graph among them, finds its strongly
 * connected components (iterative Tarjan) and weakly connected components
 * (union-find), and assigns categories with valgrind's convention: a block
 * pointed at by another lost block is indirectly lost, except that in a
 * component nothing outside points at, the lowest-addressed block is the
 * definitely lost entry. Each weakly connected group is a cluster; it is
 * cyclic when one of its components has two blocks or a self-pointer: a
 * pointer of a block to its own start (a pointer into its own interior,
 * such as a short std::string's data pointer, is no edge at all).
 *
 * Marking also notes, for rcscan.c, the blocks whose object (or start,
 * when xoff is 0) a root word holds exactly (LG_BF_ROOT_OBJ), and those
 * any root word points into (LG_BF_ROOTED). */
#ifndef LG_GRAPH_H
#define LG_GRAPH_H

#include <stddef.h>
#include <stdint.h>

enum { LG_UNREACHED = 0, LG_POSSIBLE = 1, LG_REACHABLE = 2 };
/* A record's flags (lg_blk_t.flags, four bits), then the analysis's flags
 * of a lost block (lg_graph_flags). */
enum { LG_BF_UNREADABLE = 1, LG_BF_IGNORED = 2, LG_BF_ROOT_OBJ = 4, LG_BF_ROOTED = 8 };
enum { LG_BF_ENTRY = 16, LG_BF_IN_CYCLE = 32 };

/* One live block of the snapshot, 16 bytes: what marking and the index
 * read. A size of LG_BLK_BIG or more is in the heap's table of big blocks
 * (lg_blk_size reads it, lg_heap_set_size writes it); a stack id of
 * LG_BLK_STACKS or more is stored as 0. What only some blocks have or
 * only the analysis gives lives beside the records: the heuristic tag
 * (lg_blk_heur), the refcounted object's offset (lg_heap_xoff), and the
 * category, cluster and entry/cycle flags (lg_graph_cat, lg_graph_cluster,
 * lg_graph_flags). The bit-fields are narrower than int: they read as
 * ints, with the usual arithmetic. */
#define LG_BLK_BIG 0xFFFFFFFFu
#define LG_BLK_STACKS (1u << 24)
typedef struct lg_blk {
  uintptr_t addr;
  uint32_t size;        /* bytes, below LG_BLK_BIG; LG_BLK_BIG: see lg_blk_size */
  uint32_t stack : 24;  /* the allocation's stack id */
  uint32_t mark : 2;    /* LG_UNREACHED, LG_POSSIBLE, LG_REACHABLE */
  uint32_t gen : 2;     /* generation copied from the table */
  uint32_t flags : 4;   /* LG_BF_UNREADABLE, LG_BF_IGNORED, LG_BF_ROOT_OBJ, LG_BF_ROOTED */
} lg_blk_t;

_Static_assert(sizeof(lg_blk_t) == 16, "the snapshot holds one lg_blk_t per live block");

/* A block of LG_BLK_BIG bytes or more: its size, by address. */
typedef struct lg_big { uintptr_t addr, size; } lg_big_t;

/* A segment of a loaded module, [lo, hi), flags LG_SEG_* (format.h). */
typedef struct lg_modseg { uintptr_t lo, hi; uint32_t flags; } lg_modseg_t;

typedef struct lg_region lg_region_t;
/* An index entry (graph.c): the start bits of a KiB's granules, the index
 * of the first block at or after the KiB's start, and the settled bits of
 * the first 32 blocks starting in the KiB. */
typedef struct lg_dirent { uint64_t bits; uint32_t rank, settled; } lg_dirent_t;

typedef struct lg_vec { uint32_t *v; size_t n, cap; } lg_vec_t;

/* Where marking first found a pointer to a block, when it came from a root
 * (kind is enum lg_root_kind; tid the thread for stacks, registers, TLS). */
typedef struct lg_root_hit { uintptr_t where; uint32_t kind, tid; } lg_root_hit_t;
/* Depths (a site's nearest old block, lg_heap_site_best) stop counting
 * here; the chains a scan logs are shorter (LG_CHAIN_MAX_HOPS). */
#define LG_DEPTH_MAX 255

typedef struct lg_heap {
  lg_blk_t *blk;
  size_t n;
  lg_big_t *big;        /* the big blocks' sizes, sorted by address (lg_heap_set_size) */
  size_t nbig, capbig;
  uint8_t *heurs;       /* per block, the heuristic tag; NULL: none yet (lg_blk_heur) */
  uint16_t *xoffs;      /* per block, the refcounted object's offset; NULL: none (lg_heap_xoff) */
  uintptr_t lo, span;   /* every block lies in [lo, lo + span) */
  lg_region_t *reg;
  size_t nreg;
  const lg_region_t *hot; /* the region with the most blocks, tried first (graph.c) */
  /* The address index (graph.c): per region, one entry for each KiB, the
   * bitmap of the 16-byte granules where a block starts and the index of
   * the first block at or after the entry's start, so that the block
   * starting at or below a word is one entry load and a popcount away;
   * and whether that block is settled too, when it starts in the entry's
   * KiB as one of its first 32 (the `settled` bitmap's bit, copied). */
  lg_dirent_t *dir;
  size_t ndir;
  int exact;            /* every block starts on a granule, alone in it */
  /* Bit i: block i is REACHABLE with no heuristic tag, which no further
   * pointer changes (marking's quick test; set only by graph.c; its home
   * index entry holds a copy of most blocks' bits). */
  uint64_t *settled;
  /* The REACHABLE work list (graph.c): breadth first, a level at a time.
   * A ring of ring_mask + 1 entries; a block reached while it is full
   * waits in the overflow bitmap of its level (over[rnext] for the level
   * being found, the other for the level being scanned). */
  uint32_t *ring;
  size_t ring_mask, rhead, rtail, rlevel_end;
  uint64_t *over[2];
  size_t nover[2], over_pos;
  size_t ahead_pos[2];  /* the overflow scan's prefetch cursors: words, then */
  uint64_t ahead_bits[2]; /* their bits not yet passed (graph.c) */
  unsigned rnext;
  lg_vec_t pstack;      /* the POSSIBLE work list, a stack */
  uint64_t scanned_bytes;
  /* Retention chains (lg_heap_track_parents; chains != 0). Marking keeps
   * no parent a block: it notes each block that a root reached (roots[]
   * and, beside, root_blk[]: the first root word that reached it), and
   * per allocation site the REACHABLE old block (generation 2 or more)
   * nearest the roots (site_best, NONE: none; site_depth its hops, at
   * most LG_DEPTH_MAX; the lowest index among equals). lg_heap_chain
   * finds the path again from the roots it noted. `level` is the depth
   * of the blocks the flood scans. */
  int chains;
  lg_root_hit_t *roots;
  uint32_t *root_blk;
  size_t nroots, caproots;
  uint32_t *site_best;
  uint8_t *site_depth;
  size_t nsites;
  uint32_t level;
  uint32_t root_kind, root_tid; /* of the root range being marked */
  /* Heuristics: bit 1 << enum lg_heuristic for each one enabled (0: none),
   * and the module segments sorted by address (lg_heap_add_segment), for
   * multipleinheritance. */
  uint32_t heur;
  lg_modseg_t *segs;
  size_t nsegs, capsegs;
  uintptr_t vtables[64]; /* recent verdicts: v (a vtable) or v | 1 (not) */
  /* Candidate words waiting for a batched lookup (graph.c), from any
   * number of scanned ranges: the lookups of many small blocks overlap. */
  uintptr_t cand[64], cand_where[64];
  uint32_t cand_src[64];
  uint8_t cand_from[64];
  size_t ncand;
} lg_heap_t;

typedef struct lg_cluster_info {
  uint64_t bytes;
  uint32_t blocks;
  uint32_t first;    /* index into lg_graph_t.members of its first block */
  uint8_t cyclic, possible;
} lg_cluster_info_t;

typedef struct lg_graph {
  lg_cluster_info_t *clusters; /* [nclusters] */
  size_t nclusters;
  /* The lost blocks (block indexes, ascending) and, for each, its cluster
   * (1-based) << 2 | LG_LOST_ENTRY | LG_LOST_CYCLE: what lg_graph_cluster,
   * lg_graph_flags and lg_graph_cat read. */
  uint32_t *lost, *lost_info;
  size_t nlost;
  /* Where a block is in `lost` without a search: per 64 blocks of the
   * heap, the bits of the lost ones and how many lost blocks come before
   * (lg_graph_analyse makes it; NULL: lost is searched). */
  struct lg_lost_word *lost_dir;
  uint32_t *members;           /* block indexes grouped by cluster, entries first */
  size_t nmembers;
  uint32_t *edge_from, *edge_to; /* pointers between lost blocks (block indexes) */
  size_t nedges;
  uint64_t cat_bytes[5], cat_blocks[5]; /* by enum lg_category */
  /* REACHABLE blocks that only a heuristic reached, by enum lg_heuristic. */
  uint64_t heur_bytes[5], heur_blocks[5];
} lg_graph_t;
#define LG_LOST_ENTRY 1u
#define LG_LOST_CYCLE 2u

/* lg_heap_big_size returns the size of the big block at addr (its
 * record's size is LG_BLK_BIG), or LG_BLK_BIG when the table has none. */
uintptr_t lg_heap_big_size(const lg_heap_t *h, uintptr_t addr);
/* lg_blk_size returns block b's size in bytes (b is one of h's records). */
static inline uintptr_t lg_blk_size(const lg_heap_t *h, const lg_blk_t *b) {
  return b->size != LG_BLK_BIG ? b->size : lg_heap_big_size(h, b->addr);
}
/* lg_heap_set_size gives record b (of h) its size, noting a big one in
 * h->big; 0, or -1 out of memory (the record then keeps LG_BLK_BIG - 1
 * bytes: less of the block is read, never memory past it). */
int lg_heap_set_size(lg_heap_t *h, lg_blk_t *b, uintptr_t size);
/* lg_blk_heur returns the heuristic tag of block i (enum lg_heuristic
 * that made it REACHABLE, 0 none). */
static inline unsigned lg_blk_heur(const lg_heap_t *h, size_t i) { return h->heurs ? h->heurs[i] : 0; }
/* lg_heap_xoff returns where block i's refcounted object lies, as an
 * offset from its start (rcscan.h; 0: none, or at the start), and
 * lg_heap_set_xoff sets it (0, or -1 out of memory). */
static inline uintptr_t lg_heap_xoff(const lg_heap_t *h, size_t i) { return h->xoffs ? h->xoffs[i] : 0; }
int lg_heap_set_xoff(lg_heap_t *h, size_t i, uint16_t off);

/* lg_heap_sort sorts blocks by address, in place (a most-significant-digit
 * radix sort on the bits in which the addresses differ; blocks of one
 * address may come in any order; no allocation beyond lg_sys_map but its
 * counters). Returns 0 or -1. */
int lg_heap_sort(lg_blk_t *b, size_t n);
/* lg_heap_sort_digit_bits is the radix sort's first digit for n blocks: 11
 * bits for big heaps (the in-place moves then stay within 2048 write
 * positions, and the buckets below sort in cache), 8 for the rest. */
unsigned lg_heap_sort_digit_bits(size_t n);
/* A sorted copy made while copying (graph.c): lg_heap_plan_note sees
 * every address once (p zeroed first), lg_heap_plan_digits then picks the
 * first digit (0 or -1: out of memory), lg_heap_plan_count sees every
 * address again, lg_heap_plan_place turns the counts into the buckets'
 * starts, lg_heap_plan_slot says where in b[] the block of address a goes
 * (each address once more, the same set of them), and lg_heap_plan_sort
 * sorts the buckets, leaving b[0..n) as lg_heap_sort would (0 or -1). */
#define LG_PLAN_CHUNK_BITS 8
#define LG_PLAN_CHUNKS (1u << LG_PLAN_CHUNK_BITS)
typedef struct lg_heap_plan {
  uintptr_t lo, hi, first, differ, base;
  size_t n;
  unsigned low, top, d, sh;
  int chunked;        /* keys from the chunk table (graph.c) */
  uint32_t nchunks;
  uint64_t chunk[LG_PLAN_CHUNKS]; /* the 1 GiB chunks holding blocks, + 1; 0 empty */
  uint32_t rank[LG_PLAN_CHUNKS];
  uint32_t *next;     /* 2 << d: each bucket's next position, then its end */
  uint32_t *bins[LG_PLAN_CHUNKS]; /* the note's counts per 64 KiB of the first chunks (graph.c) */
  int unbinned;       /* an address the bins did not count */
} lg_heap_plan_t;
void lg_heap_plan_note(lg_heap_plan_t *p, uintptr_t a);
int lg_heap_plan_digits(lg_heap_plan_t *p);
void lg_heap_plan_count(lg_heap_plan_t *p, uintptr_t a);
void lg_heap_plan_place(lg_heap_plan_t *p);
size_t lg_heap_plan_slot(lg_heap_plan_t *p, const lg_blk_t *b, uintptr_t a);
int lg_heap_plan_sort(lg_heap_plan_t *p, lg_blk_t *b);
/* The same plan for a table walked while the program runs (the concurrent
 * copy, concmark.c), whose walks need not see the same blocks:
 * lg_heap_plan_try is lg_heap_plan_slot for a block the count may not
 * have seen, or LG_PLAN_NONE when the plan has no room or no key for it
 * (the caller keeps it apart); lg_heap_plan_pack then closes the holes
 * that blocks counted but not copied left in the buckets and returns how
 * many records b[] holds, ready for lg_heap_plan_sort; lg_heap_merge
 * merges the sorted o[0..m) into the sorted b[0..n), which has room for
 * n + m records. */
/* lg_heap_plan_binned, after lg_heap_plan_digits, fills the first digit's
 * counts from what the note walk counted on the side (the addresses of
 * the few 1 GiB chunks of a heap, per 64 KiB) and returns 1, so that the
 * count walk is not needed; 0 when those counts cannot stand for it (too
 * many chunks, a digit finer than 64 KiB): the caller then walks with
 * lg_heap_plan_count. Either way the side counts go back (so does
 * lg_heap_plan_place, for a caller that never asks). */
int lg_heap_plan_binned(lg_heap_plan_t *p);
#define LG_PLAN_NONE ((size_t)-1)
size_t lg_heap_plan_try(lg_heap_plan_t *p, const lg_blk_t *b, uintptr_t a);
size_t lg_heap_plan_pack(lg_heap_plan_t *p, lg_blk_t *b);
void lg_heap_merge(lg_blk_t *b, size_t n, const lg_blk_t *o, size_t m);
/* lg_heap_build indexes h->blk[0..n) (sorted); overlapping entries are
 * trimmed. From then until marking ends, block marks change only through
 * the marking functions below. Returns 0 or -1 (out of memory). */
int lg_heap_build(lg_heap_t *h);
void lg_heap_free(lg_heap_t *h);
/* lg_heap_find returns the index of the block containing address w, or -1. */
long lg_heap_find(const lg_heap_t *h, uintptr_t w);
/* lg_heap_add_segment adds a module segment for the multipleinheritance
 * heuristic, keeping h->segs sorted; 0 or -1 (out of memory). */
int lg_heap_add_segment(lg_heap_t *h, uintptr_t lo, uintptr_t hi, uint32_t flags);

/* Marking. lg_mark_range scans [lo, hi) as a root; lg_mark_block makes a
 * block a root (ignored objects); lg_mark_finish floods what they reach
 * and gives the POSSIBLE list's memory back (marking may go on after
 * it). */
void lg_mark_range(lg_heap_t *h, uintptr_t lo, uintptr_t hi);
void lg_mark_block(lg_heap_t *h, size_t i);
void lg_mark_finish(lg_heap_t *h);
/* lg_mark_finish_within floods as lg_mark_finish does, but gives up once
 * it has read more than max_bytes of blocks, or when over() (asked after
 * every MiB read; may be NULL) returns nonzero: 0 when the flood is done,
 * -1 when it gave up (the marks are then partial: drop the heap).
 * max_bytes UINT64_MAX: no limit on the bytes, only over(). */
int lg_mark_finish_within(lg_heap_t *h, uint64_t max_bytes, int (*over)(void));
/* lg_mark_root_kind names the roots marked next (for retention chains). */
void lg_mark_root_kind(lg_heap_t *h, uint32_t kind, uint32_t tid);
/* lg_heap_track_parents turns on what retention chains need (graph.h:
 * the roots' hits and each site's nearest old block); 0 or -1. */
int lg_heap_track_parents(lg_heap_t *h);
/* lg_heap_drop_parents gives the sites' nearest blocks back (chains are
 * then no longer found); the roots stay. */
void lg_heap_drop_parents(lg_heap_t *h);
/* lg_heap_site_best tells the REACHABLE old block of allocation site
 * `stack` nearest the roots (*blk) and its hops from them (*depth, at
 * most LG_DEPTH_MAX): 1, or 0 when the site has none or chains are not
 * tracked. */
int lg_heap_site_best(const lg_heap_t *h, uint32_t stack, uint32_t *blk, unsigned *depth);
/* lg_heap_chain writes a shortest path from a root to block i into path[]
 * (block indexes, root side first, at most max: a longer path keeps the
 * block's end) and returns its length, or 0 when i is not REACHABLE,
 * chains are not tracked, or no noted root leads to it; *root gets the
 * root. It ends marking (lg_heap_end_marking) and walks again, breadth
 * first from the blocks the roots reached in the order they did, up to
 * i's level: each hop is the first block of its level, in that order,
 * that points at the next (as marking's first finder is, unless its work
 * list overflowed). Memory: one index per block it walks. */
size_t lg_heap_chain(lg_heap_t *h, size_t i, uint32_t *path, size_t max, const lg_root_hit_t **root);
/* lg_heap_end_marking gives back marking's work lists and its settled
 * bitmap once marking is over (no marking function may be called after
 * it); lg_graph_analyse and lg_heap_chain call it. */
void lg_heap_end_marking(lg_heap_t *h);
/* lg_heap_drop_index gives the address index back once marking is over
 * and few lookups remain (lg_analyse_run drops it before the analysis,
 * which needs none): lg_heap_find then searches the sorted records
 * instead (the same answers, in log n steps). */
void lg_heap_drop_index(lg_heap_t *h);

/* lg_graph_analyse gives every lost block its category, cluster and
 * flags (in g: lg_graph_cat and the others below) and fills the rest of
 * g; returns 0 or -1 (out of memory). lg_graph_free releases g. */
int lg_graph_analyse(lg_heap_t *h, lg_graph_t *g);
void lg_graph_free(lg_graph_t *g);

/* After lg_graph_analyse: block i's cluster (1-based; 0: not lost), its
 * analysis flags (LG_BF_ENTRY, LG_BF_IN_CYCLE; 0 when not lost) and its
 * category (enum lg_category; LG_CAT_NONE for a lost block of a heap not
 * analysed). */
uint32_t lg_graph_cluster(const lg_graph_t *g, size_t i);
unsigned lg_graph_flags(const lg_graph_t *g, size_t i);
unsigned lg_graph_cat(const lg_heap_t *h, const lg_graph_t *g, size_t i);

/* lg_graph_verify re-checks the invariants of an analysed heap (the debug
 * build runs it after every scan): each block has one category, the
 * totals add up, every cluster has an entry, an indirectly lost block has a
 * lost block pointing at it, no lost block is pointed at from a reachable
 * one. Returns the number of violations; `why` gets the first. */
size_t lg_graph_verify(const lg_heap_t *h, const lg_graph_t *g, const char **why);

#endif
