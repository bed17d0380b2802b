/* tests/unit/test_hostile.c — leakgraph-report against hostile logs: logs
 * that name files to open (FIFOs, devices, secrets), that make work or
 * output grow faster than themselves, whose totals would wrap, whose
 * strings carry terminal escapes and forged lines, and that another user
 * owns; plus the site keys a baseline compares and the baseline parser.
 * Each log is built in memory (logbuild.h) and read through the real
 * reader; the analysis and the renderers are the report tool's own. Work
 * bounds are checked by what the output holds, not by how fast this
 * machine is, except where noted with a margin of many times. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <link.h>

#include "analyze.h"
#include "baseline.h"
#include "escape.h"
#include "reader.h"
#include "render.h"
#include "sites.h"
#include "suppress.h"
#include "symbolize.h"
#include "util.h"

#include "logbuild.h"

/* ------------------------------------------------------------- helpers */

/* A report over `n` processes, symbolizing when `sym_on`. */
typedef struct fixture {
  lg_report_t r;
  lg_supps_t supps;
  lg_sym_t *sym;
} fixture_t;

static void build(fixture_t *fx, lg_process_t **p, size_t n, int sym_on,
                  unsigned flags) {
  memset(fx, 0, sizeof *fx);
  fx->sym = lg_sym_new(sym_on, NULL);
  lg_analyze_build(&fx->r, p, n, &fx->supps, fx->sym, flags);
}

static void unbuild(fixture_t *fx) {
  lg_analyze_free(&fx->r);
  lg_sym_free(fx->sym);
  lg_supp_free(&fx->supps);
}

static lg_process_t *read_log(lb_t *l) {
  lg_read_result_t res;
  lg_process_t *p = lb_read(l, &res);
  if (!p)
    fail_msg("log not read: %s", res.message);
  return p;
}

/* Renders `r` as text (0), JSON (1) or DOT (2) into a new string. */
static char *render(const lg_report_t *r, lg_sym_t *sym, int how,
                    size_t *len) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  if (how == 0)
    lg_render_text_with(f, r, 0, LG_TEXT_VERBOSE);
  else if (how == 1)
    lg_render_json(f, r, 0);
  else
    lg_render_dot(f, r, sym, 0);
  fclose(f);
  if (len)
    *len = n;
  return buf;
}

/* Says whether some warning of the report contains `s`. */
static int warned(const lg_report_t *r, const char *s) {
  for (size_t i = 0; i < r->nwarnings; i++)
    if (strstr(r->warnings[i], s))
      return 1;
  return 0;
}

/* A log of one process `exe` whose module `path` (id 1, code at
 * 0x400000) holds stack 1 (two frames); an exit scan finds one cluster of
 * one 48-byte definitely lost block allocated there. */
static void lb_one_leak(lb_t *l, uint32_t pid, const char *exe,
                        const char *path) {
  static const uint64_t s1[] = {0x401010, 0x402020};
  static const lb_site_t site[] = {{1, LG_CAT_DEFINITE, 1, 48}};
  static const lb_block_t block[] = {
      {0x10000, 48, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY}};
  static const uint64_t totals[4][2] = {{48, 1}, {0, 0}, {0, 0}, {0, 0}};
  lb_header(l, pid, exe);
  lb_module(l, 1, 0, path, "", 0x400000, 0x100000);
  lb_stack(l, 1, 2, s1);
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  lb_cluster(l, 1, 1, 0, 1, site, 1, block, 0, NULL);
  lb_scan_end(l, 1, totals, 1, 0);
  lb_end_rec(l, LG_END_EXIT, 0);
}

/* The directories tmpdir made, removed at exit (each test removes the
 * files it made in its own). */
static char lg_test_dirs[8][64];
static int lg_test_ndirs;

static void lg_test_rmdirs(void) {
  for (int i = 0; i < lg_test_ndirs; i++)
    rmdir(lg_test_dirs[i]);
}

/* A fresh directory for this test's files (under $TMPDIR, else /tmp). */
static const char *tmpdir(void) {
  assert_true(lg_test_ndirs < 8);
  char *dir = lg_test_dirs[lg_test_ndirs];
  const char *base = getenv("TMPDIR");
  snprintf(dir, sizeof lg_test_dirs[0], "%s/lg-hostile.XXXXXX",
           base && base[0] && strlen(base) < 40 ? base : "/tmp");
  assert_non_null(mkdtemp(dir));
  if (lg_test_ndirs++ == 0)
    atexit(lg_test_rmdirs);
  return dir;
}

/* ---------------------------------------------- files a log names */

/* A module path that is a FIFO: the symbolizer must not open it (reading
 * a FIFO nobody writes blocks forever). The alarm ends the test binary if
 * it does hang. */
static void test_fifo_module_path_does_not_hang(void **state) {
  char fifo[128];
  snprintf(fifo, sizeof fifo, "%s/lib.so", tmpdir());
  assert_int_equal(mkfifo(fifo, 0600), 0);
  lb_t l = {0};
  lb_one_leak(&l, 10, fifo, fifo);
  lg_process_t *p = read_log(&l);
  alarm(30);
  fixture_t fx;
  build(&fx, &p, 1, 1, 0);
  alarm(0);
  assert_int_equal(fx.r.nclusters, 1);
  assert_null(fx.r.clusters[0].sites[0].stack.frames[0].function);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
  unlink(fifo);
}

/* A SUPPRESSIONS record naming a file (source 1: /dev/zero, a FIFO, a
 * secret) is never opened: the report says so, quotes nothing of the file
 * and neither hangs nor reads without end. */
static void test_supp_paths_in_a_log_are_never_opened(void **state) {
  const char *dir = tmpdir();
  char fifo[128], secret[128];
  snprintf(fifo, sizeof fifo, "%s/supp.fifo", dir);
  snprintf(secret, sizeof secret, "%s/token", dir);
  assert_int_equal(mkfifo(fifo, 0600), 0);
  FILE *f = fopen(secret, "w");
  fputs("TOPSECRET-TOKEN-WITHOUT-A-COLON\n", f);
  fclose(f);
  chmod(secret, 0600);
  lb_t l = {0};
  lb_header(&l, 11, "/bin/sample");
  lb_supp(&l, LG_SUPP_FILE, "/dev/zero");
  lb_supp(&l, LG_SUPP_FILE, fifo);
  lb_supp(&l, LG_SUPP_FILE, secret);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_process_t *p = read_log(&l);
  alarm(30);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  char *text = render(&fx.r, fx.sym, 0, NULL);
  alarm(0);
  assert_true(warned(&fx.r, "which leakgraph-report does not open"));
  for (size_t i = 0; i < fx.r.nwarnings; i++)
    assert_null(strstr(fx.r.warnings[i], "TOPSECRET"));
  assert_null(strstr(text, "TOPSECRET"));
  free(text);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
  unlink(fifo), unlink(secret);
}

/* Source 3 carries the suppressions file's text: it applies, named by the
 * file's path. */
static void test_supp_text_of_a_file_applies(void **state) {
  lb_t l = {0};
  lb_one_leak(&l, 12, "/bin/sample", "/lib/noisy.so");
  /* a SUPPRESSIONS record of source 3: text, then path */
  lb_begin(&l, LG_REC_SUPPRESSIONS);
  lb_u32(&l, LG_SUPP_FILE_TEXT);
  lb_str(&l, "# from the file\nleak:noisy.so\n");
  lb_str(&l, "/home/u/my.supp");
  lb_end(&l);
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  assert_int_equal(fx.r.nclusters, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_SUPPRESSED].bytes, 48);
  assert_string_equal(fx.r.local[0].v[0].origin, "/home/u/my.supp:2");
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* The shim's side: lg_util_open_regular refuses a FIFO and a device, and
 * a file over its size cap. */
static void test_open_regular_refuses_fifos_devices_and_big_files(void **state) {
  char fifo[128];
  snprintf(fifo, sizeof fifo, "%s/f", tmpdir());
  assert_int_equal(mkfifo(fifo, 0600), 0);
  assert_int_equal(lg_util_open_regular(fifo, 0), -1);
  assert_int_equal(lg_util_open_regular("/dev/zero", 0), -1);
  assert_int_equal(lg_util_open_regular("/proc/self", 0), -1);
  size_t n;
  assert_null(lg_util_read_regular("/etc/passwd", 4, &n));
  char *s = lg_util_read_regular("/etc/passwd", 0, &n);
  assert_non_null(s);
  assert_true(n > 0);
  free(s);
  unlink(fifo);
}

/* ----------------------------------------- work and output bounded */

/* One 256-frame stack shared by a cluster of 4096 entry blocks and by 200
 * clusters of 10 sites each: the JSON output writes the stack inline (SPEC
 * section 5) only within its budget, then by its id in the stacks table
 * ("stacks_inlined": false), and the text shows it per loss record
 * (records.h), so both stay within a fixed multiple of the log plus a
 * constant (they held 4096 + 2000 and 2000 copies: 116 MB of JSON). */
static void test_deep_shared_stacks_keep_json_bounded(void **state) {
  static uint64_t frames[LG_MAX_FRAMES];
  static lb_block_t blocks[LG_CLUSTER_MAX_LISTED];
  for (uint32_t i = 0; i < LG_MAX_FRAMES; i++)
    frames[i] = 0x401000 + 16 * (uint64_t)i;
  for (uint32_t i = 0; i < LG_CLUSTER_MAX_LISTED; i++)
    blocks[i] = (lb_block_t){0x100000 + 64 * (uint64_t)i, 32, 1,
                             LG_CAT_DEFINITE, LG_LISTED_ENTRY};
  lb_site_t big = {1, LG_CAT_DEFINITE, LG_CLUSTER_MAX_LISTED,
                   32ull * LG_CLUSTER_MAX_LISTED};
  lb_site_t ten[10];
  for (int i = 0; i < 10; i++)
    ten[i] = (lb_site_t){1, LG_CAT_DEFINITE, 1, 32};
  lb_t l = {0};
  lb_header(&l, 20, "/bin/deep");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x100000);
  lb_stack(&l, 1, LG_MAX_FRAMES, frames);
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, 1, &big, LG_CLUSTER_MAX_LISTED, blocks, 0, NULL);
  for (uint32_t c = 0; c < 200; c++)
    lb_cluster(&l, 1, 2 + c, 0, 10, ten, 1, &blocks[c], 0, NULL);
  uint64_t t[4][2] = {{32ull * LG_CLUSTER_MAX_LISTED + 200 * 320,
                       LG_CLUSTER_MAX_LISTED + 2000}, {0, 0}, {0, 0}, {0, 0}};
  lb_scan_end(&l, 1, t, 201, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  size_t n;
  char *js = render(&fx.r, fx.sym, 1, &n);
  assert_int_equal(fx.r.nstacks, 1);
  assert_non_null(strstr(js, "\"stacks_inlined\": false"));
  if (n > 128 * l.n + (2u << 20))
    fail_msg("JSON of %zu bytes from a log of %zu", n, l.n);
  free(js);
  char *text = render(&fx.r, fx.sym, 0, &n);
  if (n > 8 * l.n)
    fail_msg("text of %zu bytes from a log of %zu", n, l.n);
  free(text);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* 2000 periodic scans, each listing one site of its own in SITES: with
 * --growth every site has a timeline, and each holds only the scans that
 * listed it (it was one point per scan: 2000 x 2000). */
static void test_growth_timelines_grow_with_the_log(void **state) {
  lb_t l = {0};
  lb_header(&l, 21, "/bin/sites");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x100000);
  uint64_t zero[4][2] = {{0, 0}};
  for (uint32_t k = 1; k <= 2000; k++) {
    uint64_t a = 0x400000 + k;
    lb_stack(&l, k, 1, &a);
    lb_scan_begin(&l, k, LG_SCAN_PERIODIC);
    lb_sstat_t st = {k, {1, 0, 0}, {64, 0, 0}};
    lb_sites(&l, k, 1, &st);
    lb_scan_end(&l, k, zero, 0, 0);
  }
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, LG_ANALYZE_GROWTH_ALL);
  size_t n;
  char *js = render(&fx.r, fx.sym, 1, &n);
  assert_int_equal(fx.r.ngrowth, 2000);
  if (n > 40 * l.n)
    fail_msg("JSON of %zu bytes from a log of %zu", n, l.n);
  free(js);
  char *text = render(&fx.r, fx.sym, 0, &n);
  if (n > 40 * l.n)
    fail_msg("text of %zu bytes from a log of %zu", n, l.n);
  free(text);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* 40000 MODULE records, each followed by a STACK in it: the module map
 * changes between every two stacks. Every frame resolves to the module
 * loaded when its stack was written (the reader used to re-sort every
 * range per change, and gave up on such a log as corrupted). */
static void test_module_churn_resolves_every_frame(void **state) {
  enum { N = 40000 };
  lb_t l = {0};
  lb_header(&l, 22, "/bin/churn");
  for (uint32_t k = 0; k < N; k++) {
    uint64_t base = 0x10000000ull + 0x10000ull * k, a = base + 0x10;
    lb_module(&l, k + 1, base, "/lib/m.so", "", base, 0x1000);
    lb_stack(&l, k + 1, 1, &a);
    if (k % 2)
      lb_unload(&l, k); /* the one before goes again */
  }
  lg_process_t *p = read_log(&l);
  assert_int_equal(p->nmodules, N);
  for (uint32_t k = 0; k < N; k++) {
    const lg_stack_t *s = lg_reader_stack(p, k + 1);
    assert_non_null(s);
    assert_int_equal(s->frames[0].module, (int)k);
  }
  lg_reader_free(p);
  lb_free(&l);
}

/* A module with a 10 KB build-id and 200 stacks of 256 frames in it, used
 * by a cluster of 4096 entries: symbolizing costs a hash probe per frame,
 * not a hex key of the build-id (20 KB) per frame. Timed with a margin of
 * many times: the old way took minutes here, this takes well under one
 * second on the development machine. */
static void test_long_build_id_costs_nothing_per_frame(void **state) {
  static char id[10241];
  static uint64_t frames[LG_MAX_FRAMES];
  static lb_block_t blocks[LG_CLUSTER_MAX_LISTED];
  memset(id, 'x', sizeof id - 1);
  lb_t l = {0};
  lb_header(&l, 23, "/nonexistent/prog");
  lb_module(&l, 1, 0, "", id, 0x400000, 0x100000);
  for (uint32_t s = 1; s <= 200; s++) {
    for (uint32_t i = 0; i < LG_MAX_FRAMES; i++)
      frames[i] = 0x400000 + s * 0x1000 + (uint64_t)i;
    lb_stack(&l, s, LG_MAX_FRAMES, frames);
  }
  for (uint32_t i = 0; i < LG_CLUSTER_MAX_LISTED; i++)
    blocks[i] = (lb_block_t){0x100000 + 64 * (uint64_t)i, 32,
                             1 + (uint32_t)i % 200, LG_CAT_DEFINITE,
                             LG_LISTED_ENTRY};
  lb_site_t site = {1, LG_CAT_DEFINITE, LG_CLUSTER_MAX_LISTED,
                    32ull * LG_CLUSTER_MAX_LISTED};
  uint64_t t[4][2] = {{32ull * LG_CLUSTER_MAX_LISTED, LG_CLUSTER_MAX_LISTED}};
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, 1, &site, LG_CLUSTER_MAX_LISTED, blocks, 0, NULL);
  lb_scan_end(&l, 1, t, 1, 0);
  lg_process_t *p = read_log(&l);
  struct timespec a, b;
  clock_gettime(CLOCK_MONOTONIC, &a);
  fixture_t fx;
  build(&fx, &p, 1, 1, 0);
  clock_gettime(CLOCK_MONOTONIC, &b);
  double secs = (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9;
  assert_int_equal(fx.r.clusters[0].nentries, LG_CLUSTER_MAX_LISTED);
  assert_int_equal(fx.r.nstacks, 200);
  if (secs > 20)
    fail_msg("the analysis took %.1f s", secs);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* 4000 inline suppressions that match nothing, over 4000 stacks of 4
 * frames in 4000 modules: each distinct string is matched once (the old
 * way matched every stack's every frame against every suppression). */
static void test_many_suppressions_times_frames_stay_linear(void **state) {
  enum { N = 4000 };
  lg_sb_t sb = {0};
  for (int i = 0; i < N; i++)
    lg_sb_printf(&sb, "leak:no_such_function_%d\n", i);
  lb_t l = {0};
  lb_header(&l, 24, "/bin/supps");
  lb_supp(&l, LG_SUPP_INLINE, sb.s);
  static lb_block_t blocks[N];
  static lb_site_t sites[N];
  for (uint32_t k = 0; k < N; k++) {
    char path[64];
    snprintf(path, sizeof path, "/lib/mod%u.so", k);
    uint64_t base = 0x10000000ull + 0x10000ull * k;
    uint64_t f[4] = {base + 1, base + 2, base + 3, base + 4};
    lb_module(&l, k + 1, base, path, "", base, 0x1000);
    lb_stack(&l, k + 1, 4, f);
    sites[k] = (lb_site_t){k + 1, LG_CAT_DEFINITE, 1, 16};
    blocks[k] = (lb_block_t){0x100000 + 64ull * k, 16, k + 1, LG_CAT_DEFINITE,
                             LG_LISTED_ENTRY};
  }
  uint64_t t[4][2] = {{16ull * N, N}};
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, N, sites, N, blocks, 0, NULL);
  lb_scan_end(&l, 1, t, 1, 0);
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  assert_int_equal(fx.r.clusters[0].nsites, N);
  /* every string once: module paths are the only strings (no symbols) */
  assert_true(fx.r.local[0].work <= (uint64_t)N * N * 64);
  assert_false(fx.r.local[0].exhausted);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
  free(sb.s);
}

/* ------------------------------------------------------ totals wrap */

/* A second log whose exit totals are 2^64 minus the first's real leak (and
 * whose clusters hold nothing) cannot cancel it: the report sums clusters,
 * saturating, calls the lying log corrupted, and still fails. */
static void test_totals_cannot_cancel_a_real_leak(void **state) {
  lb_t a = {0}, b = {0};
  lb_one_leak(&a, 30, "/bin/real", "");
  uint64_t lie[4][2] = {{UINT64_MAX - 47, UINT64_MAX}, {0, 0}, {0, 0}, {0, 0}};
  lb_header(&b, 31, "/bin/liar");
  lb_scan_begin(&b, 1, LG_SCAN_EXIT);
  lb_scan_end(&b, 1, lie, 0, 0);
  lb_end_rec(&b, LG_END_EXIT, 0);
  lg_process_t *p[2] = {read_log(&a), read_log(&b)};
  fixture_t fx;
  build(&fx, p, 2, 0, 0);
  assert_int_equal(fx.r.summary[LG_RCAT_DEFINITE].bytes, 48);
  assert_int_equal(fx.r.corrupted_totals[0], 0);
  assert_int_equal(fx.r.corrupted_totals[1], 1);
  assert_true(warned(&fx.r, "is corrupted"));
  assert_true(lg_analyze_failing(&fx.r, LG_FAIL_DEFAULT) & LG_FAIL_DEFINITE);
  unbuild(&fx);
  lg_reader_free(p[0]), lg_reader_free(p[1]);
  lb_free(&a), lb_free(&b);
}

/* Clusters whose sites add up past 2^64 saturate instead of wrapping. */
static void test_cluster_sums_saturate(void **state) {
  lb_t l = {0};
  static const uint64_t s1[] = {0x401010};
  lb_site_t sites[2] = {{1, LG_CAT_DEFINITE, 1, UINT64_MAX - 10},
                        {1, LG_CAT_DEFINITE, 1, 100}};
  lb_block_t block = {0x10000, 8, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY};
  uint64_t t[4][2] = {{UINT64_MAX, 2}};
  lb_header(&l, 32, "/bin/big");
  lb_module(&l, 1, 0, "", "", 0x400000, 0x100000);
  lb_stack(&l, 1, 1, s1);
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, 2, sites, 1, &block, 0, NULL);
  lb_scan_end(&l, 1, t, 1, 0);
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  assert_true(fx.r.summary[LG_RCAT_DEFINITE].bytes == UINT64_MAX);
  assert_true(fx.r.clusters[0].bytes == UINT64_MAX);
  assert_int_equal(fx.r.corrupted_totals[0], 0);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* ------------------------------------------ terminal and line injection */

/* An exe, argv and note that carry an escape sequence and a newline that
 * would forge a LEAK SUMMARY: the text shows them escaped. */
static void test_text_escapes_controls_and_forged_lines(void **state) {
  lb_t l = {0};
  lb_begin(&l, LG_REC_HEADER);
  lb_u32(&l, LG_FORMAT_VERSION);
  lb_u32(&l, 40), lb_u32(&l, 1), lb_u32(&l, 8);
  lb_u64(&l, 1);
  lb_str(&l, "/bin/\x1b]0;owned\x07\x1b[2J");
  lb_u32(&l, 2);
  lb_str(&l, "prog");
  lb_str(&l, "x\nLEAK SUMMARY:\n   definitely lost: 0 bytes in 0 blocks");
  lb_str(&l, ""), lb_str(&l, "");
  lb_end(&l);
  lb_note(&l, LG_NOTE_WARNING, "\x1b[31mred\xc2\x9b" "2J\xe2\x80\xae");
  uint64_t t[4][2] = {{0, 0}};
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_scan_end(&l, 1, t, 0, 0);
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_process_t *p = read_log(&l);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  char *text = render(&fx.r, fx.sym, 0, NULL);
  assert_null(strchr(text, '\x1b'));
  assert_null(strchr(text, '\x07'));
  assert_null(strstr(text, "\xc2\x9b"));
  assert_null(strstr(text, "\xe2\x80\xae"));
  size_t summaries = 0;
  for (const char *q = text; (q = strstr(q, "LEAK SUMMARY:")); q++)
    summaries += q == text || q[-1] == '\n';
  assert_int_equal(summaries, 1);
  assert_non_null(strstr(text, "/bin/\\x1b]0;owned\\x07"));
  assert_non_null(strstr(text, "x\\nLEAK SUMMARY:\\n"));
  assert_non_null(strstr(text, "\\x1b[31mred\\u009b2J\\u202e"));
  free(text);
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
}

/* DOT strings: quotes and backslashes escaped for DOT, the caller's
 * newlines as DOT line breaks, controls and bad bytes shown, never raw. */
static void test_dot_strings_are_escaped_for_dot(void **state) {
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lg_esc_dot(f, "a\x1b[1m\"q\"\\b\nline2\xff");
  fclose(f);
  assert_string_equal(buf, "\"a\\\\x1b[1m\\\"q\\\"\\\\\\\\b\\nline2\\\\xff\"");
  free(buf);
  f = open_memstream(&buf, &n);
  lg_esc_xml(f, "<a href='x'>&\x01\"</a>");
  fclose(f);
  assert_string_equal(buf, "&lt;a href=&apos;x&apos;&gt;&amp;\\x01&quot;&lt;/a&gt;");
  free(buf);
}

/* ------------------------------------------------------ planted logs */

/* A log that another user owns is read, with a warning naming its owner. */
static void test_log_of_another_user_is_flagged(void **state) {
  if (geteuid() != 0)
    skip();
  char path[128];
  snprintf(path, sizeof path, "%s/leakgraph.x.1.log", tmpdir());
  lb_t l = {0};
  lb_one_leak(&l, 50, "/bin/x", "");
  FILE *f = fopen(path, "wb");
  fwrite(l.b, 1, l.n, f);
  fclose(f);
  assert_int_equal(chown(path, 65534, 65534), 0);
  lg_read_result_t res;
  lg_process_t *p = lg_reader_read_file(path, &res);
  assert_non_null(p);
  assert_int_equal(p->owner_uid, 65534);
  fixture_t fx;
  build(&fx, &p, 1, 0, 0);
  assert_true(warned(&fx.r, "is owned by uid 65534, not by you"));
  unbuild(&fx);
  lg_reader_free(p);
  lb_free(&l);
  unlink(path);
}

/* ------------------------------------------------ site keys, baselines */

/* The address of a function of this program and the program's load bias. */
static int lg_test_self_bias(struct dl_phdr_info *info, size_t size,
                             void *data) {
  *(uint64_t *)data = info->dlpi_addr;
  return 1; /* the first object is the program */
}

static __attribute__((noinline)) void lg_test_site_fn(void) {
  __asm__ volatile("");
}

/* The same function at two load addresses (ASLR) and in two places on
 * disk: the same key, naming the function and the module's file name. */
static void test_site_key_survives_aslr(void **state) {
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  assert_true(n > 0);
  exe[n] = 0;
  uint64_t bias = 0;
  dl_iterate_phdr(lg_test_self_bias, &bias);
  uint64_t addr = (uint64_t)(uintptr_t)&lg_test_site_fn + 1; /* a "return address" just inside it */
  char *keys[2];
  for (int k = 0; k < 2; k++) {
    uint64_t shift = k ? 0x7f0000000000ull - bias : 0; /* another bias */
    lb_t l = {0};
    lb_header(&l, 60 + (uint32_t)k, exe);
    lb_module(&l, 1, bias + shift, "", "", bias + shift, 0x10000000);
    uint64_t a = addr + shift;
    lb_stack(&l, 1, 1, &a);
    lg_process_t *p = read_log(&l);
    lg_sym_t *sym = lg_sym_new(1, NULL);
    lg_rstack_t st;
    lg_analyze_stack(sym, p, 1, &st);
    keys[k] = lg_site_key(st.frames, st.n);
    free(st.frames);
    lg_sym_free(sym);
    lg_reader_free(p);
    lb_free(&l);
  }
  assert_string_equal(keys[0], keys[1]);
  assert_non_null(strstr(keys[0], "lg_test_site_fn+0x"));
  assert_non_null(strstr(keys[0], "@test_hostile"));
  free(keys[0]), free(keys[1]);
}

/* The baseline parser keeps the site keys of clusters and growth, decodes
 * escapes, and refuses what is not a leakgraph report or nests too deep. */
static void test_baseline_parser(void **state) {
  static const char good[] =
      "{\"leakgraph_report\": 1, \"clusters\": [{\"id\": 1, \"sites\": ["
      "{\"stack\": 1, \"category\": \"definitely_lost\"},"
      "{\"category\": \"indirectly_lost\", \"stack\": 2}]}],"
      "\"growth\": [{\"site\": {\"stack\": 3}}],"
      "\"other\": {\"key\": \"not a site\", \"stack\": 4},"
      "\"stacks\": [{\"id\": 1, \"key\": \"f+0x1@p;main+0x2@p\"},"
      "{\"key\": \"g\\u0041\\n\", \"id\": 2}, {\"id\": 3, \"key\": "
      "\"grow+0x9@p\"}, {\"id\": 4, \"key\": \"not a site\"}]}";
  lg_baseline_t b = {0};
  char err[256];
  assert_int_equal(lg_baseline_parse(&b, good, sizeof good - 1, "b.json", err,
                                     sizeof err),
                   0);
  assert_int_equal(b.nsites, 3);
  assert_string_equal(lg_baseline_find(&b, "f+0x1@p;main+0x2@p")->category,
                      "definitely_lost");
  assert_string_equal(lg_baseline_find(&b, "gA\n")->category, "indirectly_lost");
  assert_string_equal(lg_baseline_find(&b, "grow+0x9@p")->category, "growth");
  assert_null(lg_baseline_find(&b, "not a site"));
  lg_baseline_free(&b);
  static const char *const bad[] = {"", "[]", "{\"clusters\": []}",
                                    "{\"leakgraph_report\": 1", "{\"a\" 1}",
                                    "{\"leakgraph_report\": 1} x"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    memset(&b, 0, sizeof b);
    assert_int_equal(lg_baseline_parse(&b, bad[i], strlen(bad[i]), "b", err,
                                       sizeof err),
                     -1);
    lg_baseline_free(&b);
  }
  char deep[400];
  snprintf(deep, sizeof deep, "{\"leakgraph_report\": 1, \"x\": ");
  size_t k = strlen(deep);
  while (k < sizeof deep - 2)
    deep[k++] = '[';
  deep[k] = 0;
  memset(&b, 0, sizeof b);
  assert_int_equal(lg_baseline_parse(&b, deep, strlen(deep), "b", err,
                                     sizeof err),
                   -1);
  assert_non_null(strstr(err, "deeper than 64"));
  lg_baseline_free(&b);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fifo_module_path_does_not_hang),
      cmocka_unit_test(test_supp_paths_in_a_log_are_never_opened),
      cmocka_unit_test(test_supp_text_of_a_file_applies),
      cmocka_unit_test(test_open_regular_refuses_fifos_devices_and_big_files),
      cmocka_unit_test(test_deep_shared_stacks_keep_json_bounded),
      cmocka_unit_test(test_growth_timelines_grow_with_the_log),
      cmocka_unit_test(test_module_churn_resolves_every_frame),
      cmocka_unit_test(test_long_build_id_costs_nothing_per_frame),
      cmocka_unit_test(test_many_suppressions_times_frames_stay_linear),
      cmocka_unit_test(test_totals_cannot_cancel_a_real_leak),
      cmocka_unit_test(test_cluster_sums_saturate),
      cmocka_unit_test(test_text_escapes_controls_and_forged_lines),
      cmocka_unit_test(test_dot_strings_are_escaped_for_dot),
      cmocka_unit_test(test_log_of_another_user_is_flagged),
      cmocka_unit_test(test_site_key_survives_aslr),
      cmocka_unit_test(test_baseline_parser),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
