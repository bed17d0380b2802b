/* tests/unit/test_growth.c — unit tests of the growth rule and the per-site
 * timelines (tools/growth.c): an append-only list grows, a bounded cache
 * that plateaus, a flat site, a one-off jump, a deep trim and a slow drift
 * are steady, small dips do not hide a rise, fewer than five points are
 * insufficient, only the last twelve points count; timelines are assembled
 * from the SITES records of complete scans only, with zeros where a site
 * was not listed, and young churn never makes a site grow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "growth.h"
#include "reader.h"

#include "logbuild.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------- the rule */

static void test_append_only_list_grows(void **state) {
  uint64_t old[12];
  for (size_t i = 0; i < N(old); i++)
    old[i] = 4096 * i;
  lg_gjudgement_t j = lg_growth_judge(old, N(old));
  assert_int_equal(j.verdict, LG_VERDICT_GROWING);
  assert_int_equal(j.first, 0);
  assert_int_equal(j.last, 4096 * 11);
  assert_int_equal(j.window, 12);
}

static void test_bounded_cache_that_plateaus_is_steady(void **state) {
  /* fills for six scans (+8 KiB each), then evicts as much as it adds */
  uint64_t old[16];
  for (size_t i = 0; i < N(old); i++)
    old[i] = 8192 * (i < 6 ? i : 6);
  /* the window still holds two rises and a large total rise: only the
   * stopped rises (a) tell it from a leak */
  assert_int_equal(lg_growth_judge(old, N(old)).verdict, LG_VERDICT_STEADY);
}

static void test_flat_site_is_steady(void **state) {
  uint64_t old[12];
  for (size_t i = 0; i < N(old); i++)
    old[i] = 100000;
  assert_int_equal(lg_growth_judge(old, N(old)).verdict, LG_VERDICT_STEADY);
}

static void test_noisy_rise_with_small_dips_still_grows(void **state) {
  /* +10 KiB per scan, with two dips of 2 KiB (under 10% of the maximum) */
  static const uint64_t old[] = {50000, 60000, 70000, 68000, 78000, 88000,
                                 98000, 96000, 106000, 116000, 126000,
                                 136000};
  assert_int_equal(lg_growth_judge(old, N(old)).verdict, LG_VERDICT_GROWING);
}

static void test_single_big_jump_then_flat_is_steady(void **state) {
  static const uint64_t old[] = {0,       0,       0,       0,      0,
                                 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20,
                                 1 << 20, 1 << 20};
  assert_int_equal(lg_growth_judge(old, N(old)).verdict, LG_VERDICT_STEADY);
}

static void test_fewer_than_five_points_is_insufficient(void **state) {
  static const uint64_t old[] = {0, 1 << 20, 2 << 20, 3 << 20, 4 << 20};
  assert_int_equal(lg_growth_judge(old, 4).verdict,
                   LG_VERDICT_INSUFFICIENT);
  assert_int_equal(lg_growth_judge(old, 0).verdict,
                   LG_VERDICT_INSUFFICIENT);
  assert_int_equal(lg_growth_judge(old, 5).verdict, LG_VERDICT_GROWING);
}

static void test_deep_fall_in_window_is_steady(void **state) {
  /* rises everywhere but once, where it is trimmed by 30% */
  static const uint64_t old[] = {10000, 20000, 30000, 40000, 50000, 60000,
                                 42000, 52000, 62000, 72000, 82000, 92000};
  assert_int_equal(lg_growth_judge(old, N(old)).verdict, LG_VERDICT_STEADY);
}

static void test_slow_drift_is_steady(void **state) {
  uint64_t tiny[12], small[12];
  for (size_t i = 0; i < 12; i++) {
    tiny[i] = 300 * i;             /* from 0, rises always, 3300 in all */
    small[i] = 100000 + 2000 * i;  /* 22000 bytes: under 25% of 100000 */
  }
  assert_int_equal(lg_growth_judge(tiny, 12).verdict, LG_VERDICT_STEADY);
  assert_int_equal(lg_growth_judge(small, 12).verdict, LG_VERDICT_STEADY);
}

static void test_only_last_twelve_points_count(void **state) {
  /* flat for 20 scans, then rising for the last 12: growing */
  uint64_t old[32];
  for (size_t i = 0; i < N(old); i++)
    old[i] = i < 20 ? 65536 : 65536 + 8192 * (i - 19);
  lg_gjudgement_t j = lg_growth_judge(old, N(old));
  assert_int_equal(j.verdict, LG_VERDICT_GROWING);
  assert_int_equal(j.first, 65536 + 8192);
  assert_int_equal(j.window, 12);
  /* one flat step in the window: 10 rises of 11 steps still grow */
  assert_int_equal(lg_growth_judge(old, 30).verdict, LG_VERDICT_GROWING);
  /* four flat steps: 7 rises of 11 is under 70% */
  assert_int_equal(lg_growth_judge(old, 27).verdict, LG_VERDICT_STEADY);
}

static void test_verdict_names(void **state) {
  assert_string_equal(lg_growth_verdict_name(LG_VERDICT_GROWING), "growing");
  assert_string_equal(lg_growth_verdict_name(LG_VERDICT_STEADY), "steady");
  assert_string_equal(lg_growth_verdict_name(LG_VERDICT_INSUFFICIENT),
                      "insufficient");
}

/* ------------------------------------------------------------ timelines */

static lg_process_t *read_log(const lb_t *l) {
  lg_read_result_t r;
  lg_process_t *p = lb_read(l, &r);
  assert_non_null(p);
  return p;
}

static const lg_gsite_t *site_of(const lg_gproc_t *gp, uint32_t id) {
  for (size_t i = 0; i < gp->nsites; i++)
    if (gp->sites[i].stack_id == id)
      return &gp->sites[i];
  fail_msg("no site %u", id);
  return NULL;
}

static void test_timeline_has_one_point_per_complete_scan(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 9);
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  assert_int_equal(gp.nscans, 8); /* scan 9 never ended */
  assert_int_equal(gp.nsites, 3);
  for (size_t k = 0; k < 8; k++) {
    assert_int_equal(gp.scans[k].scan, k + 1);
    assert_int_equal(gp.scans[k].time, 1000000000ull * (k + 1));
  }
  lg_gpoint_t pt;
  lg_growth_point(site_of(&gp, 1), 7, &pt);
  assert_int_equal(pt.bytes[2], 4096 * 8);
  assert_int_equal(pt.blocks[2], 8);
  assert_int_equal(pt.bytes[0], 48);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_sample_sites_get_their_verdicts(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 9);
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  assert_int_equal(site_of(&gp, 1)->judged.verdict, LG_VERDICT_GROWING);
  assert_int_equal(site_of(&gp, 2)->judged.verdict, LG_VERDICT_STEADY);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_steady_site_with_big_gen0_churn_is_steady(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 9); /* site 3: young bytes +1 MB a scan, old flat */
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  const lg_gsite_t *s = site_of(&gp, 3);
  lg_gpoint_t a, b;
  lg_growth_point(s, 0, &a);
  lg_growth_point(s, 7, &b);
  assert_true(b.bytes[0] > a.bytes[0] + 4096); /* young bytes do rise */
  assert_int_equal(s->judged.verdict, LG_VERDICT_STEADY);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_site_absent_from_a_scan_has_zeros_there(void **state) {
  lb_t l = {0};
  static const uint64_t t[4][2] = {{0}};
  static const lb_sstat_t a = {5, {1, 0, 0}, {64, 0, 0}};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_sites(&l, 1, 1, &a);
  lb_scan_end(&l, 1, t, 0, 0);
  lb_scan_begin(&l, 2, LG_SCAN_PERIODIC);
  lb_sites(&l, 2, 0, NULL); /* lists nothing: still a point */
  lb_scan_end(&l, 2, t, 0, 0);
  lb_scan_begin(&l, 3, LG_SCAN_API); /* no SITES record: no point */
  lb_scan_end(&l, 3, t, 0, 0);
  lb_scan_begin(&l, 4, LG_SCAN_PERIODIC);
  lb_sites(&l, 4, 1, &a);
  lb_scan_end(&l, 4, t, 0, 0);
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  assert_int_equal(gp.nscans, 3);
  assert_int_equal(gp.scans[2].scan, 4);
  const lg_gsite_t *s = site_of(&gp, 5);
  lg_gpoint_t pt;
  lg_growth_point(s, 1, &pt);
  assert_int_equal(pt.bytes[0], 0);
  assert_int_equal(pt.blocks[0], 0);
  lg_growth_point(s, 2, &pt);
  assert_int_equal(pt.bytes[0], 64);
  assert_int_equal(s->judged.verdict, LG_VERDICT_INSUFFICIENT);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_site_listed_twice_in_a_scan_adds_up(void **state) {
  lb_t l = {0};
  static const uint64_t t[4][2] = {{0}};
  static const lb_sstat_t a = {5, {1, 2, 3}, {10, 20, 30}};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_sites(&l, 1, 1, &a);
  lb_sites(&l, 1, 1, &a);
  lb_scan_end(&l, 1, t, 0, 0);
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  lg_gpoint_t pt;
  lg_growth_point(site_of(&gp, 5), 0, &pt);
  assert_int_equal(pt.bytes[2], 60);
  assert_int_equal(pt.blocks[1], 4);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_site_gets_latest_chain_of_a_complete_scan(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 9); /* chains at scans 7, 8 and the unfinished 9 */
  lg_process_t *p = read_log(&l);
  lg_gproc_t gp;
  lg_growth_build(&gp, p);
  const lg_chain_t *c = site_of(&gp, 1)->chain;
  assert_non_null(c);
  assert_int_equal(c->scan, 8);
  assert_int_equal(c->nhops, 3);
  assert_null(site_of(&gp, 2)->chain);
  lg_growth_free(&gp);
  lg_reader_free(p);
  lb_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_append_only_list_grows),
      cmocka_unit_test(test_bounded_cache_that_plateaus_is_steady),
      cmocka_unit_test(test_flat_site_is_steady),
      cmocka_unit_test(test_noisy_rise_with_small_dips_still_grows),
      cmocka_unit_test(test_single_big_jump_then_flat_is_steady),
      cmocka_unit_test(test_fewer_than_five_points_is_insufficient),
      cmocka_unit_test(test_deep_fall_in_window_is_steady),
      cmocka_unit_test(test_slow_drift_is_steady),
      cmocka_unit_test(test_only_last_twelve_points_count),
      cmocka_unit_test(test_verdict_names),
      cmocka_unit_test(test_timeline_has_one_point_per_complete_scan),
      cmocka_unit_test(test_sample_sites_get_their_verdicts),
      cmocka_unit_test(test_steady_site_with_big_gen0_churn_is_steady),
      cmocka_unit_test(test_site_absent_from_a_scan_has_zeros_there),
      cmocka_unit_test(test_site_listed_twice_in_a_scan_adds_up),
      cmocka_unit_test(test_site_gets_latest_chain_of_a_complete_scan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
