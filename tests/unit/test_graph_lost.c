/* tests/unit/test_graph_lost.c — the analysis's lookups against slow
 * references on a random fake heap: the edges among lost blocks (found by
 * the set's table of starts, else its bucketed search) against a linear
 * search of every block, the clusters against the weakly connected parts
 * of those edges, and the lost list's directory (lg_graph_cat, _cluster,
 * _flags) against the binary search it replaces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "graph.h"

#define NB 700 /* blocks: more than ten of the directory's 64-block words */
#define BW 8   /* words a block (64 bytes) */
static uintptr_t mem[NB][BW] __attribute__((aligned(64)));
static lg_blk_t blk[NB];
static lg_heap_t heap;
static uint32_t from[NB * BW], to[NB * BW];
static size_t nedges;

static uint64_t rnd(uint64_t *x) {
  *x ^= *x << 13; *x ^= *x >> 7; *x ^= *x << 17;
  return *x;
}

/* Is block i lost in the heap the tests build (one in three is kept)? */
static int is_lost(size_t i) { return i % 3 != 0; }

/* The block containing w by graph.h's rules for 64-byte blocks (the
 * next chunk's word at offset 64 lies outside anyway), or -1. */
static long find_slowly(uintptr_t w) {
  for (size_t i = 0; i < NB; i++)
    if (w >= blk[i].addr && w < blk[i].addr + 64) return (long)i;
  return -1;
}

/* Fills the heap: every lost block holds start pointers and interior
 * pointers to other lost blocks, pointers into itself, pointers to kept
 * blocks and data; kept blocks point at kept ones. Marks from a root
 * array of the kept blocks, and lists the edges among lost blocks that a
 * linear search finds, in the analysis's order (by source, then word). */
static void build(uint64_t seed) {
  static uintptr_t roots[NB];
  size_t nr = 0;
  memset(mem, 0, sizeof mem);
  memset(&heap, 0, sizeof heap);
  for (size_t i = 0; i < NB; i++) blk[i] = (lg_blk_t){.addr = (uintptr_t)mem[i], .size = 64, .stack = (uint32_t)(i % 5) + 1};
  for (size_t i = 0; i < NB; i++)
    for (size_t k = 0; k < BW; k++) {
      uint64_t r = rnd(&seed);
      size_t t = (size_t)(r >> 8) % NB;
      switch (r % 6) {
      case 0: case 1: mem[i][k] = (uintptr_t)mem[t]; break;                /* a start */
      case 2: mem[i][k] = (uintptr_t)mem[t] + 8 * (1 + (r >> 40) % 7); break; /* an interior word */
      case 3: mem[i][k] = (uintptr_t)mem[i] + 8 * ((r >> 40) % 8); break;  /* into itself */
      default: mem[i][k] = 0x5a5a5a5a5a5a5a5aull; break;                   /* data */
      }
      long at = find_slowly(mem[i][k]);
      if (!is_lost(i) && at >= 0 && is_lost((size_t)at)) mem[i][k] = 1; /* kept blocks never point at lost ones */
    }
  for (size_t i = 0; i < NB; i++) if (!is_lost(i)) roots[nr++] = (uintptr_t)mem[i];
  heap.blk = blk;
  heap.n = NB;
  assert_int_equal(lg_heap_build(&heap), 0);
  lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + nr));
  lg_mark_finish(&heap);
  nedges = 0;
  for (size_t i = 0; i < NB; i++) {
    if (!is_lost(i)) continue;
    for (size_t k = 0; k < BW; k++) {
      long t = find_slowly(mem[i][k]);
      if (t < 0 || !is_lost((size_t)t) || ((size_t)t == i && mem[i][k] != blk[i].addr)) continue;
      from[nedges] = (uint32_t)i;
      to[nedges++] = (uint32_t)t;
    }
  }
}

/* The weakly connected part of block x (union-find over the reference
 * edges). */
static uint32_t part[NB];
static uint32_t part_of(uint32_t x) {
  while (part[x] != x) x = part[x] = part[part[x]];
  return x;
}

static void test_edges_and_clusters_match_a_linear_search(void **state) {
  (void)state;
  for (uint64_t seed = 1; seed <= 8; seed++) {
    build(seed * 0x9E3779B97F4A7C15ull);
    for (size_t i = 0; i < NB; i++) assert_int_equal(blk[i].mark, is_lost(i) ? LG_UNREACHED : LG_REACHABLE);
    lg_graph_t g;
    assert_int_equal(lg_graph_analyse(&heap, &g), 0);
    assert_int_equal(g.nedges, nedges);
    for (size_t e = 0; e < nedges; e++) {
      assert_int_equal(g.edge_from[e], from[e]);
      assert_int_equal(g.edge_to[e], to[e]);
    }
    for (uint32_t i = 0; i < NB; i++) part[i] = i;
    for (size_t e = 0; e < nedges; e++) part[part_of(from[e])] = part_of(to[e]);
    for (uint32_t i = 0; i < NB; i += 7)
      for (uint32_t j = 0; j < NB; j++) {
        if (!is_lost(i) || !is_lost(j)) continue;
        assert_int_equal(lg_graph_cluster(&g, i) == lg_graph_cluster(&g, j), part_of(i) == part_of(j));
      }
    const char *why;
    assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
    lg_graph_free(&g);
    lg_heap_free(&heap);
  }
}

static void test_lost_directory_answers_as_the_search(void **state) {
  (void)state;
  build(42);
  lg_graph_t g;
  assert_int_equal(lg_graph_analyse(&heap, &g), 0);
  assert_non_null(g.lost_dir);
  assert_true(g.nlost > 64 * 6);
  unsigned cat[NB], flags[NB];
  uint32_t cl[NB];
  for (size_t i = 0; i < NB; i++) {
    cat[i] = lg_graph_cat(&heap, &g, i);
    flags[i] = lg_graph_flags(&g, i);
    cl[i] = lg_graph_cluster(&g, i);
    assert_int_equal(cl[i] != 0, is_lost(i));
  }
  struct lg_lost_word *dir = g.lost_dir;
  g.lost_dir = NULL; /* the binary search of g.lost */
  for (size_t i = 0; i < NB; i++) {
    assert_int_equal(lg_graph_cat(&heap, &g, i), cat[i]);
    assert_int_equal(lg_graph_flags(&g, i), flags[i]);
    assert_int_equal(lg_graph_cluster(&g, i), cl[i]);
  }
  g.lost_dir = dir;
  lg_graph_free(&g);
  lg_heap_free(&heap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_edges_and_clusters_match_a_linear_search),
      cmocka_unit_test(test_lost_directory_answers_as_the_search),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
