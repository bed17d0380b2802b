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
  assert_int_equal(blk[0].cat, LG_CAT_DEFINITE);
  for (size_t i = 1; i < 7; i++) assert_int_equal(blk[i].cat, LG_CAT_INDIRECT);
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
  assert_int_equal(blk[0].cat, LG_CAT_DEFINITE); /* mem[0] has the lower address */
  assert_int_equal(blk[1].cat, LG_CAT_INDIRECT);
  assert_true(blk[0].flags & LG_BF_IN_CYCLE);
  const char *why;
  assert_int_equal(lg_graph_verify(&heap, &g, &why), 0);
  blk[1].cat = LG_CAT_REACHABLE; /* break it: the verifier must notice */
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
  assert_int_equal(blk[0].cat, LG_CAT_DEFINITE);
  assert_int_equal(blk[1].cat, LG_CAT_DEFINITE);
  assert_true(g.clusters[blk[0].cluster - 1].cyclic);
  assert_false(g.clusters[blk[1].cluster - 1].cyclic);
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
  assert_int_equal(blk[0].cat, LG_CAT_DEFINITE);
  assert_false(g.clusters[blk[0].cluster - 1].cyclic);
  assert_false(blk[0].flags & LG_BF_IN_CYCLE);
  assert_true(g.clusters[blk[1].cluster - 1].cyclic);
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
  assert_int_equal(blk[0].cat, LG_CAT_DEFINITE);
  assert_int_equal(blk[1].cat, LG_CAT_INDIRECT);
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
  assert_int_equal(blk[2].cat, LG_CAT_DEFINITE);
  assert_int_equal(blk[0].cat, LG_CAT_INDIRECT);
  assert_int_equal(blk[1].cat, LG_CAT_INDIRECT);
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
  assert_int_equal(blk[0].cat, LG_CAT_POSSIBLE);
  assert_int_equal(blk[1].cat, LG_CAT_POSSIBLE);
  assert_int_equal(blk[2].cat, LG_CAT_DEFINITE);
  assert_int_equal(g.nclusters, 3);
  assert_true(g.clusters[blk[0].cluster - 1].possible);
  assert_false(g.clusters[blk[2].cluster - 1].possible);
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
  assert_int_equal(b[0].cat, LG_CAT_DEFINITE);
  /* Reachable from a root, the whole list is marked iteratively too. */
  lg_graph_free(&g);
  for (size_t i = 0; i < N; i++) b[i].mark = 0;
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

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find_start_interior_and_outside),
      cmocka_unit_test(test_find_in_far_regions_and_gaps),
      cmocka_unit_test(test_sort_orders_by_address),
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
      cmocka_unit_test(test_chain_of_an_unreached_block_is_empty),
      cmocka_unit_test(test_glibc_next_chunk_pointer_is_not_interior),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
