/* tools/render_text.c — the text report, modelled on valgrind's memcheck
 * leak report: the processes read (and how each ended), then the loss
 * records (records.h: clusters grouped by the folded allocation site of
 * their entry block), lost ones first, each largest first with its stack
 * (recursion folded, valgrind's "at"/"by" lines, stopping after main), its
 * other member sites or, for a small cluster, its pointer graph inline, as
 * many as fit the first screen, then one line on the others (--all shows
 * them all); with --cluster=ID one cluster in detail instead
 * (LeakSanitizer's frame lines, every entry, member site, block and
 * pointer), each naming the types of its refcounted blocks; then the
 * refcount findings (render_refcount.c); then the growing sites (with --growth: every site's timeline,
 * scan by scan), then the LEAK SUMMARY (with, under still reachable, what
 * each heuristic reached, and one line on the scans: how many, median and
 * longest pause), the suppressions used, with --verbose every scan on a
 * line of its own, and notes (truncated or incomplete logs, the warnings
 * among the shim's own NOTE records — all of them with --verbose —,
 * warnings of the analysis). Strings from logs and symbols are printed
 * with their control characters escaped. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "render.h"
#include "render_refcount.h"
#include "util.h"

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

/* Writes `s` ("??" for NULL) escaped (escape.h: controls, bytes of
 * invalid UTF-8 and characters that steer a terminal shown as `\xNN` or
 * `\uNNNN`, a backslash as two): a string from a log reaches the terminal
 * only this way. */
static void lg_text_put(FILE *f, const char *s) {
  fputs(s ? lg_esc(s) : "??", f);
}

/* Returns the file name part of a module path. */
static const char *lg_text_base(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash && slash[1] ? slash + 1 : path;
}

/* The source path of a frame as people read it. */
static const char *lg_text_file(const lg_symframe_t *fr) {
  return fr->short_file ? fr->short_file : fr->file;
}

/* Prints one frame in full (the --cluster view, LeakSanitizer's form):
 * "#i 0xADDR in FUNC FILE:LINE (MODULE+0xOFF)", "[inlined]" after a
 * function inlined into the next frame. */
static void lg_text_frame(FILE *f, size_t i, const lg_symframe_t *fr,
                          const char *indent) {
  fprintf(f, "%s#%zu 0x%" PRIx64 " in ", indent, i, fr->address);
  lg_text_put(f, fr->function);
  if (fr->file) {
    fputc(' ', f);
    lg_text_put(f, lg_text_file(fr));
    fprintf(f, ":%d", fr->line);
  }
  if (fr->module) {
    fputs(" (", f);
    lg_text_put(f, fr->module);
    fprintf(f, "+0x%" PRIx64 ")", fr->offset);
  }
  if (fr->inlined)
    fputs(" [inlined]", f);
}

/* Prints a frame in the compact form of the first screen, valgrind's:
 * "FUNC (FILE:LINE)", "FUNC (in MODULE)" or "MODULE+0xOFF". */
static void lg_text_cframe(FILE *f, const lg_symframe_t *fr) {
  if (fr->function) {
    lg_text_put(f, fr->function);
    if (fr->file) {
      fputs(" (", f);
      lg_text_put(f, lg_text_file(fr));
      fprintf(f, ":%d)", fr->line);
    } else if (fr->module) {
      fputs(" (in ", f);
      lg_text_put(f, lg_text_base(fr->module));
      fputc(')', f);
    }
  } else if (fr->module) {
    lg_text_put(f, lg_text_base(fr->module));
    fprintf(f, "+0x%" PRIx64, fr->offset);
  } else {
    fprintf(f, "0x%" PRIx64, fr->address);
  }
  if (fr->inlined)
    fputs(" [inlined]", f);
}

/* Prints how deep segment `g` recursed, after its first frame. */
static void lg_text_recursion(FILE *f, const lg_fseg_t *g) {
  if (g->depth > 1 && g->period == 1)
    fprintf(f, "  recursion \u00d7%u", g->depth);
  else if (g->depth > 1)
    fprintf(f, "  recursion \u00d7%u of %u functions", g->depth, g->period);
}

/* Prints folded stack `fs` in the compact form, "at" then "by" frames,
 * at most `max` of them and never past main, then how many more there
 * are (--cluster=`id` shows them); never the C library's start-up frames
 * (lg_site_compact_len). */
static void lg_text_fstack(FILE *f, const lg_fstack_t *fs, size_t max,
                           unsigned id) {
  size_t total = lg_site_compact_len(fs), shown = 0;
  if (total == max + 1) /* a line saying "1 more" would take as much room */
    max = total;
  if (total == 0)
    fputs("     (no stack recorded)\n", f);
  for (size_t s = 0; s < fs->nsegs && shown < total && shown < max; s++)
    for (uint32_t k = 0; k < fs->segs[s].period && shown < max; k++) {
      fputs(shown++ ? "     by " : "     at ", f);
      lg_text_cframe(f, &fs->frames[fs->segs[s].first + k]);
      if (k == 0)
        lg_text_recursion(f, &fs->segs[s]);
      fputc('\n', f);
      if (shown == total)
        break;
    }
  if (shown < total)
    fprintf(f, "     ... %zu more %s (--cluster=%u shows them)\n",
            total - shown, lg_text_plural(total - shown, "frame", "frames"),
            id);
}

/* Prints up to `max` frames of `fs` on one line, innermost first:
 * "f:12 < g:30 < main:5". */
static void lg_text_line_stack(FILE *f, const lg_fstack_t *fs, size_t max) {
  size_t shown = 0, total = lg_site_compact_len(fs);
  if (total == 0)
    fputs("(no stack recorded)", f);
  for (size_t s = 0; s < fs->nsegs && shown < total && shown < max; s++)
    for (uint32_t k = 0; k < fs->segs[s].period && shown < max; k++) {
      const lg_symframe_t *fr = &fs->frames[fs->segs[s].first + k];
      if (shown++)
        fputs(" < ", f);
      if (fr->function)
        lg_text_put(f, fr->function);
      else
        fprintf(f, "%s+0x%" PRIx64,
                fr->module ? lg_text_base(fr->module) : "", fr->offset);
      if (fr->file && fr->line > 0)
        fprintf(f, ":%d", fr->line);
      if (k == 0 && fs->segs[s].depth > 1)
        fprintf(f, " (recursion \u00d7%u)", fs->segs[s].depth);
      if (shown == total)
        break;
    }
  if (shown < total)
    fputs(" < ...", f);
}

static const char *lg_text_cat(uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? "definitely lost"
         : cat == LG_CAT_INDIRECT ? "indirectly lost"
                                  : "possibly lost";
}

/* Prints "BYTES (D direct, I indirect) bytes in N blocks are WHAT", the
 * start of valgrind's loss record line. */
static void lg_text_amounts(FILE *f, int possible, uint64_t bytes,
                            uint64_t blocks, const lg_amount_t *definite,
                            const lg_amount_t *indirect) {
  const char *what = possible                ? "possibly lost"
                     : definite->blocks > 0  ? "definitely lost"
                     : indirect->blocks > 0  ? "indirectly lost"
                                             : "lost";
  fprintf(f, "%" PRIu64, bytes);
  if (!possible && definite->bytes && indirect->bytes)
    fprintf(f, " (%" PRIu64 " direct, %" PRIu64 " indirect)", definite->bytes,
            indirect->bytes);
  fprintf(f, " bytes in %" PRIu64 " %s are %s", blocks,
          lg_text_plural(blocks, "block", "blocks"), what);
}

/* ------------------------------------------------- the --cluster view */

/* Prints the headline of a cluster, valgrind style. */
static void lg_text_headline(FILE *f, const lg_report_t *r,
                             const lg_rcluster_t *c) {
  lg_text_amounts(f, c->possible, c->bytes, c->blocks, &c->definite,
                  &c->indirect);
  fprintf(f, " in cluster %u of %zu (%zu %s%s)\n", c->id, r->nclusters,
          c->nentries, lg_text_plural(c->nentries, "entry", "entries"),
          c->cyclic ? ", cyclic" : "");
  fprintf(f, "   in pid %u (", c->proc->pid);
  lg_text_put(f, c->proc->exe ? c->proc->exe : "?");
  fprintf(f, "), first seen in scan %u\n", c->src->first_seen_scan);
}

/* Prints a folded stack in full, every frame with its address, the
 * recursions' depths after their first frames. */
static void lg_text_full_fstack(FILE *f, const lg_fstack_t *fs,
                                const char *indent) {
  size_t i = 0;
  if (fs->nsegs == 0)
    fprintf(f, "%s(no stack recorded)\n", indent);
  for (size_t s = 0; s < fs->nsegs; s++)
    for (uint32_t k = 0; k < fs->segs[s].period; k++) {
      lg_text_frame(f, i++, &fs->frames[fs->segs[s].first + k], indent);
      if (k == 0)
        lg_text_recursion(f, &fs->segs[s]);
      fputc('\n', f);
    }
}

static void lg_text_entry(FILE *f, const lg_rentry_t *e) {
  fprintf(f, "   entry block of %" PRIu64 " bytes at 0x%" PRIx64
             ", allocated at:\n",
          e->size, e->address);
  lg_fstack_t fs;
  lg_site_fold(e->stack.frames, e->stack.n, &fs);
  lg_text_full_fstack(f, &fs, "     ");
  lg_site_fold_free(&fs);
}

/* Prints the members of a cluster by folded site, stacks in full. */
static void lg_text_members(FILE *f, const lg_rcluster_t *c) {
  fprintf(f, "   members by allocation site:\n");
  for (size_t i = 0; i < c->nmembers; i++) {
    const lg_rmember_t *m = &c->members[i];
    fprintf(f, "     [site %zu] %" PRIu64 " %s (%" PRIu64 " bytes) %s, "
               "allocated at:\n",
            i + 1, m->blocks, lg_text_plural(m->blocks, "block", "blocks"),
            m->bytes, lg_text_cat(m->cat));
    if (c->nentries && strcmp(m->site.key, c->entry_site.key) == 0) {
      fprintf(f, "       (the entry block's site, above");
      if (lg_site_max_depth(&m->site) > 1)
        fprintf(f, "; recursion \u00d7%u", lg_site_max_depth(&m->site));
      fputs(")\n", f);
    } else
      lg_text_full_fstack(f, &m->site, "       ");
  }
}

/* Prints the listed blocks and their pointers (the --cluster view). */
static void lg_text_graph(FILE *f, const lg_rcluster_t *c) {
  const lg_cluster_t *cl = c->src;
  fprintf(f, "   blocks (%u listed of %u):\n", cl->nlisted, cl->blocks);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    const lg_listed_t *b = &cl->listed[i];
    fprintf(f, "     [%u] 0x%" PRIx64 " %" PRIu64 " bytes, %s, ", i,
            b->address, b->size, lg_text_cat(b->cat));
    if (c->listed_member[i] >= 0)
      fprintf(f, "site %d", c->listed_member[i] + 1);
    else
      fprintf(f, "stack %u (suppressed)", b->stack_id);
    fprintf(f, "%s%s\n", b->flags & LG_LISTED_ENTRY ? ", entry" : "",
            b->flags & LG_LISTED_IN_CYCLE ? ", in a cycle" : "");
  }
  for (uint32_t i = 0; i < cl->nedges; i++) {
    if (i % 8 == 0)
      fputs(i ? "\n               " : "     pointers: ", f);
    else
      fputs(", ", f);
    fprintf(f, "[%u] -> [%u]", cl->edges[i].from, cl->edges[i].to);
  }
  if (cl->nedges)
    fputc('\n', f);
}

/* Prints cluster `c` in detail: every entry, every member site, every
 * listed block and pointer. */
static void lg_text_cluster(FILE *f, const lg_report_t *r,
                            const lg_rcluster_t *c) {
  lg_text_headline(f, r, c);
  for (size_t i = 0; i < c->nentries; i++)
    lg_text_entry(f, &c->entries[i]);
  lg_render_text_cluster_refcounted(f, c);
  lg_text_members(f, c);
  lg_text_graph(f, c);
  fputc('\n', f);
}

/* ------------------------------------------ loss records (first screen) */

/* Lines of loss records the first screen shows (the rest: --all). */
#define LG_TEXT_SCREEN_LINES 26
/* Frames of a stack the compact view shows, for lost and possibly lost
 * records, and clusters listed by id in a record's headline. */
#define LG_TEXT_LOST_FRAMES 8
#define LG_TEXT_POSSIBLE_FRAMES 3
#define LG_TEXT_IDS 5
/* A cluster whose graph the first screen draws: 2..6 blocks, all listed,
 * at most 10 pointers. */
#define LG_TEXT_GRAPH_BLOCKS 6
#define LG_TEXT_GRAPH_EDGES 10
/* Member sites a record lists besides its own. */
#define LG_TEXT_MEMBERS 3

/* Prints the headline of loss record `rec`: amounts, then the cluster or
 * the clusters (their ids, the first few) it holds. */
/* With --baseline: whether a record's site is in the baseline, as the
 * headline's last words; else "". */
static const char *lg_text_base_tag(const lg_report_t *r, const char *key) {
  if (!r->base.b)
    return "";
  return lg_baseline_find(r->base.b, key ? key : "")
             ? " (known: in the baseline)"
             : " (new: not in the baseline)";
}

static void lg_text_record_head(FILE *f, const lg_report_t *r,
                                const lg_rrecord_t *rec) {
  lg_text_amounts(f, rec->possible, rec->bytes, rec->blocks, &rec->definite,
                  &rec->indirect);
  if (rec->nclusters == 1) {
    const lg_rcluster_t *c = &r->clusters[rec->clusters[0]];
    fprintf(f, " in cluster %u of %zu%s%s\n", c->id, r->nclusters,
            c->cyclic ? " (cyclic)" : "", lg_text_base_tag(r, rec->site.key));
    return;
  }
  fprintf(f, " in %zu clusters of %zu", rec->nclusters, r->nclusters);
  if (rec->ncyclic)
    fprintf(f, " (%zu cyclic)", rec->ncyclic);
  for (size_t i = 0; i < rec->nclusters && i < LG_TEXT_IDS; i++)
    fprintf(f, "%s%u", i ? ", " : ": ", r->clusters[rec->clusters[i]].id);
  if (rec->nclusters > LG_TEXT_IDS)
    fprintf(f, " and %zu more", rec->nclusters - LG_TEXT_IDS);
  fprintf(f, "%s\n", lg_text_base_tag(r, rec->site.key));
}

/* Prints which process a record's clusters are in, when there are
 * several processes. */
static void lg_text_record_pid(FILE *f, const lg_report_t *r,
                               const lg_rrecord_t *rec) {
  if (r->nprocs < 2)
    return;
  const lg_process_t *p = r->clusters[rec->clusters[0]].proc;
  size_t others = 0;
  for (size_t i = 1; i < rec->nclusters; i++)
    others += r->clusters[rec->clusters[i]].proc != p;
  if (others) {
    fprintf(f, "   in several processes, the first pid %u\n", p->pid);
    return;
  }
  fprintf(f, "   in pid %u (", p->pid);
  lg_text_put(f, lg_text_base(p->exe ? p->exe : "?"));
  fputs(")\n", f);
}

/* Says whether the first screen draws cluster `c`'s graph inline. */
static int lg_text_small(const lg_rcluster_t *c) {
  const lg_cluster_t *cl = c->src;
  return cl->nlisted >= 2 && cl->nlisted <= LG_TEXT_GRAPH_BLOCKS &&
         cl->nlisted == cl->blocks && cl->nedges <= LG_TEXT_GRAPH_EDGES;
}

/* Prints a small cluster's graph as the DOT view draws it: its pointers,
 * then each block with its size, role and site. */
static void lg_text_small_graph(FILE *f, const lg_rcluster_t *c) {
  const lg_cluster_t *cl = c->src;
  fputs("   graph:", f);
  for (uint32_t i = 0; i < cl->nedges; i++)
    fprintf(f, "%s [%u] -> [%u]", i ? "," : "", cl->edges[i].from,
            cl->edges[i].to);
  if (cl->nedges == 0)
    fputs(" no pointers between the blocks", f);
  fputc('\n', f);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    const lg_listed_t *b = &cl->listed[i];
    fprintf(f, "     [%u] %" PRIu64 " bytes%s%s: ", i, b->size,
            b->flags & LG_LISTED_ENTRY ? ", entry" : "",
            b->flags & LG_LISTED_IN_CYCLE ? ", in a cycle" : "");
    if (c->listed_member[i] >= 0)
      lg_text_line_stack(f, &c->members[c->listed_member[i]].site, 3);
    else
      fputs("(a suppressed site)", f);
    fputc('\n', f);
  }
}

/* Prints the member sites of a lost record other than its entries' own
 * (the first few, then how many more). */
static void lg_text_record_members(FILE *f, const lg_rrecord_t *rec) {
  size_t shown = 0, more = 0;
  for (size_t i = 0; i < rec->nmembers; i++) {
    const lg_rmember_t *m = &rec->members[i];
    int here = strcmp(m->site.key, rec->site.key) == 0;
    if (here && m->cat == LG_CAT_DEFINITE)
      continue;
    if (shown == LG_TEXT_MEMBERS) {
      more++;
      continue;
    }
    fprintf(f, "   + %" PRIu64 " %s (%" PRIu64 " bytes) %s, ", m->blocks,
            lg_text_plural(m->blocks, "block", "blocks"), m->bytes,
            lg_text_cat(m->cat));
    if (here)
      fputs("at the same site", f);
    else
      lg_text_line_stack(f, &m->site, 3);
    fputc('\n', f);
    shown++;
  }
  if (more)
    fprintf(f, "   + %zu more member %s\n", more,
            lg_text_plural(more, "site", "sites"));
}

/* Prints loss record `rec` in the compact form: headline, stack, and for
 * a lost record its small cluster's graph or its other member sites. */
static void lg_text_record(FILE *f, const lg_report_t *r,
                           const lg_rrecord_t *rec, int all) {
  const lg_rcluster_t *first = &r->clusters[rec->clusters[0]];
  lg_text_record_head(f, r, rec);
  lg_text_record_pid(f, r, rec);
  size_t max = rec->possible && !all ? LG_TEXT_POSSIBLE_FRAMES
                                     : LG_TEXT_LOST_FRAMES;
  lg_text_fstack(f, &rec->site, max, first->id);
  lg_render_text_record_refcounted(f, r, rec);
  if (!rec->possible && rec->nclusters == 1 && lg_text_small(first))
    lg_text_small_graph(f, first);
  else if (!rec->possible || all)
    lg_text_record_members(f, rec);
  fputc('\n', f);
}

/* Counts the newlines of the `n` bytes at `s`. */
static size_t lg_text_lines(const char *s, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    k += s[i] == '\n';
  return k;
}

/* Prints the line on the loss records the first screen left out, from
 * record `from` on. */
static void lg_text_more(FILE *f, const lg_report_t *r, size_t from) {
  size_t nrec[2] = {0, 0}, ncl[2] = {0, 0};
  uint64_t bytes[2] = {0, 0};
  for (size_t i = from; i < r->nrecords; i++) {
    int k = r->records[i].possible != 0;
    nrec[k]++, ncl[k] += r->records[i].nclusters;
    bytes[k] += r->records[i].bytes;
  }
  fprintf(f, "... and %zu more allocation %s:", r->nrecords - from,
          lg_text_plural(r->nrecords - from, "site", "sites"));
  for (int k = 0; k < 2; k++)
    if (nrec[k])
      fprintf(f, "%s %zu %s (%" PRIu64 " bytes in %zu %s)",
              k && nrec[0] ? "," : "", nrec[k], k ? "possibly lost" : "lost",
              bytes[k], ncl[k], lg_text_plural(ncl[k], "cluster", "clusters"));
  fputs("; --all shows every site, --cluster=ID one cluster in detail\n\n",
        f);
}

/* Prints the loss records: with `all` every one, else as many as fit the
 * first screen (at least one), then a line on the others. */
static void lg_text_records(FILE *f, const lg_report_t *r, int all) {
  size_t used = 0, i;
  for (i = 0; i < r->nrecords; i++) {
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    if (!m)
      break;
    lg_text_record(m, r, &r->records[i], all);
    fclose(m);
    size_t lines = lg_text_lines(buf, len);
    if (!all && i > 0 && used + lines > LG_TEXT_SCREEN_LINES) {
      free(buf);
      break;
    }
    fwrite(buf, 1, len, f);
    free(buf);
    used += lines;
  }
  if (i < r->nrecords)
    lg_text_more(f, r, i);
}

/* Prints a frame in one line, for chains: "f file:line" or "0xADDR". */
static void lg_text_short_frame(FILE *f, const lg_rstack_t *s) {
  const lg_symframe_t *fr = s->n ? &s->frames[0] : NULL;
  if (!fr) {
    fputs("(no stack recorded)", f);
  } else if (fr->function) {
    lg_text_put(f, fr->function);
    if (fr->file) {
      fputc(' ', f);
      lg_text_put(f, lg_text_file(fr));
      fprintf(f, ":%d", fr->line);
    }
  } else {
    fprintf(f, "0x%" PRIx64 "%s", fr->address, fr->module ? " in " : "");
    if (fr->module)
      lg_text_put(f, fr->module);
  }
}

/* Prints a retention chain: its root, then each block down to the site. */
static void lg_text_chain(FILE *f, const lg_rchain_t *c) {
  fprintf(f, "   held (scan %u) through %s\n", c->src->scan,
          lg_esc(c->description));
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
  lg_fstack_t fs;
  lg_site_fold(g->stack.frames, g->stack.n, &fs);
  lg_text_full_fstack(f, &fs, "     ");
  lg_site_fold_free(&fs);
}

/* Prints a site's timeline: one line per scan that listed the site (the
 * scans missing had none of its blocks live), bytes by generation. */
static void lg_text_timeline(FILE *f, const lg_rgrowth_t *g) {
  fprintf(f, "   %6s %12s %14s %14s %14s\n", "scan", "time (s)",
          "gen0 bytes", "gen1 bytes", "gen2 bytes");
  for (size_t p = 0; p < g->site->npoints; p++) {
    lg_gpoint_t pt = g->site->points[p];
    size_t k = pt.k;
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

/* Characters of a command line the header shows. */
#define LG_TEXT_COMMAND 100

/* Prints a process's executable and arguments, cut after about
 * LG_TEXT_COMMAND characters. */
static void lg_text_command(FILE *f, const lg_process_t *p) {
  lg_sb_t sb = {0};
  const char *exe = p->exe ? p->exe : "?";
  lg_sb_append(&sb, exe, strlen(exe));
  for (uint32_t a = 1; a < p->argc && sb.len <= LG_TEXT_COMMAND; a++) {
    lg_sb_append(&sb, " ", 1);
    lg_sb_append(&sb, p->argv[a], strlen(p->argv[a]));
  }
  int cut = sb.len > LG_TEXT_COMMAND;
  if (cut)
    sb.s[LG_TEXT_COMMAND] = '\0';
  lg_text_put(f, sb.s);
  if (cut)
    fputs(" ...", f);
  lg_sb_free(&sb);
}

/* Processes the header lists before it says how many more there are. */
#define LG_TEXT_PROCESSES 8

/* Prints the processes read: pid, command line, log, how it ended. */
static void lg_text_processes(FILE *f, const lg_report_t *r, int all) {
  fprintf(f, "leakgraph report: %zu %s\n", r->nprocs,
          lg_text_plural(r->nprocs, "process", "processes"));
  size_t shown = all ? r->nprocs
                     : r->nprocs < LG_TEXT_PROCESSES ? r->nprocs
                                                     : LG_TEXT_PROCESSES;
  for (size_t i = 0; i < shown; i++) {
    const lg_process_t *p = r->procs[i];
    fprintf(f, "  pid %u: ", p->pid);
    lg_text_command(f, p);
    fputs("\n    log ", f);
    lg_text_put(f, p->log_path);
    fputs("; ", f);
    lg_text_end(f, p);
    fprintf(f, "; %zu complete %s\n", lg_reader_complete_scans(p),
            lg_text_plural(lg_reader_complete_scans(p), "scan", "scans"));
  }
  if (shown < r->nprocs)
    fprintf(f, "  ... and %zu more processes (--all lists them)\n",
            r->nprocs - shown);
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
              lg_util_sat_sum(t, LG_NCATS),
              lg_util_sat_bytes(t[0].bytes, t[1].bytes), t[2].bytes, t[3].bytes, s->nclusters,
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
  fprintf(f, "   leaked clusters: %zu (%zu cyclic) at %zu allocation %s\n",
          r->nclusters, r->ncyclic, r->nrecords,
          lg_text_plural(r->nrecords, "site", "sites"));
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
            s->v[i].hits, s->v[i].bytes, s->v[i].blocks,
            lg_esc(s->v[i].pattern), lg_esc(s->v[i].origin));
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
                   lg_esc(p->log_path), p->truncated_at);
    if (!p->complete)
      lg_text_killed(f, &h, p);
    if (!lg_analyze_scan(p) && !(p->complete && p->end_how == LG_END_EXEC))
      lg_text_note(f, &h, "pid %u finished no scan: nothing to report for it",
                   p->pid);
    for (size_t k = 0; k < p->nnotes; k++)
      if (p->notes[k].code == LG_NOTE_WARNING || (flags & LG_TEXT_VERBOSE))
        lg_text_note(f, &h, "pid %u: %s%s", p->pid,
                     p->notes[k].code == LG_NOTE_WARNING ? "warning: " : "",
                     lg_esc(p->notes[k].text));
  }
  for (size_t i = 0; i < r->nwarnings; i++)
    lg_text_note(f, &h, "%s", lg_esc(r->warnings[i]));
}

/* Prints the first frame named in a site key ("f+0x1c@mod;..."), for the
 * baseline's fixed sites, whose stacks this report does not have. */
static void lg_text_key_head(FILE *f, const char *key) {
  size_t n = strcspn(key, ";");
  char *head = strndup(key, n);
  fprintf(f, "%s%s", head ? lg_esc(head) : "?", key[n] ? " ..." : "");
  free(head);
}

/* Prints the comparison with --baseline: counts, the new sites (first
 * frame), and the sites of the baseline no longer reported (fixed). */
static void lg_text_baseline(FILE *f, const lg_report_t *r) {
  const lg_rbase_t *b = &r->base;
  if (!b->b)
    return;
  fprintf(f, "\nBASELINE %s: %zu new %s, %zu known, %zu fixed\n",
          lg_esc(b->b->path), b->nnew, lg_text_plural(b->nnew, "site", "sites"),
          b->nknown, b->nfixed);
  for (size_t k = 0; k < r->nclusters; k++)
    for (size_t j = 0; j < r->clusters[k].nsites; j++) {
      const lg_rsite_t *s = &r->clusters[k].sites[j];
      if (s->baseline != LG_BASE_NEW)
        continue;
      fprintf(f, "   new:   %s in cluster %u at ", lg_text_cat(s->cat),
              r->clusters[k].id);
      lg_text_short_frame(f, &s->stack);
      fputc('\n', f);
    }
  for (size_t i = 0; i < b->nfixed; i++) {
    fprintf(f, "   fixed: %s at ", lg_esc(b->fixed[i]->category));
    lg_text_key_head(f, b->fixed[i]->key);
    fputc('\n', f);
  }
}

void lg_render_text(FILE *f, const lg_report_t *r, unsigned cluster) {
  lg_render_text_with(f, r, cluster, 0);
}

void lg_render_text_with(FILE *f, const lg_report_t *r, unsigned cluster,
                         unsigned flags) {
  int all = (flags & LG_TEXT_ALL) != 0;
  lg_text_processes(f, r, all);
  for (size_t i = 0; cluster && i < r->nclusters; i++)
    if (r->clusters[i].id == cluster)
      lg_text_cluster(f, r, &r->clusters[i]);
  if (!cluster)
    lg_text_records(f, r, all);
  if (r->nclusters == 0)
    fprintf(f, "No leaked clusters.\n\n");
  if (!cluster)
    lg_render_text_refcount(f, r, all);
  if (!cluster)
    lg_text_growth(f, r);
  lg_text_summary(f, r);
  lg_text_baseline(f, r);
  int h = 0;
  lg_text_supps_of(f, r->global, &h);
  for (size_t i = 0; i < r->nprocs; i++)
    lg_text_supps_of(f, &r->local[i], &h);
  if (flags & LG_TEXT_VERBOSE)
    lg_text_scans(f, r);
  lg_text_notes(f, r, flags);
}
