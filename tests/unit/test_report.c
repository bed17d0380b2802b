/* tests/unit/test_report.c — unit tests of what leakgraph-report does after
 * reading: suppression patterns (substring, wildcards, anchors) and files,
 * the summary arithmetic when sites are suppressed, the choice of the last
 * complete scan, the clusters a process reports (its exit scan's; for a
 * killed one what its last scan found lost, LIVE records included, plus
 * the lost clusters of earlier scans, each block once; the union for a
 * version-1 log), merging
 * processes into one numbered list, --fail-on parsing and evaluation
 * (growth included), the JSON "scans" array and the text's one-line
 * summary of the scans (the per-scan lines and info notes only with
 * --verbose), symbolization of this very test binary (a function, a
 * function inlined into another as a frame of its own, a C++ name
 * demangled in every output and matched by suppressions in both
 * forms, and a global variable at a chain's root), and the JSON keys the
 * specification and the integration tests rely on, growth's and the
 * heuristics' included. */
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
#include "json.h"
#include "reader.h"
#include "render.h"
#include "suppress.h"
#include "symbolize.h"

#include "logbuild.h"

/* ------------------------------------------------------------- helpers */

static lg_process_t *read_sample(uint32_t pid) {
  lb_t l = {0};
  lb_sample(&l, pid);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

/* Builds a report of `n` processes with suppressions `text` (may be NULL),
 * symbolizer off. Free with free_report. */
typedef struct fixture {
  lg_report_t r;
  lg_supps_t supps;
  lg_sym_t *sym;
} fixture_t;

static void build_report_flags(fixture_t *fx, lg_process_t **p, size_t n,
                               const char *text, unsigned flags) {
  char err[256];
  memset(fx, 0, sizeof *fx);
  if (text)
    assert_int_equal(lg_supp_parse(&fx->supps, text, "t", err, sizeof err), 0);
  fx->sym = lg_sym_new(0, NULL);
  lg_analyze_build(&fx->r, p, n, &fx->supps, fx->sym, flags);
}

static void build_report(fixture_t *fx, lg_process_t **p, size_t n,
                         const char *text) {
  build_report_flags(fx, p, n, text, 0);
}

static lg_process_t *read_periodic(uint32_t pid) {
  lb_t l = {0};
  lb_periodic(&l, pid);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

static void free_report(fixture_t *fx, lg_process_t **p, size_t n) {
  lg_analyze_free(&fx->r);
  lg_sym_free(fx->sym);
  lg_supp_free(&fx->supps);
  for (size_t i = 0; i < n; i++)
    lg_reader_free(p[i]);
}

/* --------------------------------------------------- pattern matching */

static void test_pattern_matches_as_substring(void **state) {
  assert_true(lg_supp_pattern_match("alloc", "my_allocator"));
  assert_true(lg_supp_pattern_match("libfoo.so", "/usr/lib/libfoo.so.1"));
  assert_false(lg_supp_pattern_match("allox", "my_allocator"));
}

static void test_pattern_star_matches_any_run(void **state) {
  assert_true(lg_supp_pattern_match("make*node", "make_big_node"));
  assert_true(lg_supp_pattern_match("make*node", "makenode"));
  assert_true(lg_supp_pattern_match("a*b*c", "xxaYYbZZcxx"));
  assert_false(lg_supp_pattern_match("a*b*c", "xxaYYcZZbxx"));
  assert_true(lg_supp_pattern_match("*", "anything"));
}

static void test_pattern_anchors_bind_to_ends(void **state) {
  assert_true(lg_supp_pattern_match("^make", "make_node"));
  assert_false(lg_supp_pattern_match("^node", "make_node"));
  assert_true(lg_supp_pattern_match("node$", "make_node"));
  assert_false(lg_supp_pattern_match("make$", "make_node"));
  assert_true(lg_supp_pattern_match("^make_node$", "make_node"));
  assert_false(lg_supp_pattern_match("^make_node$", "make_node2"));
  assert_true(lg_supp_pattern_match("foo$", "foofoo"));
  assert_true(lg_supp_pattern_match("^m*e$", "make_node"));
}

static void test_pattern_never_matches_missing_string(void **state) {
  assert_false(lg_supp_pattern_match("*", NULL));
  assert_false(lg_supp_pattern_match("*", ""));
}

static void test_pattern_with_many_stars_is_fast(void **state) {
  char s[4001];
  memset(s, 'a', 4000);
  s[4000] = '\0';
  /* exponential in a naive matcher; linear-ish here */
  assert_false(lg_supp_pattern_match("^*a*a*a*a*a*a*a*a*a*a*b$", s));
}

/* -------------------------------------------------- suppression files */

static void test_supp_parse_keeps_leak_lines_only(void **state) {
  lg_supps_t s = {0};
  char err[256];
  const char *text = "# comment\n\n  leak:foo  \r\ninterceptor_via_fun:bar\n"
                     "leak:^baz$\n";
  assert_int_equal(lg_supp_parse(&s, text, "f", err, sizeof err), 0);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.v[0].pattern, "foo");
  assert_string_equal(s.v[1].pattern, "^baz$");
  assert_string_equal(s.v[1].origin, "f:5");
  lg_supp_free(&s);
}

static void test_supp_parse_rejects_line_without_type(void **state) {
  lg_supps_t s = {0};
  char err[256];
  assert_int_equal(lg_supp_parse(&s, "leak:ok\njust words\n", "f", err,
                                 sizeof err),
                   -1);
  assert_non_null(strstr(err, "f:2"));
  lg_supp_free(&s);
}

static void test_supp_file_that_cannot_be_read_is_an_error(void **state) {
  lg_supps_t s = {0};
  char err[256];
  assert_int_equal(lg_supp_load_file(&s, "/nonexistent/supp", err, sizeof err),
                   -1);
  assert_non_null(strstr(err, "/nonexistent/supp"));
}

static void test_stack_matches_on_any_frame_module(void **state) {
  lg_supps_t s = {0};
  char err[64];
  lg_symframe_t f[2] = {{.module = "/bin/a"}, {.function = "g",
                                                .file = "/src/lib.c",
                                                .module = "/lib/x.so"}};
  assert_int_equal(lg_supp_parse(&s, "leak:lib.c$", "t", err, sizeof err), 0);
  assert_non_null(lg_supp_match_stack(&s, f, 2));
  assert_null(lg_supp_match_stack(&s, f, 1));
  lg_supp_free(&s);
}

/* ------------------------------------------------------------ analysis */

static void test_summary_comes_from_scan_end(void **state) {
  lg_process_t *p[1] = {read_sample(10)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 32);
  assert_int_equal(fx.r.summary[LG_RCAT_INDIRECT].blocks, 2);
  assert_int_equal(fx.r.summary[LG_RCAT_REACHABLE].bytes, 100);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].bytes, 0);
  assert_int_equal(fx.r.nclusters, 1);
  assert_int_equal(fx.r.ncyclic, 1);
  const lg_rcluster_t *c = &fx.r.clusters[0];
  assert_int_equal(c->bytes, 96);
  assert_int_equal(c->definite.bytes, 32);
  assert_int_equal(c->indirect.bytes, 64);
  assert_int_equal(c->nentries, 1);
  assert_int_equal(c->entries[0].address, 0x10000);
  assert_int_equal(c->entries[0].stack.n, 2);
  free_report(&fx, p, 1);
}

/* A process whose cluster has a site in /lib/noisy.so (stack 2) and one in
 * the executable (stack 1). */
static lg_process_t *read_two_module_log(void) {
  lb_t l = {0};
  static const uint64_t s1[] = {0x401000}, s2[] = {0x7000100};
  static const lb_site_t sites[] = {{1, LG_CAT_DEFINITE, 1, 16},
                                    {2, LG_CAT_INDIRECT, 3, 300}};
  static const lb_block_t blocks[] = {
      {0x1000, 16, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY}};
  static const uint64_t totals[4][2] = {{16, 1}, {300, 3}, {0, 0}, {0, 0}};
  lb_header(&l, 20, "/bin/two");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x10000);
  lb_module(&l, 2, 0x7000000, "/lib/noisy.so", "", 0x7000000, 0x1000);
  lb_stack(&l, 1, 1, s1);
  lb_stack(&l, 2, 1, s2);
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, 2, sites, 1, blocks, 0, NULL);
  lb_scan_end(&l, 1, totals, 1, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

static void test_suppressed_site_moves_to_suppressed(void **state) {
  lg_process_t *p[1] = {read_two_module_log()};
  fixture_t fx;
  build_report(&fx, p, 1, "leak:noisy.so\n");
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 16);
  assert_int_equal(fx.r.summary[LG_RCAT_INDIRECT].bytes, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_INDIRECT].blocks, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].bytes, 300);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].blocks, 3);
  assert_int_equal(fx.r.nclusters, 1);
  assert_int_equal(fx.r.clusters[0].bytes, 16); /* recomputed */
  assert_int_equal(fx.r.clusters[0].blocks, 1);
  assert_int_equal(fx.r.clusters[0].nsites, 1);
  assert_int_equal(fx.supps.v[0].hits, 1);
  free_report(&fx, p, 1);
}

static void test_cluster_with_every_site_suppressed_is_dropped(void **s) {
  lg_process_t *p[1] = {read_two_module_log()};
  fixture_t fx;
  build_report(&fx, p, 1, "leak:noisy\nleak:/bin/two\n");
  assert_int_equal(fx.r.nclusters, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].bytes, 316);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].blocks, 4);
  free_report(&fx, p, 1);
}

static void test_suppressions_recorded_in_log_apply(void **state) {
  lb_t l = {0};
  lb_sample(&l, 30);
  lb_t m = {0};
  /* same log with an inline SUPPRESSIONS record after the HEADER */
  lb_raw(&m, l.b, l.ends[0]);
  lb_supp(&m, LG_SUPP_INLINE, "leak:/bin/sample\n");
  lb_raw(&m, l.b + l.ends[0], l.n - l.ends[0]);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&m, &r)};
  assert_non_null(p[0]);
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].bytes, 96);
  free_report(&fx, p, 1);
  lb_free(&l);
  lb_free(&m);
}

static void test_last_complete_scan_is_reported(void **state) {
  lb_t l = {0};
  static const lb_site_t a = {1, LG_CAT_DEFINITE, 1, 8};
  static const lb_site_t b = {1, LG_CAT_DEFINITE, 2, 24};
  static const uint64_t t1[4][2] = {{8, 1}, {0, 0}, {0, 0}, {0, 0}};
  static const uint64_t t2[4][2] = {{24, 2}, {0, 0}, {0, 0}, {0, 0}};
  lb_header(&l, 40, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_cluster(&l, 1, 1, 0, 1, &a, 0, NULL, 0, NULL);
  lb_scan_end(&l, 1, t1, 1, 0);
  lb_scan_begin(&l, 2, LG_SCAN_EXIT);
  lb_cluster(&l, 2, 2, 0, 1, &b, 0, NULL, 0, NULL);
  lb_scan_end(&l, 2, t2, 1, 0);
  lb_scan_begin(&l, 3, LG_SCAN_SIGNAL); /* never ends */
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 1);
  assert_int_equal(fx.r.clusters[0].bytes, 24);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].blocks, 2);
  assert_int_equal(lg_analyze_scan(p[0])->scan, 2);
  free_report(&fx, p, 1);
  lb_free(&l);
}

static void test_two_processes_merge_sorted_and_numbered(void **state) {
  lg_process_t *p[2] = {read_sample(10), read_two_module_log()};
  fixture_t fx;
  build_report(&fx, p, 2, NULL);
  assert_int_equal(fx.r.nclusters, 2);
  assert_int_equal(fx.r.clusters[0].id, 1);
  assert_int_equal(fx.r.clusters[0].bytes, 316); /* largest first */
  assert_int_equal(fx.r.clusters[0].proc->pid, 20);
  assert_int_equal(fx.r.clusters[1].id, 2);
  assert_int_equal(fx.r.clusters[1].proc->pid, 10);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 48);
  assert_int_equal(fx.r.summary[LG_RCAT_INDIRECT].bytes, 364);
  assert_int_equal(fx.r.summary[LG_RCAT_REACHABLE].bytes, 100);
  assert_int_equal(fx.r.ncyclic, 1);
  free_report(&fx, p, 2);
}


/* A cluster of one definitely lost block at `addr` of `bytes` bytes, from
 * stack 1, logged by `scan` and first seen in `first`. */
static void one_block_cluster(lb_t *l, uint32_t scan, uint32_t id,
                              uint32_t first, uint64_t addr, uint64_t bytes) {
  lb_site_t site = {1, LG_CAT_DEFINITE, 1, bytes};
  lb_block_t b = {addr, bytes, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY};
  lb_cluster_fs(l, scan, id, first, 0, 1, &site, 1, &b, 0, NULL);
}

/* Returns the reported cluster whose entry is at `addr`, or fails. */
static const lg_rcluster_t *cluster_at(const lg_report_t *r, uint64_t addr) {
  for (size_t i = 0; i < r->nclusters; i++)
    if (r->clusters[i].nentries && r->clusters[i].entries[0].address == addr)
      return &r->clusters[i];
  fail_msg("no cluster with entry 0x%llx", (unsigned long long)addr);
  return NULL;
}

static void test_killed_process_keeps_latest_version_of_earlier_leaks(void **s) {
  static const uint64_t t[4][2] = {{88, 3}, {0, 0}, {0, 0}, {0, 0}};
  lb_t l = {0};
  lb_header(&l, 50, "/bin/p");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  one_block_cluster(&l, 1, 1, 1, 0x1000, 16);
  one_block_cluster(&l, 1, 2, 1, 0x2000, 32);
  lb_scan_end(&l, 1, t, 2, 0);
  lb_scan_begin(&l, 2, LG_SCAN_SIGNAL);
  one_block_cluster(&l, 2, 3, 1, 0x1000, 48); /* A changed: new version */
  lb_scan_end(&l, 2, t, 1, 0);
  lb_scan_begin(&l, 3, LG_SCAN_PERIODIC);
  one_block_cluster(&l, 3, 4, 3, 0x3000, 8);
  lb_scan_end(&l, 3, t, 1, 0);
  lb_scan_begin(&l, 4, LG_SCAN_PERIODIC); /* never ends */
  one_block_cluster(&l, 4, 5, 4, 0x4000, 1000);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 3);
  const lg_rcluster_t *a = cluster_at(&fx.r, 0x1000);
  assert_int_equal(a->bytes, 48);
  assert_int_equal(a->src->first_seen_scan, 1); /* as logged */
  assert_int_equal(a->src->scan, 2);
  assert_int_equal(cluster_at(&fx.r, 0x2000)->bytes, 32);
  assert_int_equal(cluster_at(&fx.r, 0x3000)->src->first_seen_scan, 3);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 88); /* scan 3 */
  free_report(&fx, p, 1);
  lb_free(&l);
}

/* A cluster of one possibly lost block at `addr` of `bytes` bytes. */
static void one_possible_cluster(lb_t *l, uint32_t scan, uint32_t id,
                                 uint64_t addr, uint64_t bytes) {
  lb_site_t site = {1, LG_CAT_POSSIBLE, 1, bytes};
  lb_block_t b = {addr, bytes, 1, LG_CAT_POSSIBLE, LG_LISTED_ENTRY};
  lb_cluster(l, scan, id, LG_CLUSTER_POSSIBLE, 1, &site, 1, &b, 0, NULL);
}

/* A killed daemon's log of format `version`: scan 1 logs a definite leak A
 * (0x1000, 16 bytes, id 1) and two possibly lost blocks P (0x2000, 1000
 * bytes, id 2) and Q (0x3000, 200 bytes, id 3); scan 2 finds all three
 * unchanged (LIVE 1 2 3); scan 3 finds only Q still lost (LIVE 3; P became
 * reachable again, A was left out); scan 4 never ends. */
static lg_process_t *read_killed_daemon(uint32_t version) {
  static const uint64_t t[4][2] = {{16, 1}, {0, 0}, {1200, 2}, {50, 1}};
  static const uint32_t live2[] = {1, 2, 3}, live3[] = {3};
  lb_t l = {0};
  lb_header_v(&l, version, 52, "/bin/daemon");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  one_block_cluster(&l, 1, 1, 1, 0x1000, 16);
  one_possible_cluster(&l, 1, 2, 0x2000, 1000);
  one_possible_cluster(&l, 1, 3, 0x3000, 200);
  lb_scan_end(&l, 1, t, 3, 0);
  lb_scan_begin(&l, 2, LG_SCAN_PERIODIC);
  lb_live(&l, 2, 3, live2);
  lb_scan_end(&l, 2, t, 0, 0);
  lb_scan_begin(&l, 3, LG_SCAN_SIGNAL);
  lb_live(&l, 3, 1, live3);
  lb_scan_end(&l, 3, t, 0, 0);
  lb_scan_begin(&l, 4, LG_SCAN_PERIODIC);
  one_possible_cluster(&l, 4, 4, 0x4000, 5000);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

static void test_killed_process_reports_what_last_scan_found_lost(void **s) {
  lg_process_t *p[1] = {read_killed_daemon(LG_FORMAT_VERSION)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 2); /* Q (named by LIVE) and A */
  assert_int_equal(cluster_at(&fx.r, 0x3000)->bytes, 200);
  assert_int_equal(cluster_at(&fx.r, 0x3000)->src->id, 3);
  assert_int_equal(cluster_at(&fx.r, 0x1000)->bytes, 16);
  for (size_t i = 0; i < fx.r.nclusters; i++) /* P became reachable */
    assert_int_not_equal(fx.r.clusters[i].entries[0].address, 0x2000);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 16);
  assert_int_equal(fx.r.summary[LG_RCAT_POSSIBLE].bytes, 200);
  assert_int_equal(fx.r.summary[LG_RCAT_POSSIBLE].blocks, 1);
  assert_int_equal(fx.r.summary[LG_RCAT_REACHABLE].bytes, 50); /* scan 3 */
  free_report(&fx, p, 1);
}

static void test_killed_version1_log_reports_the_union(void **state) {
  lg_process_t *p[1] = {read_killed_daemon(1)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 3); /* no LIVE in version 1: the union */
  assert_int_equal(fx.r.summary[LG_RCAT_POSSIBLE].bytes, 1200);
  free_report(&fx, p, 1);
}

/* A block counted in an earlier cluster and again, as a member, in a
 * cluster of the last scan is counted once: the last scan's version. */
static void test_killed_process_counts_a_block_once(void **state) {
  static const uint64_t t[4][2] = {{0}};
  static const lb_site_t sites[] = {{1, LG_CAT_DEFINITE, 1, 32},
                                    {1, LG_CAT_INDIRECT, 1, 16}};
  static const lb_block_t b[] = {{0x5000, 32, 1, LG_CAT_DEFINITE,
                                  LG_LISTED_ENTRY},
                                 {0x1000, 16, 1, LG_CAT_INDIRECT, 0}};
  static const uint32_t e[][2] = {{0, 1}};
  lb_t l = {0};
  lb_header(&l, 53, "/bin/p");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  one_block_cluster(&l, 1, 1, 1, 0x1000, 16);
  lb_scan_end(&l, 1, t, 1, 0);
  lb_scan_begin(&l, 2, LG_SCAN_PERIODIC);
  lb_cluster(&l, 2, 2, 0, 2, sites, 2, b, 1, e);
  lb_scan_end(&l, 2, t, 1, 0);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 1);
  assert_int_equal(fx.r.clusters[0].bytes, 48);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 32);
  assert_int_equal(fx.r.summary[LG_RCAT_INDIRECT].bytes, 16);
  free_report(&fx, p, 1);
  lb_free(&l);
}

static void test_exit_scan_clusters_are_preferred_to_union(void **state) {
  static const uint64_t t[4][2] = {{48, 1}, {0, 0}, {0, 0}, {0, 0}};
  lb_t l = {0};
  lb_header(&l, 51, "/bin/p");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  one_block_cluster(&l, 1, 1, 1, 0x1000, 16);
  one_block_cluster(&l, 1, 2, 1, 0x2000, 32); /* freed before exit */
  lb_scan_end(&l, 1, t, 2, 0);
  lb_scan_begin(&l, 2, LG_SCAN_EXIT);
  one_block_cluster(&l, 2, 3, 1, 0x1000, 48);
  lb_scan_end(&l, 2, t, 1, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  size_t n;
  const lg_cluster_t **cls = lg_analyze_clusters(p[0], &n);
  assert_int_equal(n, 1);
  assert_int_equal(cls[0]->bytes, 48);
  free(cls);
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.nclusters, 1);
  assert_int_equal(fx.r.clusters[0].bytes, 48);
  free_report(&fx, p, 1);
  lb_free(&l);
}

static void test_growing_site_is_in_the_report(void **state) {
  lg_process_t *p[1] = {read_periodic(60)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.ngrowing, 1);
  assert_int_equal(fx.r.ngrowth, 1); /* the steady ones are left out */
  const lg_rgrowth_t *g = &fx.r.growth[0];
  assert_int_equal(g->site->stack_id, 1);
  assert_int_equal(g->stack.n, 1);
  assert_int_equal(lg_analyze_growth_rise(g), 4096 * 7);
  assert_non_null(g->chain);
  assert_int_equal(g->chain->nhops, 3);
  assert_string_equal(g->chain->description, "global at 0x600010 in "
                                             "/bin/periodic");
  free_report(&fx, p, 1);
}

static void test_growth_all_keeps_every_site_growing_first(void **state) {
  lg_process_t *p[1] = {read_periodic(60)};
  fixture_t fx;
  build_report_flags(&fx, p, 1, NULL, LG_ANALYZE_GROWTH_ALL);
  assert_int_equal(fx.r.ngrowth, 3);
  assert_int_equal(fx.r.ngrowing, 1);
  assert_int_equal(fx.r.growth[0].site->judged.verdict, LG_VERDICT_GROWING);
  assert_int_equal(fx.r.growth[1].site->judged.verdict, LG_VERDICT_STEADY);
  free_report(&fx, p, 1);
}

/* ------------------------------------------------------------- fail-on */

static void test_fail_on_parses_kind_lists(void **state) {
  unsigned m = 0;
  char err[256];
  assert_int_equal(lg_analyze_parse_fail_on("definite,cycle", &m, err,
                                            sizeof err),
                   0);
  assert_int_equal(m, LG_FAIL_DEFINITE | LG_FAIL_CYCLE);
  assert_int_equal(lg_analyze_parse_fail_on("possible,bogus", &m, err,
                                            sizeof err),
                   -1);
  assert_non_null(strstr(err, "bogus"));
  assert_int_equal(lg_analyze_parse_fail_on("definite,", &m, err, sizeof err),
                   -1);
}

static void test_fail_on_counts_only_unsuppressed_kinds(void **state) {
  lg_process_t *p[1] = {read_two_module_log()};
  fixture_t fx;
  build_report(&fx, p, 1, "leak:noisy.so\n");
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_DEFAULT),
                   LG_FAIL_DEFINITE);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_INDIRECT), 0);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_POSSIBLE), 0);
  free_report(&fx, p, 1);
}

static void test_fail_on_cycle_needs_a_cyclic_cluster(void **state) {
  lg_process_t *p[1] = {read_sample(1)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_CYCLE), LG_FAIL_CYCLE);
  free_report(&fx, p, 1);
  p[0] = read_two_module_log();
  build_report(&fx, p, 1, NULL);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_CYCLE), 0);
  free_report(&fx, p, 1);
}

static void test_fail_on_cycle_ignores_possibly_lost_cycles(void **state) {
  static const lb_site_t site = {1, LG_CAT_POSSIBLE, 2, 128};
  static const lb_block_t b[] = {
      {0x1000, 64, 1, LG_CAT_POSSIBLE, LG_LISTED_ENTRY | LG_LISTED_IN_CYCLE},
      {0x2000, 64, 1, LG_CAT_POSSIBLE, LG_LISTED_IN_CYCLE}};
  static const uint32_t e[][2] = {{0, 1}, {1, 0}};
  static const uint64_t t[4][2] = {{0, 0}, {0, 0}, {128, 2}, {0, 0}};
  lb_t l = {0};
  lb_header(&l, 3, "/bin/p");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, LG_CLUSTER_CYCLIC | LG_CLUSTER_POSSIBLE, 1, &site, 2, b,
             2, e);
  lb_scan_end(&l, 1, t, 1, 1);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  assert_int_equal(fx.r.ncyclic, 1);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_DEFAULT), 0);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_CYCLE), 0);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_CYCLE | LG_FAIL_POSSIBLE),
                   LG_FAIL_POSSIBLE);
  free_report(&fx, p, 1);
  lb_free(&l);
}

static void test_fail_on_growth_needs_an_unsuppressed_growing_site(void **s) {
  lg_process_t *p[1] = {read_periodic(61)};
  fixture_t fx;
  build_report(&fx, p, 1, "leak:^nothing$\n");
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_GROWTH), LG_FAIL_GROWTH);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_DEFAULT), 0);
  free_report(&fx, p, 1);
  p[0] = read_periodic(61);
  build_report(&fx, p, 1, "leak:/bin/periodic\n");
  assert_int_equal(fx.r.ngrowing, 0);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_GROWTH), 0);
  free_report(&fx, p, 1);
  p[0] = read_sample(1); /* no periodic scans: nothing grows */
  build_report(&fx, p, 1, NULL);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_GROWTH), 0);
  free_report(&fx, p, 1);
}

/* --------------------------------------------------------- symbolizer */

__attribute__((noinline)) int lg_test_allocating_function(int x) {
  volatile int y = x;
  for (int i = 0; i < 3; i++)
    y += i * x;
  return y;
}

static int find_main_module(struct dl_phdr_info *info, size_t size,
                            void *data) {
  *(uint64_t *)data = info->dlpi_addr;
  return 1; /* the first entry is the executable */
}

static void test_symbolizer_names_function_in_own_binary(void **state) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(find_main_module, &bias);
  uint64_t addr = (uint64_t)(uintptr_t)&lg_test_allocating_function + 4;
  lb_t l = {0};
  lb_header(&l, 1, exe);
  lb_module(&l, 1, bias, "", "", addr - 0x1000, 0x2000);
  lb_stack(&l, 1, 1, &addr);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_rstack_t st;
  lg_analyze_stack(sym, p, 1, &st);
  assert_int_equal(st.n, 1);
  assert_int_equal(st.frames[0].address, addr);
  assert_string_equal(st.frames[0].module, exe);
  assert_non_null(st.frames[0].function);
  assert_string_equal(st.frames[0].function, "lg_test_allocating_function");
  assert_non_null(st.frames[0].file);
  assert_non_null(strstr(st.frames[0].file, "test_report.c"));
  assert_true(st.frames[0].line > 0);
  free(st.frames);
  lg_sym_free(sym);
  lg_reader_free(p);
  lb_free(&l);
}

/* A function inlined into lg_test_outer, which calls out from inside it:
 * the return address recorded by lg_test_record_ra lies in inlined code. */
static uint64_t lg_test_ra;
static volatile int lg_test_after;
__attribute__((noinline)) void lg_test_record_ra(void) {
  lg_test_ra = (uint64_t)(uintptr_t)__builtin_return_address(0);
}
static const int lg_test_inner_line = __LINE__ + 2;
static inline __attribute__((always_inline)) void lg_test_inner(void) {
  lg_test_record_ra();
  lg_test_after++;
}
static const int lg_test_outer_line = __LINE__ + 2;
__attribute__((noinline)) void lg_test_outer(void) {
  lg_test_inner();
  lg_test_after++;
}

static void test_symbolizer_shows_inlined_function_as_frame(void **state) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(find_main_module, &bias);
  lg_test_outer();
  uint64_t addr = lg_test_ra;
  lb_t l = {0};
  lb_header(&l, 1, exe);
  lb_module(&l, 1, bias, "", "", addr - 0x1000, 0x2000);
  lb_stack(&l, 1, 1, &addr);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_rstack_t st;
  lg_analyze_stack(sym, p, 1, &st);
  assert_int_equal(st.n, 2);
  assert_string_equal(st.frames[0].function, "lg_test_inner");
  assert_true(st.frames[0].inlined);
  assert_int_equal(st.frames[0].line, lg_test_inner_line);
  assert_string_equal(st.frames[1].function, "lg_test_outer");
  assert_false(st.frames[1].inlined);
  assert_int_equal(st.frames[1].line, lg_test_outer_line);
  assert_int_equal(st.frames[0].address, addr); /* one return address */
  assert_int_equal(st.frames[1].address, addr);
  assert_true(st.frames[1].fn_offset > 0);
  assert_int_equal(st.frames[1].fn_offset,
                   addr - (uint64_t)(uintptr_t)&lg_test_outer);
  assert_non_null(strstr(st.frames[1].short_file, "test_report.c"));
  free(st.frames);
  lg_sym_free(sym);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_symbolizer_refuses_file_with_other_build_id(void **state) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(find_main_module, &bias);
  uint64_t addr = (uint64_t)(uintptr_t)&lg_test_allocating_function + 4;
  lb_t l = {0};
  lb_header(&l, 1, exe);
  lb_module(&l, 1, bias, exe, "not-this-build", addr - 0x1000, 0x2000);
  lb_stack(&l, 1, 1, &addr);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_rstack_t st;
  lg_analyze_stack(sym, p, 1, &st);
  assert_null(st.frames[0].function);
  assert_string_equal(st.frames[0].module, exe);
  free(st.frames);
  lg_sym_free(sym);
  lg_reader_free(p);
  lb_free(&l);
}


/* A C function under the symbol of the C++ function lg::test::widget(int),
 * so that this C test binary holds a mangled name. */
__attribute__((noinline)) int lg_test_widget(int x) __asm__("_ZN2lg4test6widgetEi");
__attribute__((noinline)) int lg_test_widget(int x) {
  volatile int y = x;
  return y + 1;
}

static char *render(const lg_report_t *r, int json);

/* A log of this very test binary with one exit-scan cluster whose block
 * was allocated in lg_test_widget (stack 1). */
static lg_process_t *read_widget_log(lb_t *l) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(find_main_module, &bias);
  uint64_t addr = (uint64_t)(uintptr_t)&lg_test_widget + 4;
  static const lb_site_t site = {1, LG_CAT_DEFINITE, 1, 40};
  static const lb_block_t b = {0x5000, 40, 1, LG_CAT_DEFINITE,
                               LG_LISTED_ENTRY};
  static const uint64_t t[4][2] = {{40, 1}, {0, 0}, {0, 0}, {0, 0}};
  lb_header(l, 1, exe);
  lb_module(l, 1, bias, "", "", addr - 0x1000, 0x2000);
  lb_stack(l, 1, 1, &addr);
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  lb_cluster(l, 1, 1, 0, 1, &site, 1, &b, 0, NULL);
  lb_scan_end(l, 1, t, 1, 0);
  lb_end_rec(l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(l, &r);
  assert_non_null(p);
  return p;
}

static void test_cxx_names_are_demangled_in_every_output(void **state) {
  lb_t l = {0};
  lg_process_t *p[1] = {read_widget_log(&l)};
  lg_report_t rep;
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_analyze_build(&rep, p, 1, NULL, sym, 0);
  assert_int_equal(rep.nclusters, 1);
  const lg_symframe_t *f = &rep.clusters[0].entries[0].stack.frames[0];
  assert_string_equal(f->function, "lg::test::widget(int)");
  assert_string_equal(f->linkage, "_ZN2lg4test6widgetEi");
  char *text = render(&rep, 0), *js = render(&rep, 1);
  assert_non_null(strstr(text, "at lg::test::widget(int) ("));
  assert_non_null(strstr(js, "\"function\": \"lg::test::widget(int)\""));
  char *dot = NULL;
  size_t n = 0;
  FILE *df = open_memstream(&dot, &n);
  lg_render_dot(df, &rep, sym, 0);
  fclose(df);
  assert_non_null(strstr(dot, "lg::test::widget(int)"));
  assert_null(strstr(text, "_ZN2lg")), assert_null(strstr(js, "_ZN2lg"));
  assert_null(strstr(dot, "_ZN2lg"));
  free(text), free(js), free(dot);
  lg_analyze_free(&rep);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
  lb_free(&l);
}

static void test_suppression_matches_demangled_or_mangled_name(void **s) {
  static const char *const patterns[] = {"leak:lg::test::widget\n",
                                         "leak:_ZN2lg4test6widget\n"};
  for (int k = 0; k < 2; k++) {
    lb_t l = {0};
    lg_process_t *p[1] = {read_widget_log(&l)};
    lg_supps_t supps = {0};
    char err[256];
    assert_int_equal(lg_supp_parse(&supps, patterns[k], "t", err, sizeof err),
                     0);
    lg_report_t rep;
    lg_sym_t *sym = lg_sym_new(1, NULL);
    lg_analyze_build(&rep, p, 1, &supps, sym, 0);
    assert_int_equal(rep.nclusters, 0);
    assert_int_equal(rep.summary[LG_RCAT_SUPPRESSED].bytes, 40);
    lg_analyze_free(&rep);
    lg_sym_free(sym);
    lg_supp_free(&supps);
    lg_reader_free(p[0]);
    lb_free(&l);
  }
}

void *lg_test_cache_list[8]; /* a global for the chain-root test */

static void test_chain_root_in_global_names_the_variable(void **state) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = '\0';
  uint64_t bias = 0;
  dl_iterate_phdr(find_main_module, &bias);
  uint64_t word = (uint64_t)(uintptr_t)&lg_test_cache_list[2];
  static const uint64_t t[4][2] = {{0}};
  static const lb_sstat_t site = {1, {0, 0, 1}, {0, 0, 64}};
  static const lb_hop_t hop = {0x1000, 64, 1};
  lb_t l = {0};
  lb_header(&l, 1, exe);
  lb_module_data(&l, 1, bias, "", word - 0x100, 0x1000);
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_sites(&l, 1, 1, &site);
  lb_chain(&l, 1, 1, LG_ROOT_DATA, 0, word, 1, &hop);
  lb_scan_end(&l, 1, t, 0, 0);
  lg_read_result_t r;
  lg_process_t *p[1] = {lb_read(&l, &r)};
  lg_report_t rep;
  lg_sym_t *sym = lg_sym_new(1, NULL);
  lg_analyze_build(&rep, p, 1, NULL, sym, LG_ANALYZE_GROWTH_ALL);
  assert_int_equal(rep.ngrowth, 1);
  const lg_rchain_t *c = rep.growth[0].chain;
  assert_non_null(c);
  assert_non_null(c->root.symbol);
  assert_string_equal(c->root.symbol, "lg_test_cache_list");
  assert_int_equal(c->root.offset, 2 * sizeof(void *));
  assert_string_equal(c->root.module, exe);
  char want[4200];
  snprintf(want, sizeof want, "global 'lg_test_cache_list' (at offset 16) "
                              "in %s", exe);
  assert_string_equal(c->description, want);
  lg_analyze_free(&rep);
  lg_sym_free(sym);
  lg_reader_free(p[0]);
  lb_free(&l);
}

/* ---------------------------------------------------------------- JSON */

static char *render(const lg_report_t *r, int json) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (json)
    lg_render_json(f, r, 0);
  else
    lg_render_text(f, r, 0);
  fclose(f);
  return buf;
}

static void test_json_has_spec_and_test_keys(void **state) {
  lg_process_t *p[1] = {read_sample(77)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *js = render(&fx.r, 1);
  static const char *const keys[] = {
      "\"leakgraph_report\": 1", "\"processes\": [", "\"pid\": 77",
      "\"exe\": \"/bin/sample\"", "\"argv\": [", "\"log\": \"test.log\"",
      "\"complete\": true", "\"scans\": 1", "\"end\": \"exit\"",
      "\"truncated\": false", "\"a thread did not stop\"",
      "\"scan_stats\": {", "\"kind\": \"exit\"", "\"pause_ns\": 1111",
      "\"definitely_lost\": {", "\"indirectly_lost\": {",
      "\"possibly_lost\": {", "\"still_reachable\": {", "\"suppressed\": {",
      "\"clusters\": 1", "\"cyclic_clusters\": 1", "\"id\": 1",
      "\"kind\": \"lost\"", "\"bytes\": 96", "\"cyclic\": true",
      "\"definite\": {", "\"entry\": {", "\"entries\": [",
      "\"address\": \"0x10000\"", "\"sites\": [",
      "\"category\": \"indirectly_lost\"", "\"function\": null",
      "\"module\": \"/bin/sample\"", "\"address\": \"0x401010\"",
      "\"first_seen_scan\": 1", "\"growth\": []", "\"refcount\": []"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strstr(js, keys[i]))
      fail_msg("JSON lacks %s:\n%s", keys[i], js);
  free(js);
  free_report(&fx, p, 1);
}

/* A process of four complete scans (periodic, signal, periodic, exit,
 * pausing 0.8, 2.5, 0.4 and 1.2 ms) and an unfinished one, with an info
 * note per scan and a warning, killed at the end by SIGTERM (END signal). */
static lg_process_t *read_scanned(uint32_t pid) {
  static const uint64_t t[4][2] = {{64, 1}, {32, 2}, {16, 1}, {1000, 10}};
  static const uint32_t kinds[] = {LG_SCAN_PERIODIC, LG_SCAN_SIGNAL,
                                   LG_SCAN_PERIODIC, LG_SCAN_EXIT};
  static const uint64_t pause[] = {800000, 2500000, 400000, 1200000};
  lb_t l = {0};
  lb_header(&l, pid, "/bin/scanned");
  for (uint32_t k = 0; k < 4; k++) {
    char note[64];
    snprintf(note, sizeof note, "scan %u phases (ms): all fine", k + 1);
    lb_scan_begin_at(&l, k + 1, kinds[k], 1500000000ull * (k + 1));
    lb_note(&l, LG_NOTE_INFO, note);
    lb_scan_end_timed(&l, k + 1, t, 0, 0, pause[k], 12000000);
  }
  lb_note(&l, LG_NOTE_WARNING, "thread 7 did not stop in time");
  lb_scan_begin(&l, 5, LG_SCAN_PERIODIC); /* never ends */
  lb_end_rec(&l, LG_END_SIGNAL, 15);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

/* Counts the occurrences of `needle` in `s`. */
static size_t occurrences(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *q = s; (q = strstr(q, needle)); q += strlen(needle))
    n++;
  return n;
}

static void test_json_scans_lists_every_complete_scan(void **state) {
  lg_process_t *p[1] = {read_scanned(9)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *js = render(&fx.r, 1);
  static const char *const keys[] = {
      "\"scans\": [", "\"scan\": 4", "\"kind\": \"signal\"",
      "\"time\": 1.5,", "\"time\": 6.0,", "\"pause_ms\": 0.8,",
      "\"pause_ms\": 2.5,", "\"pause_ms\": 0.4,", "\"pause_ms\": 1.2,",
      "\"scan_ms\": 12.0,", "\"blocks\": 14,", "\"lost_bytes\": 96,",
      "\"possibly_lost_bytes\": 16,", "\"reachable_bytes\": 1000,",
      "\"end\": \"signal\""};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strstr(js, keys[i]))
      fail_msg("JSON lacks %s:\n%s", keys[i], js);
  assert_int_equal(occurrences(js, "\"pause_ms\""), 4); /* not scan 5 */
  assert_int_equal(occurrences(js, "\"kind\": \"periodic\""), 2);
  assert_null(strstr(js, "\"scan\": 5"));
  free(js);
  free_report(&fx, p, 1);
}

static void test_text_sums_up_scans_in_one_line(void **state) {
  lg_process_t *p[1] = {read_scanned(9)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *t = render(&fx.r, 0);
  assert_non_null(strstr(t, "   scans: 4 (1 exit, 2 periodic, 1 signal), "
                            "pause median 1.000 ms, max 2.500 ms\n"));
  assert_non_null(strstr(t, "killed by signal 15 (SIGTERM), checked at the "
                            "signal; 4 complete scans"));
  assert_non_null(strstr(t, "thread 7 did not stop")); /* warnings stay */
  assert_null(strstr(t, "phases (ms)"));  /* info notes only with --verbose */
  assert_null(strstr(t, "Scans:"));
  free(t);
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_render_text_with(f, &fx.r, 0, LG_TEXT_VERBOSE);
  fclose(f);
  assert_int_equal(occurrences(buf, "phases (ms): all fine"), 4);
  assert_non_null(strstr(buf, "\nScans:\n"));
  assert_non_null(strstr(buf, "  pid 9 scan 2, signal, at 3.000 s: pause "
                              "2.500 ms, scan 12.000 ms; 14 blocks, 96 bytes "
                              "lost, 16 possibly lost, 1000 reachable"));
  assert_int_equal(occurrences(buf, "  pid 9 scan "), 4);
  free(buf);
  free_report(&fx, p, 1);
}

static void test_json_escapes_control_and_invalid_bytes(void **state) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_json_escape(f, "a\"b\\c\n\x01\xff\xc3\xa9");
  fclose(f);
  assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\\u00ff\xc3\xa9\"");
  free(buf);
}

static void test_text_report_has_leak_summary_and_notes(void **state) {
  lg_process_t *p[1] = {read_sample(5)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *t = render(&fx.r, 0);
  assert_non_null(strstr(t, "96 (32 direct, 64 indirect) bytes in 3 blocks "
                            "are definitely lost in cluster 1 of 1 "
                            "(cyclic)\n"));
  assert_non_null(strstr(t, "     at sample+0x401010\n"
                            "     by sample+0x402020\n"));
  assert_non_null(strstr(t, "LEAK SUMMARY:"));
  assert_non_null(strstr(t, "definitely lost: 32 bytes in 1 blocks"));
  assert_non_null(strstr(t, "a thread did not stop"));
  free(t);
  free_report(&fx, p, 1);
}


static void test_json_growth_has_its_keys(void **state) {
  lg_process_t *p[1] = {read_periodic(62)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *js = render(&fx.r, 1);
  static const char *const keys[] = {
      "\"growing_sites\": 1", "\"growth\": [", "\"pid\": 62",
      "\"site\": {", "\"stack_id\": 1", "\"verdict\": \"growing\"",
      "\"suppressed\": false", "\"window\": 8", "\"old_bytes_first\": 4096",
      "\"old_bytes_last\": 32768", "\"rise_bytes\": 28672",
      "\"timeline\": [", "\"scan\": 8", "\"time_ns\": 8000000000",
      "\"blocks\": [", "\"bytes\": [", "\"chain\": {", "\"root\": {",
      "\"kind\": \"global\"", "\"tid\": null", "\"address\": \"0x600010\"",
      "\"symbol\": null", "\"module\": \"/bin/periodic\"",
      "\"description\": \"global at 0x600010 in /bin/periodic\"",
      "\"hops\": [", "\"address\": \"0x10200\"", "\"size\": 48"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strstr(js, keys[i]))
      fail_msg("JSON lacks %s:\n%s", keys[i], js);
  if (strstr(js, "\"verdict\": \"steady\""))
    fail_msg("steady site listed without --growth:\n%s", js);
  free(js);
  free_report(&fx, p, 1);
}

static void test_json_growth_all_lists_steady_sites(void **state) {
  lg_process_t *p[1] = {read_periodic(62)};
  fixture_t fx;
  build_report_flags(&fx, p, 1, NULL, LG_ANALYZE_GROWTH_ALL);
  char *js = render(&fx.r, 1);
  assert_non_null(strstr(js, "\"verdict\": \"steady\""));
  assert_non_null(strstr(js, "\"stack_id\": 3"));
  assert_non_null(strstr(js, "\"chain\": null"));
  free(js);
  free_report(&fx, p, 1);
}

static void test_text_report_has_growth_section(void **state) {
  lg_process_t *p[1] = {read_periodic(63)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *t = render(&fx.r, 0);
  assert_non_null(strstr(t, "GROWTH: 1 site whose old blocks keep growing"));
  assert_non_null(strstr(t, "site 1 in pid 63: growing, old bytes 4096 -> "
                            "32768 (+28672) over the last 8 of 8 scans"));
  assert_non_null(strstr(t, "held (scan 8) through global at 0x600010"));
  assert_non_null(strstr(t, "-> 0x10200 (48 bytes) allocated in 0x401010"));
  assert_non_null(strstr(t, "growing sites: 1"));
  assert_null(strstr(t, "gen2 bytes")); /* timelines only with --growth */
  free(t);
  free_report(&fx, p, 1);
  p[0] = read_periodic(63);
  build_report_flags(&fx, p, 1, NULL, LG_ANALYZE_GROWTH_ALL);
  t = render(&fx.r, 0);
  assert_non_null(strstr(t, "GROWTH: 3 sites with site statistics, 1 "
                            "growing"));
  assert_non_null(strstr(t, "gen2 bytes"));
  assert_non_null(strstr(t, "site 2 in pid 63: steady"));
  free(t);
  free_report(&fx, p, 1);
}

/* ---------------------------------------------------------- heuristics */

/* Removes the layout (spaces, newlines) of a JSON text without spaces in
 * its strings, in place. */
static char *squeeze(char *js) {
  char *o = js;
  for (const char *i = js; *i; i++)
    if (*i != ' ' && *i != '\n')
      *o++ = *i;
  *o = 0;
  return js;
}

/* A process whose exit scan says that heuristics reached `n` entries. */
static lg_process_t *read_heuristic_log(uint32_t pid, uint32_t n,
                                        const lb_heur_t *h) {
  lb_t l = {0};
  static const uint64_t t[4][2] = {{0, 0}, {0, 0}, {0, 0}, {500, 5}};
  lb_header(&l, pid, "/bin/cxx");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_heuristics(&l, 1, n, h);
  lb_scan_end(&l, 1, t, 0, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

static void test_heuristics_of_processes_add_up_in_the_summary(void **state) {
  static const lb_heur_t a[] = {{LG_HEUR_STDSTRING, 65, 1}, {LG_HEUR_NEWARRAY, 128, 1}};
  static const lb_heur_t b[] = {{LG_HEUR_STDSTRING, 30, 2}};
  lg_process_t *p[2] = {read_heuristic_log(1, 2, a), read_heuristic_log(2, 1, b)};
  fixture_t fx;
  build_report(&fx, p, 2, NULL);
  assert_int_equal(fx.r.summary[LG_RCAT_REACHABLE].bytes, 1000);
  assert_int_equal(fx.r.heuristics[LG_HEUR_STDSTRING - 1].bytes, 95);
  assert_int_equal(fx.r.heuristics[LG_HEUR_STDSTRING - 1].blocks, 3);
  assert_int_equal(fx.r.heuristics[LG_HEUR_NEWARRAY - 1].bytes, 128);
  assert_int_equal(fx.r.heuristics[LG_HEUR_LENGTH64 - 1].blocks, 0);
  free_report(&fx, p, 2);
}

static void test_json_and_text_show_only_heuristics_that_reached(void **state) {
  static const lb_heur_t a[] = {{LG_HEUR_MULTIPLEINHERITANCE, 40, 1}};
  lg_process_t *p[1] = {read_heuristic_log(3, 1, a)};
  fixture_t fx;
  build_report(&fx, p, 1, NULL);
  char *js = squeeze(render(&fx.r, 1));
  if (!strstr(js, "\"still_reachable\":{\"bytes\":500,\"blocks\":5,\"heuristics\":"
                  "{\"multipleinheritance\":{\"bytes\":40,\"blocks\":1}}}"))
    fail_msg("JSON lacks the heuristics of still_reachable:\n%s", js);
  assert_null(strstr(js, "\"stdstring\""));
  free(js);
  char *t = render(&fx.r, 0);
  assert_non_null(strstr(t, "still reachable: 500 bytes in 5 blocks\n"
                            "     reachable via heuristic: multipleinheritance: 40 bytes in 1 blocks\n"));
  assert_null(strstr(t, "stdstring"));
  free(t);
  free_report(&fx, p, 1);
  /* No heuristic: an empty object, and no line. */
  p[0] = read_sample(4);
  build_report(&fx, p, 1, NULL);
  js = squeeze(render(&fx.r, 1));
  assert_non_null(strstr(js, "\"heuristics\":{}"));
  free(js);
  t = render(&fx.r, 0);
  assert_null(strstr(t, "heuristic"));
  free(t);
  free_report(&fx, p, 1);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pattern_matches_as_substring),
      cmocka_unit_test(test_pattern_star_matches_any_run),
      cmocka_unit_test(test_pattern_anchors_bind_to_ends),
      cmocka_unit_test(test_pattern_never_matches_missing_string),
      cmocka_unit_test(test_pattern_with_many_stars_is_fast),
      cmocka_unit_test(test_supp_parse_keeps_leak_lines_only),
      cmocka_unit_test(test_supp_parse_rejects_line_without_type),
      cmocka_unit_test(test_supp_file_that_cannot_be_read_is_an_error),
      cmocka_unit_test(test_stack_matches_on_any_frame_module),
      cmocka_unit_test(test_summary_comes_from_scan_end),
      cmocka_unit_test(test_suppressed_site_moves_to_suppressed),
      cmocka_unit_test(test_cluster_with_every_site_suppressed_is_dropped),
      cmocka_unit_test(test_suppressions_recorded_in_log_apply),
      cmocka_unit_test(test_last_complete_scan_is_reported),
      cmocka_unit_test(test_two_processes_merge_sorted_and_numbered),
      cmocka_unit_test(test_fail_on_parses_kind_lists),
      cmocka_unit_test(test_fail_on_counts_only_unsuppressed_kinds),
      cmocka_unit_test(test_fail_on_cycle_needs_a_cyclic_cluster),
      cmocka_unit_test(test_fail_on_cycle_ignores_possibly_lost_cycles),
      cmocka_unit_test(test_symbolizer_names_function_in_own_binary),
      cmocka_unit_test(test_symbolizer_refuses_file_with_other_build_id),
      cmocka_unit_test(test_symbolizer_shows_inlined_function_as_frame),
      cmocka_unit_test(test_json_has_spec_and_test_keys),
      cmocka_unit_test(test_json_escapes_control_and_invalid_bytes),
      cmocka_unit_test(test_json_scans_lists_every_complete_scan),
      cmocka_unit_test(test_text_sums_up_scans_in_one_line),
      cmocka_unit_test(test_text_report_has_leak_summary_and_notes),
      cmocka_unit_test(test_killed_process_keeps_latest_version_of_earlier_leaks),
      cmocka_unit_test(test_killed_process_reports_what_last_scan_found_lost),
      cmocka_unit_test(test_killed_process_counts_a_block_once),
      cmocka_unit_test(test_killed_version1_log_reports_the_union),
      cmocka_unit_test(test_exit_scan_clusters_are_preferred_to_union),
      cmocka_unit_test(test_growing_site_is_in_the_report),
      cmocka_unit_test(test_growth_all_keeps_every_site_growing_first),
      cmocka_unit_test(test_fail_on_growth_needs_an_unsuppressed_growing_site),
      cmocka_unit_test(test_chain_root_in_global_names_the_variable),
      cmocka_unit_test(test_cxx_names_are_demangled_in_every_output),
      cmocka_unit_test(test_suppression_matches_demangled_or_mangled_name),
      cmocka_unit_test(test_json_growth_has_its_keys),
      cmocka_unit_test(test_json_growth_all_lists_steady_sites),
      cmocka_unit_test(test_text_report_has_growth_section),
      cmocka_unit_test(test_heuristics_of_processes_add_up_in_the_summary),
      cmocka_unit_test(test_json_and_text_show_only_heuristics_that_reached),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
