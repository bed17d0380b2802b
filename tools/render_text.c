/* tools/render_text.c — the text report, modelled on valgrind's memcheck
 * leak report and LeakSanitizer's stack lines: the processes read (and how
 * each ended), then each cluster largest first with its entry block's
 * allocation stack and its members grouped by allocation site (and the
 * types of its refcounted blocks), then the refcount findings
 * (render_refcount.c), then the growing sites (with --growth: every site's timeline, scan by scan), then
 * the LEAK SUMMARY (with, under still reachable, what each heuristic
 * reached, and one line on the scans: how many, median and longest pause),
 * the suppressions used, with --verbose every scan on a line of its own,
 * and notes (truncated or incomplete logs, the warnings among the shim's
 * own NOTE records — all of them with --verbose —, warnings of the
 * analysis). */
#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

#include "render.h"
#include "render_refcount.h"

const char *lg_render_end_name(const lg_process_t *p) {
  static const char *const names[] = {NULL,   "exit",    "_exit", "abort",
                                      "exec", "stopped", "signal"};
  if (!p->complete)
    return NULL;
  return p->end_how < sizeof names / sizeof names[0] && names[p->end_how]
             ? names[p->end_how]
             : "unknown";
}

const char *lg_render_scan_kind(uint32_t kind) {
  static const char *const names[] = {"unknown", "exit", "api", "periodic",
                                      "signal"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

static const char *lg_text_plural(uint64_t n, const char *one,
                                  const char *many) {
  return n == 1 ? one : many;
}

/* Prints one frame: "#i 0xADDR in FUNC FILE:LINE (MODULE+0xOFF)". */
static void lg_text_frame(FILE *f, size_t i, const lg_symframe_t *fr,
                          const char *indent) {
  fprintf(f, "%s#%zu 0x%" PRIx64 " in %s", indent, i, fr->address,
          fr->function ? fr->function : "??");
  if (fr->file)
    fprintf(f, " %s:%d", fr->file, fr->line);
  if (fr->module)
    fprintf(f, " (%s+0x%" PRIx64 ")", fr->module, fr->offset);
  fputc('\n', f);
}

static void lg_text_stack(FILE *f, const lg_rstack_t *s, const char *indent) {
  if (s->n == 0)
    fprintf(f, "%s(no stack recorded)\n", indent);
  for (size_t i = 0; i < s->n; i++)
    lg_text_frame(f, i, &s->frames[i], indent);
}

/* Says whether two stacks have the same frames. */
static int lg_text_same_stack(const lg_rstack_t *a, const lg_rstack_t *b) {
  if (a->n != b->n || a->n == 0)
    return 0;
  for (size_t i = 0; i < a->n; i++)
    if (a->frames[i].address != b->frames[i].address)
      return 0;
  return 1;
}

static const char *lg_text_cat(uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? "definitely lost"
         : cat == LG_CAT_INDIRECT ? "indirectly lost"
                                  : "possibly lost";
}

/* Prints the headline of a cluster, valgrind style. */
static void lg_text_headline(FILE *f, const lg_report_t *r,
                             const lg_rcluster_t *c) {
  const char *what = c->possible                 ? "possibly lost"
                     : c->definite.blocks > 0    ? "definitely lost"
                     : c->indirect.blocks > 0    ? "indirectly lost"
                                                 : "lost";
  fprintf(f, "%" PRIu64, c->bytes);
  if (!c->possible && c->definite.bytes && c->indirect.bytes)
    fprintf(f, " (%" PRIu64 " direct, %" PRIu64 " indirect)",
            c->definite.bytes, c->indirect.bytes);
  fprintf(f, " bytes in %" PRIu64 " %s are %s in cluster %u of %zu (%zu %s%s)\n",
          c->blocks, lg_text_plural(c->blocks, "block", "blocks"), what, c->id,
          r->nclusters, c->nentries,
          lg_text_plural(c->nentries, "entry", "entries"),
          c->cyclic ? ", cyclic" : "");
  fprintf(f, "   in pid %u (%s), first seen in scan %u\n", c->proc->pid,
          c->proc->exe ? c->proc->exe : "?", c->src->first_seen_scan);
}

static void lg_text_entry(FILE *f, const lg_rentry_t *e) {
  fprintf(f, "   entry block of %" PRIu64 " bytes at 0x%" PRIx64
             ", allocated at:\n",
          e->size, e->address);
  lg_text_stack(f, &e->stack, "     ");
}

/* Prints the listed blocks and their pointers (the --cluster view). */
static void lg_text_graph(FILE *f, const lg_rcluster_t *c) {
  const lg_cluster_t *cl = c->src;
  fprintf(f, "   blocks (%u listed of %u):\n", cl->nlisted, cl->blocks);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    const lg_listed_t *b = &cl->listed[i];
    fprintf(f, "     [%u] 0x%" PRIx64 " %" PRIu64 " bytes, %s, stack %u%s%s\n",
            i, b->address, b->size, lg_text_cat(b->cat), b->stack_id,
            b->flags & LG_LISTED_ENTRY ? ", entry" : "",
            b->flags & LG_LISTED_IN_CYCLE ? ", in a cycle" : "");
  }
  for (uint32_t i = 0; i < cl->nedges; i++)
    fprintf(f, "     [%u] -> [%u]\n", cl->edges[i].from, cl->edges[i].to);
}

static void lg_text_cluster(FILE *f, const lg_report_t *r,
                            const lg_rcluster_t *c, int detail) {
  lg_text_headline(f, r, c);
  size_t shown = detail ? c->nentries : (c->nentries > 0);
  for (size_t i = 0; i < shown; i++)
    lg_text_entry(f, &c->entries[i]);
  if (shown < c->nentries)
    fprintf(f, "   (%zu more entry blocks: --cluster=%u shows them)\n",
            c->nentries - shown, c->id);
  lg_render_text_cluster_refcounted(f, c);
  fprintf(f, "   members by allocation site:\n");
  for (size_t i = 0; i < c->nsites; i++) {
    const lg_rsite_t *s = &c->sites[i];
    fprintf(f, "     %" PRIu64 " %s (%" PRIu64 " bytes) %s, allocated at:\n",
            s->blocks, lg_text_plural(s->blocks, "block", "blocks"), s->bytes,
            lg_text_cat(s->cat));
    if (c->nentries && lg_text_same_stack(&s->stack, &c->entries[0].stack))
      fprintf(f, "       (the entry block's stack, above)\n");
    else
      lg_text_stack(f, &s->stack, "       ");
  }
  if (detail)
    lg_text_graph(f, c);
  fputc('\n', f);
}

/* Prints a frame in one line, for chains: "f file:line" or "0xADDR". */
static void lg_text_short_frame(FILE *f, const lg_rstack_t *s) {
  const lg_symframe_t *fr = s->n ? &s->frames[0] : NULL;
  if (!fr)
    fputs("(no stack recorded)", f);
  else if (fr->function && fr->file)
    fprintf(f, "%s %s:%d", fr->function, fr->file, fr->line);
  else if (fr->function)
    fprintf(f, "%s", fr->function);
  else
    fprintf(f, "0x%" PRIx64 "%s%s", fr->address, fr->module ? " in " : "",
            fr->module ? fr->module : "");
}

/* Prints a retention chain: its root, then each block down to the site. */
static void lg_text_chain(FILE *f, const lg_rchain_t *c) {
  fprintf(f, "   held (scan %u) through %s\n", c->src->scan, c->description);
  for (size_t h = 0; h < c->nhops; h++) {
    fprintf(f, "     -> 0x%" PRIx64 " (%" PRIu64 " bytes) allocated in ",
            c->hops[h].address, c->hops[h].size);
    lg_text_short_frame(f, &c->hops[h].stack);
    fputc('\n', f);
  }
}

/* Prints a site's headline: verdict, old bytes over the window, stack. */
static void lg_text_growth_head(FILE *f, const lg_rgrowth_t *g) {
  const lg_gjudgement_t *v = &g->site->judged;
  fprintf(f, "site %u in pid %u: %s%s, old bytes %" PRIu64 " -> %" PRIu64
             " (%+" PRId64 ") over the last %zu of %zu scans, allocated at:\n",
          g->site->stack_id, g->gp->proc->pid,
          lg_growth_verdict_name(v->verdict),
          g->suppressed ? " (suppressed)" : "", v->first, v->last,
          lg_analyze_growth_rise(g), v->window, g->gp->nscans);
  lg_text_stack(f, &g->stack, "     ");
}

/* Prints a site's timeline: one line per scan, bytes by generation. */
static void lg_text_timeline(FILE *f, const lg_rgrowth_t *g) {
  fprintf(f, "   %6s %12s %14s %14s %14s\n", "scan", "time (s)",
          "gen0 bytes", "gen1 bytes", "gen2 bytes");
  for (size_t k = 0; k < g->gp->nscans; k++) {
    lg_gpoint_t pt;
    lg_growth_point(g->site, k, &pt);
    fprintf(f, "   %6u %12.3f %14" PRIu64 " %14" PRIu64 " %14" PRIu64 "\n",
            g->gp->scans[k].scan, (double)g->gp->scans[k].time / 1e9,
            pt.bytes[0], pt.bytes[1], pt.bytes[2]);
  }
}

/* Prints the growing sites, or with --growth every site's timeline. */
static void lg_text_growth(FILE *f, const lg_report_t *r) {
  if (r->growth_all && r->ngrowth)
    fprintf(f, "GROWTH: %zu %s with site statistics, %zu growing\n\n",
            r->ngrowth, lg_text_plural(r->ngrowth, "site", "sites"),
            r->ngrowing);
  else if (r->ngrowing)
    fprintf(f, "GROWTH: %zu %s whose old blocks keep growing (--growth "
               "shows the timelines)\n\n",
            r->ngrowing, lg_text_plural(r->ngrowing, "site", "sites"));
  for (size_t i = 0; i < r->ngrowth; i++) {
    const lg_rgrowth_t *g = &r->growth[i];
    int growing = g->site->judged.verdict == LG_VERDICT_GROWING;
    if (!r->growth_all && (!growing || g->suppressed))
      continue;
    lg_text_growth_head(f, g);
    if (r->growth_all)
      lg_text_timeline(f, g);
    if (g->chain)
      lg_text_chain(f, g->chain);
    fputc('\n', f);
  }
}

/* Prints how process `p` ended, e.g. "exited with status 0" or "killed
 * by signal 15 (SIGTERM), checked at the signal". */
static void lg_text_end(FILE *f, const lg_process_t *p) {
  const char *sig = p->end_how == LG_END_SIGNAL ? sigabbrev_np((int)p->end_status) : NULL;
  if (!p->complete)
    fprintf(f, "%s (killed?): reported from its scans",
            p->truncated ? "truncated" : "incomplete");
  else if (p->end_how == LG_END_EXIT)
    fprintf(f, "exited with status %u", p->end_status);
  else if (p->end_how == LG_END_UNDERSCORE_EXIT)
    fprintf(f, "_exit with status %u", p->end_status);
  else if (p->end_how == LG_END_ABORT)
    fprintf(f, "aborted, checked at the abort");
  else if (p->end_how == LG_END_EXEC)
    fprintf(f, "exec'd a new program (which has a log of its own)");
  else if (p->end_how == LG_END_STOPPED)
    fprintf(f, "tracing stopped (a failure of the shim)");
  else if (p->end_how == LG_END_SIGNAL)
    fprintf(f, "killed by signal %u (SIG%s), checked at the signal",
            p->end_status, sig ? sig : "?");
  else
    fprintf(f, "ended in an unknown way (%u)", p->end_how);
}

static void lg_text_processes(FILE *f, const lg_report_t *r) {
  fprintf(f, "leakgraph report: %zu %s\n", r->nprocs,
          lg_text_plural(r->nprocs, "process", "processes"));
  for (size_t i = 0; i < r->nprocs; i++) {
    const lg_process_t *p = r->procs[i];
    fprintf(f, "  pid %u: %s", p->pid, p->exe ? p->exe : "?");
    for (uint32_t a = 1; a < p->argc; a++)
      fprintf(f, " %s", p->argv[a]);
    fprintf(f, "\n    log %s; ", p->log_path);
    lg_text_end(f, p);
    fprintf(f, "; %zu complete %s\n", lg_reader_complete_scans(p),
            lg_text_plural(lg_reader_complete_scans(p), "scan", "scans"));
  }
  fputc('\n', f);
}

/* Under still reachable, valgrind's way: the part each heuristic reached. */
static void lg_text_heuristics(FILE *f, const lg_report_t *r) {
  for (uint32_t h = 1; h <= LG_NHEURS; h++) {
    const lg_amount_t *a = &r->heuristics[h - 1];
    if (a->blocks || a->bytes)
      fprintf(f,
              "     reachable via heuristic: %s: %" PRIu64 " bytes in %" PRIu64
              " blocks\n",
              lg_heuristic_name(h), a->bytes, a->blocks);
  }
}

/* Prints nanoseconds as milliseconds, e.g. "0.812 ms". */
static void lg_text_ms(FILE *f, uint64_t ns) {
  fprintf(f, "%" PRIu64 ".%03" PRIu64 " ms", ns / 1000000, ns / 1000 % 1000);
}

/* Prints the summary's line on the scans: how many, of which kinds, and
 * the median and longest pause. */
static void lg_text_scans_line(FILE *f, const lg_report_t *r) {
  lg_scan_summary_t ss;
  lg_analyze_scan_summary(r, &ss);
  fprintf(f, "   scans: %zu", ss.nscans);
  if (!ss.nscans) {
    fputc('\n', f);
    return;
  }
  const char *sep = " (";
  for (uint32_t k = LG_SCAN_EXIT; k <= LG_SCAN_SIGNAL + 1; k++) {
    uint32_t kind = k <= LG_SCAN_SIGNAL ? k : 0; /* unknown kinds last */
    if (!ss.by_kind[kind])
      continue;
    fprintf(f, "%s%zu %s", sep, ss.by_kind[kind], lg_render_scan_kind(kind));
    sep = ", ";
  }
  fputs("), pause median ", f);
  lg_text_ms(f, ss.pause_median_ns);
  fputs(", max ", f);
  lg_text_ms(f, ss.pause_max_ns);
  fputc('\n', f);
}

/* Prints every complete scan on a line of its own (--verbose). */
static void lg_text_scans(FILE *f, const lg_report_t *r) {
  fprintf(f, "\nScans:\n");
  for (size_t i = 0; i < r->nprocs; i++)
    for (size_t k = 0; k < r->procs[i]->nscans; k++) {
      const lg_scan_t *s = &r->procs[i]->scans[k];
      const lg_amount_t *t = s->totals;
      if (!s->ended)
        continue;
      fprintf(f, "  pid %u scan %u, %s, at %" PRIu64 ".%03" PRIu64 " s: pause ",
              r->procs[i]->pid, s->scan, lg_render_scan_kind(s->kind),
              s->time / 1000000000, s->time / 1000000 % 1000);
      lg_text_ms(f, s->pause_ns);
      fputs(", scan ", f);
      lg_text_ms(f, s->scan_ns);
      fprintf(f, "; %" PRIu64 " blocks, %" PRIu64 " bytes lost, %" PRIu64
                 " possibly lost, %" PRIu64 " reachable; %zu clusters "
                 "logged, %zu still lost from earlier scans\n",
              t[0].blocks + t[1].blocks + t[2].blocks + t[3].blocks,
              t[0].bytes + t[1].bytes, t[2].bytes, t[3].bytes, s->nclusters,
              s->nlive);
    }
}

static void lg_text_summary(FILE *f, const lg_report_t *r) {
  static const char *const labels[LG_RCAT_N] = {
      "definitely lost", "indirectly lost", "  possibly lost",
      "still reachable", "     suppressed"};
  fprintf(f, "LEAK SUMMARY:\n");
  for (int c = 0; c < LG_RCAT_N; c++) {
    fprintf(f, "   %s: %" PRIu64 " bytes in %" PRIu64 " blocks\n", labels[c],
            r->summary[c].bytes, r->summary[c].blocks);
    if (c == LG_RCAT_REACHABLE)
      lg_text_heuristics(f, r);
  }
  fprintf(f, "   leaked clusters: %zu (%zu cyclic)\n", r->nclusters,
          r->ncyclic);
  if (r->any_sites)
    fprintf(f, "   growing sites: %zu\n", r->ngrowing);
  lg_render_text_refcount_summary(f, r);
  lg_text_scans_line(f, r);
}

static void lg_text_supps_of(FILE *f, const lg_supps_t *s, int *header) {
  for (size_t i = 0; s && i < s->n; i++) {
    if (!s->v[i].hits)
      continue;
    if (!(*header)++)
      fprintf(f, "\nSuppressions used:\n  %10s %12s %8s  pattern\n", "sites",
              "bytes", "blocks");
    fprintf(f, "  %10" PRIu64 " %12" PRIu64 " %8" PRIu64 "  leak:%s (%s)\n",
            s->v[i].hits, s->v[i].bytes, s->v[i].blocks, s->v[i].pattern,
            s->v[i].origin);
  }
}

static void lg_text_note(FILE *f, int *header, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void lg_text_note(FILE *f, int *header, const char *fmt, ...) {
  va_list ap;
  if (!(*header)++)
    fprintf(f, "\nNotes:\n");
  fputs("  - ", f);
  va_start(ap, fmt);
  vfprintf(f, fmt, ap);
  va_end(ap);
  fputc('\n', f);
}

/* Notes on a process that ended without an END record: it was killed (or
 * crashed) and is reported from its scans. */
static void lg_text_killed(FILE *f, int *h, const lg_process_t *p) {
  const lg_scan_t *s = lg_analyze_scan(p);
  if (s && s->kind != LG_SCAN_EXIT)
    lg_text_note(f, h,
                 "pid %u is incomplete: its log has no END record (killed or "
                 "crashed?); it is reported from what its last complete "
                 "scan (%u, %s) found lost, and the definitely and "
                 "indirectly lost clusters that earlier scans found",
                 p->pid, s->scan, lg_render_scan_kind(s->kind));
  else
    lg_text_note(f, h,
                 "pid %u is incomplete: its log has no END record (killed or "
                 "crashed?)",
                 p->pid);
}

static void lg_text_notes(FILE *f, const lg_report_t *r, unsigned flags) {
  int h = 0;
  for (size_t i = 0; i < r->nprocs; i++) {
    const lg_process_t *p = r->procs[i];
    if (p->truncated)
      lg_text_note(f, &h,
                   "%s is truncated at byte %" PRIu64
                   " (the process was killed?); read up to its last "
                   "complete record",
                   p->log_path, p->truncated_at);
    if (!p->complete)
      lg_text_killed(f, &h, p);
    if (!lg_analyze_scan(p) && !(p->complete && p->end_how == LG_END_EXEC))
      lg_text_note(f, &h, "pid %u finished no scan: nothing to report for it",
                   p->pid);
    for (size_t k = 0; k < p->nnotes; k++)
      if (p->notes[k].code == LG_NOTE_WARNING || (flags & LG_TEXT_VERBOSE))
        lg_text_note(f, &h, "pid %u: %s%s", p->pid,
                     p->notes[k].code == LG_NOTE_WARNING ? "warning: " : "",
                     p->notes[k].text);
  }
  for (size_t i = 0; i < r->nwarnings; i++)
    lg_text_note(f, &h, "%s", r->warnings[i]);
}

void lg_render_text(FILE *f, const lg_report_t *r, unsigned cluster) {
  lg_render_text_with(f, r, cluster, 0);
}

void lg_render_text_with(FILE *f, const lg_report_t *r, unsigned cluster,
                         unsigned flags) {
  lg_text_processes(f, r);
  for (size_t i = 0; i < r->nclusters; i++)
    if (!cluster || r->clusters[i].id == cluster)
      lg_text_cluster(f, r, &r->clusters[i], cluster != 0);
  if (r->nclusters == 0)
    fprintf(f, "No leaked clusters.\n\n");
  if (!cluster)
    lg_render_text_refcount(f, r);
  if (!cluster)
    lg_text_growth(f, r);
  lg_text_summary(f, r);
  int h = 0;
  lg_text_supps_of(f, r->global, &h);
  for (size_t i = 0; i < r->nprocs; i++)
    lg_text_supps_of(f, &r->local[i], &h);
  if (flags & LG_TEXT_VERBOSE)
    lg_text_scans(f, r);
  lg_text_notes(f, r, flags);
}
