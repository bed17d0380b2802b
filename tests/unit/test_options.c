/* tests/unit/test_options.c — the LEAKGRAPH_OPTIONS parser: defaults, every
 * kind of value, and bad input (unknown key, bad value, no '='), each
 * reported exactly once with the accepted values while the default stays. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "options.h"

static int nwarn;
static char last[1024];
static void warn(const char *m) { nwarn++; strncpy(last, m, sizeof last - 1); }

static lg_options_t parse(const char *s, int expect_bad) {
  lg_options_t o;
  lg_options_defaults(&o);
  nwarn = 0;
  last[0] = 0;
  assert_int_equal(lg_options_parse(&o, s, SIGRTMAX - 2, warn), expect_bad);
  assert_int_equal(nwarn, expect_bad);
  return o;
}

static void test_defaults_match_the_spec(void **state) {
  (void)state;
  lg_options_t o = parse(NULL, 0);
  assert_string_equal(o.log, "leakgraph.%e.%p.log");
  assert_int_equal(o.depth, 32);
  assert_int_equal(o.min_age, 2);
  assert_int_equal(o.follow_children, 1);
  assert_int_equal(o.scan_signal, 0);
  assert_int_equal(o.exitcode, 0);
  assert_int_equal(o.quiet, 0);
  assert_true(o.interval == 0);
  assert_int_equal(o.heuristics, LG_HEUR_ALL); /* valgrind's default */
  assert_int_equal(o.refcount, LG_RC_ALL);     /* every family the process loads */
  assert_int_equal(o.concurrent, LG_CONC_API); /* leakgraph_scan() marks concurrently */
}

static void test_every_key_parses(void **state) {
  (void)state;
  lg_options_t o = parse("log=/tmp/x.%p.log:interval=0.25:scan_signal=USR2:depth=8:min_age=3:"
                         "suppressions=s.supp:follow_children=no:refcount=gobject:exitcode=23:quiet=1", 0);
  assert_string_equal(o.log, "/tmp/x.%p.log");
  assert_true(o.interval > 0.24 && o.interval < 0.26);
  assert_int_equal(o.scan_signal, SIGUSR2);
  assert_int_equal(o.depth, 8);
  assert_int_equal(o.min_age, 3);
  assert_string_equal(o.suppressions, "s.supp");
  assert_int_equal(o.follow_children, 0);
  assert_int_equal(o.refcount, LG_RC_BIT(LG_RC_GOBJECT));
  assert_int_equal(o.exitcode, 23);
  assert_int_equal(o.quiet, 1);
}

static void test_scan_work_keys_parse_and_keep_defaults_when_bad(void **state) {
  (void)state;
  lg_options_t d = parse(NULL, 0);
  assert_int_equal(d.full_every, 10); /* young periodic scans, every 10th full */
  assert_int_equal(d.scan_blocks, 0);
  assert_int_equal(d.born_lists, 0); /* young scans walk the table */
  assert_true(d.scan_bytes == 0);
  lg_options_t o = parse("full_every=1:scan_blocks=100000:scan_bytes=1e9:born_lists=yes", 0);
  assert_int_equal(o.full_every, 1);
  assert_int_equal(o.born_lists, 1);
  assert_int_equal(o.scan_blocks, 100000);
  assert_true(o.scan_bytes == 1e9);
  o = parse("full_every=0:scan_blocks=-1:scan_bytes=lots:born_lists=maybe", 4);
  assert_int_equal(o.born_lists, 0);
  assert_int_equal(o.full_every, 10);
  assert_int_equal(o.scan_blocks, 0);
  assert_true(o.scan_bytes == 0);
}

static void test_unknown_key_warns_once_with_accepted_keys(void **state) {
  (void)state;
  lg_options_t o = parse("nosuchkey=1:depth=4", 1);
  assert_non_null(strstr(last, "nosuchkey"));
  assert_non_null(strstr(last, "depth"));
  assert_int_equal(o.depth, 4);
}

static void test_bad_value_keeps_default_and_names_accepted_values(void **state) {
  (void)state;
  lg_options_t o = parse("depth=abc", 1);
  assert_int_equal(o.depth, 32);
  assert_non_null(strstr(last, "'depth'"));
  assert_non_null(strstr(last, "1 to 256"));
  o = parse("depth=0:depth=257:min_age=-1", 3);
  assert_int_equal(o.depth, 32);
  assert_int_equal(o.min_age, 2);
}

static void test_entry_without_equals_is_reported(void **state) {
  (void)state;
  lg_options_t o = parse("quiet:depth=5", 1);
  assert_non_null(strstr(last, "quiet"));
  assert_int_equal(o.depth, 5);
  assert_int_equal(o.quiet, 0);
}

static void test_interval_rejects_negative_huge_and_text(void **state) {
  (void)state;
  parse("interval=-1", 1);
  parse("interval=1e9", 1);
  parse("interval=soon", 1);
  parse("interval=nan", 1);
  lg_options_t o = parse("interval=0", 0);
  assert_true(o.interval == 0);
}

static void test_scan_signal_refuses_signals_programs_need(void **state) {
  (void)state;
  const char *bad[] = {"SEGV", "SIGCHLD", "KILL", "STOP", "ABRT", "NOSUCH", "0x1", "RTMAX-2"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char s[64];
    strcpy(s, "scan_signal=");
    strcat(s, bad[i]);
    lg_options_t o = parse(s, 1);
    assert_int_equal(o.scan_signal, 0);
  }
  assert_int_equal(parse("scan_signal=SIGUSR1", 0).scan_signal, SIGUSR1);
  assert_int_equal(parse("scan_signal=12", 0).scan_signal, 12);
  assert_int_equal(parse("scan_signal=RTMIN+1", 0).scan_signal, SIGRTMIN + 1);
  assert_int_equal(parse("scan_signal=off", 0).scan_signal, 0);
}

/* TERM, INT, QUIT, HUP, PIPE and ALRM end or steer daemons and shell
 * pipelines: refused by name and by number, the default (off) kept, and
 * the warning names them among the refused ones. */
static void test_scan_signal_refuses_daemon_and_shell_signals(void **state) {
  (void)state;
  const char *bad[] = {"TERM", "SIGINT", "QUIT", "HUP", "PIPE", "ALRM", "15", "2", "13"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char s[64];
    strcpy(s, "scan_signal=");
    strcat(s, bad[i]);
    lg_options_t o = parse(s, 1);
    assert_int_equal(o.scan_signal, 0);
    assert_non_null(strstr(last, "TERM, INT, QUIT, HUP, PIPE, ALRM"));
  }
  assert_int_equal(parse("scan_signal=USR2", 0).scan_signal, SIGUSR2);
}

/* The parser remembers the string it parsed (the HEADER record logs it). */
static void test_parse_keeps_the_text(void **state) {
  (void)state;
  const char *text = "depth=5:quiet=1";
  lg_options_t o;
  lg_options_defaults(&o);
  assert_null(o.text);
  lg_options_parse(&o, text, SIGRTMAX - 2, warn);
  assert_ptr_equal(o.text, text);
}

static void test_heuristics_take_valgrind_names_all_and_none(void **state) {
  (void)state;
  assert_int_equal(parse("heuristics=none", 0).heuristics, 0);
  assert_int_equal(parse("heuristics=none:heuristics=all", 0).heuristics, LG_HEUR_ALL);
  assert_int_equal(parse("heuristics=stdstring", 0).heuristics, LG_HEUR_BIT(LG_HEUR_STDSTRING));
  assert_int_equal(parse("heuristics=newarray,length64,multipleinheritance", 0).heuristics,
                   LG_HEUR_BIT(LG_HEUR_NEWARRAY) | LG_HEUR_BIT(LG_HEUR_LENGTH64) |
                       LG_HEUR_BIT(LG_HEUR_MULTIPLEINHERITANCE));
}

static void test_bad_heuristic_name_warns_once_and_keeps_default(void **state) {
  (void)state;
  const char *bad[] = {"heuristics=stdstring,bogus", "heuristics=", "heuristics=length64,",
                       "heuristics=,newarray", "heuristics=stdstring,,newarray", "heuristics=StdString",
                       "heuristics=all,none"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lg_options_t o = parse(bad[i], 1);
    assert_int_equal(o.heuristics, LG_HEUR_ALL);
    assert_non_null(strstr(last, "'heuristics'"));
    for (uint32_t h = 1; h <= LG_NHEURS; h++) assert_non_null(strstr(last, lg_heuristic_name(h)));
    assert_non_null(strstr(last, "none"));
  }
}

static void test_refcount_takes_family_names_all_and_none(void **state) {
  (void)state;
  assert_int_equal(parse("refcount=none", 0).refcount, 0);
  assert_int_equal(parse("refcount=none:refcount=all", 0).refcount, LG_RC_ALL);
  assert_int_equal(parse("refcount=gobject,gstreamer", 0).refcount,
                   LG_RC_BIT(LG_RC_GOBJECT) | LG_RC_BIT(LG_RC_GSTREAMER));
  assert_int_equal(parse("refcount=api,openssl,python", 0).refcount,
                   LG_RC_BIT(LG_RC_API) | LG_RC_BIT(LG_RC_OPENSSL) | LG_RC_BIT(LG_RC_PYTHON));
}

static void test_unknown_family_warns_once_with_accepted_names_and_keeps_default(void **state) {
  (void)state;
  const char *bad[] = {"refcount=gobject,bogus", "refcount=", "refcount=gobject,", "refcount=GObject",
                       "refcount=,api", "refcount=all,none"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    lg_options_t o = parse(bad[i], 1);
    assert_int_equal(o.refcount, LG_RC_ALL);
    assert_non_null(strstr(last, "'refcount'"));
    for (uint32_t f = 1; f <= LG_RC_NFAMILIES; f++) assert_non_null(strstr(last, lg_rc_family_name(f)));
    assert_non_null(strstr(last, "none"));
  }
}

static void test_empty_entries_are_ignored(void **state) {
  (void)state;
  lg_options_t o = parse("::depth=7::", 0);
  assert_int_equal(o.depth, 7);
}

/* concurrent is three-valued: api, all (and the old yes/1), no (and 0);
 * anything else warns and keeps the default. */
static void test_concurrent_takes_api_all_and_no(void **state) {
  (void)state;
  lg_options_t d = parse(NULL, 0);
  assert_int_equal(parse("concurrent=api", 0).concurrent, LG_CONC_API);
  assert_int_equal(parse("concurrent=all", 0).concurrent, LG_CONC_ALL);
  assert_int_equal(parse("concurrent=1", 0).concurrent, LG_CONC_ALL);
  assert_int_equal(parse("concurrent=yes", 0).concurrent, LG_CONC_ALL);
  assert_int_equal(parse("concurrent=no", 0).concurrent, LG_CONC_OFF);
  assert_int_equal(parse("concurrent=0", 0).concurrent, LG_CONC_OFF);
  lg_options_t o = parse("concurrent=sometimes", 1);
  assert_int_equal(o.concurrent, d.concurrent);
  assert_non_null(strstr(last, "api"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_match_the_spec),
      cmocka_unit_test(test_every_key_parses),
      cmocka_unit_test(test_unknown_key_warns_once_with_accepted_keys),
      cmocka_unit_test(test_bad_value_keeps_default_and_names_accepted_values),
      cmocka_unit_test(test_entry_without_equals_is_reported),
      cmocka_unit_test(test_interval_rejects_negative_huge_and_text),
      cmocka_unit_test(test_scan_signal_refuses_signals_programs_need),
      cmocka_unit_test(test_scan_signal_refuses_daemon_and_shell_signals),
      cmocka_unit_test(test_parse_keeps_the_text),
      cmocka_unit_test(test_heuristics_take_valgrind_names_all_and_none),
      cmocka_unit_test(test_bad_heuristic_name_warns_once_and_keeps_default),
      cmocka_unit_test(test_refcount_takes_family_names_all_and_none),
      cmocka_unit_test(test_unknown_family_warns_once_with_accepted_names_and_keeps_default),
      cmocka_unit_test(test_empty_entries_are_ignored),
      cmocka_unit_test(test_scan_work_keys_parse_and_keep_defaults_when_bad),
      cmocka_unit_test(test_concurrent_takes_api_all_and_no),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
