/* collector/graph.c — snapshot sorting, the address index, marking and the
 * analysis of lost blocks (see graph.h for the semantics). All memory comes
 * from lg_sys_map: this code runs while the program's threads are stopped,
 * and one of them may hold the malloc lock. */
#include "graph.h"

#include <string.h>

#include "format.h"
#include "sys.h"

#define REGION_GAP (1u << 20) /* blocks further apart start a new region */
#define LONE_BLOCK (1u << 20) /* a block this large is a region of its own, of one index entry */
#define NONE 0xFFFFFFFFu

struct lg_region {
  uintptr_t base, end;
  unsigned shift; /* an index entry covers 1 << shift bytes (ENTRY_SHIFT; 63 for a lone block) */
  size_t page0;   /* first entry of this region in h->dir */
  uint32_t first; /* first block of the region */
  uint32_t last;  /* last block of the region */
};

/* ---- scratch memory ----------------------------------------------------- */
/* Arrays come from lg_sys_grab and go back by lg_sys_drop (sys.h). */

static int vec_push(lg_vec_t *v, uint32_t x) {
  if (lg_sys_grow((void **)&v->v, &v->cap, v->n, sizeof *v->v, 4096) < 0) return -1;
  v->v[v->n++] = x;
  return 0;
}

static void vec_free(lg_vec_t *v) {
  lg_sys_drop(v->v);
  v->v = NULL;
  v->n = v->cap = 0;
}

/* ---- sorting and the index ---------------------------------------------- */

unsigned lg_heap_sort_digit_bits(size_t n) { return n >= ((size_t)1 << 18) ? 11 : 8; }

#define SMALL_RUN 32    /* runs this short are sorted by insertion */
#define INNER_BITS 8    /* the digit below the first one */
#define MAX_LEVELS 10   /* 16 + 8 * 6 bits cover any key: levels below the first */
#define PREFETCH_AHEAD 8 /* blocks: two cache lines ahead of a bucket's write position */

/* Sorts the short run b[0..n) by address, by insertion. */
static void sort_small(lg_blk_t *b, size_t n) {
  for (size_t i = 1; i < n; i++) {
    lg_blk_t t = b[i];
    size_t j = i;
    for (; j && b[j - 1].addr > t.addr; j--) b[j] = b[j - 1];
    b[j] = t;
  }
}

/* Sorts b[0..n), whose keys (addr - lo) agree above bit `top`, by the d
 * bits below it, in place (American flag sort: each block is moved
 * straight to its digit's bucket), then each bucket by the bits below.
 * next[] and end[] come from scratch (2 << d entries; the levels below use
 * the entries after them). The bits below `low` are zero in every key. */
static void sort_level(lg_blk_t *b, size_t n, uintptr_t lo, unsigned top, unsigned low, unsigned d, uint32_t *scratch) {
  if (n <= SMALL_RUN || top <= low) { if (top > low) sort_small(b, n); return; }
  if (d > top - low) d = top - low;
  unsigned sh = top - d;
  size_t nb = (size_t)1 << d, mask = nb - 1;
  uint32_t *next = scratch, *end = scratch + nb;
  memset(next, 0, nb * sizeof *next);
  for (size_t i = 0; i < n; i++) next[((b[i].addr - lo) >> sh) & mask]++;
  uint32_t sum = 0;
  for (size_t x = 0; x < nb; x++) { uint32_t c = next[x]; next[x] = sum; sum += c; end[x] = sum; }
  for (size_t x = 0; x < nb; x++)
    while (next[x] < end[x]) {
      lg_blk_t e = b[next[x]];
      for (size_t k = ((e.addr - lo) >> sh) & mask; k != x; k = ((e.addr - lo) >> sh) & mask) {
        __builtin_prefetch(&b[next[k] + PREFETCH_AHEAD], 1); /* the bucket's next lines: no stream to guess */
        lg_blk_t t = b[next[k]];
        b[next[k]++] = e;
        e = t;
      }
      b[next[x]++] = e;
    }
  for (size_t x = 0, start = 0; x < nb; start = end[x++])
    if (end[x] - start > 1) sort_level(b + start, end[x] - start, lo, sh, low, INNER_BITS, scratch + 2 * nb);
}

int lg_heap_sort(lg_blk_t *b, size_t n) {
  if (n < 2) return 0;
  uintptr_t lo = b[0].addr, hi = b[0].addr, differ = 0;
  for (size_t i = 1; i < n; i++) {
    uintptr_t a = b[i].addr;
    if (a < lo) lo = a;
    if (a > hi) hi = a;
    differ |= a ^ b[0].addr;
  }
  if (!differ) return 0;
  /* Keys are addr - lo: only the bits from the lowest that differs
   * anywhere up to the highest of the range are sorted on. */
  unsigned low = (unsigned)__builtin_ctzll(differ);
  unsigned top = 64 - (unsigned)__builtin_clzll(hi - lo);
  unsigned d = lg_heap_sort_digit_bits(n);
  uint32_t *scratch = lg_sys_grab(((size_t)2 << d) + MAX_LEVELS * (2u << INNER_BITS), sizeof *scratch);
  if (!scratch) return -1;
  sort_level(b, n, lo, top, low, d, scratch);
  lg_sys_drop(scratch);
  return 0;
}

/* ---- a copy filled straight into its first digit's buckets ------------------ */
/* The snapshot walks the block table three times (lg_heap_plan_t, graph.h):
 * the range of the addresses, then the first digit's histogram, then the
 * copy itself, each block written into its bucket. The first level of the
 * radix sort, the one that moves every record across the whole array, is
 * then done by the copy, which writes every record once anyway; the
 * buckets are sorted by the bits below, each in cache. */

#define CHUNK_SHIFT 30 /* the address space in 1 GiB chunks */

/* Where chunk c is (or goes) in p's chunk table. */
static inline size_t chunk_slot(const lg_heap_plan_t *p, uintptr_t c) {
  size_t j = (size_t)((c * 0x9E3779B97F4A7C15ull) >> (64 - LG_PLAN_CHUNK_BITS));
  while (p->chunk[j] && p->chunk[j] != c + 1) j = (j + 1) & (LG_PLAN_CHUNKS - 1);
  return j;
}

#define BIN_SHIFT 16 /* the note counts addresses per 64 KiB of a chunk */
#define BINS ((size_t)1 << (CHUNK_SHIFT - BIN_SHIFT))
#define BIN_CHUNKS 8 /* chunks counted so at most (64 KiB of counters each) */

/* Counts address a, of chunk slot j (new if `fresh`), in the chunk's bins;
 * a chunk past the first BIN_CHUNKS (or out of memory) leaves the count
 * to the count walk. */
static inline void bin_note(lg_heap_plan_t *p, size_t j, int fresh, uintptr_t a) {
  if (fresh && p->nchunks <= BIN_CHUNKS && !p->unbinned) p->bins[j] = lg_sys_grab(BINS, sizeof(uint32_t));
  if (p->bins[j]) p->bins[j][(a >> BIN_SHIFT) & (BINS - 1)]++;
  else p->unbinned = 1;
}

void lg_heap_plan_note(lg_heap_plan_t *p, uintptr_t a) {
  if (!p->n++) p->lo = p->hi = p->first = a;
  if (a < p->lo) p->lo = a;
  if (a > p->hi) p->hi = a;
  p->differ |= a ^ p->first;
  if (p->nchunks > LG_PLAN_CHUNKS / 2) { p->unbinned = 1; return; } /* too many: the plain key */
  size_t j = chunk_slot(p, a >> CHUNK_SHIFT);
  int fresh = !p->chunk[j];
  if (fresh) { p->chunk[j] = (a >> CHUNK_SHIFT) + 1; p->nchunks++; }
  bin_note(p, j, fresh, a);
}

/* Gives the note's bins back. */
static void drop_bins(lg_heap_plan_t *p) {
  for (size_t j = 0; j < LG_PLAN_CHUNKS; j++) { lg_sys_drop(p->bins[j]); p->bins[j] = NULL; }
}

/* Gives each chunk in the table its rank by address. */
static void rank_chunks(lg_heap_plan_t *p) {
  for (size_t j = 0; j < LG_PLAN_CHUNKS; j++) {
    if (!p->chunk[j]) continue;
    uint32_t r = 0;
    for (size_t k = 0; k < LG_PLAN_CHUNKS; k++) r += p->chunk[k] && p->chunk[k] < p->chunk[j];
    p->rank[j] = r;
  }
}

/* The sort key of address a: with the chunk table, the chunk's rank above
 * the address's offset in its chunk (the heap's few dense ranges, far
 * apart, become one dense key range: the first digit splits them finely);
 * else the address above the lowest. Keys keep the addresses' order. */
static inline uintptr_t plan_key(const lg_heap_plan_t *p, uintptr_t a) {
  if (!p->chunked) return a - p->lo;
  uintptr_t off = a & (((uintptr_t)1 << CHUNK_SHIFT) - 1);
  return ((uintptr_t)p->rank[chunk_slot(p, a >> CHUNK_SHIFT)] << CHUNK_SHIFT) | off;
}

int lg_heap_plan_digits(lg_heap_plan_t *p) {
  p->chunked = p->differ && p->nchunks <= LG_PLAN_CHUNKS / 2;
  if (p->chunked) rank_chunks(p);
  uintptr_t top_key = p->n ? plan_key(p, p->hi) : 0;
  p->low = p->differ ? (unsigned)__builtin_ctzll(p->differ) : 0;
  if (p->chunked && p->nchunks > 1 && p->low > CHUNK_SHIFT) p->low = CHUNK_SHIFT; /* ranks differ from there */
  p->top = top_key ? 64 - (unsigned)__builtin_clzll(top_key) : 0;
  if (p->top < p->low) p->top = p->low;
  p->d = lg_heap_sort_digit_bits(p->n);
  if (p->d > p->top - p->low) p->d = p->top - p->low;
  p->sh = p->top - p->d;
  /* Below the first digit a bucket's keys are its addresses' low bits
   * (with chunks: below CHUNK_SHIFT, since d covers the ranks). */
  p->base = p->chunked ? 0 : p->lo;
  p->next = lg_sys_grab((size_t)2 << p->d, sizeof *p->next);
  if (!p->next) drop_bins(p);
  return p->next ? 0 : -1;
}

/* The first digit of address a under plan p. */
static inline size_t plan_digit(const lg_heap_plan_t *p, uintptr_t a) {
  return (plan_key(p, a) >> p->sh) & (((size_t)1 << p->d) - 1);
}

void lg_heap_plan_count(lg_heap_plan_t *p, uintptr_t a) { p->next[plan_digit(p, a)]++; }

int lg_heap_plan_binned(lg_heap_plan_t *p) {
  int ok = p->chunked && !p->unbinned && p->sh >= BIN_SHIFT;
  size_t mask = ((size_t)1 << p->d) - 1;
  for (size_t j = 0; ok && j < LG_PLAN_CHUNKS; j++) {
    if (!p->chunk[j]) continue;
    uintptr_t base = (uintptr_t)p->rank[j] << CHUNK_SHIFT; /* the chunk's keys; a bin's share one digit */
    for (size_t i = 0; i < BINS; i++)
      if (p->bins[j][i]) p->next[((base | (i << BIN_SHIFT)) >> p->sh) & mask] += p->bins[j][i];
  }
  drop_bins(p);
  return ok;
}

void lg_heap_plan_place(lg_heap_plan_t *p) {
  drop_bins(p);
  size_t nb = (size_t)1 << p->d;
  uint32_t sum = 0, *end = p->next + nb;
  for (size_t x = 0; x < nb; x++) { uint32_t c = p->next[x]; p->next[x] = sum; sum += c; end[x] = sum; }
}

size_t lg_heap_plan_slot(lg_heap_plan_t *p, const lg_blk_t *b, uintptr_t a) {
  size_t x = plan_digit(p, a);
  __builtin_prefetch(&b[p->next[x] + PREFETCH_AHEAD], 1); /* the bucket's next lines */
  return p->next[x]++;
}

#define BUCKET_BITS 12 /* at most: a bucket's first digit, 4096 counters in cache */

/* The first digit for sorting a bucket of n blocks, which fits in cache:
 * about one block per digit value, so that one pass leaves runs short
 * enough for insertion (the deeper levels of 8 bits cost a pass each). */
static unsigned bucket_bits(size_t n) {
  unsigned d = INNER_BITS;
  while (d < BUCKET_BITS && ((size_t)1 << d) < n) d++;
  return d;
}

#define BUCKET_COPY 65536 /* blocks: a bucket up to this long is sorted through a copy (2 MiB) */

/* Sorts bucket b[0..n) of plan p by the bits below p->sh. A bucket that
 * fits BUCKET_COPY is spread by its next digit into tmp and copied back
 * (no chain of dependent loads, as the in-place moves have), its runs then
 * sorted by insertion or the levels below; a longer one in place
 * (sort_level). scratch holds the counters. */
static void sort_bucket(lg_blk_t *b, size_t n, const lg_heap_plan_t *p, lg_blk_t *tmp, uint32_t *scratch) {
  if (n <= SMALL_RUN || n > BUCKET_COPY || p->sh <= p->low) {
    sort_level(b, n, p->base, p->sh, p->low, bucket_bits(n), scratch);
    return;
  }
  unsigned d = bucket_bits(n);
  if (d > p->sh - p->low) d = p->sh - p->low;
  unsigned sh = p->sh - d;
  size_t nb = (size_t)1 << d, mask = nb - 1;
  uint32_t *pos = scratch, *end = scratch + nb;
  memset(pos, 0, nb * sizeof *pos);
  for (size_t i = 0; i < n; i++) pos[((b[i].addr - p->base) >> sh) & mask]++;
  uint32_t sum = 0;
  for (size_t x = 0; x < nb; x++) { uint32_t c = pos[x]; pos[x] = sum; sum += c; end[x] = sum; }
  for (size_t i = 0; i < n; i++) tmp[pos[((b[i].addr - p->base) >> sh) & mask]++] = b[i];
  memcpy(b, tmp, n * sizeof *b);
  for (size_t x = 0, start = 0; x < nb; start = end[x++])
    if (end[x] - start > 1) sort_level(b + start, end[x] - start, p->base, sh, p->low, INNER_BITS, scratch + 2 * nb);
}

int lg_heap_plan_sort(lg_heap_plan_t *p, lg_blk_t *b) {
  size_t nb = (size_t)1 << p->d;
  uint32_t *end = p->next + nb;
  uint32_t *scratch = lg_sys_grab((2u << BUCKET_BITS) + MAX_LEVELS * (2u << INNER_BITS), sizeof *scratch);
  lg_blk_t *tmp = lg_sys_grab(BUCKET_COPY, sizeof *tmp);
  if (!scratch || !tmp) { lg_sys_drop(scratch); lg_sys_drop(tmp); lg_sys_drop(p->next); p->next = NULL; return -1; }
  for (size_t x = 0, start = 0; x < nb; start = end[x++])
    if (end[x] - start > 1) sort_bucket(b + start, end[x] - start, p, tmp, scratch);
  lg_sys_drop(tmp);
  lg_sys_drop(scratch);
  lg_sys_drop(p->next);
  p->next = NULL;
  return 0;
}

/* ---- the same while the program runs ------------------------------------------- */
/* The concurrent copy (concmark.c) walks a table that changes between its
 * walks: a block born after the count has no room planned, and one freed
 * leaves a hole in its bucket. lg_heap_plan_try then turns such a block
 * away (the caller keeps it apart, sorts it and merges it in), and
 * lg_heap_plan_pack closes the holes before the buckets are sorted. */

/* Does address a fit plan p's keys: a chunk it noted (or the range it
 * saw), a key below 2^top, and the bits below `low` those of the first
 * address (the sort does not look at them)? */
static inline int plan_fits(const lg_heap_plan_t *p, uintptr_t a) {
  if (!p->n || ((a ^ p->first) & (((uintptr_t)1 << p->low) - 1))) return 0;
  if (p->chunked) {
    if (!p->chunk[chunk_slot(p, a >> CHUNK_SHIFT)]) return 0;
  } else if (a < p->lo) {
    return 0;
  }
  return p->top >= 64 || (plan_key(p, a) >> p->top) == 0;
}

size_t lg_heap_plan_try(lg_heap_plan_t *p, const lg_blk_t *b, uintptr_t a) {
  if (!plan_fits(p, a)) return LG_PLAN_NONE;
  size_t x = plan_digit(p, a);
  if (p->next[x] == p->next[((size_t)1 << p->d) + x]) return LG_PLAN_NONE;
  __builtin_prefetch(&b[p->next[x] + PREFETCH_AHEAD], 1); /* the bucket's next lines */
  return p->next[x]++;
}

size_t lg_heap_plan_pack(lg_heap_plan_t *p, lg_blk_t *b) {
  size_t nb = (size_t)1 << p->d, k = 0;
  uint32_t *end = p->next + nb;
  for (size_t x = 0, start = 0; x < nb; x++) {
    size_t filled = p->next[x], next_start = end[x];
    if (k != start) memmove(&b[k], &b[start], (filled - start) * sizeof *b);
    k += filled - start;
    end[x] = (uint32_t)k;
    start = next_start;
  }
  return k;
}

void lg_heap_merge(lg_blk_t *b, size_t n, const lg_blk_t *o, size_t m) {
  size_t i = n, j = m, k = n + m;
  while (j) {
    if (i && b[i - 1].addr > o[j - 1].addr) b[--k] = b[--i];
    else b[--k] = o[--j];
  }
}

/* ---- the records' side tables ---------------------------------------------- */

uintptr_t lg_heap_big_size(const lg_heap_t *h, uintptr_t addr) {
  size_t lo = 0, hi = h->nbig;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (h->big[mid].addr < addr) lo = mid + 1; else hi = mid;
  }
  return lo < h->nbig && h->big[lo].addr == addr ? h->big[lo].size : LG_BLK_BIG;
}

/* Makes room for one more entry in h->big; 0 or -1. */
static int big_room(lg_heap_t *h) { return lg_sys_grow((void **)&h->big, &h->capbig, h->nbig, sizeof *h->big, 16); }

int lg_heap_set_size(lg_heap_t *h, lg_blk_t *b, uintptr_t size) {
  if (size < LG_BLK_BIG) { b->size = (uint32_t)size; return 0; }
  size_t k = 0;
  while (k < h->nbig && h->big[k].addr < b->addr) k++; /* few: a table of big blocks */
  if (k < h->nbig && h->big[k].addr == b->addr) { h->big[k].size = size; b->size = LG_BLK_BIG; return 0; }
  if (big_room(h) < 0) { b->size = LG_BLK_BIG - 1; return -1; }
  memmove(&h->big[k + 1], &h->big[k], (h->nbig - k) * sizeof *h->big);
  h->big[k] = (lg_big_t){b->addr, size};
  h->nbig++;
  b->size = LG_BLK_BIG;
  return 0;
}

int lg_heap_set_xoff(lg_heap_t *h, size_t i, uint16_t off) {
  if (!h->xoffs && !(h->xoffs = lg_sys_grab(h->n + 1, sizeof *h->xoffs))) return -1;
  h->xoffs[i] = off;
  return 0;
}

/* Tags block i with heuristic t (0: clears the tag). Out of memory a
 * block stays untagged: it is still reached, only not counted under t. */
static void set_heur(lg_heap_t *h, size_t i, unsigned t) {
  if (!h->heurs && (!t || !(h->heurs = lg_sys_grab(h->n + 1, 1)))) return;
  h->heurs[i] = (uint8_t)t;
}

/* Size of a block for containment: a malloc(0) block still owns its start. */
static inline uintptr_t span_of(const lg_heap_t *h, const lg_blk_t *b) {
  uintptr_t s = lg_blk_size(h, b);
  return s ? s : 1;
}

/* Where a block ends for the index: past its span, and one byte further
 * for an 8-byte block, so that a pointer just past a `new T[0]` count
 * finds it as the candidate (lg_heap_find still only returns blocks that
 * contain the address). */
static inline uintptr_t index_end(const lg_heap_t *h, const lg_blk_t *b) {
  return b->addr + span_of(h, b) + (b->size == 8);
}

#define GRAIN_SHIFT 4 /* the index's granule: 16 bytes, malloc's alignment */
#define ENTRY_SHIFT (GRAIN_SHIFT + 6) /* an entry covers 64 granules: 1 KiB */
#define ENTRY_MASK (((uintptr_t)1 << ENTRY_SHIFT) - 1)

/* Is block i large enough to be a region of its own (LONE_BLOCK)? Its
 * index is then one entry, not one per KiB of it: 16 bytes, not 16 MiB a
 * GiB, which a scan would write whole. */
static inline int lone(const lg_heap_t *h, size_t i) { return span_of(h, &h->blk[i]) >= LONE_BLOCK; }

static inline void settle(lg_heap_t *h, size_t i, lg_dirent_t *home);

/* Readies block i for the index: trimmed to the next block's start (a
 * free the shim never saw), settled when REACHABLE with no heuristic tag. */
static inline void ready_block(lg_heap_t *h, size_t i) {
  if (i + 1 < h->n && h->blk[i].addr + span_of(h, &h->blk[i]) > h->blk[i + 1].addr) /* missed frees */
    lg_heap_set_size(h, &h->blk[i], h->blk[i + 1].addr - h->blk[i].addr);
  if (h->blk[i].mark == LG_REACHABLE && !lg_blk_heur(h, i)) settle(h, i, NULL);
}

/* Appends region g to h->reg (*cap entries mapped, doubled when full);
 * 0 or -1. */
static int push_region(lg_heap_t *h, size_t *cap, const lg_region_t *g) {
  if (h->nreg == *cap) {
    size_t nc = *cap ? 2 * *cap : 64;
    lg_region_t *nr = lg_sys_grab(nc, sizeof *nr);
    if (!nr) return -1;
    if (h->reg) memcpy(nr, h->reg, h->nreg * sizeof *nr);
    lg_sys_drop(h->reg);
    h->reg = nr;
    *cap = nc;
  }
  h->reg[h->nreg++] = *g;
  return 0;
}

/* Readies every block (ready_block) and fills h->reg with the regions of
 * the sorted blocks, in one pass: runs whose gaps are below REGION_GAP,
 * each starting on an entry boundary, up to the end of their index
 * (index_end); a lone block is a region that starts at the block. 0, or
 * -1 out of memory. */
static int split_regions(lg_heap_t *h) {
  size_t first = 0, cap = 0;
  ready_block(h, 0);
  uintptr_t end = index_end(h, &h->blk[0]);
  for (size_t i = 1; i <= h->n; i++) {
    if (i < h->n) ready_block(h, i);
    if (i < h->n && !(h->blk[i].addr > end && h->blk[i].addr - end > REGION_GAP) && !lone(h, i) &&
        !lone(h, i - 1)) {
      uintptr_t e = index_end(h, &h->blk[i]);
      if (e > end) end = e;
      continue;
    }
    int one = first == i - 1 && lone(h, first);
    lg_region_t g = {.base = one ? h->blk[first].addr : h->blk[first].addr & ~ENTRY_MASK, .end = end,
                     .shift = one ? 63 : ENTRY_SHIFT, .first = (uint32_t)first, .last = (uint32_t)(i - 1)};
    if (push_region(h, &cap, &g) < 0) return -1;
    if (i < h->n) { first = i; end = index_end(h, &h->blk[i]); }
  }
  return 0;
}

/* Is block i settled (REACHABLE with no heuristic tag)? The bitmap,
 * which holds every block's bit. */
static inline int is_settled(const lg_heap_t *h, size_t i) { return (h->settled[i >> 6] >> (i & 63)) & 1; }

/* The mask of block i's settled bit in index entry d, which must be its
 * home (the entry of the KiB where it starts): 0 when the entry has no
 * bit for it (not among the first 32 blocks starting there; a lone
 * block, whose entry's rank is past it). */
static inline uint32_t home_bit(const lg_dirent_t *d, size_t i) {
  size_t j = i - d->rank;
  return j < 32 ? (uint32_t)1 << j : 0;
}

/* The number of index entries region g needs. */
static inline size_t entries_of(const lg_region_t *g) { return ((g->end - 1 - g->base) >> g->shift) + 1; }

/* Sets the start bits and first-block indexes of region g's entries, and
 * clears h->exact when a block does not start on a granule of its own. A
 * lone block's one entry has no start bit (a word in it is never taken
 * for its start) and makes it the block at or below every word. */
static void index_region(lg_heap_t *h, const lg_region_t *g) {
  lg_dirent_t *d = &h->dir[g->page0];
  size_t nent = entries_of(g);
  uint32_t i = g->first;
  uintptr_t prev = ~(uintptr_t)0; /* granule of the previous block */
  if (g->shift != ENTRY_SHIFT) {
    d[0] = (lg_dirent_t){.bits = 0, .rank = i + 1};
    if (h->blk[i].addr & (((uintptr_t)1 << GRAIN_SHIFT) - 1)) h->exact = 0;
    return;
  }
  for (size_t e = 0; e < nent; e++) {
    d[e].rank = i;
    for (; i <= g->last && ((h->blk[i].addr - g->base) >> ENTRY_SHIFT) == e; i++) {
      uintptr_t gr = (h->blk[i].addr - g->base) >> GRAIN_SHIFT;
      if ((h->blk[i].addr & (((uintptr_t)1 << GRAIN_SHIFT) - 1)) || gr == prev) h->exact = 0;
      d[e].bits |= (uint64_t)1 << (gr & 63);
      if (is_settled(h, i)) d[e].settled |= home_bit(&d[e], i);
      prev = gr;
    }
  }
}

#define RING_MIN 4096 /* entries of the REACHABLE ring at least */

/* The REACHABLE ring's size for n blocks: a power of two near n / 16
 * (a level wider than that waits in a bitmap of n bits). */
static size_t ring_size(size_t n) {
  size_t c = RING_MIN;
  while (c * 32 <= n) c *= 2;
  return c;
}

/* Gives the REACHABLE work list its room: the ring and its two overflow
 * bitmaps. The POSSIBLE stack grows as blocks enter it (vec_push): most
 * scans have few, and a reserve of one entry a block would be as large
 * as the index. */
static int reserve_lists(lg_heap_t *h) {
  if (!h->ring) {
    size_t c = ring_size(h->n);
    if (!(h->ring = lg_sys_grab(c, sizeof *h->ring))) return -1;
    h->ring_mask = c - 1;
  }
  for (int k = 0; k < 2; k++)
    if (!h->over[k] && !(h->over[k] = lg_sys_grab(h->n / 64 + 1, sizeof *h->over[k]))) return -1;
  return 0;
}

/* Queues block i, just made REACHABLE, for scanning in the next level:
 * in the ring, or in the level's overflow bitmap when the ring is full. */
static inline void push_reached(lg_heap_t *h, size_t i) {
  if (h->rtail - h->rhead <= h->ring_mask) { h->ring[h->rtail++ & h->ring_mask] = (uint32_t)i; return; }
  h->over[h->rnext][i >> 6] |= (uint64_t)1 << (i & 63);
  h->nover[h->rnext]++;
}

int lg_heap_build(lg_heap_t *h) {
  size_t n = h->n;
  h->reg = NULL; h->nreg = 0; h->hot = NULL; h->dir = NULL; h->ndir = 0; h->settled = NULL; h->exact = 1;
  h->lo = 0; h->span = 0;
  if (!n) return 0;
  h->settled = lg_sys_grab((n + 63) / 64, sizeof *h->settled);
  if (!h->settled || reserve_lists(h) < 0) return -1;
  if (split_regions(h) < 0) return -1;
  for (size_t k = 0; k < h->nreg; k++) {
    h->reg[k].page0 = h->ndir;
    h->ndir += entries_of(&h->reg[k]);
  }
  h->dir = lg_sys_grab(h->ndir, sizeof *h->dir);
  if (!h->dir) return -1;
  for (size_t k = 0; k < h->nreg; k++) index_region(h, &h->reg[k]);
  h->lo = h->reg[0].base;
  h->span = h->reg[h->nreg - 1].end - h->lo;
  h->hot = &h->reg[0];
  for (size_t k = 1; k < h->nreg; k++)
    if (h->reg[k].last - h->reg[k].first > h->hot->last - h->hot->first) h->hot = &h->reg[k];
  return 0;
}

void lg_heap_free(lg_heap_t *h) {
  lg_sys_drop(h->big);
  lg_sys_drop(h->heurs);
  lg_sys_drop(h->xoffs);
  h->big = NULL;
  h->heurs = NULL;
  h->xoffs = NULL;
  h->nbig = h->capbig = 0;
  lg_sys_drop(h->segs);
  h->segs = NULL;
  h->nsegs = h->capsegs = 0;
  lg_heap_drop_parents(h);
  h->chains = 0;
  lg_sys_drop(h->roots);
  lg_sys_drop(h->root_blk);
  h->roots = NULL;
  h->root_blk = NULL;
  h->nroots = h->caproots = 0;
  lg_heap_end_marking(h);
  lg_heap_drop_index(h);
}

void lg_heap_end_marking(lg_heap_t *h) {
  lg_sys_drop(h->settled);
  h->settled = NULL;
  lg_sys_drop(h->ring);
  lg_sys_drop(h->over[0]);
  lg_sys_drop(h->over[1]);
  h->ring = NULL;
  h->over[0] = h->over[1] = NULL;
  h->rhead = h->rtail = h->rlevel_end = h->nover[0] = h->nover[1] = 0;
  vec_free(&h->pstack);
}

void lg_heap_drop_index(lg_heap_t *h) {
  lg_sys_drop(h->reg);
  lg_sys_drop(h->dir);
  h->reg = NULL;
  h->hot = NULL;
  h->dir = NULL;
  h->nreg = h->ndir = 0;
}

/* Finds the region that may hold w (the last one starting at or below it),
 * or NULL: the one with the most blocks first, which holds most words
 * that point into the heap, then by binary search. */
static inline const lg_region_t *region_of(const lg_heap_t *h, uintptr_t w) {
  const lg_region_t *hot = h->hot;
  if (w - hot->base < hot->end - hot->base) return hot;
  size_t lo = 0, hi = h->nreg;
  while (hi - lo > 1) {
    size_t mid = (lo + hi) / 2;
    if (h->reg[mid].base <= w) lo = mid; else hi = mid;
  }
  const lg_region_t *g = &h->reg[lo];
  return w >= g->base && w < g->end ? g : NULL;
}

/* The index entry covering w, in region g (which holds w). */
static inline const lg_dirent_t *entry_of(const lg_heap_t *h, const lg_region_t *g, uintptr_t w) {
  return &h->dir[g->page0 + ((w - g->base) >> g->shift)];
}

/* Block i's home index entry (graph.h), or NULL when there is no index
 * yet (lg_heap_build copies the bitmap's bits into it). */
static lg_dirent_t *home_of(lg_heap_t *h, size_t i) {
  const lg_region_t *g = h->dir ? region_of(h, h->blk[i].addr) : NULL;
  return g ? &h->dir[g->page0 + ((h->blk[i].addr - g->base) >> g->shift)] : NULL;
}

/* Notes that block i is REACHABLE with no heuristic tag: in the bitmap
 * and in its home entry (`home`, or NULL: found here). */
static inline void settle(lg_heap_t *h, size_t i, lg_dirent_t *home) {
  h->settled[i >> 6] |= (uint64_t)1 << (i & 63);
  if (!home) home = home_of(h, i);
  if (home) home->settled |= home_bit(home, i);
}

/* A population count that needs no CPU feature and no library call. */
static inline unsigned count_bits(uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return (unsigned)((x * 0x0101010101010101ull) >> 56);
}

/* The last block starting at or below w, or -1, from w's region g and
 * entry d; *at says whether w is that block's start. An inexact index (a
 * block off its granule or sharing it) is corrected against the blocks'
 * addresses. When no block of g starts at or below w, it is the block
 * before g's first (a lone block's last KiB lies below the next region's
 * base). */
static inline long block_at_or_below(const lg_heap_t *h, const lg_region_t *g, const lg_dirent_t *d, uintptr_t w,
                                     int *at) {
  unsigned gr = (unsigned)((w - g->base) >> GRAIN_SHIFT) & 63;
  uint64_t upto = d->bits & (~(uint64_t)0 >> (63 - gr));
  long a = (long)d->rank + (long)count_bits(upto) - 1;
  *at = h->exact && !(w & (((uintptr_t)1 << GRAIN_SHIFT) - 1)) && ((upto >> gr) & 1);
  if (!h->exact) {
    while (a < (long)g->last && h->blk[a + 1].addr <= w) a++;
    while (a >= (long)g->first && h->blk[a].addr > w) a--;
  }
  return a < (long)g->first ? (long)g->first - 1 : a;
}

/* glibc's allocator keeps pointers to free chunks and to the top chunk in
 * its bins (libc's data, a root). A chunk's address is 16 bytes below its
 * user pointer, so the chunk following a block starts inside the block's
 * last word when the block fills its chunk: such a pointer is the
 * allocator's, not the program's, and is not an interior pointer to the
 * block. This returns that offset for a block of `size` bytes. */
static inline uintptr_t next_chunk_offset(uintptr_t size) {
  uintptr_t chunk = (size + 8 + 15) & ~(uintptr_t)15;
  return (chunk < 32 ? 32 : chunk) - 16;
}

/* Does block a, a candidate for w, contain it? */
static inline int contains(const lg_heap_t *h, uint32_t a, uintptr_t w) {
  const lg_blk_t *k = &h->blk[a];
  uintptr_t off = w - k->addr;
  return w >= k->addr && off < span_of(h, k) && (off == 0 || off != next_chunk_offset(lg_blk_size(h, k)));
}

/* lg_heap_find without the index (lg_heap_drop_index): the last block
 * starting at or below w, by binary search of the sorted records. Every
 * block lies inside its region, so the answer is the index's. */
static long find_sorted(const lg_heap_t *h, uintptr_t w) {
  size_t lo = 0, hi = h->n;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (h->blk[mid].addr <= w) lo = mid + 1; else hi = mid;
  }
  return lo && contains(h, (uint32_t)(lo - 1), w) ? (long)(lo - 1) : -1;
}

long lg_heap_find(const lg_heap_t *h, uintptr_t w) {
  if (w - h->lo >= h->span) return -1;
  if (!h->dir) return find_sorted(h, w);
  const lg_region_t *g = region_of(h, w);
  if (!g) return -1;
  int at;
  long a = block_at_or_below(h, g, entry_of(h, g, w), w, &at);
  return a >= 0 && contains(h, (uint32_t)a, w) ? a : -1;
}

/* Is block a what C++ `new T[0]` allocates for a T with a destructor: 8
 * bytes holding the element count 0? A pointer just past it (all that the
 * program keeps) refers to it (LeakSanitizer's special case). */
static inline int is_empty_array(const lg_heap_t *h, uint32_t a) {
  const lg_blk_t *k = &h->blk[a];
  return k->size == 8 && !(k->addr & 7) && !(k->flags & LG_BF_UNREADABLE) && *(const uintptr_t *)k->addr == 0;
}

/* The block that word w refers to: the one containing it, or the `new
 * T[0]` block it ends; -1 for none. */
static long find_ref(const lg_heap_t *h, uintptr_t w) {
  long t = lg_heap_find(h, w);
  if (t < 0 && w - 8 < w) {
    long e = lg_heap_find(h, w - 8);
    if (e >= 0 && h->blk[e].addr == w - 8 && is_empty_array(h, (uint32_t)e)) return e;
  }
  return t;
}

int lg_heap_add_segment(lg_heap_t *h, uintptr_t lo, uintptr_t hi, uint32_t flags) {
  if (hi <= lo) return 0;
  if (lg_sys_grow((void **)&h->segs, &h->capsegs, h->nsegs, sizeof *h->segs, 256) < 0) return -1;
  size_t k = h->nsegs++;
  for (; k > 0 && h->segs[k - 1].lo > lo; k--) h->segs[k] = h->segs[k - 1];
  h->segs[k] = (lg_modseg_t){lo, hi, flags};
  return 0;
}

/* ---- heuristics ---------------------------------------------------------- */

#define VTABLE_WORDS 20 /* words of a vtable looked at for function pointers */
#define PAGE0 4096      /* no vtable lies in the first page */

/* The module segment holding address v, or NULL. */
static const lg_modseg_t *segment_of(const lg_heap_t *h, uintptr_t v) {
  size_t lo = 0, hi = h->nsegs;
  while (lo < hi) { /* the first segment ending above v */
    size_t mid = (lo + hi) / 2;
    if (h->segs[mid].hi <= v) lo = mid + 1; else hi = mid;
  }
  return lo < h->nsegs && h->segs[lo].lo <= v ? &h->segs[lo] : NULL;
}

/* Does v look like a vtable pointer? It must point into a readable module
 * segment, at words of which (up to VTABLE_WORDS, within the segment) at
 * least two are pointers into executable segments, and the others before
 * them zeros. */
static int looks_like_vtable(const lg_heap_t *h, uintptr_t v) {
  const lg_modseg_t *s = segment_of(h, v);
  if (!s || !(s->flags & LG_SEG_R)) return 0;
  int fns = 0;
  for (uintptr_t p = v; p < v + VTABLE_WORDS * 8 && p + 8 <= s->hi; p += 8) {
    uintptr_t f = *(const uintptr_t *)p;
    if (!f) continue;
    const lg_modseg_t *t = segment_of(h, f);
    if (!t || !(t->flags & LG_SEG_X)) return 0;
    if (++fns == 2) return 1;
  }
  return 0;
}

/* looks_like_vtable, remembered per address in a small direct-mapped
 * cache: the objects of one class share their vtable pointers. */
static int is_vtable(lg_heap_t *h, uintptr_t v) {
  if ((v & 7) || v < PAGE0) return 0;
  uintptr_t *seen = &h->vtables[(v >> 3) & 63];
  if ((*seen & ~(uintptr_t)1) == v) return !(*seen & 1);
  int yes = looks_like_vtable(h, v);
  *seen = v | !yes;
  return yes;
}

/* Heuristic conditions for an interior pointer at offset `off` into block
 * b (readable, word-aligned, off < size); word[] is the block's memory. */
static int is_stdstring(uintptr_t size, const uintptr_t *word, uintptr_t off) {
  return off == 24 && size >= 25 && word[1] == size - 25 && word[0] <= word[1];
}

static int is_length64(uintptr_t size, const uintptr_t *word, uintptr_t off) {
  return off == 8 && word[0] && word[0] == size - 8;
}

static int is_newarray(uintptr_t size, const uintptr_t *word, uintptr_t off) {
  return off == 8 && word[0] && (size - 8) % word[0] == 0;
}

static int is_second_base(lg_heap_t *h, uintptr_t size, const uintptr_t *word, uintptr_t off) {
  if ((off & 7) || off + 8 > size) return 0;
  return is_vtable(h, word[off / 8]) && is_vtable(h, word[0]);
}

/* Returns the first enabled heuristic (valgrind's order) under which the
 * interior pointer w makes block b reachable, or 0. Called only for
 * pointers from REACHABLE memory into blocks not REACHABLE yet. */
static __attribute__((noinline)) uint8_t heuristic(lg_heap_t *h, const lg_blk_t *b, uintptr_t w) {
  if ((b->flags & LG_BF_UNREADABLE) || (b->addr & 7)) return 0;
  const uintptr_t *word = (const uintptr_t *)b->addr;
  uintptr_t off = w - b->addr, size = lg_blk_size(h, b);
  uint32_t on = h->heur;
  if ((on & (1u << LG_HEUR_STDSTRING)) && is_stdstring(size, word, off)) return LG_HEUR_STDSTRING;
  if ((on & (1u << LG_HEUR_LENGTH64)) && is_length64(size, word, off)) return LG_HEUR_LENGTH64;
  if ((on & (1u << LG_HEUR_NEWARRAY)) && is_newarray(size, word, off)) return LG_HEUR_NEWARRAY;
  if ((on & (1u << LG_HEUR_MULTIPLEINHERITANCE)) && is_second_base(h, size, word, off))
    return LG_HEUR_MULTIPLEINHERITANCE;
  return 0;
}

/* ---- marking ------------------------------------------------------------- */

/* Notes that block i was reached first by the root word at `where`
 * (for lg_heap_chain). Out of memory the block is not noted, and no
 * chain is found through it. */
static void note_root_hit(lg_heap_t *h, size_t i, uintptr_t where) {
  if (h->nroots == h->caproots) {
    size_t nc = h->caproots ? h->caproots * 2 : 1024;
    lg_root_hit_t *nr = lg_sys_grab(nc, sizeof *nr);
    uint32_t *nb = lg_sys_grab(nc, sizeof *nb);
    if (!nr || !nb) { lg_sys_drop(nr); lg_sys_drop(nb); return; }
    if (h->roots) memcpy(nr, h->roots, h->nroots * sizeof *nr);
    if (h->root_blk) memcpy(nb, h->root_blk, h->nroots * sizeof *nb);
    lg_sys_drop(h->roots);
    lg_sys_drop(h->root_blk);
    h->roots = nr;
    h->root_blk = nb;
    h->caproots = nc;
  }
  h->root_blk[h->nroots] = (uint32_t)i;
  h->roots[h->nroots++] = (lg_root_hit_t){where, h->root_kind, h->root_tid};
}

/* Makes room for site `stack` in the sites' nearest blocks; 0 or -1. */
static int site_room(lg_heap_t *h, uint32_t stack) {
  if (stack < h->nsites) return 0;
  size_t nc = h->nsites ? h->nsites : 256;
  while (nc <= stack) nc *= 2;
  uint32_t *nb = lg_sys_grab(nc, sizeof *nb);
  uint8_t *nd = lg_sys_grab(nc, 1);
  if (!nb || !nd) { lg_sys_drop(nb); lg_sys_drop(nd); return -1; }
  memset(nb, 0xFF, nc * sizeof *nb);
  if (h->site_best) memcpy(nb, h->site_best, h->nsites * sizeof *nb);
  if (h->site_depth) memcpy(nd, h->site_depth, h->nsites);
  lg_sys_drop(h->site_best);
  lg_sys_drop(h->site_depth);
  h->site_best = nb;
  h->site_depth = nd;
  h->nsites = nc;
  return 0;
}

/* Notes, for retention chains, that block i was just made REACHABLE by
 * block src (NONE: by the root word at `where`): its depth is one more
 * than the level being scanned, or 1 from a root; an old block nearer
 * the roots than its site's best (or as near, at a lower index) becomes
 * the site's best. */
static void note_reached(lg_heap_t *h, size_t i, uint32_t src, uintptr_t where) {
  unsigned d = src == NONE ? 1 : h->level < LG_DEPTH_MAX ? h->level + 1 : LG_DEPTH_MAX;
  if (src == NONE) note_root_hit(h, i, where);
  const lg_blk_t *b = &h->blk[i];
  if (b->gen < 2 || (b->stack >= h->nsites && site_room(h, b->stack) < 0)) return;
  uint32_t best = h->site_best[b->stack];
  if (best == NONE || d < h->site_depth[b->stack] || (d == h->site_depth[b->stack] && i < best)) {
    h->site_best[b->stack] = (uint32_t)i;
    h->site_depth[b->stack] = (uint8_t)d;
  }
}

/* Does w point at block b's start, or at the refcounted object it holds
 * (which is what the program keeps of such a block: graph.h)? */
static inline int is_start(const lg_heap_t *h, size_t i, uintptr_t w) {
  uintptr_t a = h->blk[i].addr, x;
  return w == a || (h->xoffs && (x = h->xoffs[i]) != 0 && w == a + x);
}

/* Is block i settled? From its bit in `home` (its home index entry, or
 * NULL: not known) when that entry has one, else from the bitmap. */
static inline int settled_at(const lg_heap_t *h, size_t i, const lg_dirent_t *home) {
  uint32_t m = home ? home_bit(home, i) : 0;
  return m ? (home->settled & m) != 0 : is_settled(h, i);
}

/* Records that a pointer `w` to block i was seen in memory of quality
 * `from` (REACHABLE roots and blocks, or POSSIBLE blocks), found in block
 * `src` (NONE: a root) at address `where`; `home` is i's home index entry
 * when the caller has it (NULL: not known). From REACHABLE memory, a start
 * pointer or an interior pointer that an enabled heuristic accepts makes
 * the block REACHABLE; anything else makes an unreached block POSSIBLE. */
static inline void reach(lg_heap_t *h, size_t i, uintptr_t w, int from, uint32_t src, uintptr_t where,
                         lg_dirent_t *home) {
  if (src != NONE && settled_at(h, i, home)) return; /* no pointer changes it: no need to load it */
  lg_blk_t *b = &h->blk[i];
  if (src == NONE) b->flags |= LG_BF_ROOTED | (w == b->addr + lg_heap_xoff(h, i) ? LG_BF_ROOT_OBJ : 0);
  if (from == LG_REACHABLE) {
    if (b->mark == LG_REACHABLE) {
      if (lg_blk_heur(h, i) && is_start(h, i, w)) { set_heur(h, i, 0); settle(h, i, home); } /* reached through its start too */
      return;
    }
    unsigned t = 0;
    if (is_start(h, i, w) || (h->heur && (t = heuristic(h, b, w)) != 0)) {
      b->mark = LG_REACHABLE;
      set_heur(h, i, t);
      if (!lg_blk_heur(h, i)) settle(h, i, home);
      if (h->chains) note_reached(h, i, src, where);
      push_reached(h, i);
      return;
    }
  }
  if (b->mark == LG_UNREACHED) {
    b->mark = LG_POSSIBLE;
    vec_push(&h->pstack, (uint32_t)i);
  }
}

/* The first stage of a batch lookup (flush_candidates): the
 * region and index entry of each word w[0..n), the entries' loads
 * started. */
static inline void locate_batch(lg_heap_t *h, const uintptr_t *w, size_t n, const lg_region_t **reg,
                                lg_dirent_t **ent) {
  for (size_t k = 0; k < n; k++) {
    reg[k] = region_of(h, w[k]);
    ent[k] = reg[k] ? &h->dir[reg[k]->page0 + ((w[k] - reg[k]->base) >> reg[k]->shift)] : NULL;
    if (ent[k]) __builtin_prefetch(ent[k]);
  }
}

/* The second stage: block idx[k], the last starting at or below w[k]
 * (-1: none), and whether w[k] is its start (at[k]); home[k] its index
 * entry when that is the block's home and has its settled bit, else
 * NULL. A pointer from a block to a block whose home bit says settled
 * changes nothing and is dropped here (idx -1); for the others the next
 * line each needs is fetched: the record, or the bitmap's word when the
 * entry does not tell. */
static inline void judge_batch(lg_heap_t *h, const uintptr_t *w, size_t n, const lg_region_t **reg,
                               lg_dirent_t **ent, long *idx, int *at, lg_dirent_t **home) {
  for (size_t k = 0; k < n; k++) {
    idx[k] = ent[k] ? block_at_or_below(h, reg[k], ent[k], w[k], &at[k]) : -1;
    home[k] = NULL;
    if (idx[k] < 0) continue;
    uint32_t m = idx[k] >= (long)ent[k]->rank ? home_bit(ent[k], (size_t)idx[k]) : 0;
    if (!m) { /* the bitmap tells */
      __builtin_prefetch(&h->settled[idx[k] >> 6]);
      if (!at[k]) __builtin_prefetch(&h->blk[idx[k]]);
      continue;
    }
    home[k] = ent[k];
    if (!(ent[k]->settled & m)) __builtin_prefetch(&h->blk[idx[k]]);
    else if (h->cand_src[k] != NONE) idx[k] = -1;
  }
}

/* Looks up the pending candidate words. Each lookup is a chain of
 * dependent loads (region, index entry, then the settled bit or the block
 * itself), so each stage is done for the whole batch with a prefetch before
 * the next stage reads: the misses overlap instead of queueing. A word at a
 * block's start (the common pointer) needs no load of the block to be
 * judged, nor does any pointer to a settled block; most blocks' settled
 * bits are in the index entry itself. Candidates come from many scanned
 * ranges. */
#define BATCH 64
static void flush_candidates(lg_heap_t *h) {
  size_t n = h->ncand;
  lg_dirent_t *ent[BATCH], *home[BATCH];
  const lg_region_t *reg[BATCH];
  long idx[BATCH];
  int at[BATCH];
  const uintptr_t *w = h->cand;
  locate_batch(h, w, n, reg, ent);
  judge_batch(h, w, n, reg, ent, idx, at, home);
  /* A start pointer to a block not settled yet loads the block in reach():
   * its line is fetched now, beside the batch's others. */
  for (size_t k = 0; k < n; k++)
    if (idx[k] >= 0 && at[k] && !home[k] && !is_settled(h, (size_t)idx[k])) __builtin_prefetch(&h->blk[idx[k]]);
  h->ncand = 0;
  for (size_t k = 0; k < n; k++) {
    if (idx[k] < 0) continue;
    uint32_t a = (uint32_t)idx[k];
    if (at[k] || contains(h, a, w[k]))
      reach(h, a, w[k], h->cand_from[k], h->cand_src[k], h->cand_where[k], home[k]);
    else if (w[k] - h->blk[a].addr == 8 && is_empty_array(h, a)) /* counts as its start */
      reach(h, a, h->blk[a].addr, h->cand_from[k], h->cand_src[k], h->cand_where[k], home[k]);
  }
}

LG_READS_ANY static void scan_words(lg_heap_t *h, uintptr_t lo, uintptr_t hi, int from, uint32_t src) {
  lo = (lo + 7) & ~(uintptr_t)7;
  hi &= ~(uintptr_t)7;
  if (hi <= lo) return;
  h->scanned_bytes += hi - lo;
  const uintptr_t hlo = h->lo, hspan = h->span;
  size_t k = h->ncand; /* a local count: the stores below could alias h->ncand for the compiler */
  for (const uintptr_t *p = (const uintptr_t *)lo; p < (const uintptr_t *)hi; p++) {
    uintptr_t w = *p;
    if (w - hlo >= hspan) continue;
    h->cand[k] = w;
    h->cand_where[k] = (uintptr_t)p;
    h->cand_src[k] = src;
    h->cand_from[k] = (uint8_t)from;
    if (++k == BATCH) {
      h->ncand = k;
      flush_candidates(h);
      k = 0;
    }
  }
  h->ncand = k;
}

static void scan_block(lg_heap_t *h, size_t i, int from) {
  const lg_blk_t *b = &h->blk[i];
  if (!(b->flags & LG_BF_UNREADABLE)) scan_words(h, b->addr, b->addr + lg_blk_size(h, b), from, (uint32_t)i);
}

void lg_mark_root_kind(lg_heap_t *h, uint32_t kind, uint32_t tid) {
  if (h->ncand) flush_candidates(h); /* pending root words keep their kind */
  h->root_kind = kind;
  h->root_tid = tid;
}

void lg_mark_range(lg_heap_t *h, uintptr_t lo, uintptr_t hi) {
  if (h->n && h->settled) scan_words(h, lo, hi, LG_REACHABLE, NONE); /* no settled bitmap: marking ended */
}

void lg_mark_block(lg_heap_t *h, size_t i) {
  if (!h->settled) return; /* marking ended (lg_heap_end_marking) */
  set_heur(h, i, 0); /* a root of its own, whatever else reached it */
  settle(h, i, NULL);
  if (h->blk[i].mark != LG_REACHABLE) {
    h->blk[i].mark = LG_REACHABLE;
    if (h->chains) note_reached(h, i, NONE, h->blk[i].addr);
    push_reached(h, i);
  }
}

/* Prefetches the block entry and then the memory of blocks a little ahead
 * in the work queue, so that popping one rarely waits on memory. */
#define AHEAD_LINES 4 /* lines of a block's memory prefetched ahead of its scan */
static inline void prefetch_ahead(const lg_heap_t *h) {
  if (h->rhead + 16 < h->rtail) __builtin_prefetch(&h->blk[h->ring[(h->rhead + 16) & h->ring_mask]]);
  if (h->rhead + 8 < h->rtail) {
    const lg_blk_t *b = &h->blk[h->ring[(h->rhead + 8) & h->ring_mask]];
    uintptr_t end = b->addr + (b->size < AHEAD_LINES * 64 ? b->size : AHEAD_LINES * 64);
    for (uintptr_t a = b->addr & ~(uintptr_t)63; a < end; a += 64) __builtin_prefetch((const void *)a);
  }
}

#define OVER_RECORD_AHEAD 16 /* blocks of an overflow bitmap whose records are prefetched ahead */
#define OVER_MEMORY_AHEAD 8  /* and whose memory is */

/* Moves prefetch cursor k over the current overflow bitmap to its next
 * block and returns it, or NONE at the bitmap's end. */
static inline uint32_t ahead_next(lg_heap_t *h, int k) {
  const uint64_t *o = h->over[h->rnext ^ 1];
  size_t nw = h->n / 64 + 1;
  while (!h->ahead_bits[k]) {
    if (++h->ahead_pos[k] >= nw) return NONE;
    h->ahead_bits[k] = o[h->ahead_pos[k]];
  }
  uint64_t w = h->ahead_bits[k];
  h->ahead_bits[k] = w & (w - 1);
  return (uint32_t)(h->ahead_pos[k] * 64 + (size_t)__builtin_ctzll(w));
}

/* Prefetches the memory of block i, as prefetch_ahead does. */
static inline void prefetch_memory(const lg_heap_t *h, uint32_t i) {
  const lg_blk_t *b = &h->blk[i];
  uintptr_t end = b->addr + (b->size < AHEAD_LINES * 64 ? b->size : AHEAD_LINES * 64);
  for (uintptr_t a = b->addr & ~(uintptr_t)63; a < end; a += 64) __builtin_prefetch((const void *)a);
}

/* Ends a level: what was queued since is the level scanned next (its
 * overflow bitmap too, whose prefetch cursors start that many blocks
 * ahead), and the bitmap just emptied takes the level after it. */
static void next_level(lg_heap_t *h) {
  h->rlevel_end = h->rtail;
  h->level++;
  h->rnext ^= 1;
  h->over_pos = 0;
  if (!h->nover[h->rnext ^ 1]) return;
  const uint64_t *o = h->over[h->rnext ^ 1];
  for (int k = 0; k < 2; k++) { h->ahead_pos[k] = 0; h->ahead_bits[k] = o[0]; }
  for (int j = 0; j < OVER_RECORD_AHEAD; j++) {
    uint32_t i = ahead_next(h, 0);
    if (i != NONE) __builtin_prefetch(&h->blk[i]);
  }
  for (int j = 0; j < OVER_MEMORY_AHEAD; j++) {
    uint32_t i = ahead_next(h, 1);
    if (i != NONE) prefetch_memory(h, i);
  }
}

/* Scans the next block of the current level's overflow bitmap (one is
 * there), in index order: by address, the records and memory of the
 * blocks a little further on prefetched. */
static void scan_overflowed(lg_heap_t *h) {
  unsigned cur = h->rnext ^ 1;
  uint64_t *o = h->over[cur];
  while (!o[h->over_pos]) h->over_pos++;
  uint64_t w = o[h->over_pos];
  size_t i = h->over_pos * 64 + (size_t)__builtin_ctzll(w);
  o[h->over_pos] = w & (w - 1);
  h->nover[cur]--;
  uint32_t a = ahead_next(h, 0);
  if (a != NONE) __builtin_prefetch(&h->blk[a]);
  if ((a = ahead_next(h, 1)) != NONE) prefetch_memory(h, a);
  scan_block(h, i, LG_REACHABLE);
}

/* The budget of one lg_mark_finish_within: reading stops past `limit`
 * scanned bytes, or when `over` says so (asked every CHECK_BYTES). */
typedef struct budget { uint64_t limit, next; int (*over)(void); } budget_t;
#define CHECK_BYTES ((uint64_t)1 << 20)

/* Is budget b spent? */
static int spent(const lg_heap_t *h, budget_t *b) {
  if (h->scanned_bytes > b->limit) return 1;
  if (h->scanned_bytes < b->next) return 0;
  b->next = h->scanned_bytes + CHECK_BYTES;
  return b->over && b->over();
}

/* Floods the REACHABLE blocks a level at a time: a level's blocks (from
 * the ring, then from its overflow bitmap) and the candidate words they
 * hold are all done before the next level starts, so that each block's
 * parent is one of the nearest to the roots. Within budget b (NULL: none):
 * 0, or -1 when the budget is spent. */
static int flood_reachable(lg_heap_t *h, budget_t *b) {
  if (h->ncand) flush_candidates(h); /* the roots' own words: the first level */
  h->level = 0;
  next_level(h);
  for (;;) {
    if (b && spent(h, b)) return -1;
    if (h->rhead < h->rlevel_end) {
      prefetch_ahead(h);
      scan_block(h, h->ring[h->rhead++ & h->ring_mask], LG_REACHABLE);
    } else if (h->ncand) {
      flush_candidates(h);
    } else if (h->nover[h->rnext ^ 1]) {
      scan_overflowed(h);
    } else if (h->rhead < h->rtail || h->nover[h->rnext]) {
      next_level(h);
    } else {
      return 0;
    }
  }
}

/* The flood, then the POSSIBLE blocks' words, within budget b (NULL:
 * none): 0, or -1 when it is spent. */
static int mark_to_end(lg_heap_t *h, budget_t *b) {
  if (!h->ring) return 0; /* marking ended (lg_heap_end_marking), or an empty heap */
  for (;;) {
    if (flood_reachable(h, b) < 0) return -1;
    if (!h->pstack.n) break;
    uint32_t i = h->pstack.v[--h->pstack.n];
    if (h->blk[i].mark == LG_POSSIBLE) scan_block(h, i, LG_POSSIBLE);
  }
  vec_free(&h->pstack);
  return 0;
}

void lg_mark_finish(lg_heap_t *h) { (void)mark_to_end(h, NULL); }

int lg_mark_finish_within(lg_heap_t *h, uint64_t max_bytes, int (*over)(void)) {
  uint64_t limit = max_bytes > UINT64_MAX - h->scanned_bytes ? UINT64_MAX : h->scanned_bytes + max_bytes;
  budget_t b = {limit, h->scanned_bytes + CHECK_BYTES, over};
  return mark_to_end(h, &b);
}

int lg_heap_track_parents(lg_heap_t *h) {
  h->chains = 1;
  return 0;
}

void lg_heap_drop_parents(lg_heap_t *h) {
  lg_sys_drop(h->site_best);
  lg_sys_drop(h->site_depth);
  h->site_best = NULL;
  h->site_depth = NULL;
  h->nsites = 0;
}

int lg_heap_site_best(const lg_heap_t *h, uint32_t stack, uint32_t *blk, unsigned *depth) {
  if (!h->chains || stack >= h->nsites || h->site_best[stack] == NONE) return 0;
  *blk = h->site_best[stack];
  *depth = h->site_depth[stack];
  return 1;
}

/* ---- retention chains, walked again ------------------------------------------ */
/* lg_heap_chain's walk: the blocks the roots reached (the first level),
 * then level by level the blocks their memory reaches as marking did,
 * each once (a walked block's mark is WALKED until the walk ends). */

#define WALKED 3 /* a REACHABLE block met by the walk (the mark's spare value) */

/* The block that word w reaches from REACHABLE memory as marking judges
 * it (reach): a block it points at the start of (or of its refcounted
 * object, or just past a `new T[0]` count), or into under an enabled
 * heuristic; -1 for none. */
static long reached_by(lg_heap_t *h, uintptr_t w) {
  long t = lg_heap_find(h, w);
  if (t >= 0) return is_start(h, (size_t)t, w) || (h->heur && heuristic(h, &h->blk[t], w)) ? t : -1;
  if (w - 8 > w) return -1;
  long e = lg_heap_find(h, w - 8);
  return e >= 0 && h->blk[e].addr == w - 8 && is_empty_array(h, (uint32_t)e) ? e : -1;
}

/* Does block y hold a word that reaches block x (reached_by)? */
LG_READS_ANY static int points_at(lg_heap_t *h, uint32_t y, uint32_t x) {
  const lg_blk_t *b = &h->blk[y];
  if (b->flags & LG_BF_UNREADABLE) return 0;
  uintptr_t a = h->blk[x].addr, reach = span_of(h, &h->blk[x]) + 8;
  const uintptr_t *p = (const uintptr_t *)((b->addr + 7) & ~(uintptr_t)7);
  const uintptr_t *end = (const uintptr_t *)((b->addr + lg_blk_size(h, b)) & ~(uintptr_t)7);
  for (; p < end; p++)
    if (*p - a <= reach && reached_by(h, *p) == (long)x) return 1;
  return 0;
}

/* Walks the words of block y, appending to `walk` each REACHABLE block
 * they reach that the walk has not met; 1 when x is among them, 0 when
 * not, -1 out of memory. */
LG_READS_ANY static int walk_block(lg_heap_t *h, uint32_t y, uint32_t x, lg_vec_t *walk) {
  const lg_blk_t *b = &h->blk[y];
  if (b->flags & LG_BF_UNREADABLE) return 0;
  const uintptr_t *p = (const uintptr_t *)((b->addr + 7) & ~(uintptr_t)7);
  const uintptr_t *end = (const uintptr_t *)((b->addr + lg_blk_size(h, b)) & ~(uintptr_t)7);
  for (; p < end; p++) {
    if (*p - h->lo >= h->span) continue;
    long t = reached_by(h, *p);
    if (t < 0 || h->blk[t].mark != LG_REACHABLE) continue;
    h->blk[t].mark = WALKED;
    if (vec_push(walk, (uint32_t)t) < 0) return -1;
    if ((uint32_t)t == x) return 1;
  }
  return 0;
}

/* The first block of level d (of walk, levels starts) that points at
 * block x; NONE when none does. */
static uint32_t first_pointing(lg_heap_t *h, const lg_vec_t *walk, const lg_vec_t *starts, size_t d, uint32_t x) {
  size_t hi = d < starts->n ? starts->v[d] : walk->n;
  for (size_t k = starts->v[d - 1]; k < hi; k++)
    if (points_at(h, walk->v[k], x)) return walk->v[k];
  return NONE;
}

/* Starts the walk with the blocks the roots reached, in the order they
 * did (level 1): 1 when x is among them, 0 when not, -1 out of memory. */
static int walk_roots(lg_heap_t *h, uint32_t x, lg_vec_t *walk, lg_vec_t *starts) {
  int met = 0;
  if (vec_push(starts, 0) < 0) return -1;
  for (size_t k = 0; k < h->nroots; k++) {
    uint32_t r = h->root_blk[k];
    if (h->blk[r].mark != LG_REACHABLE) continue;
    h->blk[r].mark = WALKED;
    if (vec_push(walk, r) < 0) return -1;
    met |= r == x;
  }
  return met;
}

/* Walks the blocks of level `level` (the last in walk), appending the
 * next level's and noting where it starts: 1 when x is met, 0 when not,
 * -1 out of memory. */
static int walk_level(lg_heap_t *h, size_t level, uint32_t x, lg_vec_t *walk, lg_vec_t *starts) {
  size_t lo = starts->v[level - 1], hi = walk->n;
  if (vec_push(starts, (uint32_t)hi) < 0) return -1;
  for (size_t k = lo; k < hi; k++) {
    int met = walk_block(h, walk->v[k], x, walk);
    if (met) return met;
  }
  return 0;
}

/* Walks from the roots' blocks until block x is met: walk gets the blocks
 * in the order met, starts[d - 1] the position of level d's first, for
 * each level up to x's. Returns x's level, or 0 (not met, or out of
 * memory). With `hint`, the depth marking gave x (2 or more; 0: none),
 * the last level is not walked when one of its blocks points at x: the
 * first that does is the one walking it would meet x from. */
static size_t walk_to(lg_heap_t *h, uint32_t x, unsigned hint, lg_vec_t *walk, lg_vec_t *starts) {
  int met = walk_roots(h, x, walk, starts);
  if (met) return met < 0 ? 0 : 1;
  for (size_t level = 1; walk->n > starts->v[level - 1]; level++) {
    if (hint >= 2 && level + 1 == hint && first_pointing(h, walk, starts, level, x) != NONE) return hint;
    met = walk_level(h, level, x, walk, starts);
    if (met) return met < 0 ? 0 : level + 1;
  }
  return 0;
}

/* The noted root hit that reached block r first. */
static const lg_root_hit_t *root_of(const lg_heap_t *h, uint32_t r) {
  for (size_t k = 0; k < h->nroots; k++)
    if (h->root_blk[k] == r) return &h->roots[k];
  return NULL;
}

size_t lg_heap_chain(lg_heap_t *h, size_t i, uint32_t *path, size_t max, const lg_root_hit_t **root) {
  if (!h->chains || i >= h->n || h->blk[i].mark != LG_REACHABLE || !max) return 0;
  lg_heap_end_marking(h);
  lg_vec_t walk = {0}, starts = {0};
  const lg_blk_t *b = &h->blk[i];
  unsigned hint = 0; /* a site's nearest block: marking knows its depth */
  if (b->stack < h->nsites && h->site_best[b->stack] == i && h->site_depth[b->stack] < LG_DEPTH_MAX)
    hint = h->site_depth[b->stack];
  size_t d = walk_to(h, (uint32_t)i, hint, &walk, &starts), n = 0;
  uint32_t *back = d ? lg_sys_grab(d, sizeof *back) : NULL;
  if (back) {
    /* From the block back to the roots: each hop the first of its level
     * that points at the one after it, as the walk met them. */
    back[0] = (uint32_t)i;
    size_t len = 1;
    for (size_t lv = d - 1; lv >= 1 && back[len - 1] != NONE; lv--, len++)
      back[len] = first_pointing(h, &walk, &starts, lv, back[len - 1]);
    const lg_root_hit_t *r = back[len - 1] != NONE ? root_of(h, back[len - 1]) : NULL;
    if (r) {
      *root = r;
      for (size_t k = len < max ? len : max; k > 0; k--) path[n++] = back[k - 1];
    }
  }
  for (size_t k = 0; k < walk.n; k++) h->blk[walk.v[k]].mark = LG_REACHABLE;
  lg_sys_drop(back);
  vec_free(&walk);
  vec_free(&starts);
  return n;
}

/* ---- analysis of lost blocks ---------------------------------------------- */

typedef struct set {
  uint32_t *node;   /* local id -> block index */
  size_t m;
  uint32_t *adj0;   /* CSR: adjacency of local ids */
  uint32_t *adj;
  uint32_t *scc;    /* local id -> component */
  size_t nscc;
} set_t;

/* Iterative Tarjan: fills s->scc and s->nscc. */
static int tarjan(set_t *s) {
  size_t m = s->m;
  uint32_t *idx = lg_sys_grab(m, 4), *low = lg_sys_grab(m, 4), *stk = lg_sys_grab(m, 4);
  uint32_t *cs = lg_sys_grab(m, 4), *cpos = lg_sys_grab(m, 4);
  uint8_t *on = lg_sys_grab(m, 1);
  s->scc = lg_sys_grab(m, 4);
  if (!idx || !low || !stk || !cs || !cpos || !on || !s->scc) {
    lg_sys_drop(idx); lg_sys_drop(low); lg_sys_drop(stk); lg_sys_drop(cs); lg_sys_drop(cpos); lg_sys_drop(on);
    return -1;
  }
  uint32_t counter = 1, sp = 0, csp = 0;
  s->nscc = 0;
  for (uint32_t root = 0; root < m; root++) {
    if (idx[root]) continue;
    cs[csp] = root; cpos[csp++] = s->adj0[root];
    idx[root] = low[root] = counter++;
    stk[sp++] = root; on[root] = 1;
    while (csp) {
      uint32_t v = cs[csp - 1];
      if (cpos[csp - 1] < s->adj0[v + 1]) {
        uint32_t w = s->adj[cpos[csp - 1]++];
        if (!idx[w]) {
          idx[w] = low[w] = counter++;
          stk[sp++] = w; on[w] = 1;
          cs[csp] = w; cpos[csp++] = s->adj0[w];
        } else if (on[w] && idx[w] < low[v]) {
          low[v] = idx[w];
        }
        continue;
      }
      if (low[v] == idx[v]) {
        uint32_t w;
        do { w = stk[--sp]; on[w] = 0; s->scc[w] = (uint32_t)s->nscc; } while (w != v);
        s->nscc++;
      }
      csp--;
      if (csp) { uint32_t u = cs[csp - 1]; if (low[v] < low[u]) low[u] = low[v]; }
    }
  }
  lg_sys_drop(idx); lg_sys_drop(low); lg_sys_drop(stk); lg_sys_drop(cs); lg_sys_drop(cpos); lg_sys_drop(on);
  return 0;
}

static uint32_t uf_find(uint32_t *p, uint32_t x) {
  while (p[x] != x) { p[x] = p[p[x]]; x = p[x]; }
  return x;
}

/* Is the word w, read in set block u (a local id), an edge from u to set
 * block `to` (NONE: none)? A pointer of a block into its own interior is
 * no edge (a short std::string's data pointer into its inline buffer, a
 * list head pointing at its own sentinel field): only a pointer to its
 * own start (or to its refcounted object) makes a block a cycle. Local
 * ids and blocks are one to one, so only a pointer of u to itself needs
 * a record. */
static inline int is_set_edge(const lg_heap_t *h, const set_t *s, uint32_t u, uint32_t to, uintptr_t w) {
  return to != NONE && (to != u || is_start(h, s->node[u], w));
}

/* The blocks of one set (analyse_set), for finding the set's block that
 * a word points into without the heap's index: the set's addresses in
 * order, and per bucket of the heap's span the first of them in it, so
 * that a lookup is a bucket load and a short binary search in memory of
 * 8 bytes a set block (the index, 16 bytes a KiB of heap, is given back
 * before the analysis: lg_analyse_run); and a hash table of the set's
 * starts, which finds a start pointer (nearly every edge) with one load. */
typedef struct setfind {
  uintptr_t *addr;   /* [m]: the set's block addresses, ascending */
  uint32_t *bucket;  /* [nb + 1]: the first set block of each bucket */
  size_t nb;
  unsigned shift;    /* a bucket covers 1 << shift bytes from h->lo */
  struct start_slot *start; /* [nstart]: the set's starts by hash (a start pointer's one load); NULL: none */
  size_t nstart;
} setfind_t;

/* A slot of setfind_t.start: a set block's address and local id, addr 0
 * when free (no block starts at 0). */
typedef struct start_slot { uintptr_t addr; uint32_t u, pad; } start_slot_t;

/* The slot where a start at address a is, or would go: a multiplicative
 * hash scaled to the table (of any size). */
static inline size_t start_hash(const setfind_t *f, uintptr_t a) {
  uint32_t x = (uint32_t)(((a >> 4) * 0x9E3779B97F4A7C15ull) >> 32);
  return (size_t)(((uint64_t)x * f->nstart) >> 32);
}

static inline size_t start_next(const setfind_t *f, size_t j) { return j + 1 == f->nstart ? 0 : j + 1; }

/* Fills f->start from f->addr[0..m): three slots for two blocks (24 bytes
 * a set block, so the analysis stays below marking's memory), most
 * lookups ending at their first slot or on its line; left NULL when out
 * of memory. */
static void starts_make(setfind_t *f, size_t m) {
  f->nstart = m + m / 2 + 2;
  if (f->nstart >> 32 || !(f->start = lg_sys_grab(f->nstart, sizeof *f->start))) { f->start = NULL; return; }
  for (size_t u = 0; u < m; u++) {
    size_t j = start_hash(f, f->addr[u]);
    while (f->start[j].addr) j = start_next(f, j);
    f->start[j] = (start_slot_t){f->addr[u], (uint32_t)u, 0};
  }
}

/* The local id of the set block starting at w, or NONE. */
static inline uint32_t start_find(const setfind_t *f, uintptr_t w) {
  for (size_t j = start_hash(f, w); f->start[j].addr; j = start_next(f, j))
    if (f->start[j].addr == w) return f->start[j].u;
  return NONE;
}

#define SET_BUCKET_BLOCKS 4 /* set blocks a bucket holds on average, at most */

/* Fills f for the set nodes[0..m) (ascending block indexes); 0 or -1. */
static int setfind_make(const lg_heap_t *h, const uint32_t *nodes, size_t m, setfind_t *f) {
  f->shift = 0;
  f->nb = 1;
  while (f->nb * SET_BUCKET_BLOCKS < m && f->nb < ((size_t)1 << 24)) f->nb *= 2;
  while ((h->span >> f->shift) > f->nb) f->shift++;
  f->addr = lg_sys_grab(m + 1, sizeof *f->addr);
  f->bucket = lg_sys_grab(f->nb + 2, sizeof *f->bucket);
  if (!f->addr || !f->bucket) return -1;
  size_t k = 0;
  for (size_t u = 0; u < m; u++) {
    f->addr[u] = h->blk[nodes[u]].addr;
    for (size_t b = (f->addr[u] - h->lo) >> f->shift; k <= b; k++) f->bucket[k] = (uint32_t)u;
  }
  for (; k <= f->nb + 1; k++) f->bucket[k] = (uint32_t)m;
  starts_make(f, m);
  return 0;
}

static void setfind_free(setfind_t *f) {
  lg_sys_drop(f->addr);
  lg_sys_drop(f->bucket);
  lg_sys_drop(f->start);
}

/* The local id of the set block that word w (in [h->lo, h->lo +
 * h->span)) refers to as find_ref judges it — the block containing w,
 * or the `new T[0]` block w ends when no block starts at w — or NONE. A
 * start pointer needs no load of the block's record. */
static inline uint32_t setfind_ref(const lg_heap_t *h, const set_t *s, const setfind_t *f, uintptr_t w) {
  size_t b = (w - h->lo) >> f->shift, lo = f->bucket[b], hi = f->bucket[b + 1];
  while (lo < hi) { /* the first set block above w */
    size_t mid = (lo + hi) / 2;
    if (f->addr[mid] <= w) lo = mid + 1; else hi = mid;
  }
  if (!lo) return NONE;
  uint32_t u = (uint32_t)(lo - 1), t = s->node[u];
  if (f->addr[u] == w || contains(h, t, w)) return u;
  if (w - h->blk[t].addr == 8 && is_empty_array(h, t) && (t + 1 == h->n || h->blk[t + 1].addr > w)) return u;
  return NONE;
}

/* The words of one set waiting for their lookups (build_edges), with
 * the local ids of the blocks they were read in. */
typedef struct edge_batch { uintptr_t w[BATCH]; uint32_t from[BATCH]; size_t n; } edge_batch_t;

/* flush_edge_batch with f->start: a start pointer (nearly every edge) is
 * found in one slot, whose loads overlap; any other word the search of
 * setfind_ref judges. */
static int flush_by_starts(lg_heap_t *h, set_t *s, const setfind_t *f, edge_batch_t *e, lg_vec_t *adj) {
  for (size_t k = 0; k < e->n; k++) __builtin_prefetch(&f->start[start_hash(f, e->w[k])]);
  int rc = 0;
  for (size_t k = 0; k < e->n && !rc; k++) {
    uint32_t u = e->from[k], to = start_find(f, e->w[k]);
    if (to == NONE) to = setfind_ref(h, s, f, e->w[k]);
    if (!is_set_edge(h, s, u, to, e->w[k])) continue;
    rc = vec_push(adj, to);
    s->adj0[u + 1]++;
  }
  e->n = 0;
  return rc;
}

/* Looks up the waiting words of e, a stage at a time with prefetches (the
 * bucket, then the addresses: their misses overlap), and records those
 * that are edges in adj (counted in s->adj0[source + 1]); 0 or -1. */
static int flush_edge_batch(lg_heap_t *h, set_t *s, const setfind_t *f, edge_batch_t *e, lg_vec_t *adj) {
  if (f->start) return flush_by_starts(h, s, f, e, adj);
  for (size_t k = 0; k < e->n; k++) __builtin_prefetch(&f->bucket[(e->w[k] - h->lo) >> f->shift]);
  for (size_t k = 0; k < e->n; k++) __builtin_prefetch(&f->addr[f->bucket[(e->w[k] - h->lo) >> f->shift]]);
  int rc = 0;
  for (size_t k = 0; k < e->n && !rc; k++) {
    uint32_t u = e->from[k], to = setfind_ref(h, s, f, e->w[k]);
    if (!is_set_edge(h, s, u, to, e->w[k])) continue;
    rc = vec_push(adj, to);
    s->adj0[u + 1]++;
  }
  e->n = 0;
  return rc;
}

#define SET_RECORD_AHEAD 16 /* set blocks ahead of the walk whose record build_edges prefetches */
#define SET_MEMORY_AHEAD 6  /* and whose memory (the record came earlier) */
#define SET_MEMORY_LINES 6  /* the lines of a block's memory prefetched, at most */

/* Starts the loads that build_edges will need a few set blocks after u:
 * the records it walks are 20 or more apart in a big heap and the blocks'
 * memory further still, so each would be a miss of its own. */
static inline void prefetch_set_block(const lg_heap_t *h, const set_t *s, uint32_t u) {
  if (u + SET_RECORD_AHEAD < s->m) __builtin_prefetch(&h->blk[s->node[u + SET_RECORD_AHEAD]]);
  if (u + SET_MEMORY_AHEAD < s->m) {
    const lg_blk_t *a = &h->blk[s->node[u + SET_MEMORY_AHEAD]];
    if (a->flags & LG_BF_UNREADABLE) return;
    uintptr_t end = a->addr + (a->size < SET_MEMORY_LINES * 64 ? a->size : SET_MEMORY_LINES * 64);
    for (uintptr_t p = a->addr & ~(uintptr_t)63; p < end; p += 64) __builtin_prefetch((const void *)p);
  }
}

/* Builds the edges among blocks of `s` as its adjacency (CSR: s->adj0,
 * s->adj, local ids, each source's in the order of its words). */
LG_READS_ANY static int build_edges(lg_heap_t *h, set_t *s) {
  setfind_t f = {0};
  lg_vec_t adj = {0};
  edge_batch_t e;
  e.n = 0;
  s->adj0 = lg_sys_grab(s->m + 1, 4);
  int rc = s->adj0 && setfind_make(h, s->node, s->m, &f) == 0 ? 0 : -1;
  for (uint32_t u = 0; u < s->m && !rc; u++) {
    const lg_blk_t *b = &h->blk[s->node[u]];
    prefetch_set_block(h, s, u);
    if (b->flags & LG_BF_UNREADABLE) continue;
    const uintptr_t *p = (const uintptr_t *)((b->addr + 7) & ~(uintptr_t)7);
    const uintptr_t *end = (const uintptr_t *)((b->addr + lg_blk_size(h, b)) & ~(uintptr_t)7);
    for (; p < end && !rc; p++) {
      if (*p - h->lo >= h->span) continue;
      e.w[e.n] = *p;
      e.from[e.n++] = u;
      if (e.n == BATCH) rc = flush_edge_batch(h, s, &f, &e, &adj);
    }
  }
  if (!rc && e.n) rc = flush_edge_batch(h, s, &f, &e, &adj);
  setfind_free(&f);
  if (rc) { vec_free(&adj); return -1; }
  for (size_t u = 0; u < s->m; u++) s->adj0[u + 1] += s->adj0[u];
  s->adj = adj.v;
  return 0;
}

/* Grows v to hold exactly `more` further entries; 0 or -1. */
static int vec_room(lg_vec_t *v, size_t more) {
  if (v->n + more <= v->cap) return 0;
  uint32_t *nv = lg_sys_grab(v->n + more, sizeof *nv);
  if (!nv) return -1;
  if (v->v) memcpy(nv, v->v, v->n * sizeof *nv);
  lg_sys_drop(v->v);
  v->v = nv;
  v->cap = v->n + more;
  return 0;
}

/* Appends the edges of set s (its adjacency) to ef/et as block indexes,
 * in the adjacency's order; 0 or -1. */
static int append_edges(const set_t *s, lg_vec_t *ef, lg_vec_t *et) {
  size_t ne = s->adj0[s->m];
  if (vec_room(ef, ne) < 0 || vec_room(et, ne) < 0) return -1;
  for (uint32_t u = 0; u < s->m; u++)
    for (uint32_t j = s->adj0[u]; j < s->adj0[u + 1]; j++) {
      ef->v[ef->n++] = s->node[u];
      et->v[et->n++] = s->node[s->adj[j]];
    }
  return 0;
}

/* Analyses one set of blocks (all UNREACHED, or all POSSIBLE, none
 * ignored), given as their indexes in ascending order (nodes[0..m)):
 * entries, cycles and clusters, into info[0..m) (lg_graph_t.lost_info's
 * form), appended to g via the out vectors. */
static int analyse_set(lg_heap_t *h, int mark, uint32_t *nodes, size_t m, lg_graph_t *g,
                       lg_vec_t *ef, lg_vec_t *et, lg_vec_t *cl_first, uint32_t *info) {
  set_t s = {0};
  if (!m) return 0;
  s.node = nodes;
  s.m = m;
  int rc = -1;
  uint32_t *size = NULL, *lowest = NULL, *uf = NULL, *cid = NULL;
  uint8_t *has_in = NULL, *cyc = NULL;
  if (build_edges(h, &s) < 0 || tarjan(&s) < 0) goto out;
  size = lg_sys_grab(s.nscc, 4); lowest = lg_sys_grab(s.nscc, 4);
  has_in = lg_sys_grab(s.nscc, 1); cyc = lg_sys_grab(s.nscc, 1);
  /* Clusters are unions of components (a component is connected), so
   * the union-find is over components and an edge inside one costs none. */
  uf = lg_sys_grab(s.nscc, 4); cid = lg_sys_grab(s.nscc, 4);
  if (!size || !lowest || !has_in || !cyc || !uf || !cid) goto out;
  for (uint32_t u = 0; u < m; u++) {
    uint32_t c = s.scc[u];
    if (!size[c]++) lowest[c] = u; /* ascending ids are ascending addresses: the first is the lowest */
  }
  for (uint32_t c = 0; c < s.nscc; c++) uf[c] = c;
  for (uint32_t a = 0; a < m; a++)
    for (uint32_t j = s.adj0[a]; j < s.adj0[a + 1]; j++) {
      uint32_t b = s.adj[j], ca = s.scc[a], cb = s.scc[b];
      if (ca == cb) {
        if (a == b || size[ca] > 1) cyc[ca] = 1;
        continue;
      }
      has_in[cb] = 1;
      uint32_t ra = uf_find(uf, ca), rb = uf_find(uf, cb);
      if (ra != rb) uf[ra] = rb;
    }
  for (uint32_t c = 0; c < s.nscc; c++) if (size[c] > 1) cyc[c] = 1;
  /* Entries and cycles (the category follows from the mark and the entry). */
  for (uint32_t u = 0; u < m; u++) {
    uint32_t c = s.scc[u];
    info[u] = (!has_in[c] && lowest[c] == u ? LG_LOST_ENTRY : 0) | (cyc[c] ? LG_LOST_CYCLE : 0);
  }
  /* Clusters: number union-find roots. */
  for (uint32_t c = 0; c < s.nscc; c++) cid[c] = NONE;
  for (uint32_t u = 0; u < m; u++) {
    uint32_t r = uf_find(uf, s.scc[u]);
    if (cid[r] == NONE) {
      cid[r] = (uint32_t)g->nclusters++;
      if (vec_push(cl_first, mark == LG_POSSIBLE) < 0) goto out;
    }
    info[u] |= (cid[r] + 1) << 2;
  }
  rc = 0;
out:
  lg_sys_drop(s.scc);
  lg_sys_drop(size); lg_sys_drop(lowest); lg_sys_drop(has_in); lg_sys_drop(cyc); lg_sys_drop(uf); lg_sys_drop(cid);
  if (!rc) rc = append_edges(&s, ef, et); /* the edges by block, once the rest went back */
  lg_sys_drop(s.adj0); lg_sys_drop(s.adj);
  return rc;
}

/* The category of a lost block of mark `mark` whose info is `info`. */
static inline unsigned lost_cat(unsigned mark, uint32_t info) {
  return mark == LG_POSSIBLE ? LG_CAT_POSSIBLE : (info & LG_LOST_ENTRY) ? LG_CAT_DEFINITE : LG_CAT_INDIRECT;
}

/* Adds the lost blocks lost[0..n) (infos info[0..n)) to the category
 * totals and to their clusters' sums. */
static void sum_lost(lg_heap_t *h, lg_graph_t *g, const uint32_t *lost, const uint32_t *info, size_t n) {
  for (size_t k = 0; k < n; k++) {
    const lg_blk_t *b = &h->blk[lost[k]];
    uintptr_t size = lg_blk_size(h, b);
    unsigned cat = lost_cat(b->mark, info[k]);
    g->cat_bytes[cat] += size;
    g->cat_blocks[cat]++;
    lg_cluster_info_t *c = &g->clusters[(info[k] >> 2) - 1];
    c->bytes += size;
    c->blocks++;
    if (info[k] & LG_LOST_CYCLE) c->cyclic = 1;
    g->nmembers++;
  }
}

/* Appends to their clusters the lost blocks lost[0..n) (ascending; infos
 * info[0..n)) that are entries (pass 0) or are not (pass 1). */
static void place_members(lg_graph_t *g, const uint32_t *lost, const uint32_t *info, size_t n, int pass,
                          uint32_t *fill) {
  for (size_t k = 0; k < n; k++)
    if (!!(info[k] & LG_LOST_ENTRY) == (pass == 0)) g->members[fill[(info[k] >> 2) - 1]++] = lost[k];
}

/* Groups the lost blocks (the UNREACHED ones un, then the POSSIBLE ones
 * po, each ascending) by cluster, entries first, and sums the clusters and
 * their categories. */
static int group_members(lg_heap_t *h, lg_graph_t *g, const lg_vec_t *kind, const lg_vec_t *un, const lg_vec_t *po,
                         const uint32_t *uinfo, const uint32_t *pinfo) {
  g->clusters = lg_sys_grab(g->nclusters + 1, sizeof *g->clusters);
  uint32_t *fill = lg_sys_grab(g->nclusters + 1, 4);
  if (!g->clusters || !fill) { lg_sys_drop(fill); return -1; }
  sum_lost(h, g, un->v, uinfo, un->n);
  sum_lost(h, g, po->v, pinfo, po->n);
  g->members = lg_sys_grab(g->nmembers + 1, 4);
  if (!g->members) { lg_sys_drop(fill); return -1; }
  uint32_t sum = 0;
  for (size_t c = 0; c < g->nclusters; c++) {
    g->clusters[c].first = sum;
    g->clusters[c].possible = (uint8_t)kind->v[c];
    fill[c] = sum;
    sum += g->clusters[c].blocks;
  }
  for (int pass = 0; pass < 2; pass++) {
    place_members(g, un->v, uinfo, un->n, pass, fill);
    place_members(g, po->v, pinfo, po->n, pass, fill);
  }
  lg_sys_drop(fill);
  return 0;
}

/* One pass over the heap: a REACHABLE or ignored block counts in the
 * totals (and under its heuristic); the others go, by index, to the
 * UNREACHED list un or the POSSIBLE list po. */
static int split_blocks(lg_heap_t *h, lg_graph_t *g, lg_vec_t *un, lg_vec_t *po) {
  for (size_t i = 0; i < h->n; i++) {
    lg_blk_t *b = &h->blk[i];
    if (b->mark != LG_REACHABLE && !(b->flags & LG_BF_IGNORED)) {
      if (vec_push(b->mark == LG_POSSIBLE ? po : un, (uint32_t)i) < 0) return -1;
      continue;
    }
    uintptr_t size = lg_blk_size(h, b);
    unsigned t = lg_blk_heur(h, i);
    g->cat_bytes[LG_CAT_REACHABLE] += size;
    g->cat_blocks[LG_CAT_REACHABLE]++;
    if (t && t <= LG_NHEURS) {
      g->heur_bytes[t] += size;
      g->heur_blocks[t]++;
    }
  }
  return 0;
}

/* Merges the UNREACHED list un and the POSSIBLE list po (each ascending,
 * with their infos) into g->lost and g->lost_info, ascending. */
static int merge_lost(lg_graph_t *g, const lg_vec_t *un, const uint32_t *uinfo, const lg_vec_t *po,
                      const uint32_t *pinfo) {
  size_t n = un->n + po->n, a = 0, b = 0;
  g->lost = lg_sys_grab(n + 1, 4);
  g->lost_info = lg_sys_grab(n + 1, 4);
  if (!g->lost || !g->lost_info) return -1;
  for (size_t k = 0; k < n; k++) {
    int from_un = b == po->n || (a < un->n && un->v[a] < po->v[b]);
    g->lost[k] = from_un ? un->v[a] : po->v[b];
    g->lost_info[k] = from_un ? uinfo[a++] : pinfo[b++];
  }
  g->nlost = n;
  return 0;
}

/* One word of lg_graph_t.lost_dir: blocks 64 k .. 64 k + 63. */
typedef struct lg_lost_word { uint64_t bits; uint32_t before, pad; } lost_word_t;

/* Makes g->lost_dir for a heap of n blocks (g->lost filled); left NULL
 * when out of memory (lost_pos then searches). */
static void index_lost(lg_graph_t *g, size_t n) {
  lost_word_t *d = lg_sys_grab(n / 64 + 1, sizeof *d);
  if (!d) return;
  for (size_t k = 0; k < g->nlost; k++) d[g->lost[k] >> 6].bits |= (uint64_t)1 << (g->lost[k] & 63);
  uint32_t sum = 0;
  for (size_t w = 0; w <= n / 64; w++) {
    d[w].before = sum;
    sum += (uint32_t)count_bits(d[w].bits);
  }
  g->lost_dir = d;
}

int lg_graph_analyse(lg_heap_t *h, lg_graph_t *g) {
  memset(g, 0, sizeof *g);
  lg_heap_end_marking(h); /* its lists' room is the analysis' */
  lg_vec_t ef = {0}, et = {0}, kind = {0}, un = {0}, po = {0};
  uint32_t *uinfo = NULL, *pinfo = NULL;
  int rc = split_blocks(h, g, &un, &po);
  if (!rc) {
    uinfo = lg_sys_grab(un.n + 1, 4);
    pinfo = lg_sys_grab(po.n + 1, 4);
    if (!uinfo || !pinfo) rc = -1;
  }
  if (!rc) {
    rc = analyse_set(h, LG_UNREACHED, un.v, un.n, g, &ef, &et, &kind, uinfo);
  }
  if (!rc) rc = analyse_set(h, LG_POSSIBLE, po.v, po.n, g, &ef, &et, &kind, pinfo);
  if (!rc) rc = group_members(h, g, &kind, &un, &po, uinfo, pinfo);
  if (!rc) rc = merge_lost(g, &un, uinfo, &po, pinfo);
  if (!rc) index_lost(g, h->n);
  g->edge_from = ef.v;
  g->edge_to = et.v;
  g->nedges = ef.n;
  lg_sys_drop(uinfo);
  lg_sys_drop(pinfo);
  vec_free(&kind);
  vec_free(&un);
  vec_free(&po);
  if (rc) lg_graph_free(g);
  return rc;
}

/* Where block i is in g->lost, or -1: a popcount in g->lost_dir, or a
 * binary search without it. */
static long lost_pos(const lg_graph_t *g, size_t i) {
  if (g->lost_dir) {
    const lost_word_t *d = &g->lost_dir[i >> 6];
    uint64_t bit = (uint64_t)1 << (i & 63);
    return d->bits & bit ? (long)(d->before + (uint32_t)count_bits(d->bits & (bit - 1))) : -1;
  }
  size_t lo = 0, hi = g->nlost;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (g->lost[mid] < i) lo = mid + 1; else hi = mid;
  }
  return lo < g->nlost && g->lost[lo] == i ? (long)lo : -1;
}

uint32_t lg_graph_cluster(const lg_graph_t *g, size_t i) {
  long k = lost_pos(g, i);
  return k < 0 ? 0 : g->lost_info[k] >> 2;
}

unsigned lg_graph_flags(const lg_graph_t *g, size_t i) {
  long k = lost_pos(g, i);
  if (k < 0) return 0;
  return ((g->lost_info[k] & LG_LOST_ENTRY) ? LG_BF_ENTRY : 0) | ((g->lost_info[k] & LG_LOST_CYCLE) ? LG_BF_IN_CYCLE : 0);
}

unsigned lg_graph_cat(const lg_heap_t *h, const lg_graph_t *g, size_t i) {
  const lg_blk_t *b = &h->blk[i];
  if (b->mark == LG_REACHABLE || (b->flags & LG_BF_IGNORED)) return LG_CAT_REACHABLE;
  long k = lost_pos(g, i);
  return k < 0 ? LG_CAT_NONE : lost_cat(b->mark, g->lost_info[k]);
}

void lg_graph_free(lg_graph_t *g) {
  lg_sys_drop(g->lost);
  lg_sys_drop(g->lost_info);
  lg_sys_drop(g->lost_dir);
  lg_sys_drop(g->clusters);
  lg_sys_drop(g->members);
  lg_sys_drop(g->edge_from);
  lg_sys_drop(g->edge_to);
  memset(g, 0, sizeof *g);
}

/* ---- invariants (debug builds) --------------------------------------------- */

size_t lg_graph_verify(const lg_heap_t *h, const lg_graph_t *g, const char **why) {
  size_t bad = 0, n = 0;
  uint64_t blocks = 0;
  *why = "";
#define CHECK(cond, msg) do { if (!(cond)) { if (!bad++) *why = msg; } } while (0)
  for (int c = 1; c <= LG_NCATS; c++) blocks += g->cat_blocks[c];
  CHECK(blocks == h->n, "category totals do not add up to the blocks");
  uint8_t *has_entry = lg_sys_grab(g->nclusters + 1, 1), *pointed = lg_sys_grab(h->n + 1, 1);
  if (!has_entry || !pointed) { lg_sys_drop(has_entry); lg_sys_drop(pointed); return bad; }
  for (size_t e = 0; e < g->nedges; e++) pointed[g->edge_to[e]] = 1;
  for (size_t i = 0; i < h->n; i++) {
    const lg_blk_t *b = &h->blk[i];
    unsigned cat = lg_graph_cat(h, g, i);
    uint32_t cluster = lg_graph_cluster(g, i);
    CHECK(cat >= LG_CAT_DEFINITE && cat <= LG_CAT_REACHABLE, "a block has no category");
    CHECK((cat == LG_CAT_REACHABLE) == (cluster == 0), "cluster membership disagrees with the category");
    CHECK(cat != LG_CAT_INDIRECT || pointed[i], "an indirectly lost block nothing lost points at");
    CHECK(cat != LG_CAT_DEFINITE || b->mark == LG_UNREACHED, "a definitely lost block was marked");
    CHECK(!lg_blk_heur(h, i) || b->mark == LG_REACHABLE, "a block counted under a heuristic is not reachable");
    if (cluster && cluster <= g->nclusters && (lg_graph_flags(g, i) & LG_BF_ENTRY)) has_entry[cluster - 1] = 1;
    if (cluster) n++;
  }
  CHECK(n == g->nmembers, "cluster members miscounted");
  for (size_t c = 0; c < g->nclusters; c++) CHECK(has_entry[c], "a cluster without an entry block");
  /* No reachable block may point at a lost one: re-scan reachable memory. */
  for (size_t i = 0; i < h->n; i++) {
    const lg_blk_t *b = &h->blk[i];
    if (b->mark != LG_REACHABLE || (b->flags & LG_BF_UNREADABLE)) continue;
    const uintptr_t *p = (const uintptr_t *)((b->addr + 7) & ~(uintptr_t)7);
    const uintptr_t *e = (const uintptr_t *)((b->addr + lg_blk_size(h, b)) & ~(uintptr_t)7);
    for (; p < e; p++) {
      long t = find_ref(h, *p);
      CHECK(t < 0 || h->blk[t].mark != LG_UNREACHED, "a reachable block points at a lost one");
    }
  }
#undef CHECK
  lg_sys_drop(has_entry);
  lg_sys_drop(pointed);
  return bad;
}
