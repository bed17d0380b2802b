/* tests/unit/test_graph.c — the scan's graph algorithms on fake heaps:
 * the address index, marking (reachable / possible / unreached), and the
 * analysis of lost blocks (categories with valgrind's convention, cycles,
 * clusters). Blocks are carved from test-owned memory; roots are arrays. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "format.h"
#include "graph.h"
#include "sys.h"

#define MAXB 64
static uintptr_t mem[MAXB][8] __attribute__((aligned(64))); /* 64-byte blocks */
static lg_blk_t blk[MAXB];
static lg_heap_t heap;

/* Makes a heap of n 64-byte blocks from mem[0..n). */
static void make_heap(size_t n) {
  memset(mem, 0, sizeof mem);
  memset(&heap, 0, sizeof heap);
  for (size_t i = 0; i < n; i++)
    blk[i] = (lg_blk_t){.addr = (uintptr_t)mem[i], .size = 64, .stack = (uint32_t)i + 1};
  heap.blk = blk;
  heap.n = n;
  assert_int_equal(lg_heap_build(&heap), 0);
}

static void point(size_t from, size_t slot, size_t to, size_t offset) {
  mem[from][slot] = (uintptr_t)mem[to] + offset;
}

static void mark_roots(uintptr_t *roots, size_t n) {
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + n));
  lg_mark_finish(&heap);
}

static void test_find_start_interior_and_outside(void **state) {
  (void)state;
  make_heap(4);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[2]), 2);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[2] + 63), 2);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[3] + 64), -1);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[0] - 1), -1);
  assert_int_equal(lg_heap_find(&heap, 0), -1);
  lg_heap_free(&heap);
}

/* ---- the address index against a linear reference ------------------------- */

static unsigned char iarea[16384] __attribute__((aligned(4096)));

/* The block of bl[0..n) that contains w by graph.h's rules, found by
 * looking at every block: its span (at least its start), but not glibc's
 * next-chunk word at the end of a block that fills its chunk. */
static long find_slowly(const lg_heap_t *h, const lg_blk_t *bl, size_t n, uintptr_t w) {
  for (size_t i = 0; i < n; i++) {
    uintptr_t size = lg_blk_size(h, &bl[i]), off = w - bl[i].addr, span = size ? size : 1;
    uintptr_t chunk = (size + 8 + 15) & ~(uintptr_t)15;
    if (w >= bl[i].addr && off < span && (off == 0 || off != (chunk < 32 ? 32 : chunk) - 16)) return (long)i;
  }
  return -1;
}

/* Builds an index of blocks at iarea + off[i] of size[i] (sorted, not
 * overlapping) and checks lg_heap_find at every byte from 64 bytes before
 * the first block to 64 past the last against find_slowly; returns
 * h.exact. */
static int check_index(const uintptr_t *off, const uintptr_t *size, size_t n) {
  lg_blk_t bl[32];
  for (size_t i = 0; i < n; i++) bl[i] = (lg_blk_t){.addr = (uintptr_t)iarea + off[i], .size = size[i]};
  lg_heap_t h = {.blk = bl, .n = n};
  assert_int_equal(lg_heap_build(&h), 0);
  uintptr_t lo = bl[0].addr - 64, hi = bl[n - 1].addr + size[n - 1] + 64;
  for (uintptr_t w = lo; w < hi; w++) {
    long want = find_slowly(&h, bl, n, w);
    if (lg_heap_find(&h, w) != want) fail_msg("iarea + %ld: found %ld, want %ld", (long)(w - (uintptr_t)iarea), lg_heap_find(&h, w), want);
  }
  int exact = h.exact;
  lg_heap_free(&h);
  return exact;
}

static void test_index_at_block_boundaries(void **state) {
  (void)state;
  /* Granule-aligned blocks: adjacent ones, zero-size ones (their start
   * only), a last byte next to the next block's start, a block one
   * granule long, blocks that cross 1 KiB index entries, gaps. The first
   * block starts at 64, so the words below it are in the index's range. */
  const uintptr_t off[] = {64, 80, 96, 112, 160, 176, 1008, 1024, 3088, 3104, 3120, 8192};
  const uintptr_t size[] = {16, 0, 8, 40, 1, 800, 16, 2048, 0, 16, 4000, 24};
  assert_int_equal(check_index(off, size, 12), 1);
}

/* Random layouts at the index's edges, checked against find_slowly at
 * every block's edges and at random words: clusters of blocks near the
 * bottom of the address space, across the 4 GiB line, 5 GiB further,
 * near the top of user space and far above it (regions more than 4 GiB
 * apart); gaps of nothing, one byte, a granule, just below and just above
 * REGION_GAP (1 MiB); blocks of 0, 1, 8 and 16 bytes packed up to sixteen
 * to a granule, blocks across entries and one larger than REGION_GAP.
 * Odd rounds keep every block on a granule of its own (an exact index),
 * even ones do not. The addresses are never read: the index needs none of
 * the memory. */
static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17;
  return *x;
}

static void test_index_at_its_edges_matches_a_linear_search(void **state) {
  (void)state;
  enum { NB = 400, CL = 5 };
  static const uintptr_t base[CL] = {0x1000, 0xfffe0000ull, 0x23fff0000ull, 0x7ffff7f00000ull, 0xffff800000000000ull};
  static const uintptr_t gaps[] = {0, 0, 1, 8, 16, 40, 1000, (1u << 20) - 1, 1u << 20, (1u << 20) + 1, 1u << 21};
  static const uintptr_t sizes[] = {0, 1, 1, 8, 8, 16, 17, 100, 1023, 1024, 1025, 5000, 3u << 20};
  static const uintptr_t aligns[] = {1, 8, 16, 16};
  static lg_blk_t bl[NB];
  uint64_t x = 0x2545F4914F6CDD1Dull;
  for (int round = 0; round < 30; round++) {
    size_t n = 0;
    for (int c = 0; c < CL; c++) {
      uintptr_t a = base[c] + (rnd(&x) & 0xfff);
      for (size_t k = 0; k < NB / CL; k++, n++) {
        uintptr_t al = round & 1 ? 16 : aligns[rnd(&x) % 4]; /* odd rounds: an exact index */
        a = (a + gaps[rnd(&x) % (sizeof gaps / sizeof *gaps)] + al - 1) & ~(al - 1);
        uintptr_t sz = sizes[rnd(&x) % (sizeof sizes / sizeof *sizes)];
        if (sz == (3u << 20) && rnd(&x) % 4) sz = 24; /* big blocks now and then */
        bl[n] = (lg_blk_t){.addr = a, .size = sz};
        a += sz ? sz : 1;
      }
    }
    lg_blk_t ref[NB];
    memcpy(ref, bl, sizeof ref);
    lg_heap_t h = {.blk = bl, .n = n};
    assert_int_equal(lg_heap_build(&h), 0);
    assert_int_equal(h.exact, round & 1);
    for (size_t i = 0; i < n; i++) {
      static const intptr_t d[] = {-17, -16, -9, -8, -1, 0, 1, 7, 8, 15, 16, 1023, 1024};
      for (size_t k = 0; k < sizeof d / sizeof *d; k++) {
        uintptr_t ws[2] = {ref[i].addr + (uintptr_t)d[k], ref[i].addr + lg_blk_size(&h, &ref[i]) + (uintptr_t)d[k]};
        for (int j = 0; j < 2; j++)
          if (lg_heap_find(&h, ws[j]) != find_slowly(&h, ref, n, ws[j]))
            fail_msg("round %d: %#lx found %ld, want %ld", round, (unsigned long)ws[j], lg_heap_find(&h, ws[j]),
                     find_slowly(&h, ref, n, ws[j]));
      }
      uintptr_t w = ref[i].addr + rnd(&x) % (ref[i].size + 4096);
      assert_int_equal(lg_heap_find(&h, w), find_slowly(&h, ref, n, w));
    }
    assert_int_equal(lg_heap_find(&h, 0), -1);
    assert_int_equal(lg_heap_find(&h, ~(uintptr_t)0), -1);
    lg_heap_free(&h);
  }
}

/* A block of a GiB or more (a big calloc the program touches sparsely) is
 * a region of its own with one index entry: the index a scan builds, and
 * writes whole, stays a few entries, not 16 MiB a GiB. Words at its edges
 * and in the blocks packed against both its ends (one in its last KiB,
 * below the next region's base) are still found. */
static void test_a_huge_block_costs_one_index_entry(void **state) {
  (void)state;
  const uintptr_t A = 0x7f0000001000ull, G = (uintptr_t)1 << 30;
  for (int aligned = 0; aligned < 2; aligned++) {
    uintptr_t tail = aligned ? 16 : 8;
    lg_blk_t bl[6] = {{.addr = A, .size = 40},
                      {.addr = A + 48, .size = 16},
                      {.addr = A + 64},            /* 4 GiB: ends inside a KiB */
                      {.addr = A + 64 + 4 * G + tail, .size = 24},
                      {.addr = A + 64 + 4 * G + 48}, /* 2 GiB */
                      {.addr = A + 64 + 6 * G + 48, .size = 32}};
    lg_heap_t h = {.blk = bl, .n = 6};
    assert_int_equal(lg_heap_set_size(&h, &bl[2], 4 * G), 0); /* a big block: its size beside the record */
    assert_int_equal(lg_heap_set_size(&h, &bl[4], 2 * G), 0);
    assert_int_equal(bl[2].size, LG_BLK_BIG);
    assert_int_equal(lg_blk_size(&h, &bl[2]), 4 * G);
    assert_int_equal(lg_blk_size(&h, &bl[4]), 2 * G);
    lg_blk_t ref[6];
    memcpy(ref, bl, sizeof ref);
    assert_int_equal(lg_heap_build(&h), 0);
    assert_int_equal(h.exact, aligned);
    assert_true(h.ndir <= 8);
    for (size_t i = 0; i < 6; i++) {
      static const intptr_t d[] = {-1024, -17, -16, -9, -8, -1, 0, 1, 7, 8, 15, 16, 1023, 1024};
      for (size_t k = 0; k < sizeof d / sizeof *d; k++) {
        uintptr_t ws[2] = {ref[i].addr + (uintptr_t)d[k], ref[i].addr + lg_blk_size(&h, &ref[i]) + (uintptr_t)d[k]};
        for (int j = 0; j < 2; j++)
          if (lg_heap_find(&h, ws[j]) != find_slowly(&h, ref, 6, ws[j]))
            fail_msg("%#lx found %ld, want %ld", (unsigned long)ws[j], lg_heap_find(&h, ws[j]),
                     find_slowly(&h, ref, 6, ws[j]));
      }
    }
    assert_int_equal(lg_heap_find(&h, A + 64 + G + 12345), 2);
    assert_int_equal(lg_heap_find(&h, A + 64 + 4 * G - 1), 2); /* its last byte: past any 32-bit size */
    assert_int_equal(lg_heap_find(&h, A + 64 + 4 * G + 2 * G + 47), 4);
    lg_heap_free(&h);
  }
}

static void test_index_of_blocks_off_or_sharing_a_granule(void **state) {
  (void)state;
  /* Another allocator's 8-byte alignment (two blocks in one granule),
   * odd addresses and zero-size blocks side by side: the index is not
   * exact and is corrected against the blocks' addresses. */
  const uintptr_t off[] = {64, 72, 80, 88, 97, 98, 99, 1023, 1025, 2040, 2056};
  const uintptr_t size[] = {8, 8, 0, 8, 1, 0, 900, 1, 1000, 8, 8};
  assert_int_equal(check_index(off, size, 11), 0);
  const uintptr_t off2[] = {8, 1032}; /* a lone block off its granule in each entry */
  const uintptr_t size2[] = {1016, 8};
  assert_int_equal(check_index(off2, size2, 2), 0);
  /* A word at the start of a granule whose block starts 8 bytes in points
   * at no block, and marks none. */
  lg_blk_t bl[2] = {{.addr = (uintptr_t)iarea + 64, .size = 8}, {.addr = (uintptr_t)iarea + 1032, .size = 16}};
  lg_heap_t h = {.blk = bl, .n = 2};
  assert_int_equal(lg_heap_build(&h), 0);
  uintptr_t roots[1] = {(uintptr_t)iarea + 1024};
  lg_mark_range(&h, (uintptr_t)roots, (uintptr_t)(roots + 1));
  lg_mark_finish(&h);
  assert_int_equal(bl[0].mark, LG_UNREACHED);
  assert_int_equal(bl[1].mark, LG_UNREACHED);
  lg_heap_free(&h);
}

static void test_a_flood_without_a_byte_limit_runs_to_its_end(void **state) {
  (void)state;
  /* lg_mark_finish_within with max_bytes UINT64_MAX, after some bytes
   * were read already (the roots): no limit, so the flood reaches the
   * whole chain 0 -> 1 -> 2 and says it is done. */
  make_heap(4);
  point(0, 0, 1, 0);
  point(1, 0, 2, 0);
  uintptr_t roots[1] = {(uintptr_t)mem[0]};
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + 1));
  assert_true(heap.scanned_bytes > 0);
  assert_int_equal(lg_mark_finish_within(&heap, UINT64_MAX, NULL), 0);
  assert_int_equal(blk[2].mark, LG_REACHABLE);
  assert_int_equal(blk[3].mark, LG_UNREACHED);
  lg_heap_free(&heap);
}

static void test_marking_judges_start_and_past_the_end_words(void **state) {
  (void)state;
  /* In an exact index a start pointer is judged without the block: each
   * block reached from one start word is REACHABLE; a word one past a
   * block's end, in a gap, reaches nothing; an interior word makes a
   * block POSSIBLE only. */
  memset(iarea, 0, sizeof iarea);
  lg_blk_t bl[4] = {{.addr = (uintptr_t)iarea + 64, .size = 32}, {.addr = (uintptr_t)iarea + 96, .size = 16},
                    {.addr = (uintptr_t)iarea + 256, .size = 48}, {.addr = (uintptr_t)iarea + 2048, .size = 64}};
  lg_heap_t h = {.blk = bl, .n = 4};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_int_equal(h.exact, 1);
  uintptr_t roots[4] = {bl[0].addr, bl[2].addr + 48, bl[3].addr + 8, bl[1].addr + 16};
  lg_mark_range(&h, (uintptr_t)roots, (uintptr_t)(roots + 4));
  lg_mark_finish(&h);
  assert_int_equal(bl[0].mark, LG_REACHABLE);
  assert_int_equal(bl[1].mark, LG_UNREACHED); /* iarea + 112: one past its end, in the gap */
  assert_int_equal(bl[2].mark, LG_UNREACHED);
  assert_int_equal(bl[3].mark, LG_POSSIBLE);
  /* Block 0 points at block 1's start and at block 2's start twice: both
   * REACHABLE. */
  *(uintptr_t *)bl[0].addr = bl[1].addr;
  *(uintptr_t *)(bl[0].addr + 8) = bl[2].addr;
  *(uintptr_t *)(bl[0].addr + 16) = bl[2].addr;
  lg_heap_free(&h);
  for (int i = 0; i < 4; i++) bl[i].mark = LG_UNREACHED;
  h = (lg_heap_t){.blk = bl, .n = 4};
  assert_int_equal(lg_heap_build(&h), 0);
  lg_mark_range(&h, (uintptr_t)roots, (uintptr_t)(roots + 1));
  lg_mark_finish(&h);
  assert_int_equal(bl[1].mark, LG_REACHABLE);
  assert_int_equal(bl[2].mark, LG_REACHABLE);
  assert_int_equal(bl[3].mark, LG_UNREACHED);
  assert_null(h.pstack.v); /* the POSSIBLE list's memory went back when marking ended */
  assert_int_equal(h.rhead, h.rtail); /* the REACHABLE ring is drained */
  lg_mark_range(&h, (uintptr_t)&roots[2], (uintptr_t)&roots[3]); /* and marking goes on */
  lg_mark_finish(&h);
  assert_int_equal(bl[3].mark, LG_POSSIBLE);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&h, &g), 0);
  assert_int_equal(lg_graph_cat(&h, &g, 3), LG_CAT_POSSIBLE);
  assert_int_equal(lg_graph_cat(&h, &g, 1), LG_CAT_REACHABLE);
  lg_graph_free(&g);
  lg_heap_free(&h);
}

static void test_find_in_far_regions_and_gaps(void **state) {
  (void)state;
  /* Two mappings far apart make two regions; blocks with gaps inside. */
  char *a = mmap(NULL, 1 << 22, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  char *b = mmap(NULL, 1 << 22, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (a > b) { char *t = a; a = b; b = t; }
  lg_blk_t bl[4] = {{.addr = (uintptr_t)a, .size = 16}, {.addr = (uintptr_t)a + 20000, .size = 9000},
                    {.addr = (uintptr_t)b + 4096, .size = 0}, {.addr = (uintptr_t)b + 3000000, .size = 100}};
  lg_heap_t h = {.blk = bl, .n = 4};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)a + 15), 0);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)a + 16), -1);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)a + 20000 + 8999), 1);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)a + 29000), -1);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)b + 4096), 2); /* malloc(0) owns its start */
  assert_int_equal(lg_heap_find(&h, (uintptr_t)b + 4097), -1);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)b + 3000050), 3);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)b + 2000000), -1);
  lg_heap_free(&h);
  munmap(a, 1 << 22);
  munmap(b, 1 << 22);
}

static void test_sort_orders_by_address(void **state) {
  (void)state;
  enum { N = 5000 };
  static lg_blk_t b[N];
  uint64_t x = 88172645463325252ull;
  for (size_t i = 0; i < N; i++) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    b[i].addr = (uintptr_t)(x & 0x7ffffffffff0ull);
    b[i].stack = (uint32_t)i;
  }
  assert_int_equal(lg_heap_sort(b, N), 0);
  for (size_t i = 1; i < N; i++) assert_true(b[i - 1].addr <= b[i].addr);
}

/* A big heap sorts with an 11-bit first digit, a small one with an 8-bit
 * one; both orders are exact, and keep every block of an
 * address that comes twice. Addresses also fall in one narrow range (the
 * sort then looks at its bits only) and differ only in high bits. */
static void test_sort_orders_big_and_small_heaps_with_their_digits(void **state) {
  (void)state;
  enum { BIG = 300000 };
  assert_int_equal(lg_heap_sort_digit_bits(5000), 8);
  assert_int_equal(lg_heap_sort_digit_bits(BIG), 11);
  lg_blk_t *b = mmap(NULL, BIG * sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(b != MAP_FAILED);
  for (size_t n = 3000; n <= BIG; n += BIG - 3000) {
    uint64_t x = 2463534242ull;
    for (size_t i = 0; i < n; i++) {
      if (i % 2 == 0) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; } /* pairs: stability shows */
      b[i].addr = (uintptr_t)(x & 0x7ffffffffff0ull);
      b[i].stack = (uint32_t)i;
    }
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) sum += b[i].stack * 0x9E3779B97F4A7C15ull ^ b[i].addr;
    assert_int_equal(lg_heap_sort(b, n), 0);
    for (size_t i = 1; i < n; i++) assert_true(b[i - 1].addr <= b[i].addr);
    for (size_t i = 0; i < n; i++) sum -= b[i].stack * 0x9E3779B97F4A7C15ull ^ b[i].addr;
    assert_true(sum == 0); /* the same blocks, each still with its own fields */
  }
  for (int layout = 0; layout < 2; layout++) {
    uint64_t x = 2463534242ull;
    for (size_t i = 0; i < BIG; i++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      b[i].addr = layout ? (uintptr_t)0x10 + ((x & 0x7fff) << 32) : (uintptr_t)0x555555550000ull + (x & 0x3ffffff0);
    }
    assert_int_equal(lg_heap_sort(b, BIG), 0);
    for (size_t i = 1; i < BIG; i++) assert_true(b[i - 1].addr <= b[i].addr);
  }
  munmap(b, BIG * sizeof *b);
}

/* Fills out[] from in[0..n) as the snapshot does with a plan: the three
 * passes over the same addresses, each record into its bucket, then the
 * buckets sorted. */
static void plan_fill(const lg_blk_t *in, size_t n, lg_blk_t *out) {
  lg_heap_plan_t p;
  memset(&p, 0, sizeof p);
  for (size_t i = 0; i < n; i++) lg_heap_plan_note(&p, in[i].addr);
  assert_int_equal(p.n, n);
  assert_int_equal(lg_heap_plan_digits(&p), 0);
  if (!lg_heap_plan_binned(&p)) /* as the snapshot does: the count walk only when the bins cannot stand for it */
    for (size_t i = 0; i < n; i++) lg_heap_plan_count(&p, in[i].addr);
  lg_heap_plan_place(&p);
  for (size_t i = 0; i < n; i++) out[lg_heap_plan_slot(&p, out, in[i].addr)] = in[i];
  assert_int_equal(lg_heap_plan_sort(&p, out), 0);
  assert_null(p.next);
}

/* Plans a[0..n) twice, the counts once from the note's bins and once from
 * the count walk; asserts they agree when the bins could give them, and
 * returns whether they could. */
static int binned_agrees(const uintptr_t *a, size_t n) {
  lg_heap_plan_t p, q;
  memset(&p, 0, sizeof p);
  memset(&q, 0, sizeof q);
  for (size_t i = 0; i < n; i++) { lg_heap_plan_note(&p, a[i]); lg_heap_plan_note(&q, a[i]); }
  assert_int_equal(lg_heap_plan_digits(&p), 0);
  assert_int_equal(lg_heap_plan_digits(&q), 0);
  int binned = lg_heap_plan_binned(&p);
  for (size_t i = 0; i < n; i++) lg_heap_plan_count(&q, a[i]);
  lg_heap_plan_place(&q);
  if (binned) {
    lg_heap_plan_place(&p);
    for (size_t x = 0; x < ((size_t)2 << p.d); x++) assert_int_equal(p.next[x], q.next[x]);
  }
  for (size_t j = 0; j < LG_PLAN_CHUNKS; j++) assert_null(p.bins[j]); /* given back either way */
  lg_sys_drop(p.next);
  lg_sys_drop(q.next);
  return binned;
}

/* The note's side counts give the first digit's counts the count walk
 * would, for a heap in up to 8 chunks of 1 GiB whose digit is 64 KiB or
 * coarser (a brk heap and mmapped chunks, one dense GiB); not for 9
 * chunks, addresses all over the space, or a heap of 512 KiB. */
static void test_binned_counts_match_the_count_walk(void **state) {
  (void)state;
  enum { N = 200000 };
  uintptr_t *a = mmap(NULL, N * sizeof *a, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(a != MAP_FAILED);
  for (int layout = 0; layout < 6; layout++) {
    uint64_t x = 88172645463325252ull + (uint64_t)layout;
    for (size_t i = 0; i < N; i++) {
      x ^= x << 13; x ^= x >> 7; x ^= x << 17;
      a[i] = layout == 0   ? (uintptr_t)0x555555550000ull + (x & 0x3ffffff0)              /* one dense GiB */
             : layout == 1 ? (x & 1 ? (uintptr_t)0x7f12340000ull << 8 : (uintptr_t)0x555555a00000ull) +
                                 ((x >> 1) & 0x7ffffff0)                                /* brk + mmapped */
             : layout == 2 ? ((uintptr_t)0x7f0000000000ull + ((x >> 40) % 8) * (3ull << 30)) + (x & 0x3ffffff0) /* 8 chunks */
             : layout == 3 ? ((uintptr_t)0x7f0000000000ull + ((x >> 40) % 9) * (3ull << 30)) + (x & 0x3ffffff0) /* 9 chunks */
             : layout == 4 ? (uintptr_t)(x & 0x7ffffffffff0ull)                           /* everywhere */
                           : (uintptr_t)0x7f0000001230ull + (x & 0x7fff0);               /* 512 KiB */
    }
    assert_int_equal(binned_agrees(a, N), layout < 3);
  }
  munmap(a, N * sizeof *a);
}

/* The copy sorted as it is made (lg_heap_plan_t) holds the same records
 * in the same address order as lg_heap_sort gives: big and small heaps,
 * addresses that come twice, all in one narrow range, differing only in
 * high bits (each in a chunk of its own), off their 16-byte granules, in
 * two dense ranges far apart (a brk heap and mmapped chunks: the chunk
 * ranks), all one address, one block, none. */
static void test_sorted_copy_matches_the_sort(void **state) {
  (void)state;
  enum { BIG = 300000 };
  lg_blk_t *in = mmap(NULL, 3 * BIG * sizeof *in, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(in != MAP_FAILED);
  lg_blk_t *out = in + BIG, *ref = in + 2 * BIG;
  size_t sizes[] = {BIG, 5000, 40, 2, 1, 0};
  for (int layout = 0; layout < 6; layout++)
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
      size_t n = sizes[z];
      uint64_t x = 2463534242ull + (uint64_t)layout;
      for (size_t i = 0; i < n; i++) {
        if (layout != 1 || i % 2 == 0) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; } /* 1: pairs */
        uintptr_t a = layout == 2   ? (uintptr_t)0x555555550000ull + (x & 0x3ffffff0)
                      : layout == 3 ? (uintptr_t)0x10 + ((x & 0x7fff) << 32)
                      : layout == 4 ? (uintptr_t)0x7f0000001234ull + (x & 0xffff) * 8 /* off granule */
                      : layout == 5 ? (x & 1 ? (uintptr_t)0x7f12340000ull << 8 : (uintptr_t)0x555555a00000ull) +
                                          ((x >> 1) & 0x7ffffff0) /* a brk heap, mmapped chunks */
                                    : (uintptr_t)(x & 0x7ffffffffff0ull);
        if (layout == 0 && n == 40) a = 0x600000; /* all one address */
        in[i] = (lg_blk_t){.addr = a, .size = i, .stack = (uint32_t)i};
      }
      memcpy(ref, in, n * sizeof *in);
      assert_int_equal(lg_heap_sort(ref, n), 0);
      memset(out, 0xAB, n * sizeof *out);
      plan_fill(in, n, out);
      uint64_t sum = 0;
      for (size_t i = 0; i < n; i++) {
        assert_true(out[i].addr == ref[i].addr);
        assert_true(out[i].size == out[i].stack); /* whole records, never torn */
        sum += out[i].stack * 0x9E3779B97F4A7C15ull ^ out[i].addr;
        sum -= in[i].stack * 0x9E3779B97F4A7C15ull ^ in[i].addr;
      }
      assert_true(sum == 0); /* every record once */
    }
  munmap(in, 3 * BIG * sizeof *in);
}

/* Fills out[] (room for nc records) from the copy walk c[0..nc) as the
 * concurrent copy does (concmark.c): the plan's note and count passes see
 * other sets of blocks (a[0..na) and b[0..nb): the table changed between
 * the walks), a block the plan has no room or key for goes to over[],
 * then the buckets are packed and sorted, over[] sorted and merged in.
 * Returns the records in out[] and how many went apart in *nover. */
static size_t live_plan_fill(const lg_blk_t *a, size_t na, const lg_blk_t *b, size_t nb, const lg_blk_t *c,
                             size_t nc, lg_blk_t *out, lg_blk_t *over, size_t *nover) {
  lg_heap_plan_t p;
  memset(&p, 0, sizeof p);
  for (size_t i = 0; i < na; i++) lg_heap_plan_note(&p, a[i].addr);
  assert_int_equal(lg_heap_plan_digits(&p), 0);
  for (size_t i = 0; i < nb; i++) lg_heap_plan_count(&p, b[i].addr);
  lg_heap_plan_place(&p);
  size_t no = 0;
  for (size_t i = 0; i < nc; i++) {
    size_t k = lg_heap_plan_try(&p, out, c[i].addr);
    if (k == LG_PLAN_NONE) over[no++] = c[i];
    else { assert_true(k < nb); out[k] = c[i]; }
  }
  size_t n = lg_heap_plan_pack(&p, out);
  assert_int_equal(n + no, nc);
  assert_int_equal(lg_heap_plan_sort(&p, out), 0);
  assert_int_equal(lg_heap_sort(over, no), 0);
  lg_heap_merge(out, n, over, no);
  *nover = no;
  return n + no;
}

/* The concurrent copy, sorted as it is made while the table changes
 * between its walks (blocks freed after the note or the count, blocks
 * born after either: in the noted range, below and above it, in a chunk
 * of their own, off the first block's granule, in a bucket already
 * full), holds the copy walk's records in the order lg_heap_sort gives
 * them: every record once, whole. */
static void test_sorted_copy_while_the_table_changes_matches_the_sort(void **state) {
  (void)state;
  enum { BIG = 300000 };
  lg_blk_t *all = mmap(NULL, 6 * BIG * sizeof *all, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(all != MAP_FAILED);
  lg_blk_t *a = all, *b = all + BIG, *c = all + 2 * BIG, *out = all + 3 * BIG, *over = all + 4 * BIG,
           *ref = all + 5 * BIG;
  size_t sizes[] = {BIG - 2000, 5000, 40, 1};
  for (int layout = 0; layout < 3; layout++)
    for (size_t z = 0; z < sizeof sizes / sizeof *sizes; z++) {
      size_t n = sizes[z], na = 0, nb = 0, nc = 0, born = 0;
      uint64_t x = 88172645463325252ull + (uint64_t)layout;
      for (size_t i = 0; i < n; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uintptr_t ad = layout == 1 ? (x & 1 ? (uintptr_t)0x7f12340000ull << 8 : (uintptr_t)0x555555a00000ull) +
                                         ((x >> 1) & 0x7ffffff0) /* a brk heap, mmapped chunks */
                                   : (uintptr_t)0x555555550000ull + (x & 0x3ffffff0);
        lg_blk_t r = {.addr = ad, .size = (uint32_t)i, .stack = (uint32_t)i};
        unsigned fate = (unsigned)(x >> 40) % 16;
        /* 0: freed after the note, 1: after the count, 2: born after the
         * note, 3: born after the count, else there throughout. */
        if (fate != 2 && fate != 3) a[na++] = r;
        if (fate != 0 && fate != 3) b[nb++] = r;
        if (fate > 1) c[nc++] = r;
      }
      /* Born after the count, where the plan has no key or no room: */
      uintptr_t extra[] = {0x1000, 0x7ffffffff000ull, (uintptr_t)0x555555550000ull + 8, (uintptr_t)0x3f00000000ull,
                           c[0].addr, c[0].addr + 16, (uintptr_t)0x555555550000ull + 0x3ffffff0};
      for (size_t e = 0; n > 1 && e < sizeof extra / sizeof *extra; e++, born++)
        c[nc++] = (lg_blk_t){.addr = extra[e], .size = (uint32_t)(n + e), .stack = (uint32_t)(n + e)};
      memcpy(ref, c, nc * sizeof *c);
      assert_int_equal(lg_heap_sort(ref, nc), 0);
      memset(out, 0xAB, nc * sizeof *out);
      size_t nover = 0, got = live_plan_fill(a, na, b, nb, c, nc, out, over, &nover);
      assert_int_equal(got, nc);
      if (n > 1) assert_true(nover >= born - 3); /* the three in the noted range may find room */
      uint64_t sum = 0;
      for (size_t i = 0; i < nc; i++) {
        assert_true(out[i].addr == ref[i].addr);
        assert_true(out[i].size == out[i].stack); /* whole records, never torn */
        sum += out[i].stack * 0x9E3779B97F4A7C15ull ^ out[i].addr;
        sum -= c[i].stack * 0x9E3779B97F4A7C15ull ^ c[i].addr;
      }
      assert_true(sum == 0); /* every record once */
    }
  munmap(all, 6 * BIG * sizeof *all);
}

static void test_mark_start_interior_and_unreached(void **state) {
  (void)state;
  make_heap(5);
  uintptr_t roots[2] = {(uintptr_t)mem[0], (uintptr_t)mem[2] + 8};
  point(0, 0, 1, 0);  /* 0 -> 1 start */
  point(2, 3, 3, 0);  /* 2 (possible) -> 3 start: still possible */
  mark_roots(roots, 2);
  assert_int_equal(blk[0].mark, LG_REACHABLE);
  assert_int_equal(blk[1].mark, LG_REACHABLE);
  assert_int_equal(blk[2].mark, LG_POSSIBLE);
  assert_int_equal(blk[3].mark, LG_POSSIBLE);
  assert_int_equal(blk[4].mark, LG_UNREACHED);
  lg_heap_free(&heap);
}

static void test_mark_upgrades_possible_to_reachable(void **state) {
  (void)state;
  make_heap(3);
  /* The root holds an interior pointer to 1 first, then 0 points at 1's start. */
  uintptr_t roots[2] = {(uintptr_t)mem[1] + 16, (uintptr_t)mem[0]};
  point(0, 5, 1, 0);
  point(1, 0, 2, 0);
  mark_roots(roots, 2);
  assert_int_equal(blk[1].mark, LG_REACHABLE);
  assert_int_equal(blk[2].mark, LG_REACHABLE);
  lg_heap_free(&heap);
}

static void test_ignored_block_keeps_children(void **state) {
  (void)state;
  make_heap(3);
  point(0, 0, 1, 0);
  lg_mark_block(&heap, 0);
  lg_mark_finish(&heap);
  assert_int_equal(blk[1].mark, LG_REACHABLE);
  assert_int_equal(blk[2].mark, LG_UNREACHED);
  lg_heap_free(&heap);
}

/* Runs marking with no roots and the analysis. */
static lg_graph_t analyse_all_lost(void) {
  lg_mark_finish(&heap);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&heap, &g), 0);
  return g;
}

static void test_tree_is_one_definite_rest_indirect(void **state) {
  (void)state;
  make_heap(7);
  for (size_t i = 0; i < 3; i++) { point(i, 0, 2 * i + 1, 0); point(i, 1, 2 * i + 2, 0); }
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 1);
  assert_false(g.clusters[0].cyclic);
  assert_int_equal(g.clusters[0].blocks, 7);
  assert_int_equal(g.clusters[0].bytes, 7 * 64);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE);
  for (size_t i = 1; i < 7; i++) assert_int_equal(lg_graph_cat(&heap, &g, i), LG_CAT_INDIRECT);
  assert_int_equal(g.cat_blocks[LG_CAT_DEFINITE], 1);
  assert_int_equal(g.cat_blocks[LG_CAT_INDIRECT], 6);
  assert_int_equal(g.members[g.clusters[0].first], 0); /* the entry comes first */
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_two_block_cycle_lowest_is_definite(void **state) {
  (void)state;
  make_heap(2);
  point(0, 0, 1, 0);
  point(1, 0, 0, 0);
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 1);
  assert_true(g.clusters[0].cyclic);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE); /* mem[0] has the lower address */
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_INDIRECT);
  assert_true(lg_graph_flags(&g, 0) & LG_BF_IN_CYCLE);
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  blk[1].mark = LG_REACHABLE; /* break it: the verifier must notice */
  assert_true(lg_graph_verify(&heap, &g, &why) > 0);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_self_pointer_is_cyclic_and_definite(void **state) {
  (void)state;
  make_heap(2);
  point(0, 2, 0, 0);
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 2);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_DEFINITE);
  assert_true(g.clusters[lg_graph_cluster(&g, 0) - 1].cyclic);
  assert_false(g.clusters[lg_graph_cluster(&g, 1) - 1].cyclic);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_pointer_into_own_interior_is_no_cycle(void **state) {
  (void)state;
  make_heap(2);
  point(0, 0, 0, 16); /* a short std::string: data pointer into itself */
  point(1, 3, 1, 8);  /* interior self-pointers ... */
  point(1, 4, 1, 0);  /* ... do not hide a real one to its own start */
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 2);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE);
  assert_false(g.clusters[lg_graph_cluster(&g, 0) - 1].cyclic);
  assert_false(lg_graph_flags(&g, 0) & LG_BF_IN_CYCLE);
  assert_true(g.clusters[lg_graph_cluster(&g, 1) - 1].cyclic);
  assert_int_equal(g.nedges, 1); /* only 1 -> 1's start is an edge */
  assert_int_equal(g.edge_from[0], 1);
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_interior_pointers_between_blocks_still_cycle(void **state) {
  (void)state;
  make_heap(2);
  point(0, 1, 1, 24); /* 0 -> inside 1, 1 -> inside 0 */
  point(1, 1, 0, 40);
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 1);
  assert_true(g.clusters[0].cyclic);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_INDIRECT);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_cycle_below_an_entry_is_all_indirect(void **state) {
  (void)state;
  make_heap(3);
  point(2, 0, 0, 0); /* 2 -> 0 <-> 1 */
  point(0, 0, 1, 0);
  point(1, 0, 0, 0);
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 1);
  assert_true(g.clusters[0].cyclic);
  assert_int_equal(lg_graph_cat(&heap, &g, 2), LG_CAT_DEFINITE);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_INDIRECT);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_INDIRECT);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_possible_blocks_form_their_own_cluster(void **state) {
  (void)state;
  make_heap(4);
  uintptr_t roots[1] = {(uintptr_t)mem[0] + 24};
  point(0, 4, 1, 0);
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + 1));
  lg_mark_finish(&heap);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&heap, &g), 0);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_POSSIBLE);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_POSSIBLE);
  assert_int_equal(lg_graph_cat(&heap, &g, 2), LG_CAT_DEFINITE);
  assert_int_equal(g.nclusters, 3);
  assert_true(g.clusters[lg_graph_cluster(&g, 0) - 1].possible);
  assert_false(g.clusters[lg_graph_cluster(&g, 2) - 1].possible);
  assert_int_equal(g.cat_bytes[LG_CAT_POSSIBLE], 128);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_million_node_list_needs_no_recursion(void **state) {
  (void)state;
  enum { N = 1000000 };
  uintptr_t (*nodes)[2] = mmap(NULL, N * 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  lg_blk_t *b = mmap(NULL, N * sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (size_t i = 0; i < N; i++) {
    nodes[i][0] = i + 1 < N ? (uintptr_t)nodes[i + 1] : 0;
    b[i] = (lg_blk_t){.addr = (uintptr_t)nodes[i], .size = 16};
  }
  lg_heap_t h = {.blk = b, .n = N};
  assert_int_equal(lg_heap_build(&h), 0);
  lg_mark_finish(&h);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&h, &g), 0);
  assert_int_equal(g.nclusters, 1);
  assert_int_equal(g.cat_blocks[LG_CAT_DEFINITE], 1);
  assert_int_equal(g.cat_blocks[LG_CAT_INDIRECT], N - 1);
  assert_int_equal(lg_graph_cat(&h, &g, 0), LG_CAT_DEFINITE);
  /* Reachable from a root, the whole list is marked iteratively too (in a
   * heap built again: the analysis ended marking). */
  lg_graph_free(&g);
  lg_heap_free(&h);
  for (size_t i = 0; i < N; i++) b[i].mark = 0;
  assert_int_equal(lg_heap_build(&h), 0);
  uintptr_t root = (uintptr_t)nodes[0];
  lg_mark_range(&h, (uintptr_t)&root, (uintptr_t)(&root + 1));
  lg_mark_finish(&h);
  assert_int_equal(b[N - 1].mark, LG_REACHABLE);
  lg_heap_free(&h);
  munmap(nodes, N * 16);
  munmap(b, N * sizeof *b);
}

static void test_chain_is_the_shortest_path_from_a_root(void **state) {
  (void)state;
  make_heap(5);
  assert_int_equal(lg_heap_track_parents(&heap), 0);
  /* root -> 0 -> 1 -> 2 -> 3, and root -> 4 -> 3: the short way wins. */
  point(0, 0, 1, 0);
  point(1, 0, 2, 0);
  point(2, 0, 3, 0);
  point(4, 0, 3, 0);
  uintptr_t roots[2] = {(uintptr_t)mem[0], (uintptr_t)mem[4]};
  lg_mark_root_kind(&heap, LG_ROOT_DATA, 0);
  mark_roots(roots, 2);
  uint32_t path[8];
  const lg_root_hit_t *root = NULL;
  size_t n = lg_heap_chain(&heap, 3, path, 8, &root);
  assert_int_equal(n, 2);
  assert_int_equal(path[0], 4);
  assert_int_equal(path[1], 3);
  assert_non_null(root);
  assert_int_equal(root->kind, LG_ROOT_DATA);
  assert_int_equal(root->where, (uintptr_t)&roots[1]);
  n = lg_heap_chain(&heap, 2, path, 8, &root);
  assert_int_equal(n, 3);
  assert_int_equal(path[0], 0);
  assert_int_equal(root->where, (uintptr_t)&roots[0]);
  lg_heap_free(&heap);
}

static void make_sized_heap(const uintptr_t *sizes, size_t n);
#define BIT(x) (1u << (x))

/* A level of the breadth-first marking wider than the REACHABLE ring
 * waits in its overflow bitmap and is still scanned before the next
 * level: a root block points at N blocks A[i], each A[i] at its own
 * C[i], and each C[i] also at C[i + 1]. Every block is old and of a site
 * of its own, so each C[i] is its site's nearest block, at depth 3; an A
 * scanned after the Cs (a level taken out of order) would leave some C
 * reached through its neighbour first, at depth 4. The chains, walked
 * again, go root block -> A[i] -> C[i]. */
static void test_a_level_wider_than_the_ring_keeps_the_shortest_parents(void **state) {
  (void)state;
  enum { N = 20000 };
  size_t bytes = 4 * N * 8 + N * 8;
  uintptr_t *area = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  lg_blk_t *b = mmap(NULL, (2 * N + 1) * sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(area != MAP_FAILED && b != MAP_FAILED);
  uintptr_t *a = area, *c = area + 2 * N, *top = area + 4 * N; /* A[i] = a + 2i, C[i] = c + 2i */
  for (size_t i = 0; i < N; i++) {
    b[i] = (lg_blk_t){.addr = (uintptr_t)&a[2 * i], .size = 16, .stack = 1 + i, .gen = 2};
    b[N + i] = (lg_blk_t){.addr = (uintptr_t)&c[2 * i], .size = 16, .stack = 1 + N + i, .gen = 2};
    a[2 * i] = (uintptr_t)&c[2 * i];
    c[2 * i] = i + 1 < N ? (uintptr_t)&c[2 * i + 2] : 0;
    top[i] = (uintptr_t)&a[2 * i];
  }
  b[2 * N] = (lg_blk_t){.addr = (uintptr_t)top, .size = N * 8, .stack = 1 + 2 * N, .gen = 2};
  lg_heap_t h = {.blk = b, .n = 2 * N + 1};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_true(h.ring_mask + 1 < N / 2); /* the levels overflow */
  assert_int_equal(lg_heap_track_parents(&h), 0);
  uintptr_t root = (uintptr_t)top;
  lg_mark_range(&h, (uintptr_t)&root, (uintptr_t)(&root + 1));
  lg_mark_finish(&h);
  assert_int_equal(h.rhead, h.rtail);
  assert_int_equal(h.nover[0] + h.nover[1], 0);
  uint32_t best;
  unsigned depth;
  assert_true(lg_heap_site_best(&h, 1 + 2 * N, &best, &depth));
  assert_int_equal(best, 2 * N);
  assert_int_equal(depth, 1);
  for (size_t i = 0; i < N; i++) {
    assert_int_equal(b[i].mark, LG_REACHABLE);
    assert_int_equal(b[N + i].mark, LG_REACHABLE);
    if (!lg_heap_site_best(&h, (uint32_t)(1 + i), &best, &depth) || best != i || depth != 2)
      fail_msg("A[%zu]: depth %u", i, depth);
    if (!lg_heap_site_best(&h, (uint32_t)(1 + N + i), &best, &depth) || best != N + i || depth != 3)
      fail_msg("C[%zu]: depth %u", i, depth);
  }
  for (size_t i = 0; i < N; i += 997) { /* the first levels' blocks, and many from the overflow bitmap */
    uint32_t path[8];
    const lg_root_hit_t *hit = NULL;
    size_t n = lg_heap_chain(&h, N + i, path, 8, &hit);
    if (n != 3 || path[0] != 2 * N || path[1] != i || path[2] != N + i) fail_msg("C[%zu]: chain of %zu", i, n);
    assert_int_equal(hit->where, (uintptr_t)&root);
    assert_int_equal(b[N + i].mark, LG_REACHABLE); /* the walk leaves the marks as they were */
  }
  lg_heap_free(&h);
  munmap(area, bytes);
  munmap(b, (2 * N + 1) * sizeof *b);
}

/* Depths stop at LG_DEPTH_MAX: along a list of 300 old blocks from a
 * root, each of a site of its own, the sites' nearest blocks are at 1,
 * 2, ... up to it and stay there, and the chain of the last block still
 * ends at it, cut on the root side, with the list's root. */
static void test_depths_stop_at_their_maximum_and_chains_still_end_at_the_block(void **state) {
  (void)state;
  enum { N = 300 };
  uintptr_t *area = mmap(NULL, N * 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  lg_blk_t *b = mmap(NULL, N * sizeof *b, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(area != MAP_FAILED && b != MAP_FAILED);
  for (size_t i = 0; i < N; i++) {
    b[i] = (lg_blk_t){.addr = (uintptr_t)&area[2 * i], .size = 16, .stack = (uint32_t)i + 1, .gen = 3};
    if (i + 1 < N) area[2 * i] = (uintptr_t)&area[2 * i + 2];
  }
  lg_heap_t h = {.blk = b, .n = N};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_int_equal(lg_heap_track_parents(&h), 0);
  uintptr_t root = (uintptr_t)area;
  lg_mark_range(&h, (uintptr_t)&root, (uintptr_t)(&root + 1));
  lg_mark_finish(&h);
  for (size_t i = 0; i < N; i++) {
    uint32_t best;
    unsigned depth;
    assert_int_equal(b[i].mark, LG_REACHABLE);
    assert_true(lg_heap_site_best(&h, (uint32_t)i + 1, &best, &depth));
    assert_int_equal(best, i);
    assert_int_equal(depth, i + 1 < LG_DEPTH_MAX ? i + 1 : LG_DEPTH_MAX);
  }
  uint32_t path[LG_CHAIN_MAX_HOPS];
  const lg_root_hit_t *hit = NULL;
  size_t n = lg_heap_chain(&h, N - 1, path, LG_CHAIN_MAX_HOPS, &hit);
  assert_int_equal(n, LG_CHAIN_MAX_HOPS);
  assert_int_equal(path[n - 1], N - 1);
  assert_int_equal(path[0], N - LG_CHAIN_MAX_HOPS);
  assert_non_null(hit);
  assert_int_equal(hit->where, (uintptr_t)&root);
  lg_heap_free(&h);
  munmap(area, N * 16);
  munmap(b, N * sizeof *b);
}

/* A site's nearest old block: the one fewest hops from the roots, the
 * lowest index among equals, never a young one (generation below 2) nor
 * one not REACHABLE. Blocks 0..5 of one site: root -> 3 -> 1 and root ->
 * 4 -> 2 (1 and 2 at depth 2, 1 the lower), 5 young at depth 1, 0 only
 * possibly reached. */
static void test_site_best_is_the_nearest_old_block_lowest_first(void **state) {
  (void)state;
  make_heap(6);
  for (size_t i = 0; i < 6; i++) { blk[i].stack = 7; blk[i].gen = 2; }
  blk[5].gen = 1;
  assert_int_equal(lg_heap_track_parents(&heap), 0);
  point(3, 0, 1, 0);
  point(4, 0, 2, 0);
  uintptr_t roots[4] = {(uintptr_t)mem[4], (uintptr_t)mem[3], (uintptr_t)mem[5], (uintptr_t)mem[0] + 8};
  mark_roots(roots, 4);
  uint32_t best;
  unsigned depth;
  assert_true(lg_heap_site_best(&heap, 7, &best, &depth));
  assert_int_equal(best, 3); /* 3 and 4 are at depth 1: 3 is the lower */
  assert_int_equal(depth, 1);
  assert_false(lg_heap_site_best(&heap, 6, &best, &depth));
  lg_heap_free(&heap);
  /* Without the roots' blocks on the site, the nearest are 1 and 2. */
  make_heap(6);
  for (size_t i = 0; i < 6; i++) { blk[i].stack = i == 3 || i == 4 ? 8 : 7; blk[i].gen = 2; }
  blk[5].gen = 1;
  assert_int_equal(lg_heap_track_parents(&heap), 0);
  point(3, 0, 1, 0);
  point(4, 0, 2, 0);
  mark_roots(roots, 4);
  assert_true(lg_heap_site_best(&heap, 7, &best, &depth));
  assert_int_equal(best, 1);
  assert_int_equal(depth, 2);
  lg_heap_free(&heap);
}

/* A chain through a block that only a heuristic reached: the root points
 * at +8 of block 0, a length64 block (its first word is its size - 8),
 * which points at block 1's start. With the heuristic on, 1's chain is
 * root -> 0 -> 1; with it off, 0 is only possibly reached and 1 has no
 * chain. */
static void test_chain_through_a_heuristic_tagged_block(void **state) {
  (void)state;
  for (int on = 1; on >= 0; on--) {
    make_heap(3);
    heap.heur = on ? BIT(LG_HEUR_LENGTH64) : 0;
    assert_int_equal(lg_heap_track_parents(&heap), 0);
    mem[0][0] = 56;
    point(0, 3, 1, 0);
    point(2, 0, 1, 0); /* 2 is reached by nothing */
    uintptr_t roots[1] = {(uintptr_t)mem[0] + 8};
    lg_mark_root_kind(&heap, LG_ROOT_DATA, 0);
    mark_roots(roots, 1);
    uint32_t path[4];
    const lg_root_hit_t *root = NULL;
    size_t n = lg_heap_chain(&heap, 1, path, 4, &root);
    if (on) {
      assert_int_equal(lg_blk_heur(&heap, 0), LG_HEUR_LENGTH64);
      assert_int_equal(n, 2);
      assert_int_equal(path[0], 0);
      assert_int_equal(path[1], 1);
      assert_int_equal(root->where, (uintptr_t)&roots[0]);
    } else {
      assert_int_equal(blk[0].mark, LG_POSSIBLE);
      assert_int_equal(n, 0);
    }
    lg_heap_free(&heap);
  }
}

/* Of two shortest paths the chain takes the first found: root words
 * {0, 1}, both pointing at 2: 2's chain goes through 0, the block the
 * roots reached first; with the roots the other way round, through 1. */
static void test_chain_takes_the_first_of_equal_paths(void **state) {
  (void)state;
  for (int swap = 0; swap < 2; swap++) {
    make_heap(3);
    assert_int_equal(lg_heap_track_parents(&heap), 0);
    point(0, 0, 2, 0);
    point(1, 5, 2, 0);
    uintptr_t roots[2] = {(uintptr_t)mem[swap], (uintptr_t)mem[1 - swap]};
    mark_roots(roots, 2);
    uint32_t path[4];
    const lg_root_hit_t *root = NULL;
    assert_int_equal(lg_heap_chain(&heap, 2, path, 4, &root), 2);
    assert_int_equal(path[0], (uint32_t)swap);
    assert_int_equal(root->where, (uintptr_t)&roots[0]);
    lg_heap_free(&heap);
  }
}

/* Once the index is given back (lg_heap_drop_index), lg_heap_find answers
 * as the index did: starts, interiors, ends, gaps, outside. */
static void test_find_without_the_index_answers_the_same(void **state) {
  (void)state;
  const uintptr_t sizes[4] = {64, 8, 40, 200};
  make_sized_heap(sizes, 4);
  long before[64];
  uintptr_t lo = (uintptr_t)mem[0] - 32;
  for (size_t k = 0; k < 64; k++) before[k] = lg_heap_find(&heap, lo + k * 24);
  lg_heap_drop_index(&heap);
  for (size_t k = 0; k < 64; k++)
    if (lg_heap_find(&heap, lo + k * 24) != before[k]) fail_msg("word %zu: %ld, was %ld", k, lg_heap_find(&heap, lo + k * 24), before[k]);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[3] + 100), 3);
  lg_heap_free(&heap);
}

static void test_chain_of_an_unreached_block_is_empty(void **state) {
  (void)state;
  make_heap(2);
  assert_int_equal(lg_heap_track_parents(&heap), 0);
  lg_mark_finish(&heap);
  uint32_t path[4];
  const lg_root_hit_t *root = NULL;
  assert_int_equal(lg_heap_chain(&heap, 1, path, 4, &root), 0);
  lg_heap_free(&heap);
}

static void test_glibc_next_chunk_pointer_is_not_interior(void **state) {
  (void)state;
  /* A 40-byte block fills a 48-byte chunk: the next chunk's header starts
   * at offset 32, inside the block, where glibc's bins point. */
  static uintptr_t area[16] __attribute__((aligned(64)));
  lg_blk_t b[1] = {{.addr = (uintptr_t)area, .size = 40}};
  lg_heap_t h = {.blk = b, .n = 1};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)area + 32), -1);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)area + 24), 0);
  assert_int_equal(lg_heap_find(&h, (uintptr_t)area + 39), 0);
  lg_heap_free(&h);
}

/* ---- pointers that count as start pointers ---------------------------------- */

/* Makes a heap of n blocks at mem[0..n) with the given sizes (<= 64). */
static void make_sized_heap(const uintptr_t *sizes, size_t n) {
  memset(mem, 0, sizeof mem);
  memset(&heap, 0, sizeof heap);
  for (size_t i = 0; i < n; i++)
    blk[i] = (lg_blk_t){.addr = (uintptr_t)mem[i], .size = sizes[i], .stack = (uint32_t)i + 1};
  heap.blk = blk;
  heap.n = n;
  assert_int_equal(lg_heap_build(&heap), 0);
}

/* A record's 16 bytes hold each field whole: the largest stack id, every
 * flag, generation and mark side by side do not spill into each other,
 * and what marking and the analysis add beside the records (heuristic
 * tags, object offsets, categories) leaves the record's fields alone. */
static void test_record_fields_hold_their_full_ranges(void **state) {
  (void)state;
  const uintptr_t sizes[3] = {64, 64, 64};
  make_sized_heap(sizes, 3);
  blk[0].stack = LG_BLK_STACKS - 1;
  blk[0].gen = 3;
  blk[0].flags = LG_BF_IGNORED;
  blk[1].stack = 0;
  blk[1].flags = 0;
  assert_int_equal(blk[0].stack, LG_BLK_STACKS - 1);
  assert_int_equal(blk[0].gen, 3);
  assert_int_equal(blk[0].mark, LG_UNREACHED);
  assert_int_equal(blk[0].size, 64);
  assert_int_equal(lg_heap_set_xoff(&heap, 2, 16), 0);
  mem[0][0] = (uintptr_t)mem[2] + 16; /* ignored block 0 holds block 2's object */
  lg_mark_block(&heap, 0);
  uintptr_t root[1] = {(uintptr_t)mem[1] + 63}; /* block 1's last byte: an interior pointer */
  mark_roots(root, 1);
  assert_int_equal(blk[0].mark, LG_REACHABLE);
  assert_int_equal(blk[1].mark, LG_POSSIBLE);
  assert_int_equal(blk[2].mark, LG_REACHABLE);
  assert_true(blk[1].flags & LG_BF_ROOTED);
  assert_false(blk[1].flags & LG_BF_ROOT_OBJ);
  assert_int_equal(blk[0].stack, LG_BLK_STACKS - 1);
  assert_int_equal(blk[0].gen, 3);
  assert_int_equal(blk[0].flags, LG_BF_IGNORED);
  assert_int_equal(blk[2].stack, 3);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&heap, &g), 0);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_REACHABLE);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_POSSIBLE);
  assert_int_equal(lg_graph_flags(&g, 1), LG_BF_ENTRY);
  assert_int_equal(lg_graph_cluster(&g, 1), 1);
  assert_int_equal(lg_graph_cluster(&g, 2), 0);
  assert_int_equal(blk[1].stack, 0);
  assert_int_equal(blk[1].size, 64);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

/* Marks from one root word holding mem[i] + off. */
static void mark_from(size_t i, uintptr_t off) {
  uintptr_t root[1] = {(uintptr_t)mem[i] + off};
  mark_roots(root, 1);
}

#define BIT(x) (1u << (x))

static void test_pointer_past_empty_array_is_a_start_pointer(void **state) {
  (void)state;
  /* The 8-byte block is the last one: its end is also the heap's end. */
  const uintptr_t sizes[2] = {64, 8};
  make_sized_heap(sizes, 2);
  assert_int_equal(lg_heap_find(&heap, (uintptr_t)mem[1] + 8), -1); /* find is unchanged */
  mark_from(1, 8); /* heap.heur is 0: it is no heuristic */
  assert_int_equal(blk[1].mark, LG_REACHABLE);
  assert_int_equal(lg_blk_heur(&heap, 1), 0);
  lg_heap_free(&heap);
  /* The count must be 0 and the block 8 bytes long. */
  make_sized_heap(sizes, 2);
  mem[1][0] = 3;
  mark_from(1, 8);
  assert_int_equal(blk[1].mark, LG_UNREACHED);
  lg_heap_free(&heap);
  const uintptr_t sizes16[2] = {64, 16};
  make_sized_heap(sizes16, 2);
  mark_from(1, 16);
  assert_int_equal(blk[1].mark, LG_UNREACHED);
  lg_heap_free(&heap);
}

static void test_pointer_past_empty_array_from_possible_memory_is_possible(void **state) {
  (void)state;
  const uintptr_t sizes[2] = {64, 8};
  make_sized_heap(sizes, 2);
  mem[0][3] = (uintptr_t)mem[1] + 8;
  mark_from(0, 8); /* 0 is possible: so is what it points at */
  assert_int_equal(blk[0].mark, LG_POSSIBLE);
  assert_int_equal(blk[1].mark, LG_POSSIBLE);
  lg_heap_free(&heap);
}

static void test_lost_block_holding_empty_array_makes_it_indirect(void **state) {
  (void)state;
  const uintptr_t sizes[2] = {64, 8};
  make_sized_heap(sizes, 2);
  mem[0][3] = (uintptr_t)mem[1] + 8;
  lg_graph_t g = analyse_all_lost();
  assert_int_equal(g.nclusters, 1);
  assert_int_equal(lg_graph_cat(&heap, &g, 0), LG_CAT_DEFINITE);
  assert_int_equal(lg_graph_cat(&heap, &g, 1), LG_CAT_INDIRECT);
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static unsigned last_heur; /* block 0's heuristic tag in mark_shaped's or mark_object's heap */

/* Marks block 0 (of `size` bytes, words w0 and w1) from a root holding
 * mem[0] + off, with the heuristics `on`, and returns its mark (its tag
 * in last_heur). */
static int mark_shaped(uintptr_t size, uintptr_t w0, uintptr_t w1, uintptr_t off, uint32_t on) {
  const uintptr_t sizes[2] = {size, 64};
  make_sized_heap(sizes, 2);
  heap.heur = on;
  mem[0][0] = w0;
  mem[0][1] = w1;
  mark_from(0, off);
  int m = blk[0].mark;
  last_heur = lg_blk_heur(&heap, 0);
  lg_heap_free(&heap);
  return m;
}

static void test_stdstring_needs_length_capacity_and_size(void **state) {
  (void)state;
  const uint32_t on = BIT(LG_HEUR_STDSTRING);
  /* length 10, capacity 30: a block of 24 + 30 + 1 bytes, pointer at +24 */
  assert_int_equal(mark_shaped(55, 10, 30, 24, on), LG_REACHABLE);
  assert_int_equal(last_heur, LG_HEUR_STDSTRING);
  assert_int_equal(mark_shaped(55, 30, 30, 24, on), LG_REACHABLE);  /* full */
  assert_int_equal(mark_shaped(55, 31, 30, 24, on), LG_POSSIBLE);   /* length > capacity */
  assert_int_equal(mark_shaped(55, 10, 29, 24, on), LG_POSSIBLE);   /* size mismatch */
  assert_int_equal(mark_shaped(55, 10, 30, 16, on), LG_POSSIBLE);   /* not at +24 */
  assert_int_equal(mark_shaped(55, 10, 30, 24, 0), LG_POSSIBLE);    /* switched off */
  assert_int_equal(mark_shaped(55, 10, 30, 24, ~0u & ~BIT(LG_HEUR_STDSTRING)), LG_POSSIBLE);
}

static void test_length64_needs_size_minus_eight(void **state) {
  (void)state;
  const uint32_t on = BIT(LG_HEUR_LENGTH64);
  assert_int_equal(mark_shaped(64, 56, 7, 8, on), LG_REACHABLE);
  assert_int_equal(last_heur, LG_HEUR_LENGTH64);
  assert_int_equal(mark_shaped(64, 55, 7, 8, on), LG_POSSIBLE);
  assert_int_equal(mark_shaped(64, 56, 7, 16, on), LG_POSSIBLE);
  assert_int_equal(mark_shaped(64, 56, 7, 8, 0), LG_POSSIBLE);
}

static void test_newarray_needs_a_count_dividing_the_rest(void **state) {
  (void)state;
  const uint32_t on = BIT(LG_HEUR_NEWARRAY);
  assert_int_equal(mark_shaped(64, 7, 1, 8, on), LG_REACHABLE); /* 7 elements of 8 bytes */
  assert_int_equal(last_heur, LG_HEUR_NEWARRAY);
  assert_int_equal(mark_shaped(64, 5, 1, 8, on), LG_POSSIBLE);  /* 56 % 5 != 0 */
  assert_int_equal(mark_shaped(64, 0, 1, 8, on), LG_POSSIBLE);  /* no elements */
  assert_int_equal(mark_shaped(64, 57, 1, 8, on), LG_POSSIBLE); /* more than fit */
  assert_int_equal(mark_shaped(64, 7, 1, 16, on), LG_POSSIBLE);
}

static void test_heuristics_are_tried_in_valgrinds_order(void **state) {
  (void)state;
  /* 56 at the start of 64 bytes fits length64 and newarray: length64 first. */
  assert_int_equal(mark_shaped(64, 56, 0, 8, BIT(LG_HEUR_LENGTH64) | BIT(LG_HEUR_NEWARRAY)), LG_REACHABLE);
  assert_int_equal(last_heur, LG_HEUR_LENGTH64);
  assert_int_equal(mark_shaped(64, 56, 0, 8, BIT(LG_HEUR_NEWARRAY)), LG_REACHABLE);
  assert_int_equal(last_heur, LG_HEUR_NEWARRAY);
}

/* Fake vtables in a readable "module" segment, their function pointers in
 * a fake executable one (never called, only looked up). */
#define TEXT_LO 0x100000u
#define TEXT_HI 0x200000u
static uintptr_t rodata[16][8] __attribute__((aligned(64)));

static void add_fake_modules(uint32_t rodata_flags) {
  memset(rodata, 0, sizeof rodata);
  uintptr_t *primary = rodata[0], *second = rodata[1], *one_fn = rodata[2], *data_ptr = rodata[3];
  primary[0] = TEXT_LO + 0x10, primary[1] = TEXT_LO + 0x20;
  second[0] = 0, second[1] = TEXT_LO + 0x30, second[2] = TEXT_LO + 0x40; /* a zero is allowed */
  one_fn[0] = TEXT_LO + 0x50, one_fn[1] = (uintptr_t)mem[5];           /* then a heap pointer */
  data_ptr[0] = (uintptr_t)rodata; /* points at data, not text */
  rodata[8][0] = (uintptr_t)rodata; /* 512 bytes after rodata[0]: not a vtable */
  assert_int_equal(lg_heap_add_segment(&heap, TEXT_LO, TEXT_HI, LG_SEG_R | LG_SEG_X), 0);
  assert_int_equal(lg_heap_add_segment(&heap, (uintptr_t)rodata, (uintptr_t)rodata + sizeof rodata, rodata_flags), 0);
}

/* Marks block 0 (64 bytes) with first word w0 and word 2 w2 from a root
 * at mem[0] + off, multipleinheritance on and the fake vtables' segment
 * flagged rodata_flags; returns its mark. */
static int mark_object(uintptr_t w0, uintptr_t w2, uintptr_t off, uint32_t rodata_flags) {
  const uintptr_t sizes[6] = {64, 64, 64, 64, 64, 64};
  make_sized_heap(sizes, 6);
  heap.heur = BIT(LG_HEUR_MULTIPLEINHERITANCE);
  add_fake_modules(rodata_flags);
  mem[0][0] = w0;
  mem[0][2] = w2;
  mark_from(0, off);
  int m = blk[0].mark;
  last_heur = lg_blk_heur(&heap, 0);
  lg_heap_free(&heap);
  return m;
}

static void test_multipleinheritance_needs_two_vtable_pointers(void **state) {
  (void)state;
  uintptr_t primary = (uintptr_t)rodata[0], second = (uintptr_t)rodata[1];
  assert_int_equal(mark_object(primary, second, 16, LG_SEG_R), LG_REACHABLE);
  assert_int_equal(last_heur, LG_HEUR_MULTIPLEINHERITANCE);
  assert_int_equal(mark_object(primary, second, 16, 0), LG_POSSIBLE);               /* unreadable segment */
  assert_int_equal(mark_object((uintptr_t)mem[1], second, 16, LG_SEG_R), LG_POSSIBLE); /* first word: heap */
  assert_int_equal(mark_object(primary, (uintptr_t)rodata[2], 16, LG_SEG_R), LG_POSSIBLE); /* one function */
  assert_int_equal(mark_object(primary, (uintptr_t)rodata[3], 16, LG_SEG_R), LG_POSSIBLE); /* no function */
  assert_int_equal(mark_object(primary, second + 4, 16, LG_SEG_R), LG_POSSIBLE);    /* misaligned vtable */
  assert_int_equal(mark_object(primary, second, 20, LG_SEG_R), LG_POSSIBLE);        /* misaligned pointer */
  assert_int_equal(mark_object(primary, 0, 16, LG_SEG_R), LG_POSSIBLE);
}

static void test_vtable_verdicts_are_remembered_per_address(void **state) {
  (void)state;
  /* Objects held at +16, in this order: the 2nd's first word is no vtable
   * but shares the 1st's slot in the verdict cache; the 3rd and 4th repeat
   * the 2nd and the 1st. */
  const uintptr_t sizes[5] = {64, 64, 64, 64, 64};
  make_sized_heap(sizes, 5);
  heap.heur = BIT(LG_HEUR_MULTIPLEINHERITANCE);
  add_fake_modules(LG_SEG_R);
  uintptr_t vt = (uintptr_t)rodata[0], not_vt = (uintptr_t)rodata[8];
  uintptr_t first[4] = {vt, not_vt, not_vt, vt};
  uintptr_t roots[4];
  for (int i = 0; i < 4; i++) {
    mem[i][0] = first[i];
    mem[i][2] = (uintptr_t)rodata[1];
    roots[i] = (uintptr_t)mem[i] + 16;
  }
  mark_roots(roots, 4);
  assert_int_equal(blk[0].mark, LG_REACHABLE);
  assert_int_equal(blk[1].mark, LG_POSSIBLE);
  assert_int_equal(blk[2].mark, LG_POSSIBLE);
  assert_int_equal(blk[3].mark, LG_REACHABLE);
  assert_int_equal(lg_blk_heur(&heap, 3), LG_HEUR_MULTIPLEINHERITANCE);
  lg_heap_free(&heap);
}

static void test_start_pointer_clears_the_heuristic(void **state) {
  (void)state;
  const uintptr_t sizes[2] = {64, 64};
  for (int order = 0; order < 2; order++) {
    make_sized_heap(sizes, 2);
    heap.heur = BIT(LG_HEUR_NEWARRAY);
    mem[0][0] = 7;
    uintptr_t roots[2] = {(uintptr_t)mem[0] + 8, (uintptr_t)mem[0]};
    if (order) roots[0] = (uintptr_t)mem[0], roots[1] = (uintptr_t)mem[0] + 8;
    mark_roots(roots, 2);
    assert_int_equal(blk[0].mark, LG_REACHABLE);
    assert_int_equal(lg_blk_heur(&heap, 0), 0);
    lg_graph_t g;
    assert_int_equal(lg_graph_analyse(&heap, &g), 0);
    assert_int_equal(g.heur_blocks[LG_HEUR_NEWARRAY], 0);
    lg_graph_free(&g);
    lg_heap_free(&heap);
  }
}

static void test_heuristic_counts_only_the_block_it_reached(void **state) {
  (void)state;
  /* root -> +8 of 0 (newarray) -> 1's start; and 2, ignored, also at +8. */
  const uintptr_t sizes[4] = {64, 48, 64, 64};
  make_sized_heap(sizes, 4);
  heap.heur = BIT(LG_HEUR_NEWARRAY);
  mem[0][0] = 7;
  mem[0][3] = (uintptr_t)mem[1];
  mem[2][0] = 7;
  uintptr_t roots[2] = {(uintptr_t)mem[0] + 8, (uintptr_t)mem[2] + 8};
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + 2));
  blk[2].flags |= LG_BF_IGNORED;
  lg_mark_block(&heap, 2);
  lg_mark_finish(&heap);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&heap, &g), 0);
  assert_int_equal(blk[1].mark, LG_REACHABLE);
  assert_int_equal(lg_blk_heur(&heap, 1), 0);
  assert_int_equal(g.heur_blocks[LG_HEUR_NEWARRAY], 1);
  assert_int_equal(g.heur_bytes[LG_HEUR_NEWARRAY], 64);
  assert_int_equal(g.cat_blocks[LG_CAT_REACHABLE], 3);
  assert_int_equal(g.cat_blocks[LG_CAT_DEFINITE], 1); /* block 3 */
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

static void test_heuristic_from_possible_memory_is_possible(void **state) {
  (void)state;
  /* root -> inside 0 (possible) -> +8 of 1, newarray-shaped: possible. */
  const uintptr_t sizes[2] = {64, 64};
  make_sized_heap(sizes, 2);
  heap.heur = BIT(LG_HEUR_NEWARRAY);
  mem[0][4] = (uintptr_t)mem[1] + 8;
  mem[1][0] = 7;
  mark_from(0, 40);
  assert_int_equal(blk[0].mark, LG_POSSIBLE);
  assert_int_equal(blk[1].mark, LG_POSSIBLE);
  assert_int_equal(lg_blk_heur(&heap, 1), 0);
  lg_heap_free(&heap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find_start_interior_and_outside),
      cmocka_unit_test(test_find_in_far_regions_and_gaps),
      cmocka_unit_test(test_index_at_block_boundaries),
      cmocka_unit_test(test_index_of_blocks_off_or_sharing_a_granule),
      cmocka_unit_test(test_index_at_its_edges_matches_a_linear_search),
      cmocka_unit_test(test_a_huge_block_costs_one_index_entry),
      cmocka_unit_test(test_record_fields_hold_their_full_ranges),
      cmocka_unit_test(test_a_level_wider_than_the_ring_keeps_the_shortest_parents),
      cmocka_unit_test(test_a_flood_without_a_byte_limit_runs_to_its_end),
      cmocka_unit_test(test_marking_judges_start_and_past_the_end_words),
      cmocka_unit_test(test_sort_orders_by_address),
      cmocka_unit_test(test_sort_orders_big_and_small_heaps_with_their_digits),
      cmocka_unit_test(test_sorted_copy_matches_the_sort),
      cmocka_unit_test(test_binned_counts_match_the_count_walk),
      cmocka_unit_test(test_sorted_copy_while_the_table_changes_matches_the_sort),
      cmocka_unit_test(test_mark_start_interior_and_unreached),
      cmocka_unit_test(test_mark_upgrades_possible_to_reachable),
      cmocka_unit_test(test_ignored_block_keeps_children),
      cmocka_unit_test(test_tree_is_one_definite_rest_indirect),
      cmocka_unit_test(test_two_block_cycle_lowest_is_definite),
      cmocka_unit_test(test_self_pointer_is_cyclic_and_definite),
      cmocka_unit_test(test_pointer_into_own_interior_is_no_cycle),
      cmocka_unit_test(test_interior_pointers_between_blocks_still_cycle),
      cmocka_unit_test(test_cycle_below_an_entry_is_all_indirect),
      cmocka_unit_test(test_possible_blocks_form_their_own_cluster),
      cmocka_unit_test(test_million_node_list_needs_no_recursion),
      cmocka_unit_test(test_chain_is_the_shortest_path_from_a_root),
      cmocka_unit_test(test_depths_stop_at_their_maximum_and_chains_still_end_at_the_block),
      cmocka_unit_test(test_chain_of_an_unreached_block_is_empty),
      cmocka_unit_test(test_site_best_is_the_nearest_old_block_lowest_first),
      cmocka_unit_test(test_chain_through_a_heuristic_tagged_block),
      cmocka_unit_test(test_chain_takes_the_first_of_equal_paths),
      cmocka_unit_test(test_find_without_the_index_answers_the_same),
      cmocka_unit_test(test_glibc_next_chunk_pointer_is_not_interior),
      cmocka_unit_test(test_pointer_past_empty_array_is_a_start_pointer),
      cmocka_unit_test(test_pointer_past_empty_array_from_possible_memory_is_possible),
      cmocka_unit_test(test_lost_block_holding_empty_array_makes_it_indirect),
      cmocka_unit_test(test_stdstring_needs_length_capacity_and_size),
      cmocka_unit_test(test_length64_needs_size_minus_eight),
      cmocka_unit_test(test_newarray_needs_a_count_dividing_the_rest),
      cmocka_unit_test(test_heuristics_are_tried_in_valgrinds_order),
      cmocka_unit_test(test_multipleinheritance_needs_two_vtable_pointers),
      cmocka_unit_test(test_vtable_verdicts_are_remembered_per_address),
      cmocka_unit_test(test_start_pointer_clears_the_heuristic),
      cmocka_unit_test(test_heuristic_counts_only_the_block_it_reached),
      cmocka_unit_test(test_heuristic_from_possible_memory_is_possible),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
