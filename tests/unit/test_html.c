/* tests/unit/test_html.c — unit tests of the HTML report
 * (tools/render_html.c, html_graph.c, html_chart.c): escaping of log
 * strings (markup, quotes, control characters, bytes that are not UTF-8),
 * one self-contained page (style and script embedded, nothing fetched)
 * with one picture per cluster laid out by Graphviz (nodes per block, an
 * entry marked, a cycle in red), a big cluster folded by site, the
 * timelines of a periodic run (a pause chart, a chart per growth site with
 * its verdict and retention chain), --cluster=ID drawing one cluster, and
 * the clusters past the pictures' limit listed in a table.
 * Graphviz writes a '-' in an SVG attribute as &#45; (the browser reads
 * it back as '-'). The browser tests (tests/integration/html_*.c) check
 * the page in Chromium. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "analyze.h"
#include "html.h"
#include "reader.h"
#include "render.h"

#include "logbuild.h"

/* Counts the occurrences of `needle` in `s`. */
static size_t occurrences(const char *s, const char *needle) {
  size_t n = 0;
  for (const char *q = s; (q = strstr(q, needle)); q += strlen(needle))
    n++;
  return n;
}

/* Renders `r` as HTML (cluster `only`, 0 for all) into a new string. Kept out
 * of line: inlined, it makes gcc 12 take the string for a pointer to page_of's local
 * `buf` (whose address open_memstream keeps) and warn of a dangling
 * pointer where the tests compare offsets into it. */
static __attribute__((noinline)) char *page_of(const lg_report_t *r, unsigned only) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_render_html(f, r, only);
  fclose(f);
  return buf;
}

/* Reads log `l` and builds its report, symbolizer off. */
static lg_process_t *report_of(lb_t *l, lg_report_t *r, lg_sym_t **sym) {
  lg_read_result_t rr;
  lg_process_t *p = lb_read(l, &rr);
  assert_non_null(p);
  *sym = lg_sym_new(0, NULL);
  static lg_process_t *procs[1];
  procs[0] = p;
  lg_analyze_build(r, procs, 1, NULL, *sym, LG_ANALYZE_GROWTH_ALL);
  return p;
}

static void done(lg_report_t *r, lg_sym_t *sym, lg_process_t *p, lb_t *l) {
  lg_analyze_free(r);
  lg_sym_free(sym);
  lg_reader_free(p);
  lb_free(l);
}

static void test_text_is_escaped_for_html(void **state) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_html_text(f, "<script>\"a\" & 'b'\n\x1b[31m\xff\xc3\xa9");
  fclose(f);
  assert_string_equal(buf, "&lt;script&gt;&quot;a&quot; &amp; 'b'\\x0a\\x1b"
                           "[31m\\xff\xc3\xa9");
  free(buf);
}

static void test_page_is_self_contained_with_a_picture_per_cluster(void **s) {
  lb_t l = {0};
  lb_sample(&l, 21);
  lg_report_t r;
  lg_sym_t *sym;
  lg_process_t *p = report_of(&l, &r, &sym);
  char *h = page_of(&r, 0);
  assert_true(strncmp(h, "<!DOCTYPE html>", 15) == 0);
  assert_int_equal(occurrences(h, "<article class=\"lg-cluster\""), 1);
  assert_int_equal(occurrences(h, "<svg class=\"lg-graph\""), 1);
  assert_int_equal(occurrences(h, "class=\"node lg&#45;block lg&#45;site&#45;"), 3);
  assert_int_equal(occurrences(h, " lg&#45;entry"), 1);
  assert_int_equal(occurrences(h, "class=\"edge lg&#45;ptr lg&#45;cycle\""), 2);
  assert_int_equal(occurrences(h, "class=\"edge lg&#45;ptr\""), 1);
  assert_non_null(strstr(h, "data-id=\"1\" data-kind=\"lost\" data-bytes=\"96\" "
                            "data-blocks=\"3\" data-cyclic=\"1\""));
  assert_non_null(strstr(h, "<style>/* tools/html/report.css"));
  assert_non_null(strstr(h, "<script>/* tools/html/report.js"));
  assert_non_null(strstr(h, "performance.mark(\"lg-painted\")"));
  assert_null(strstr(h, "<script src"));
  assert_null(strstr(h, "<link"));
  assert_null(strstr(h, "https://"));
  assert_null(strstr(h, "<?xml")); /* Graphviz's prologue is dropped */
  assert_null(strstr(h, "<!--"));
  assert_null(strstr(h, "id=\"lg-timelines\"")); /* one scan: no timeline */
  assert_non_null(strstr(h, "</html>\n"));
  free(h);
  done(&r, sym, p, &l);
}

static void test_strings_from_the_log_are_escaped_in_the_page(void **s) {
  lb_t l = {0};
  lb_header(&l, 5, "/bin/<img src=x onerror=alert(1)>");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  static const uint64_t t[4][2] = {{0}};
  lb_scan_end(&l, 1, t, 0, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_report_t r;
  lg_sym_t *sym;
  lg_process_t *p = report_of(&l, &r, &sym);
  char *h = page_of(&r, 0);
  assert_null(strstr(h, "<img"));
  assert_non_null(strstr(h, "&lt;img src=x onerror=alert(1)&gt;"));
  assert_non_null(strstr(h, "No leaked clusters."));
  free(h);
  done(&r, sym, p, &l);
}

/* A log with one cluster of `n` listed blocks: a list, the head
 * definitely lost (stack 1), the others indirectly lost (stack 2). */
static void list_log(lb_t *l, uint32_t n) {
  static const uint64_t s1[] = {0x401010}, s2[] = {0x402020};
  lb_header(l, 6, "/bin/list");
  lb_module(l, 1, 0, "", "", 0x400000, 0x100000);
  lb_stack(l, 1, 1, s1);
  lb_stack(l, 2, 1, s2);
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  lb_site_t sites[2] = {{1, LG_CAT_DEFINITE, 1, 32},
                        {2, LG_CAT_INDIRECT, n - 1, 32ull * (n - 1)}};
  lb_block_t *b = calloc(n, sizeof *b);
  uint32_t(*e)[2] = calloc(n, sizeof *e);
  for (uint32_t i = 0; i < n; i++) {
    b[i] = (lb_block_t){0x10000 + 64ull * i, 32, i ? 2 : 1,
                        i ? LG_CAT_INDIRECT : LG_CAT_DEFINITE,
                        i ? 0 : LG_LISTED_ENTRY};
    e[i][0] = i, e[i][1] = i + 1;
  }
  lb_cluster(l, 1, 1, 0, 2, sites, n, b, n - 1, (const uint32_t(*)[2])e);
  static const uint64_t t[4][2] = {{0}};
  lb_scan_end(l, 1, t, 1, 0);
  lb_end_rec(l, LG_END_EXIT, 0);
  free(b), free(e);
}

static void test_big_cluster_is_folded_by_site(void **state) {
  lb_t l = {0};
  list_log(&l, 300);
  lg_report_t r;
  lg_sym_t *sym;
  lg_process_t *p = report_of(&l, &r, &sym);
  char *h = page_of(&r, 0);
  assert_int_equal(occurrences(h, "<svg class=\"lg-graph\""), 1);
  assert_non_null(strstr(h, "data-folded=\"1\""));
  assert_int_equal(occurrences(h, "class=\"node lg&#45;block lg&#45;folded"), 2);
  assert_non_null(strstr(h, ">299 blocks, 9568 bytes</text>"));
  assert_non_null(strstr(h, ">x298</text>")); /* the list's own pointers */
  free(h);
  done(&r, sym, p, &l);
  l = (lb_t){0};
  list_log(&l, LG_HTML_FOLD_BLOCKS); /* small enough: block by block */
  p = report_of(&l, &r, &sym);
  h = page_of(&r, 0);
  assert_non_null(strstr(h, "data-folded=\"0\""));
  assert_int_equal(occurrences(h, "class=\"node lg&#45;block lg&#45;site&#45;"),
                   LG_HTML_FOLD_BLOCKS);
  free(h);
  done(&r, sym, p, &l);
}

static void test_periodic_run_has_timelines(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 64);
  lg_report_t r;
  lg_sym_t *sym;
  lg_process_t *p = report_of(&l, &r, &sym);
  char *h = page_of(&r, 0);
  assert_non_null(strstr(h, "id=\"lg-timelines\""));
  assert_int_equal(occurrences(h, "<svg class=\"lg-chart lg-chart-pause\""), 1);
  assert_int_equal(occurrences(h, "<svg class=\"lg-chart lg-chart-growth\""),
                   3);
  assert_int_equal(occurrences(h, "data-verdict=\"growing\""), 1);
  assert_int_equal(occurrences(h, "data-verdict=\"steady\""), 2);
  assert_non_null(strstr(h, "held through global at 0x600010"));
  assert_int_equal(occurrences(h, "<rect class=\"lg-pause\""), 8);
  /* the growing site first, then the steady ones by the most they held:
   * site 3's young churn (1 MB a scan) before site 2's 3 KiB cache */
  const char *s1 = strstr(h, "data-stack=\"1\""), *s3 = strstr(h, "data-stack=\"3\"");
  const char *s2 = strstr(h, "data-stack=\"2\"");
  assert_true(s1 && s3 && s2 && s1 < s3 && s3 < s2);
  free(h);
  done(&r, sym, p, &l);
}

static void test_one_cluster_drawn_with_cluster_option(void **state) {
  lg_process_t *p1, *p2;
  lb_t a = {0}, b = {0};
  lb_sample(&a, 30);
  list_log(&b, 10);
  lg_read_result_t rr;
  p1 = lb_read(&a, &rr), p2 = lb_read(&b, &rr);
  lg_process_t *procs[2] = {p1, p2};
  lg_sym_t *sym = lg_sym_new(0, NULL);
  lg_report_t r;
  lg_analyze_build(&r, procs, 2, NULL, sym, 0);
  assert_int_equal(r.nclusters, 2);
  char *h = page_of(&r, 2);
  assert_int_equal(occurrences(h, "<article class=\"lg-cluster\""), 1);
  assert_non_null(strstr(h, "id=\"cluster-2\""));
  assert_null(strstr(h, "id=\"cluster-1\""));
  free(h);
  h = page_of(&r, 0);
  assert_int_equal(occurrences(h, "<article class=\"lg-cluster\""), 2);
  free(h);
  lg_analyze_free(&r);
  lg_sym_free(sym);
  lg_reader_free(p1), lg_reader_free(p2);
  lb_free(&a), lb_free(&b);
}

/* A log with `n` single-block definitely lost clusters, the k-th of
 * 100 + k bytes from stack k. */
static void many_log(lb_t *l, uint32_t n) {
  lb_header(l, 7, "/bin/many");
  lb_module(l, 1, 0, "", "", 0x400000, 0x100000);
  for (uint32_t k = 1; k <= n; k++) {
    uint64_t a = 0x401000 + 16 * k;
    lb_stack(l, k, 1, &a);
  }
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  for (uint32_t k = 1; k <= n; k++) {
    lb_site_t st = {k, LG_CAT_DEFINITE, 1, 100 + k};
    lb_block_t b = {0x10000 * k, 100 + k, k, LG_CAT_DEFINITE, LG_LISTED_ENTRY};
    lb_cluster(l, 1, k, 0, 1, &st, 1, &b, 0, NULL);
  }
  static const uint64_t t[4][2] = {{0}};
  lb_scan_end(l, 1, t, n, 0);
  lb_end_rec(l, LG_END_EXIT, 0);
}

static void test_clusters_past_the_limit_are_rows_of_a_table(void **state) {
  lb_t l = {0};
  many_log(&l, 600);
  lg_report_t r;
  lg_sym_t *sym;
  lg_process_t *p = report_of(&l, &r, &sym);
  char *h = page_of(&r, 0);
  assert_int_equal(occurrences(h, "<article class=\"lg-cluster\""), 500);
  assert_int_equal(occurrences(h, "<svg class=\"lg-graph\""), 500);
  assert_non_null(strstr(h, "<h2>Smaller clusters (100, without pictures)"));
  assert_non_null(strstr(h, "id=\"cluster-500\""));
  assert_null(strstr(h, "id=\"cluster-501\""));
  assert_non_null(strstr(h, "<tr><td>501</td><td class=\"n\">200</td>"));
  assert_non_null(strstr(h, "<tr><td>600</td><td class=\"n\">101</td>"));
  free(h);
  h = page_of(&r, 550); /* --cluster draws one of them */
  assert_int_equal(occurrences(h, "<svg class=\"lg-graph\""), 1);
  assert_non_null(strstr(h, "id=\"cluster-550\""));
  free(h);
  done(&r, sym, p, &l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_text_is_escaped_for_html),
      cmocka_unit_test(test_page_is_self_contained_with_a_picture_per_cluster),
      cmocka_unit_test(test_strings_from_the_log_are_escaped_in_the_page),
      cmocka_unit_test(test_big_cluster_is_folded_by_site),
      cmocka_unit_test(test_periodic_run_has_timelines),
      cmocka_unit_test(test_one_cluster_drawn_with_cluster_option),
      cmocka_unit_test(test_clusters_past_the_limit_are_rows_of_a_table),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
