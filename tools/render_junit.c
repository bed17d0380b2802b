/* tools/render_junit.c — the report as JUnit XML, the format Jenkins and
 * GitLab read (checked against the Jenkins/Ant JUnit schema in
 * tests/schemas/junit.xsd): one <testsuite> "leakgraph", one <testcase>
 * per process — named by its command line, its classname the executable's
 * file name, its time the process's life until its last scan — and in it
 * one <failure> per failing leak site (cisites.h: its kind in --fail-on;
 * with a baseline only new sites), the message a one-line summary and the
 * text the allocation stack. A process image that exec'd another is not a
 * test case (its heap went with the exec: the new image has its own). */
#include <inttypes.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cisites.h"
#include "escape.h"
#include "render.h"
#include "util.h"

/* Says whether process `p` is a test case: not an image that exec'd. */
static int lg_junit_is_case(const lg_process_t *p) {
  return !(p->complete && p->end_how == LG_END_EXEC);
}

/* Writes a frame as a line of text, escaped for XML. */
static void lg_junit_frame(FILE *f, size_t i, const lg_symframe_t *fr) {
  lg_sb_t sb = {0};
  lg_sb_printf(&sb, "#%zu 0x%" PRIx64 " in %s", i, fr->address,
               fr->function ? fr->function : "??");
  if (fr->file)
    lg_sb_printf(&sb, " %s:%d", fr->file, fr->line);
  if (fr->module)
    lg_sb_printf(&sb, " (%s+0x%" PRIx64 ")", fr->module, fr->offset);
  lg_esc_xml(f, sb.s);
  fputc('\n', f);
  lg_sb_free(&sb);
}

/* Writes the one-line summary of a site: amounts, kind, first own frame. */
static void lg_junit_message(FILE *f, const lg_csite_t *s) {
  lg_sb_t sb = {0};
  const lg_rstack_t *st = &s->site->stack;
  lg_sb_printf(&sb, "%" PRIu64 " bytes in %" PRIu64 " %s %s%s", s->bytes,
               s->blocks, s->blocks == 1 ? "block" : "blocks",
               lg_csite_words(s->cat), s->cyclic ? " (in a cycle)" : "");
  if (st->n) {
    const lg_symframe_t *fr = &st->frames[lg_csite_own_frame(st)];
    lg_sb_printf(&sb, ", allocated in %s", fr->function ? fr->function : "??");
    if (fr->file)
      lg_sb_printf(&sb, " at %s:%d", fr->file, fr->line);
  }
  if (s->baseline == LG_BASE_NEW)
    lg_sb_printf(&sb, " (new: not in the baseline)");
  lg_esc_xml(f, sb.s);
  lg_sb_free(&sb);
}

/* Writes the failures of process `p`; returns how many. */
static size_t lg_junit_failures(FILE *f, const lg_report_t *r,
                                const lg_process_t *p, unsigned fail_on,
                                int write) {
  size_t n, fails = 0;
  lg_csite_t *sites = lg_csites_collect(r, p, &n);
  for (size_t i = 0; i < n; i++) {
    if (!lg_csite_fails(r, &sites[i], fail_on))
      continue;
    fails++;
    if (!write)
      continue;
    fprintf(f, "      <failure type=\"%s\" message=\"",
            lg_csite_kind(sites[i].cat));
    lg_junit_message(f, &sites[i]);
    fputs("\">", f);
    const lg_rstack_t *st = &sites[i].site->stack;
    for (size_t k = 0; k < st->n; k++)
      lg_junit_frame(f, k, &st->frames[k]);
    fputs("</failure>\n", f);
  }
  free(sites);
  return fails;
}

/* Writes the failures of the growing sites of `p` (with `growth` in
 * fail_on); returns how many. */
static size_t lg_junit_growth(FILE *f, const lg_report_t *r,
                              const lg_process_t *p, unsigned fail_on,
                              int write) {
  size_t fails = 0;
  for (size_t i = 0; (fail_on & LG_FAIL_GROWTH) && i < r->ngrowth; i++) {
    const lg_rgrowth_t *g = &r->growth[i];
    if (g->gp->proc != p || g->suppressed ||
        g->site->judged.verdict != LG_VERDICT_GROWING ||
        (r->base.b && g->baseline != LG_BASE_NEW))
      continue;
    fails++;
    if (!write)
      continue;
    fprintf(f, "      <failure type=\"Growth\" message=\"site grows: old "
               "bytes %" PRIu64 " -&gt; %" PRIu64 "\">",
            g->site->judged.first, g->site->judged.last);
    for (size_t k = 0; k < g->stack.n; k++)
      lg_junit_frame(f, k, &g->stack.frames[k]);
    fputs("</failure>\n", f);
  }
  return fails;
}

/* Returns the file name of an executable path. */
static const char *lg_junit_base(const char *exe) {
  const char *slash = exe ? strrchr(exe, '/') : NULL;
  return slash ? slash + 1 : exe && exe[0] ? exe : "unknown";
}

/* Writes the test case of process `p`. */
static void lg_junit_case(FILE *f, const lg_report_t *r, const lg_process_t *p,
                          unsigned fail_on) {
  lg_sb_t name = {0};
  for (uint32_t a = 0; a < p->argc; a++)
    lg_sb_printf(&name, "%s%s", a ? " " : "", p->argv[a]);
  if (!name.s)
    lg_sb_printf(&name, "%s", p->exe ? p->exe : "?");
  const lg_scan_t *s = lg_analyze_scan(p);
  uint64_t ns = s ? s->time : 0;
  fputs("    <testcase name=\"", f);
  lg_esc_xml(f, name.s);
  fputs("\" classname=\"", f);
  lg_esc_xml(f, lg_junit_base(p->exe));
  fprintf(f, "\" time=\"%" PRIu64 ".%03" PRIu64 "\">\n", ns / 1000000000,
          ns / 1000000 % 1000);
  lg_junit_failures(f, r, p, fail_on, 1);
  lg_junit_growth(f, r, p, fail_on, 1);
  fprintf(f, "      <system-out>pid %u, log ", p->pid);
  lg_esc_xml(f, p->log_path);
  fputs("</system-out>\n    </testcase>\n", f);
  lg_sb_free(&name);
}

void lg_render_junit(FILE *f, const lg_report_t *r, unsigned fail_on) {
  size_t tests = 0, failed = 0;
  for (size_t i = 0; i < r->nprocs; i++) {
    if (!lg_junit_is_case(r->procs[i]))
      continue;
    tests++;
    failed += lg_junit_failures(f, r, r->procs[i], fail_on, 0) +
                  lg_junit_growth(f, r, r->procs[i], fail_on, 0) >
              0;
  }
  char host[256] = "localhost", stamp[32] = "1970-01-01T00:00:00";
  if (gethostname(host, sizeof host) < 0 || !host[0])
    strcpy(host, "localhost");
  host[sizeof host - 1] = 0;
  time_t now = time(NULL);
  struct tm tm;
  if (gmtime_r(&now, &tm))
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", f);
  fprintf(f, "<testsuites name=\"leakgraph\" tests=\"%zu\" failures=\"%zu\" "
             "errors=\"0\">\n",
          tests, failed);
  fprintf(f, "  <testsuite name=\"leakgraph\" tests=\"%zu\" failures=\"%zu\" "
             "errors=\"0\" skipped=\"0\" time=\"0\" timestamp=\"%s\" "
             "hostname=\"",
          tests, failed, stamp);
  lg_esc_xml(f, host);
  fputs("\">\n", f);
  for (size_t i = 0; i < r->nprocs; i++)
    if (lg_junit_is_case(r->procs[i]))
      lg_junit_case(f, r, r->procs[i], fail_on);
  fputs("  </testsuite>\n</testsuites>\n", f);
}
