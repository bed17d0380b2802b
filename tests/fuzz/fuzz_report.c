/* tests/fuzz/fuzz_report.c — a libFuzzer target over the whole report tool
 * but its command line: each input is read as a log (tools/reader.c),
 * symbolized (tools/symbolize.c, against the files on this machine that
 * the input names), analysed with suppressions (the input's own, if any,
 * and a fixed set) and a baseline, and rendered in every format (text,
 * verbose text, every site, one cluster in detail, JSON, DOT, HTML, JUnit,
 * SARIF, valgrind's XML) into /dev/null; the same bytes are also parsed as a baseline report
 * (tools/baseline.c). Built with -fsanitize=fuzzer,address,undefined by
 * `make fuzz` (long) and `make test` (a bounded number of runs over the
 * seed corpus of real logs in tests/fuzz/corpus). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "analyze.h"
#include "baseline.h"
#include "reader.h"
#include "render.h"
#include "suppress.h"
#include "symbolize.h"

/* The sink every renderer writes to. */
static FILE *lg_fuzz_null(void) {
  static FILE *f;
  if (!f)
    f = fopen("/dev/null", "w");
  return f;
}

/* Renders report `r` in every format. */
static void lg_fuzz_render(const lg_report_t *r, lg_sym_t *sym) {
  FILE *f = lg_fuzz_null();
  lg_render_text_with(f, r, 0, 0);
  lg_render_text_with(f, r, 0, LG_TEXT_VERBOSE | LG_TEXT_ALL);
  if (r->nclusters)
    lg_render_text_with(f, r, 1, 0);
  lg_render_json(f, r, 0);
  lg_render_dot(f, r, sym, 0);
  lg_render_html(f, r, 0);
  lg_render_junit(f, r, LG_FAIL_DEFAULT | LG_FAIL_GROWTH);
  lg_render_sarif(f, r, LG_FAIL_DEFAULT);
  lg_render_vgxml(f, r);
  fflush(f);
}

/* Reads the input as a log and reports on it. */
static void lg_fuzz_log(const uint8_t *data, size_t size) {
  FILE *in = fmemopen((void *)data, size, "rb");
  if (!in)
    return;
  lg_read_result_t res;
  lg_process_t *p = lg_reader_read_stream(in, "fuzz.log", &res);
  fclose(in);
  if (!p)
    return;
  lg_supps_t global = {0};
  char err[512];
  lg_supp_parse(&global, "leak:^main$\nleak:*alloc*\nleak:libc.so\n",
                "fuzz", err, sizeof err);
  lg_baseline_t base = {0};
  static const char basetext[] =
      "{\"leakgraph_report\": 1, \"clusters\": [{\"sites\": [{\"key\": "
      "\"@prog+0x1\", \"category\": \"definitely_lost\"}]}]}";
  lg_baseline_parse(&base, basetext, sizeof basetext - 1, "fuzz", err,
                    sizeof err);
  lg_sym_t *sym = lg_sym_new(1, NULL);
  for (int pass = 0; pass < 2; pass++) {
    lg_report_t r;
    lg_analyze_build(&r, &p, 1, &global, sym,
                     pass ? LG_ANALYZE_GROWTH_ALL : 0);
    if (pass)
      lg_analyze_baseline(&r, &base);
    lg_fuzz_render(&r, sym);
    (void)lg_analyze_failing(&r, ~0u);
    lg_analyze_free(&r);
  }
  lg_sym_free(sym);
  lg_baseline_free(&base);
  lg_supp_free(&global);
  lg_reader_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  lg_fuzz_log(data, size);
  lg_baseline_t b = {0};
  char err[256];
  lg_baseline_parse(&b, (const char *)data, size, "fuzz", err, sizeof err);
  lg_baseline_free(&b);
  return 0;
}
