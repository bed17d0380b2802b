/* tests/unit/test_sites.c — unit tests of allocation sites as the report
 * groups them (tools/sites.c, tools/records.c) and of the text report's
 * first screen (tools/render_text.c): recursion folded (a tree's root and
 * leaves are one site, "recursion x4"; mutual recursion too), the site key
 * (module, function, offset within the function; the same across ASLR and
 * line changes; frames without a function or module), the compact view's
 * frames (up to main, never the C library's start-up), a
 * cluster's members merged by folded site and its listed blocks mapped to
 * them, loss records (clusters with one entry site merged, lost before
 * possibly lost, largest first), and the text: records that fit the first
 * screen then a line on the others, --all showing every one, the small
 * cluster's graph inline, the --cluster view's members and pointers. The
 * recursion tests symbolize stacks of this very binary (two return
 * addresses inside one function are one function). */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <link.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "analyze.h"
#include "reader.h"
#include "records.h"
#include "render.h"
#include "sites.h"
#include "symbolize.h"

#include "logbuild.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* A frame of function `fn` in /usr/bin/prog at offset `off` within it. */
static lg_symframe_t fr(const char *fn, uint64_t address, uint64_t off,
                        int line) {
  lg_symframe_t f = {0};
  f.function = fn, f.module = "/usr/bin/prog", f.address = address;
  f.offset = address - 0x400000, f.fn_offset = off, f.line = line;
  f.file = "prog.c";
  return f;
}

/* ------------------------------------------------------------ folding */

static void test_tree_root_and_leaf_fold_to_one_site(void **state) {
  lg_symframe_t root[] = {fr("make_tree", 0x401024, 0x24, 42),
                          fr("build", 0x401113, 0x13, 51),
                          fr("main", 0x4011bf, 0x1f, 95)};
  lg_symframe_t leaf[] = {fr("make_tree", 0x401024, 0x24, 42),
                          fr("make_tree", 0x40104c, 0x4c, 44),
                          fr("make_tree", 0x40106e, 0x6e, 45),
                          fr("make_tree", 0x40104c, 0x4c, 44),
                          fr("build", 0x401113, 0x13, 51),
                          fr("main", 0x4011bf, 0x1f, 95)};
  lg_fstack_t a, b;
  lg_site_fold(root, N(root), &a);
  lg_site_fold(leaf, N(leaf), &b);
  assert_string_equal(a.key, b.key);
  assert_int_equal(b.nsegs, 3);
  assert_int_equal(b.segs[0].first, 0);
  assert_int_equal(b.segs[0].len, 4);
  assert_int_equal(b.segs[0].period, 1);
  assert_int_equal(b.segs[0].depth, 4);
  assert_int_equal(lg_site_max_depth(&a), 1);
  assert_int_equal(lg_site_max_depth(&b), 4);
  lg_site_fold_max(&a, &b);
  assert_int_equal(a.segs[0].depth, 4);
  lg_site_fold_free(&a);
  lg_site_fold_free(&b);
}

static void test_mutual_recursion_folds_with_its_period(void **state) {
  lg_symframe_t s[] = {fr("even", 0x401010, 0x10, 3), fr("odd", 0x401210, 0x10, 9),
                       fr("even", 0x401020, 0x20, 4), fr("odd", 0x401210, 0x10, 9),
                       fr("even", 0x401020, 0x20, 4), fr("main", 0x4011bf, 0x1f, 95)};
  lg_fstack_t f;
  lg_site_fold(s, N(s), &f);
  assert_int_equal(f.nsegs, 2);
  assert_int_equal(f.segs[0].period, 2);
  assert_int_equal(f.segs[0].len, 5);
  assert_int_equal(f.segs[0].depth, 3);
  assert_string_equal(f.key, "even+0x10@prog;odd+0x10@prog;main+0x1f@prog");
  lg_site_fold_free(&f);
}

static void test_stack_without_repetition_is_not_folded(void **state) {
  lg_symframe_t s[] = {fr("a", 0x401010, 0x10, 1), fr("b", 0x401210, 0x10, 2),
                       fr("a", 0x401020, 0x20, 3), fr("main", 0x4011bf, 0x1f, 4)};
  lg_fstack_t f;
  lg_site_fold(s, N(s), &f);
  assert_int_equal(f.nsegs, 4);
  for (size_t i = 0; i < f.nsegs; i++)
    assert_int_equal(f.segs[i].depth, 1);
  lg_site_fold_free(&f);
}

static void test_compact_view_ends_at_main_before_libc_start(void **state) {
  lg_symframe_t s[] = {fr("leak", 0x401010, 0x10, 1), fr("main", 0x401110, 0x10, 2),
                       fr("__libc_start_call_main", 0x7f0010, 0x7a, 58),
                       fr("__libc_start_main", 0x7f0110, 0x85, 360),
                       fr("_start", 0x401000, 0x21, 0)};
  lg_fstack_t f;
  lg_site_fold(s, N(s), &f);
  assert_int_equal(lg_site_compact_len(&f), 2);
  lg_site_fold_free(&f);
  /* no main (a stripped program): up to the C library's start-up */
  lg_symframe_t t[] = {fr("xmalloc", 0x401010, 0x10, 0), fr(NULL, 0x401200, 0, 0),
                       fr("__libc_start_call_main", 0x7f0010, 0x7a, 58)};
  lg_site_fold(t, N(t), &f);
  assert_int_equal(lg_site_compact_len(&f), 2);
  lg_site_fold_free(&f);
  /* a thread's stack: every frame */
  lg_symframe_t u[] = {fr("worker", 0x401010, 0x10, 0), fr("start_thread", 0x7f1000, 0x10, 0),
                       fr("clone3", 0x7f2000, 0x10, 0)};
  lg_site_fold(u, N(u), &f);
  assert_int_equal(lg_site_compact_len(&f), 3);
  lg_site_fold_free(&f);
}

/* ---------------------------------------------------------- site keys */

static void test_frame_keys_name_module_function_and_offset(void **state) {
  lg_symframe_t f = fr("ns::f(int)", 0x7f0000001234, 0x24, 7);
  f.module = "/usr/lib/x86_64-linux-gnu/libfoo.so.1";
  f.linkage = "_ZN2ns1fEi";
  char *k = lg_site_frame_key(&f);
  assert_string_equal(k, "ns::f(int)+0x24@libfoo.so.1");
  free(k);
  lg_symframe_t raw = {0};
  raw.module = "/usr/bin/python3.11", raw.address = 0x63f75b;
  raw.offset = 0x63f75b;
  k = lg_site_frame_key(&raw);
  assert_string_equal(k, "@python3.11+0x63f75b");
  free(k);
  lg_symframe_t none = {0};
  none.address = 0x1234;
  k = lg_site_frame_key(&none);
  assert_string_equal(k, "?");
  free(k);
  k = lg_site_key(NULL, 0);
  assert_string_equal(k, "");
  free(k);
}

static void test_site_key_survives_aslr_and_line_changes(void **state) {
  lg_symframe_t a[] = {fr("leak", 0x401024, 0x24, 10), fr("main", 0x4011bf, 0x1f, 20)};
  lg_symframe_t b[] = {fr("leak", 0x7f1234001024, 0x24, 12),
                       fr("main", 0x7f12340011bf, 0x1f, 25)};
  lg_symframe_t c[] = {fr("leak", 0x401028, 0x28, 10), fr("main", 0x4011bf, 0x1f, 20)};
  char *ka = lg_site_key(a, N(a)), *kb = lg_site_key(b, N(b));
  char *kc = lg_site_key(c, N(c));
  assert_string_equal(ka, kb);
  assert_string_equal(ka, "leak+0x24@prog;main+0x1f@prog");
  assert_string_not_equal(ka, kc); /* another call in leak: another site */
  free(ka), free(kb), free(kc);
}

/* ------------------------------------------- records from a real binary */

/* A recursive function of this binary; its body holds the addresses the
 * log's stacks use (two return addresses inside it are one function). */
__attribute__((noinline)) int lg_test_make_node(int depth) {
  volatile int v = depth;
  if (v > 0)
    v += lg_test_make_node(depth - 1);
  return v + 1;
}

__attribute__((noinline)) int lg_test_build(int n) {
  volatile int v = lg_test_make_node(n);
  return v;
}

static int first_module(struct dl_phdr_info *info, size_t size, void *data) {
  *(uint64_t *)data = info->dlpi_addr;
  return 1;
}

/* Writes the log of a process of this binary with: cluster 1, a tree of 3
 * blocks (entry at stack 1 = make_node+4 < build+4, the two others at
 * stack 2 = make_node+4 < make_node+8 < make_node+8 < build+4), cluster 2
 * a single block at stack 1 too, cluster 3 a possibly lost block at stack
 * 1, and cluster 4 a single block at stack 3 (build+8). */
static lg_process_t *read_recursive_log(lb_t *l) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(first_module, &bias);
  uint64_t mk = (uint64_t)(uintptr_t)&lg_test_make_node;
  uint64_t bd = (uint64_t)(uintptr_t)&lg_test_build;
  uint64_t s1[] = {mk + 4, bd + 4}, s2[] = {mk + 4, mk + 8, mk + 8, bd + 4};
  uint64_t s3[] = {bd + 8};
  lb_header(l, 1, exe);
  lb_module(l, 1, bias, "", "", (mk < bd ? mk : bd) - 0x1000, 0x4000);
  lb_stack(l, 1, N(s1), s1);
  lb_stack(l, 2, N(s2), s2);
  lb_stack(l, 3, N(s3), s3);
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  static const lb_site_t t1[] = {{1, LG_CAT_DEFINITE, 1, 48},
                                 {2, LG_CAT_INDIRECT, 2, 96}};
  static const lb_block_t b1[] = {
      {0x1000, 48, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY},
      {0x2000, 48, 2, LG_CAT_INDIRECT, 0},
      {0x3000, 48, 2, LG_CAT_INDIRECT, 0}};
  static const uint32_t e1[][2] = {{0, 1}, {0, 2}};
  lb_cluster(l, 1, 1, 0, 2, t1, 3, b1, 2, e1);
  static const lb_site_t t2[] = {{1, LG_CAT_DEFINITE, 1, 40}};
  static const lb_block_t b2[] = {{0x4000, 40, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY}};
  lb_cluster(l, 1, 2, 0, 1, t2, 1, b2, 0, NULL);
  static const lb_site_t t3[] = {{1, LG_CAT_POSSIBLE, 1, 500}};
  static const lb_block_t b3[] = {{0x5000, 500, 1, LG_CAT_POSSIBLE, LG_LISTED_ENTRY}};
  lb_cluster(l, 1, 3, LG_CLUSTER_POSSIBLE, 1, t3, 1, b3, 0, NULL);
  static const lb_site_t t4[] = {{3, LG_CAT_DEFINITE, 1, 16}};
  static const lb_block_t b4[] = {{0x6000, 16, 3, LG_CAT_DEFINITE, LG_LISTED_ENTRY}};
  lb_cluster(l, 1, 4, 0, 1, t4, 1, b4, 0, NULL);
  static const uint64_t tot[4][2] = {{104, 3}, {96, 2}, {500, 1}, {0, 0}};
  lb_scan_end(l, 1, tot, 4, 0);
  lb_end_rec(l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(l, &r);
  assert_non_null(p);
  return p;
}

/* Renders the report as text with `flags`, for cluster `cluster` (0: all). */
static char *text_of(const lg_report_t *r, unsigned cluster, unsigned flags) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_render_text_with(f, r, cluster, flags);
  fclose(f);
  return buf;
}

/* Counts the occurrences of `needle` in `s`. */
static size_t occurrences(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *q = s; (q = strstr(q, needle)); q += strlen(needle))
    n++;
  return n;
}

static void test_records_merge_clusters_of_one_folded_site(void **state) {
  lb_t l = {0};
  lg_process_t *p[1] = {read_recursive_log(&l)};
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_report_t r;
  lg_analyze_build(&r, p, 1, NULL, sym, 0);
  assert_int_equal(r.nclusters, 4);
  assert_int_equal(r.nrecords, 3);
  const lg_rrecord_t *tree = &r.records[0];
  assert_false(tree->possible);
  assert_int_equal(tree->nclusters, 2); /* the tree and the single block */
  assert_int_equal(tree->bytes, 144 + 40);
  assert_int_equal(tree->blocks, 4);
  assert_int_equal(tree->definite.bytes, 88);
  assert_int_equal(tree->indirect.bytes, 96);
  assert_int_equal(lg_site_max_depth(&tree->site), 3);
  assert_string_equal(tree->site.frames[0].function, "lg_test_make_node");
  assert_int_equal(tree->nmembers, 2); /* definite and indirect, one site */
  assert_string_equal(tree->members[0].site.key, tree->members[1].site.key);
  assert_int_equal(tree->members[0].cat, LG_CAT_DEFINITE);
  assert_int_equal(tree->members[0].blocks, 2);
  assert_int_equal(tree->members[1].nstacks, 1);
  assert_false(r.records[1].possible); /* the other lost site */
  assert_int_equal(r.records[1].bytes, 16);
  assert_true(r.records[2].possible); /* possibly lost last, though largest */
  assert_int_equal(r.records[2].bytes, 500);
  for (size_t k = 0; k < r.nclusters; k++) /* every cluster in its record */
    assert_true(r.clusters[k].record < r.nrecords);
  char *t = text_of(&r, 0, 0);
  assert_non_null(strstr(t, "184 (88 direct, 96 indirect) bytes in 4 blocks "
                            "are definitely lost in 2 clusters of 4: 2, 3\n"
                            "     at lg_test_make_node ("));
  assert_non_null(strstr(t, "  recursion \u00d73\n     by lg_test_build ("));
  assert_non_null(strstr(t, "   + 2 blocks (96 bytes) indirectly lost, at the "
                            "same site\n"));
  assert_non_null(strstr(t, "500 bytes in 1 block are possibly lost in cluster "
                            "1 of 4\n"));
  assert_true(strstr(t, "definitely lost in 2 clusters") <
              strstr(t, "possibly lost in cluster 1"));
  free(t);
  lg_analyze_free(&r);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
  lb_free(&l);
}

static void test_detail_view_shows_member_sites_and_pointers(void **state) {
  lb_t l = {0};
  lg_process_t *p[1] = {read_recursive_log(&l)};
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_report_t r;
  lg_analyze_build(&r, p, 1, NULL, sym, 0);
  const lg_rcluster_t *c = &r.clusters[1]; /* the tree: 144 bytes */
  assert_int_equal(c->bytes, 144);
  assert_int_equal(c->nmembers, 2);
  assert_int_equal(c->listed_member[0], 0); /* definite first */
  assert_int_equal(c->listed_member[1], 1);
  assert_int_equal(c->listed_member[2], 1);
  char *t = text_of(&r, c->id, 0);
  assert_non_null(strstr(t, "     [site 2] 2 blocks (96 bytes) indirectly "
                            "lost, allocated at:\n       (the entry block's "
                            "site, above; recursion \u00d73)\n"));
  assert_non_null(strstr(t, "     [1] 0x2000 48 bytes, indirectly lost, site 2\n"));
  assert_non_null(strstr(t, "     pointers: [0] -> [1], [0] -> [2]\n"));
  assert_null(strstr(t, "possibly lost in cluster")); /* only that cluster */
  free(t);
  lg_analyze_free(&r);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
  lb_free(&l);
}

/* ------------------------------------------------------- first screen */

/* A log with `n` single-block definitely lost clusters, each from a stack
 * of its own (stack k: one frame at 0x401000 + 16 k), the k-th of 100 + k
 * bytes, and the sample's cyclic three-block cluster. */
static lg_process_t *read_many_sites(uint32_t n) {
  lb_t l = {0};
  lb_header(&l, 3, "/bin/many");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x100000);
  for (uint32_t k = 1; k <= n; k++) {
    uint64_t a = 0x401000 + 16 * k;
    lb_stack(&l, k, 1, &a);
  }
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  for (uint32_t k = 1; k <= n; k++) {
    lb_site_t s = {k, LG_CAT_DEFINITE, 1, 100 + k};
    lb_block_t b = {0x10000 * k, 100 + k, k, LG_CAT_DEFINITE, LG_LISTED_ENTRY};
    lb_cluster(&l, 1, k, 0, 1, &s, 1, &b, 0, NULL);
  }
  static const uint64_t t[4][2] = {{0, 0}, {0, 0}, {0, 0}, {0, 0}};
  lb_scan_end(&l, 1, t, n, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

static void test_first_screen_shows_the_largest_then_how_many_more(void **s) {
  lg_process_t *p[1] = {read_many_sites(40)};
  lg_sym_t *sym = lg_sym_new(0, NULL);
  lg_report_t r;
  lg_analyze_build(&r, p, 1, NULL, sym, 0);
  assert_int_equal(r.nrecords, 40);
  char *t = text_of(&r, 0, 0);
  size_t shown = occurrences(t, " are definitely lost in cluster ");
  assert_true(shown >= 3 && shown < 40);
  assert_non_null(strstr(t, "140 bytes in 1 block are definitely lost in "
                            "cluster 1 of 40\n     at many+0x401280\n"));
  char want[200];
  snprintf(want, sizeof want, "... and %zu more allocation sites: %zu lost (",
           40 - shown, 40 - shown);
  assert_non_null(strstr(t, want));
  assert_non_null(strstr(t, "--all shows every site, --cluster=ID one "
                            "cluster in detail\n"));
  size_t lines = occurrences(t, "\n");
  assert_true(lines <= 45); /* the first screen, LEAK SUMMARY included */
  free(t);
  t = text_of(&r, 0, LG_TEXT_ALL);
  assert_int_equal(occurrences(t, " are definitely lost in cluster "), 40);
  assert_null(strstr(t, "more allocation sites"));
  free(t);
  lg_analyze_free(&r);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
}

static void test_small_cluster_graph_is_drawn_inline(void **state) {
  lb_t l = {0};
  lb_sample(&l, 8);
  lg_read_result_t rr;
  lg_process_t *p[1] = {lb_read(&l, &rr)};
  lb_free(&l);
  lg_sym_t *sym = lg_sym_new(0, NULL);
  lg_report_t r;
  lg_analyze_build(&r, p, 1, NULL, sym, 0);
  char *t = text_of(&r, 0, 0);
  assert_non_null(strstr(t, "   graph: [0] -> [1], [1] -> [0], [1] -> [2]\n"
                            "     [0] 32 bytes, entry, in a cycle: "
                            "sample+0x401010 < sample+0x402020\n"
                            "     [1] 32 bytes, in a cycle: sample+0x403030\n"
                            "     [2] 32 bytes: sample+0x403030\n"));
  free(t);
  lg_analyze_free(&r);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_tree_root_and_leaf_fold_to_one_site),
      cmocka_unit_test(test_mutual_recursion_folds_with_its_period),
      cmocka_unit_test(test_stack_without_repetition_is_not_folded),
      cmocka_unit_test(test_compact_view_ends_at_main_before_libc_start),
      cmocka_unit_test(test_frame_keys_name_module_function_and_offset),
      cmocka_unit_test(test_site_key_survives_aslr_and_line_changes),
      cmocka_unit_test(test_records_merge_clusters_of_one_folded_site),
      cmocka_unit_test(test_detail_view_shows_member_sites_and_pointers),
      cmocka_unit_test(test_first_screen_shows_the_largest_then_how_many_more),
      cmocka_unit_test(test_small_cluster_graph_is_drawn_inline),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
