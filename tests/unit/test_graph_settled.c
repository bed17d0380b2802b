/* tests/unit/test_graph_settled.c — marking's lookups: the region tried
 * first (the one with the most blocks) against a linear search, and the quick test of settled blocks
 * (graph.h: the settled bits that the index entries hold beside their
 * start bits, and the bitmap that holds the rest) against a reference:
 * random heaps whose KiBs hold up to 64 blocks (so the entries' 32 bits
 * run out), whose blocks may share granules (an inexact index), some of
 * them REACHABLE before marking (as a young scan's old blocks are). The
 * marks must be what valgrind's definitions give, computed here by
 * looking at every block until nothing changes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "graph.h"

#define AREA (64u << 10)
#define MAXB (AREA / 16)
#define NROOTS 6
static unsigned char area[AREA] __attribute__((aligned(4096)));
static lg_blk_t blk[MAXB];
static uint8_t premarked[MAXB], want[MAXB];
static uintptr_t roots[NROOTS];
static size_t nblk;
static lg_heap_t heap;

static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13;
  *x ^= *x >> 7;
  *x ^= *x << 17;
  return *x;
}

/* Carves blocks of 16 to 48 bytes from the area: mostly back to back
 * (64 in a KiB when they are 16 bytes), some after a gap, and with
 * `shared` some 8 bytes past a granule, so that two blocks start in one
 * granule and the index is inexact. */
static void carve(uint64_t *x, int shared) {
  static const uint32_t sizes[] = {16, 16, 16, 24, 32, 48};
  uintptr_t at = 0;
  nblk = 0;
  while (nblk < MAXB) {
    uint32_t size = sizes[rnd(x) % 6];
    if (rnd(x) % 16 == 0) at += 16 * (1 + rnd(x) % 40); /* a gap */
    if (shared && size <= 24 && rnd(x) % 4 == 0) at += 8;
    if (at + size > AREA) break;
    blk[nblk] = (lg_blk_t){.addr = (uintptr_t)area + at, .size = size, .stack = 1};
    nblk++;
    at += (size + 15) & ~15u;
  }
}

/* A word for block memory or a root: a block's start, a word inside a
 * block, or data that points nowhere. */
static uintptr_t any_word(uint64_t *x) {
  const lg_blk_t *b = &blk[rnd(x) % nblk];
  switch (rnd(x) % 6) {
  case 0: case 1: case 2: case 3: return b->addr;
  case 4: return b->addr + 8 * (rnd(x) % (b->size / 8));
  default: return 0x5a5a5a5a5a5a5a5aull;
  }
}

/* Fills the blocks and roots, and marks some blocks REACHABLE before the
 * index is built (`pre`: one in `pre`; 0 none). */
static void fill(uint64_t *x, unsigned pre) {
  memset(area, 0x5a, sizeof area);
  for (size_t i = 0; i < nblk; i++) {
    uintptr_t *wd = (uintptr_t *)blk[i].addr;
    for (size_t k = 0; k < blk[i].size / 8; k++) wd[k] = any_word(x);
    premarked[i] = pre && rnd(x) % pre == 0;
    blk[i].mark = premarked[i] ? LG_REACHABLE : LG_UNREACHED;
  }
  for (size_t k = 0; k < NROOTS; k++) roots[k] = blk[rnd(x) % nblk].addr;
  roots[0] = any_word(x);
}

/* Marks word w from memory of quality `from` in the reference marks:
 * returns 1 when a mark changed. A block REACHABLE before marking is
 * never read; a start pointer from REACHABLE memory reaches, any other
 * pointer makes an unreached block POSSIBLE. */
static int ref_word(uintptr_t w, int from) {
  long t = lg_heap_find(&heap, w);
  if (t < 0 || want[t] == LG_REACHABLE) return 0;
  if (from == LG_REACHABLE && w == blk[t].addr) { want[t] = LG_REACHABLE; return 1; }
  if (want[t] == LG_UNREACHED) { want[t] = LG_POSSIBLE; return 1; }
  return 0;
}

/* The reference marks (want[]): the roots' words, then every block's
 * words at its current mark, again and again until nothing changes. */
static void reference(void) {
  for (size_t i = 0; i < nblk; i++) want[i] = premarked[i] ? LG_REACHABLE : LG_UNREACHED;
  for (size_t k = 0; k < NROOTS; k++) ref_word(roots[k], LG_REACHABLE);
  for (int changed = 1; changed;) {
    changed = 0;
    for (size_t i = 0; i < nblk; i++) {
      if (premarked[i] || want[i] == LG_UNREACHED) continue;
      const uintptr_t *wd = (const uintptr_t *)blk[i].addr;
      for (size_t k = 0; k < blk[i].size / 8; k++) changed |= ref_word(wd[k], want[i]);
    }
  }
}

/* The most blocks that start in one KiB of the area. */
static size_t densest_kib(void) {
  size_t most = 0, run = 0;
  for (size_t i = 0; i < nblk; i++) {
    run = i && (blk[i].addr >> 10) == (blk[i - 1].addr >> 10) ? run + 1 : 1;
    if (run > most) most = run;
  }
  return most;
}

/* One random heap: built, marked from the roots, compared with the
 * reference block by block; returns whether the index was exact. */
static int mark_one(uint64_t seed, int shared, unsigned pre) {
  uint64_t x = seed;
  carve(&x, shared);
  assert_true(densest_kib() > 32); /* past the entries' settled bits */
  fill(&x, pre);
  memset(&heap, 0, sizeof heap);
  heap.blk = blk;
  heap.n = nblk;
  assert_int_equal(lg_heap_build(&heap), 0);
  int exact = heap.exact;
  reference(); /* the index answers lg_heap_find; marks untouched so far */
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + NROOTS));
  lg_mark_finish(&heap);
  size_t reached = 0;
  for (size_t i = 0; i < nblk; i++) {
    if (blk[i].mark != want[i]) fail_msg("seed %llu: block %zu marked %d, want %d", (unsigned long long)seed, i,
                                         (int)blk[i].mark, (int)want[i]);
    reached += want[i] == LG_REACHABLE && !premarked[i];
  }
  if (reached <= nblk / 10) fail_msg("seed %llu: the flood reached only %zu of %zu blocks", (unsigned long long)seed, reached, nblk);
  lg_heap_free(&heap);
  return exact;
}

static void test_marks_of_dense_exact_heaps_match_the_reference(void **state) {
  (void)state;
  for (uint64_t s = 1; s <= 12; s++) assert_true(mark_one(s * 7919, 0, 0));
}

static void test_marks_of_heaps_reachable_in_part_before_marking_match_the_reference(void **state) {
  (void)state;
  for (uint64_t s = 1; s <= 12; s++) assert_true(mark_one(s * 104729, 0, 8));
}

static void test_marks_of_inexact_heaps_match_the_reference(void **state) {
  (void)state;
  for (uint64_t s = 1; s <= 12; s++) assert_false(mark_one(s * 15485863, 1, s % 2 ? 8 : 0));
}

/* The block of bl[0..n) whose span (at least its start) holds w, or -1;
 * sizes here are multiples of 16, which never fill a glibc chunk. */
static long find_linearly(const lg_blk_t *bl, size_t n, uintptr_t w) {
  for (size_t i = 0; i < n; i++)
    if (w >= bl[i].addr && w - bl[i].addr < (bl[i].size ? bl[i].size : 1)) return (long)i;
  return -1;
}

static void test_the_region_with_most_blocks_first_and_the_others_still_found(void **state) {
  (void)state;
  /* Four regions in one mapping (gaps over 1 MiB): 2 blocks, a lone 1 MiB
   * block, the 40 blocks tried first, 3 blocks at the end. */
  size_t len = 16u << 20;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  assert_true(m != MAP_FAILED);
  lg_blk_t bl[64];
  size_t n = 0;
  for (int k = 0; k < 2; k++) bl[n++] = (lg_blk_t){.addr = (uintptr_t)m + 4096 + 64 * k, .size = 48};
  bl[n++] = (lg_blk_t){.addr = (uintptr_t)m + (3u << 20), .size = 1u << 20};
  for (int k = 0; k < 40; k++) bl[n++] = (lg_blk_t){.addr = (uintptr_t)m + (6u << 20) + 96 * k, .size = 80};
  for (int k = 0; k < 3; k++) bl[n++] = (lg_blk_t){.addr = (uintptr_t)m + (10u << 20) + 5000 * k, .size = 208};
  lg_blk_t copy[64];
  memcpy(copy, bl, n * sizeof *bl);
  lg_heap_t h = {.blk = bl, .n = n};
  assert_int_equal(lg_heap_build(&h), 0);
  assert_true(h.nreg >= 4);
  size_t found = 0;
  for (uintptr_t w = (uintptr_t)m; w < (uintptr_t)m + len; w += w % 4096 < 8192 ? 8 : 4088) {
    long expect = find_linearly(copy, n, w);
    if (lg_heap_find(&h, w) != expect)
      fail_msg("word at +%lu: found %ld, want %ld", (unsigned long)(w - (uintptr_t)m), lg_heap_find(&h, w), expect);
    found += expect >= 0;
  }
  assert_true(found > 40);
  /* A root to the first region's first block, which points at the lone
   * block, which points at the hot region's last and the last region's
   * first: all four regions are marked through. */
  *(uintptr_t *)bl[0].addr = bl[2].addr;
  ((uintptr_t *)bl[2].addr)[100] = bl[42].addr;
  ((uintptr_t *)bl[42].addr)[1] = bl[43].addr + 16;
  uintptr_t root = bl[0].addr;
  lg_mark_range(&h, (uintptr_t)&root, (uintptr_t)(&root + 1));
  lg_mark_finish(&h);
  assert_int_equal(bl[0].mark, LG_REACHABLE);
  assert_int_equal(bl[2].mark, LG_REACHABLE);
  assert_int_equal(bl[42].mark, LG_REACHABLE);
  assert_int_equal(bl[43].mark, LG_POSSIBLE);
  assert_int_equal(bl[1].mark, LG_UNREACHED);
  assert_int_equal(bl[41].mark, LG_UNREACHED);
  lg_heap_free(&h);
  munmap(m, len);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_region_with_most_blocks_first_and_the_others_still_found),
      cmocka_unit_test(test_marks_of_dense_exact_heaps_match_the_reference),
      cmocka_unit_test(test_marks_of_heaps_reachable_in_part_before_marking_match_the_reference),
      cmocka_unit_test(test_marks_of_inexact_heaps_match_the_reference),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
