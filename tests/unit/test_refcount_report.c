/* tests/unit/test_refcount_report.c — the report side of refcount
 * analysis: RC_TYPE, RC_FINDING and RC_OBJECTS read back into their scan
 * (type names resolved as each record is read, hostile counts refused);
 * the balance tree (balanced helpers pruned, same functions merged, the
 * birth counted, each node's line leading to what stays unbalanced);
 * --fail-on=refcount, suppressed findings, a cluster naming the types of
 * its refcounted blocks, and the JSON keys of SPEC section 5. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "analyze.h"
#include "reader.h"
#include "rcreport.h"
#include "render.h"

#include "logbuild.h"

/* ------------------------------------------------------------- helpers */

static void lb_rc_type(lb_t *l, uint32_t id, uint32_t family, const char *name) {
  lb_begin(l, LG_REC_RC_TYPE);
  lb_u32(l, id);
  lb_u32(l, family);
  lb_str(l, name);
  lb_end(l);
}

typedef struct lb_rcobj {
  uint64_t address;
  uint32_t type, refcount, birth, base, nhist;
  uint32_t hist[4][3];
} lb_rcobj_t;

static void lb_rc_finding(lb_t *l, uint32_t scan, uint32_t kind, uint32_t n, const lb_rcobj_t *o,
                          uint32_t nedges, const uint32_t (*e)[2]) {
  lb_begin(l, LG_REC_RC_FINDING);
  lb_u32(l, scan);
  lb_u32(l, kind);
  lb_u32(l, LG_RC_GOBJECT);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++) {
    lb_u64(l, o[i].address);
    lb_u64(l, o[i].address - 16);
    lb_u32(l, o[i].type);
    lb_u32(l, o[i].refcount);
    lb_u32(l, o[i].birth);
    lb_u32(l, o[i].base);
    lb_u32(l, o[i].nhist);
    for (uint32_t k = 0; k < o[i].nhist; k++)
      for (int j = 0; j < 3; j++)
        lb_u32(l, o[i].hist[k][j]);
  }
  lb_u32(l, nedges);
  for (uint32_t i = 0; i < nedges; i++) {
    lb_u32(l, e[i][0]);
    lb_u32(l, e[i][1]);
  }
  lb_end(l);
}

static void lb_rc_objects(lb_t *l, uint32_t scan, uint64_t block, uint64_t address, uint32_t type) {
  lb_begin(l, LG_REC_RC_OBJECTS);
  lb_u32(l, scan);
  lb_u32(l, 1);
  lb_u64(l, block);
  lb_u64(l, address);
  lb_u32(l, type);
  lb_u32(l, 1);
  lb_end(l);
}

static const uint64_t no_totals[4][2];

/* The sample log (lb_sample) with a garbage pair and an unbalanced object
 * in its exit scan, and the refcounted object of its cluster's entry. */
static lg_process_t *read_rc_sample(void) {
  lb_t l = {0};
  static const uint64_t s1[] = {0x401010, 0x402020};
  static const lb_site_t sites[] = {{1, LG_CAT_DEFINITE, 1, 32}};
  static const lb_block_t blocks[] = {{0x10000, 32, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY}};
  static const lb_rcobj_t pair[2] = {{0x50010, 1, 1, 1, 1, 0, {{0}}}, {0x60010, 1, 1, 1, 1, 0, {{0}}}};
  static const lb_rcobj_t lone = {0x70010, 2, 1, 1, 1, 2, {{1, 3, 3}, {2, 1, 0}}};
  static const uint32_t edges[][2] = {{0, 1}, {1, 0}};
  lb_header(&l, 42, "/bin/sample");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x100000);
  lb_stack(&l, 1, 2, s1);
  lb_rc_type(&l, 1, LG_RC_GOBJECT, "Node");
  lb_rc_type(&l, 2, LG_RC_GOBJECT, "Widget");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 7, 0, 1, sites, 1, blocks, 0, NULL);
  lb_rc_finding(&l, 1, LG_RC_CYCLIC_GARBAGE, 2, pair, 2, edges);
  lb_rc_finding(&l, 1, LG_RC_UNBALANCED, 1, &lone, 0, NULL);
  lb_rc_objects(&l, 1, 0x10000, 0x10010, 2);
  lb_scan_end(&l, 1, no_totals, 1, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  return p;
}

typedef struct fixture {
  lg_report_t r;
  lg_supps_t supps;
  lg_sym_t *sym;
} fixture_t;

static void build(fixture_t *fx, lg_process_t **p, const char *supp) {
  char err[256];
  memset(fx, 0, sizeof *fx);
  if (supp)
    assert_int_equal(lg_supp_parse(&fx->supps, supp, "t", err, sizeof err), 0);
  fx->sym = lg_sym_new(0, NULL);
  lg_analyze_build(&fx->r, p, 1, &fx->supps, fx->sym, 0);
}

static void unbuild(fixture_t *fx) {
  lg_analyze_free(&fx->r);
  lg_supp_free(&fx->supps);
  lg_sym_free(fx->sym);
}

/* ---------------------------------------------------------------- reader */

static void test_rc_records_read_back_into_their_scan(void **state) {
  (void)state;
  lg_process_t *p = read_rc_sample();
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_int_equal(s->nrc, 2);
  assert_int_equal(s->rc[0].kind, LG_RC_CYCLIC_GARBAGE);
  assert_int_equal(s->rc[0].nobjects, 2);
  assert_string_equal(s->rc[0].objects[1].type, "Node");
  assert_int_equal(s->rc[0].nedges, 2);
  assert_int_equal(s->rc[1].objects[0].nhistory, 2);
  assert_int_equal(s->rc[1].objects[0].history[0].refs, 3);
  assert_int_equal(s->rc[1].objects[0].base, 1);
  assert_string_equal(s->rc[1].objects[0].type, "Widget");
  assert_int_equal(s->nrcobjs, 1);
  assert_string_equal(s->rcobjs[0].type, "Widget");
  lg_reader_free(p);
}

static void test_type_id_means_what_it_meant_when_read(void **state) {
  (void)state;
  lb_t l = {0};
  static const lb_rcobj_t a = {0x50010, 0x80000001u, 1, 0, 0, 0, {{0}}};
  lb_header(&l, 42, "/bin/py");
  for (uint32_t scan = 1; scan <= 2; scan++) {
    lb_rc_type(&l, 0x80000001u, LG_RC_PYTHON, scan == 1 ? "list" : "dict");
    lb_scan_begin(&l, scan, LG_SCAN_API);
    lb_rc_finding(&l, scan, LG_RC_CYCLIC_GARBAGE, 1, &a, 0, NULL);
    lb_scan_end(&l, scan, no_totals, 0, 0);
  }
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_non_null(p);
  assert_string_equal(p->scans[0].rc[0].objects[0].type, "list");
  assert_string_equal(p->scans[1].rc[0].objects[0].type, "dict");
  assert_int_equal(p->scans[1].rc[0].objects[0].family, LG_RC_PYTHON);
  lg_reader_free(p);
}

static void test_rc_finding_edge_out_of_range_is_refused(void **state) {
  (void)state;
  lb_t l = {0};
  static const lb_rcobj_t a = {0x50010, 1, 1, 0, 0, 0, {{0}}};
  static const uint32_t bad[][2] = {{0, 1}};
  lb_header(&l, 42, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_rc_finding(&l, 1, LG_RC_CYCLIC_GARBAGE, 1, &a, 1, bad);
  lb_scan_end(&l, 1, no_totals, 0, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_null(p);
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
}

static void test_rc_finding_count_beyond_payload_is_refused(void **state) {
  (void)state;
  lb_t l = {0};
  lb_header(&l, 42, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_begin(&l, LG_REC_RC_FINDING);
  lb_u32(&l, 1);
  lb_u32(&l, LG_RC_UNBALANCED);
  lb_u32(&l, LG_RC_API);
  lb_u32(&l, 4000); /* objects that the payload cannot hold */
  lb_end(&l);
  lb_scan_end(&l, 1, no_totals, 0, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  lb_free(&l);
  assert_null(p);
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
}

/* ------------------------------------------------------------ the tree */

/* Frames of a fake program: _start, main at lines 10..19, helpers. */
static lg_symframe_t fr(const char *fn, int line) {
  return (lg_symframe_t){.address = 0x1000 + (uint64_t)line, .function = fn, .file = "t.c", .module = "/bin/t",
                         .line = line};
}

/* A stack innermost first from `n` frames. */
static lg_rstack_t stack_of(lg_symframe_t *f, size_t n) { return (lg_rstack_t){.n = n, .frames = f}; }

static void test_tree_prunes_balanced_helpers_and_keeps_the_leak(void **state) {
  (void)state;
  lg_symframe_t birth[] = {fr("main", 10), fr("_start", 1)};
  lg_symframe_t use1[] = {fr("user", 30), fr("main", 11), fr("_start", 1)};
  lg_symframe_t use2[] = {fr("user", 31), fr("main", 12), fr("_start", 1)};
  lg_symframe_t leak[] = {fr("leaky", 40), fr("main", 13), fr("_start", 1)};
  lg_symframe_t drop[] = {fr("main", 14), fr("_start", 1)};
  lg_rstack_t st[] = {stack_of(birth, 2), stack_of(use1, 3), stack_of(use2, 3), stack_of(leak, 3),
                      stack_of(drop, 2)};
  uint64_t refs[] = {1, 5, 0, 1, 0}, unrefs[] = {0, 2, 3, 0, 1};
  lg_rtree_t root;
  lg_rcreport_tree_from(&root, st, refs, unrefs, 5);
  assert_int_equal(lg_rcreport_balance(&root), 1);
  assert_int_equal(root.nchildren, 1);
  const lg_rtree_t *start = &root.children[0];
  assert_string_equal(start->function, "_start");
  assert_int_equal(start->nchildren, 1);
  const lg_rtree_t *m = &start->children[0];
  assert_string_equal(m->function, "main");
  assert_int_equal(m->refs, 7);
  assert_int_equal(m->unrefs, 6);
  assert_int_equal(m->line, 13); /* where it calls the unbalanced child */
  assert_int_equal(m->self_refs, 1);
  assert_int_equal(m->self_unrefs, 1);
  assert_int_equal(m->nchildren, 1); /* user (5 - 2 - 3 = 0) is pruned */
  assert_string_equal(m->children[0].function, "leaky");
  assert_int_equal(m->children[0].line, 40);
  assert_int_equal(lg_rcreport_balance(&m->children[0]), 1);
  assert_int_equal(m->children[0].nchildren, 0);
  lg_rcreport_tree_free(&root);
}

static void test_balanced_object_has_an_empty_tree(void **state) {
  (void)state;
  lg_symframe_t a[] = {fr("f", 3), fr("main", 10)};
  lg_symframe_t b[] = {fr("g", 4), fr("main", 11)};
  lg_rstack_t st[] = {stack_of(a, 2), stack_of(b, 2)};
  uint64_t refs[] = {2, 0}, unrefs[] = {0, 2};
  lg_rtree_t root;
  lg_rcreport_tree_from(&root, st, refs, unrefs, 2);
  assert_int_equal(root.nchildren, 0);
  assert_int_equal(lg_rcreport_balance(&root), 0);
  lg_rcreport_tree_free(&root);
}

static void test_unbalanced_siblings_stay_apart(void **state) {
  (void)state;
  lg_symframe_t a[] = {fr("make", 3), fr("main", 10)};
  lg_symframe_t b[] = {fr("drop", 4), fr("main", 11)};
  lg_symframe_t c[] = {fr("drop", 5), fr("main", 12)}; /* same function, other line */
  lg_rstack_t st[] = {stack_of(a, 2), stack_of(b, 2), stack_of(c, 2)};
  uint64_t refs[] = {3, 0, 0}, unrefs[] = {0, 1, 1};
  lg_rtree_t root;
  lg_rcreport_tree_from(&root, st, refs, unrefs, 3);
  const lg_rtree_t *m = &root.children[0];
  assert_int_equal(m->nchildren, 2);
  assert_string_equal(m->children[0].function, "make");
  assert_int_equal(lg_rcreport_balance(&m->children[0]), 3);
  assert_string_equal(m->children[1].function, "drop");
  assert_int_equal(lg_rcreport_balance(&m->children[1]), -2);
  assert_int_equal(m->line, 10); /* the larger unbalanced child */
  lg_rcreport_tree_free(&root);
}

static void test_wide_tree_keeps_the_one_unbalanced_child_of_many(void **state) {
  (void)state;
  enum { N = 20000 };
  static char names[N][16];
  static lg_symframe_t frames[N][2];
  static lg_rstack_t st[N];
  static uint64_t refs[N], unrefs[N];
  for (int k = 0; k < N; k++) {
    snprintf(names[k], sizeof names[k], "user%d", k);
    frames[k][0] = fr(names[k], 7);
    frames[k][1] = fr("main", 10);
    st[k] = stack_of(frames[k], 2);
    refs[k] = 1;
    unrefs[k] = k == 12345 ? 0 : 1;
  }
  lg_rtree_t root;
  lg_rcreport_tree_from(&root, st, refs, unrefs, N);
  assert_int_equal(root.nchildren, 1);
  assert_int_equal(root.children[0].refs, N);
  assert_int_equal(root.children[0].nchildren, 1);
  assert_string_equal(root.children[0].children[0].function, "user12345");
  lg_rcreport_tree_free(&root);
}

/* --------------------------------------------------------------- report */

static void test_findings_fail_on_refcount_only_when_asked(void **state) {
  (void)state;
  lg_process_t *p = read_rc_sample();
  fixture_t fx;
  build(&fx, &p, NULL);
  assert_int_equal(fx.r.nrc, 2);
  assert_int_equal(fx.r.nrc_garbage, 1);
  assert_int_equal(fx.r.nrc_unbalanced, 1);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_REFCOUNT), LG_FAIL_REFCOUNT);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_DEFAULT) & LG_FAIL_REFCOUNT, 0);
  /* The unbalanced object's tree: birth (1 ref) and its history. */
  const lg_rfinding_t *u = &fx.r.rc[1];
  assert_int_equal(u->tree.refs, 1 + 3 + 1);
  assert_int_equal(u->tree.unrefs, 3);
  unbuild(&fx);
  lg_reader_free(p);
}

static void test_suppressed_birth_suppresses_the_finding(void **state) {
  (void)state;
  lg_process_t *p = read_rc_sample();
  fixture_t fx;
  build(&fx, &p, "leak:/bin/sample\n");
  assert_int_equal(fx.r.nrc, 0);
  assert_int_equal(fx.r.nrc_suppressed, 2);
  assert_int_equal(lg_analyze_failing(&fx.r, LG_FAIL_REFCOUNT), 0);
  unbuild(&fx);
  lg_reader_free(p);
}

static void test_cluster_names_its_refcounted_blocks(void **state) {
  (void)state;
  lg_process_t *p = read_rc_sample();
  fixture_t fx;
  build(&fx, &p, NULL);
  assert_int_equal(fx.r.nclusters, 1);
  size_t n;
  const lg_rcplaced_t **o = lg_rcreport_cluster_objects(&fx.r.clusters[0], &n);
  assert_int_equal(n, 1);
  assert_string_equal(o[0]->type, "Widget");
  assert_int_equal(o[0]->address, 0x10010);
  free(o);
  unbuild(&fx);
  lg_reader_free(p);
}

static void test_json_has_the_refcount_keys_of_the_spec(void **state) {
  (void)state;
  lg_process_t *p = read_rc_sample();
  fixture_t fx;
  build(&fx, &p, NULL);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  lg_render_json(f, &fx.r, 0);
  fclose(f);
  const char *keys[] = {"\"refcount\": [", "\"kind\": \"cyclic_garbage\"", "\"kind\": \"unbalanced\"",
                        "\"family\": \"gobject\"", "\"objects\": [", "\"address\": \"0x50010\"",
                        "\"type\": \"Node\"", "\"refcount\": 1", "\"edges\": [", "\"tree\": [",
                        "\"balance\": 1", "\"children\": [", "\"refs\": 4", "\"unrefs\": 3",
                        "\"refcounted\": [", "\"type\": \"Widget\""};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    if (!strstr(buf, keys[k]))
      fail_msg("JSON lacks %s", keys[k]);
  free(buf);
  buf = NULL;
  f = open_memstream(&buf, &len);
  lg_render_text(f, &fx.r, 0);
  fclose(f);
  assert_non_null(strstr(buf, "REFCOUNT FINDINGS: 1 group of cyclic garbage (2 objects), 1 unbalanced object"));
  assert_non_null(strstr(buf, "   [1] Node at 0x60010, refcount 1, born where [0] was"));
  assert_non_null(strstr(buf, "refcounted objects among its blocks: 1 Widget (gobject)"));
  assert_non_null(strstr(buf, "   refcount: 1 group of cyclic garbage, 1 unbalanced object"));
  free(buf);
  unbuild(&fx);
  lg_reader_free(p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rc_records_read_back_into_their_scan),
      cmocka_unit_test(test_type_id_means_what_it_meant_when_read),
      cmocka_unit_test(test_rc_finding_edge_out_of_range_is_refused),
      cmocka_unit_test(test_rc_finding_count_beyond_payload_is_refused),
      cmocka_unit_test(test_tree_prunes_balanced_helpers_and_keeps_the_leak),
      cmocka_unit_test(test_balanced_object_has_an_empty_tree),
      cmocka_unit_test(test_unbalanced_siblings_stay_apart),
      cmocka_unit_test(test_wide_tree_keeps_the_one_unbalanced_child_of_many),
      cmocka_unit_test(test_findings_fail_on_refcount_only_when_asked),
      cmocka_unit_test(test_suppressed_birth_suppresses_the_finding),
      cmocka_unit_test(test_cluster_names_its_refcounted_blocks),
      cmocka_unit_test(test_json_has_the_refcount_keys_of_the_spec),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
