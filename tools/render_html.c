/* tools/render_html.c — the HTML report: one self-contained page (its
 * style and script embedded, no network, opens from file://) over the same
 * analysed model as the other renderers. In order: a header with the
 * search box; the summary (categories, processes, scans); the leaked
 * clusters, the lost ones then the possibly lost ones, each kind largest
 * first (cluster ids are the report's), each with its picture (html_graph.c: laid out
 * by Graphviz's dot, folded by site when big), its entry block's stack and
 * its members by site; the timelines of periodic runs (html_chart.c:
 * each process's pause per scan, each shown growth site's live bytes by
 * generation, its verdict and retention chain); every allocation site
 * once, its stack in full and collapsible (the clusters link to them and
 * the search looks through them); and the notes.
 *
 * The page stays bounded by the log: a stack is written in full once per
 * site (a drawn cluster shows at most 8 frames of its entry's), a
 * picture draws at most LG_HTML_FOLD_BLOCKS blocks (more are folded by
 * site), and clusters past LG_HTML_MAX_PICTURES are listed in a table
 * without pictures (--cluster=ID draws any one of them). */
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

#include <uthash.h>

#include "html.h"
#include "render.h"
#include "util.h"

/* Clusters drawn with their pictures; the others are rows of a table. */
#define LG_HTML_MAX_PICTURES 500
/* Clusters whose entry stack is open when the page loads. */
#define LG_HTML_OPEN_STACKS 20
/* Sites charted besides the growing ones: those that held the most. */
#define LG_HTML_STEADY_CHARTS 12

/* ------------------------------------------------------------ escaping */

/* Returns the length of the UTF-8 sequence at `s` (at most `n` bytes),
 * or 0 when it is not valid UTF-8. */
static size_t lg_html_utf8(const unsigned char *s, size_t n) {
  size_t len = s[0] >= 0xf0 && s[0] <= 0xf4   ? 4
               : s[0] >= 0xe0                 ? 3
               : s[0] >= 0xc2 && s[0] <= 0xdf ? 2
                                              : 0;
  if (len == 0 || len > n)
    return 0;
  for (size_t i = 1; i < len; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return len;
}

void lg_html_text_n(FILE *f, const char *s, size_t n) {
  const unsigned char *u = (const unsigned char *)s;
  for (size_t i = 0; s && i < n;) {
    unsigned char c = u[i];
    size_t k = c >= 0x80 ? lg_html_utf8(u + i, n - i) : 1;
    if (c == '<')
      fputs("&lt;", f);
    else if (c == '>')
      fputs("&gt;", f);
    else if (c == '&')
      fputs("&amp;", f);
    else if (c == '"')
      fputs("&quot;", f);
    else if (c < 0x20 || c == 0x7f || k == 0)
      fprintf(f, "\\x%02x", c);
    else
      fwrite(u + i, 1, k, f);
    i += k ? k : 1;
  }
}

void lg_html_text(FILE *f, const char *s) {
  if (s)
    lg_html_text_n(f, s, strlen(s));
}

/* Writes `v` with thousands separated by thin spaces, for reading. */
static void lg_html_num(FILE *f, uint64_t v) {
  char buf[32];
  int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
  for (int i = 0; i < n; i++) {
    if (i && (n - i) % 3 == 0)
      fputs("&#8201;", f);
    fputc(buf[i], f);
  }
}

/* Returns `one` when `n` is 1, else `many`. */
static const char *lg_html_plural(uint64_t n, const char *one,
                                  const char *many) {
  return n == 1 ? one : many;
}

/* ---------------------------------------------------------------- sites */

/* A distinct folded site of the page, numbered from 1 in order of first
 * appearance; `fs` is borrowed from the member or cluster that showed it
 * first. */
typedef struct lg_hsite {
  const char *key;
  size_t id;
  const lg_fstack_t *fs;
  UT_hash_handle hh;
} lg_hsite_t;

/* The page's state: its sites and, per cluster, its members' site ids. */
typedef struct lg_hpage {
  const lg_report_t *r;
  lg_hsite_t *sites; /* hash by key */
  lg_hsite_t **order; /* by id - 1 */
  size_t nsites, cap;
  size_t **member_site; /* [cluster][member] */
  size_t *entry_site;   /* [cluster] */
  char *drawn;          /* [cluster]: drawn with its picture */
  size_t npictures;
} lg_hpage_t;

/* Returns the id of site `fs`, adding it when new. */
static size_t lg_html_site(lg_hpage_t *pg, const lg_fstack_t *fs) {
  lg_hsite_t *s;
  HASH_FIND_STR(pg->sites, fs->key, s);
  if (s)
    return s->id;
  s = lg_util_xcalloc(1, sizeof *s);
  s->key = fs->key, s->fs = fs, s->id = pg->nsites + 1;
  HASH_ADD_KEYPTR(hh, pg->sites, s->key, strlen(s->key), s);
  pg->order = lg_util_grow(pg->order, pg->nsites, &pg->cap, sizeof *pg->order);
  pg->order[pg->nsites++] = s;
  return s->id;
}

/* Numbers the sites of every cluster, in the page's order (lost
 * clusters, then possibly lost ones): its entry site, then its members'. */
static void lg_html_sites(lg_hpage_t *pg) {
  const lg_report_t *r = pg->r;
  pg->member_site = lg_util_xcalloc(r->nclusters, sizeof *pg->member_site);
  pg->entry_site = lg_util_xcalloc(r->nclusters, sizeof *pg->entry_site);
  for (int possible = 0; possible < 2; possible++)
    for (size_t k = 0; k < r->nclusters; k++) {
      const lg_rcluster_t *c = &r->clusters[k];
      if (!c->possible != !possible)
        continue;
      pg->entry_site[k] = lg_html_site(pg, &c->entry_site);
      pg->member_site[k] = lg_util_xcalloc(c->nmembers, sizeof(size_t));
      for (size_t m = 0; m < c->nmembers; m++)
        pg->member_site[k][m] = lg_html_site(pg, &c->members[m].site);
    }
}

/* Releases what the page's state holds. */
static void lg_html_free_page(lg_hpage_t *pg) {
  lg_hsite_t *s, *t;
  HASH_ITER(hh, pg->sites, s, t) {
    HASH_DEL(pg->sites, s);
    free(s);
  }
  for (size_t k = 0; k < pg->r->nclusters; k++)
    free(pg->member_site[k]);
  free(pg->member_site);
  free(pg->entry_site);
  free(pg->order);
  free(pg->drawn);
}

/* ---------------------------------------------------------------- stacks */

/* Returns the file name part of a path. */
static const char *lg_html_base(const char *path) {
  const char *slash = path ? strrchr(path, '/') : NULL;
  return slash && slash[1] ? slash + 1 : path;
}

/* Writes frame `fr` as spans: function, location, recursion, module. */
static void lg_html_frame(FILE *f, const lg_symframe_t *fr,
                          const lg_fseg_t *seg, int first_of_seg) {
  fputs("<span class=\"lg-fn\">", f);
  lg_html_text(f, fr->function ? fr->function : "??");
  fputs("</span>", f);
  if (fr->file) {
    fputs(" <span class=\"lg-loc\">", f);
    lg_html_text(f, fr->short_file ? fr->short_file : fr->file);
    fprintf(f, ":%d</span>", fr->line);
  }
  if (fr->inlined)
    fputs(" <span class=\"lg-inl\">inlined</span>", f);
  if (first_of_seg && seg->depth > 1)
    fprintf(f, " <span class=\"lg-rec\">recursion &#215;%u%s</span>",
            seg->depth, seg->period > 1 ? " (a cycle of functions)" : "");
  fputs(" <span class=\"lg-mod\">", f);
  lg_html_text(f, fr->module ? lg_html_base(fr->module) : "?");
  fprintf(f, "+0x%" PRIx64 "</span>", fr->offset);
}

/* Writes the frames of folded stack `fs` as list items: every shown
 * frame, or (`compact`) at most 8 of those lg_site_compact_len counts. */
static void lg_html_frames(FILE *f, const lg_fstack_t *fs, int compact) {
  size_t shown = 0, total = compact ? lg_site_compact_len(fs) : SIZE_MAX;
  fputs("<ol class=\"lg-frames\">", f);
  for (size_t s = 0; s < fs->nsegs && shown < total; s++)
    for (uint32_t k = 0; k < fs->segs[s].period && shown < total; k++) {
      if (compact && shown == 8) {
        fputs("<li class=\"lg-more\">&#8230;</li></ol>", f);
        return;
      }
      fputs("<li>", f);
      lg_html_frame(f, &fs->frames[fs->segs[s].first + k], &fs->segs[s],
                    k == 0);
      fputs("</li>", f);
      shown++;
    }
  if (fs->nsegs == 0)
    fputs("<li>(no stack recorded)</li>", f);
  fputs("</ol>", f);
}

/* Writes a one-line stack of at most four of the frames
 * lg_site_compact_len counts: "f:12 < g:30 < main:5". */
static void lg_html_line_stack(FILE *f, const lg_fstack_t *fs) {
  size_t shown = 0, total = lg_site_compact_len(fs);
  for (size_t s = 0; s < fs->nsegs && shown < total && shown < 4; s++)
    for (uint32_t k = 0; k < fs->segs[s].period && shown < total &&
                         shown < 4; k++) {
      const lg_symframe_t *fr = &fs->frames[fs->segs[s].first + k];
      if (shown++)
        fputs(" &lt; ", f);
      if (fr->function)
        lg_html_text(f, fr->function);
      else
        fprintf(f, "0x%" PRIx64, fr->offset);
      if (fr->file && fr->line > 0)
        fprintf(f, ":%d", fr->line);
      if (k == 0 && fs->segs[s].depth > 1)
        fprintf(f, " (recursion &#215;%u)", fs->segs[s].depth);
    }
  if (shown < total)
    fputs(" &lt; &#8230;", f);
  if (total == 0)
    fputs("(no stack recorded)", f);
}

/* --------------------------------------------------------------- summary */

/* Returns a category's name in words. */
static const char *lg_html_cat(uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? "definitely lost"
         : cat == LG_CAT_INDIRECT ? "indirectly lost"
                                  : "possibly lost";
}

/* Writes the table of categories, and the clusters' counts. */
static void lg_html_categories(FILE *f, const lg_report_t *r) {
  static const char *const labels[LG_RCAT_N] = {
      "definitely lost", "indirectly lost", "possibly lost",
      "still reachable", "suppressed"};
  static const char *const cls[LG_RCAT_N] = {"lg-lost", "lg-lost",
                                             "lg-possible", "lg-okc", ""};
  fputs("<div class=\"lg-panel\"><h3>Leak summary</h3><table "
        "id=\"lg-categories\"><tr><th></th><th class=\"n\">bytes</th><th "
        "class=\"n\">blocks</th></tr>",
        f);
  for (int c = 0; c < LG_RCAT_N; c++) {
    fprintf(f, "<tr data-cat=\"%s\" data-bytes=\"%" PRIu64 "\" data-blocks=\"%" PRIu64
               "\"><td class=\"%s\">%s</td><td class=\"n\">",
            lg_analyze_cat_name(c), r->summary[c].bytes, r->summary[c].blocks,
            cls[c], labels[c]);
    lg_html_num(f, r->summary[c].bytes);
    fputs("</td><td class=\"n\">", f);
    lg_html_num(f, r->summary[c].blocks);
    fputs("</td></tr>", f);
  }
  fprintf(f, "</table><p>%zu leaked %s (%zu cyclic) at %zu allocation %s",
          r->nclusters, lg_html_plural(r->nclusters, "cluster", "clusters"),
          r->ncyclic, r->nrecords,
          lg_html_plural(r->nrecords, "site", "sites"));
  if (r->any_sites)
    fprintf(f, "; %zu growing %s", r->ngrowing,
            lg_html_plural(r->ngrowing, "site", "sites"));
  fputs("</p></div>", f);
}

/* Writes how process `p` ended, in words. */
static void lg_html_end(FILE *f, const lg_process_t *p) {
  const char *how = lg_render_end_name(p);
  if (!how)
    fputs(p->truncated ? "truncated log (killed?)" : "no END (killed?)", f);
  else if (p->end_how == LG_END_SIGNAL)
    fprintf(f, "killed by signal %u", p->end_status);
  else if (p->end_how == LG_END_EXIT || p->end_how == LG_END_UNDERSCORE_EXIT)
    fprintf(f, "%s(%u)", how, p->end_status);
  else
    lg_html_text(f, how);
}

/* Writes the table of processes. */
static void lg_html_processes(FILE *f, const lg_report_t *r) {
  fputs("<div class=\"lg-panel lg-procs\"><h3>Processes</h3><table "
        "id=\"lg-processes\"><tr><th>pid</th><th>command</th><th>ended</th>"
        "<th class=\"n\">scans</th></tr>",
        f);
  for (size_t i = 0; i < r->nprocs; i++) {
    const lg_process_t *p = r->procs[i];
    fprintf(f, "<tr><td>%u</td><td class=\"lg-cmd\" title=\"log ", p->pid);
    lg_html_text(f, p->log_path);
    fputs("\">", f);
    lg_html_text(f, p->exe ? p->exe : "?");
    for (uint32_t a = 1; a < p->argc && a < 16; a++) {
      fputc(' ', f);
      lg_html_text_n(f, p->argv[a], strnlen(p->argv[a], 200));
    }
    fputs("</td><td>", f);
    lg_html_end(f, p);
    fprintf(f, "</td><td class=\"n\">%zu</td></tr>",
            lg_reader_complete_scans(p));
  }
  fputs("</table></div>", f);
}

/* Writes the line on the scans: how many of each kind, pauses. */
static void lg_html_scans(FILE *f, const lg_report_t *r) {
  lg_scan_summary_t ss;
  lg_analyze_scan_summary(r, &ss);
  fprintf(f, "<div class=\"lg-panel\"><h3>Scans</h3><p id=\"lg-scans\" "
             "data-scans=\"%zu\">%zu %s",
          ss.nscans, ss.nscans, lg_html_plural(ss.nscans, "scan", "scans"));
  const char *sep = " (";
  for (uint32_t k = LG_SCAN_EXIT; k <= LG_SCAN_SIGNAL; k++)
    if (ss.by_kind[k]) {
      fprintf(f, "%s%zu %s", sep, ss.by_kind[k], lg_render_scan_kind(k));
      sep = ", ";
    }
  if (ss.nscans)
    fprintf(f, ")<br>pause median %.3f ms, max %.3f ms",
            (double)ss.pause_median_ns / 1e6, (double)ss.pause_max_ns / 1e6);
  fputs("</p></div>", f);
}

/* -------------------------------------------------------------- clusters */

/* Writes the headline of cluster `c`. */
static void lg_html_cluster_head(FILE *f, const lg_rcluster_t *c) {
  const char *what = c->possible                ? "possibly lost"
                     : c->definite.blocks > 0   ? "definitely lost"
                     : c->indirect.blocks > 0   ? "indirectly lost"
                                                : "lost";
  fprintf(f, "<h3><a href=\"#cluster-%u\">Cluster %u</a>: <span "
             "class=\"lg-bytes\">%" PRIu64 "</span> bytes in <span "
             "class=\"lg-blocks\">%" PRIu64 "</span> %s, <span class=\"%s\">"
             "%s</span>",
          c->id, c->id, c->bytes, c->blocks,
          lg_html_plural(c->blocks, "block", "blocks"),
          c->possible ? "lg-possible" : "lg-lost", what);
  if (!c->possible && c->definite.bytes && c->indirect.bytes)
    fprintf(f, " (%" PRIu64 " direct, %" PRIu64 " indirect)",
            c->definite.bytes, c->indirect.bytes);
  if (c->cyclic)
    fputs("<span class=\"lg-badge lg-cyc\">cyclic</span>", f);
  fputs("</h3>", f);
}

/* Writes the meta line of cluster `c`: process, entries, scan, record. */
static void lg_html_cluster_meta(FILE *f, const lg_report_t *r,
                                 const lg_rcluster_t *c) {
  fprintf(f, "<p class=\"lg-meta\">pid %u (", c->proc->pid);
  lg_html_text(f, lg_html_base(c->proc->exe ? c->proc->exe : "?"));
  fprintf(f, ") &#183; %zu %s &#183; %u listed %s, %u %s &#183; first seen "
             "in scan %u",
          c->nentries, lg_html_plural(c->nentries, "entry", "entries"),
          c->src->nlisted, lg_html_plural(c->src->nlisted, "block", "blocks"),
          c->src->nedges, lg_html_plural(c->src->nedges, "pointer", "pointers"),
          c->src->first_seen_scan);
  const lg_rrecord_t *rec = &r->records[c->record];
  if (rec->nclusters > 1)
    fprintf(f, " &#183; one of %zu clusters allocated at this site",
            rec->nclusters);
  fputs("</p>", f);
}

/* Writes member `m` of cluster `k` as a table row. */
static void lg_html_member(FILE *f, const lg_hpage_t *pg, size_t k, size_t m) {
  const lg_rmember_t *mb = &pg->r->clusters[k].members[m];
  fprintf(f, "<tr><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
             "</td><td>%s</td><td><a href=\"#site-%zu\">S%zu</a> ",
          mb->blocks, mb->bytes, lg_html_cat(mb->cat), pg->member_site[k][m],
          pg->member_site[k][m]);
  lg_html_line_stack(f, &mb->site);
  fputs("</td></tr>", f);
}

/* Members of a cluster listed before the rest is folded away. */
#define LG_HTML_MEMBERS 10

/* Writes the members table of cluster `k`: the first LG_HTML_MEMBERS
 * rows, then the others in a collapsed part. */
static void lg_html_members(FILE *f, const lg_hpage_t *pg, size_t k) {
  const lg_rcluster_t *c = &pg->r->clusters[k];
  static const char head[] =
      "<table class=\"lg-members\"><tr><th class=\"n\">blocks</th><th "
      "class=\"n\">bytes</th><th>category</th><th>site</th></tr>";
  fputs(head, f);
  for (size_t m = 0; m < c->nmembers && m < LG_HTML_MEMBERS; m++)
    lg_html_member(f, pg, k, m);
  fputs("</table>", f);
  if (c->nmembers <= LG_HTML_MEMBERS)
    return;
  fprintf(f, "<details class=\"lg-more-members\"><summary>%zu more member "
             "sites</summary>%s",
          c->nmembers - LG_HTML_MEMBERS, head);
  for (size_t m = LG_HTML_MEMBERS; m < c->nmembers; m++)
    lg_html_member(f, pg, k, m);
  fputs("</table></details>", f);
}

/* Writes the space-separated ids of the sites of cluster `k`. */
static void lg_html_site_ids(FILE *f, const lg_hpage_t *pg, size_t k) {
  fprintf(f, "%zu", pg->entry_site[k]);
  for (size_t m = 0; m < pg->r->clusters[k].nmembers; m++)
    if (pg->member_site[k][m] != pg->entry_site[k])
      fprintf(f, " %zu", pg->member_site[k][m]);
}

/* Writes cluster `k` as an article: headline, picture, entry stack,
 * members. The data attributes carry its figures for scripts and tests. */
static void lg_html_cluster(FILE *f, lg_hpage_t *pg, lg_html_gv_t *gv,
                            size_t k) {
  const lg_rcluster_t *c = &pg->r->clusters[k];
  fprintf(f, "<article class=\"lg-cluster\" id=\"cluster-%u\" data-id=\"%u\" "
             "data-kind=\"%s\" data-bytes=\"%" PRIu64 "\" data-blocks=\"%" PRIu64
             "\" data-cyclic=\"%d\" data-entries=\"%zu\" data-listed=\"%u\" "
             "data-pointers=\"%u\" data-members=\"%zu\" data-pid=\"%u\" "
             "data-sites=\"",
          c->id, c->id, c->possible ? "possible" : "lost", c->bytes, c->blocks,
          c->cyclic != 0, c->nentries, c->src->nlisted, c->src->nedges,
          c->nmembers, c->proc->pid);
  lg_html_site_ids(f, pg, k);
  fputs("\">", f);
  lg_html_cluster_head(f, c);
  lg_html_cluster_meta(f, pg->r, c);
  fputs("<div class=\"lg-body\"><div class=\"lg-picture\">", f);
  lg_html_picture(f, gv, c, pg->member_site[k]);
  fputs("</div><div class=\"lg-text\">", f);
  fprintf(f, "<details class=\"lg-stack\"%s><summary>",
          k < LG_HTML_OPEN_STACKS ? " open" : "");
  if (c->nentries)
    fprintf(f, "entry block of %" PRIu64 " bytes at 0x%" PRIx64
               ", allocated at <a href=\"#site-%zu\">S%zu</a>",
            c->entries[0].size, c->entries[0].address, pg->entry_site[k],
            pg->entry_site[k]);
  else
    fprintf(f, "allocated at <a href=\"#site-%zu\">S%zu</a>",
            pg->entry_site[k], pg->entry_site[k]);
  fputs("</summary>", f);
  lg_html_frames(f, &c->entry_site, 1);
  fputs("</details>", f);
  lg_html_members(f, pg, k);
  fputs("</div></div></article>\n", f);
}

/* Writes the clusters past the pictures' limit as table rows. */
static void lg_html_cluster_table(FILE *f, const lg_hpage_t *pg) {
  const lg_report_t *r = pg->r;
  fprintf(f, "<h2>Smaller clusters (%zu, without pictures)</h2><p "
             "class=\"lg-more\"><code>leakgraph-report --format=html "
             "--cluster=ID</code> draws any one of them.</p><table "
             "id=\"lg-more-clusters\"><tr><th>cluster</th><th class=\"n\">"
             "bytes</th><th class=\"n\">blocks</th><th>kind</th><th>site</th>"
             "</tr>",
          r->nclusters - pg->npictures);
  for (size_t k = 0; k < r->nclusters; k++) {
    const lg_rcluster_t *c = &r->clusters[k];
    if (pg->drawn[k])
      continue;
    fprintf(f, "<tr><td>%u</td><td class=\"n\">%" PRIu64 "</td><td "
               "class=\"n\">%" PRIu64 "</td><td>%s%s</td><td><a "
               "href=\"#site-%zu\">S%zu</a> ",
            c->id, c->bytes, c->blocks, c->possible ? "possibly lost" : "lost",
            c->cyclic ? ", cyclic" : "", pg->entry_site[k], pg->entry_site[k]);
    lg_html_line_stack(f, &c->entry_site);
    fputs("</td></tr>", f);
  }
  fputs("</table>", f);
}

/* Says whether cluster `k` gets its picture: the first
 * LG_HTML_MAX_PICTURES of the lost clusters, then of the possibly lost
 * ones, or, with `only`, that cluster alone. */
static int lg_html_drawn(const lg_hpage_t *pg, size_t k, unsigned only) {
  return only ? pg->r->clusters[k].id == only : pg->drawn[k];
}

/* Decides which clusters are drawn (pg->drawn): the largest, lost ones
 * before possibly lost ones, LG_HTML_MAX_PICTURES in all. */
static void lg_html_choose(lg_hpage_t *pg) {
  const lg_report_t *r = pg->r;
  pg->drawn = lg_util_xcalloc(r->nclusters, sizeof *pg->drawn);
  for (int possible = 0; possible < 2; possible++)
    for (size_t k = 0; k < r->nclusters; k++)
      if (!r->clusters[k].possible == !possible &&
          pg->npictures < LG_HTML_MAX_PICTURES)
        pg->drawn[k] = 1, pg->npictures++;
}

/* Writes the clusters of one kind (lost, or possibly lost) that are
 * drawn, under a heading. */
static void lg_html_kind(FILE *f, lg_hpage_t *pg, lg_html_gv_t *gv,
                         int possible, unsigned only) {
  const lg_report_t *r = pg->r;
  size_t n = 0;
  for (size_t k = 0; k < r->nclusters; k++)
    n += !r->clusters[k].possible == !possible && lg_html_drawn(pg, k, only);
  if (n == 0)
    return;
  fprintf(f, "<h2>%s clusters (%zu, largest first)</h2>",
          possible ? "Possibly lost" : "Lost", n);
  for (size_t k = 0; k < r->nclusters; k++)
    if (!r->clusters[k].possible == !possible && lg_html_drawn(pg, k, only))
      lg_html_cluster(f, pg, gv, k);
}

/* Writes the clusters section: lost clusters, then possibly lost ones,
 * each with its picture, then a table of those past the limit. */
static void lg_html_clusters(FILE *f, lg_hpage_t *pg, unsigned only) {
  const lg_report_t *r = pg->r;
  lg_html_gv_t *gv = lg_html_gv_new();
  lg_html_choose(pg);
  fputs("<section id=\"lg-clusters\">", f);
  if (r->nclusters == 0)
    fputs("<h2>Leaked clusters</h2><p>No leaked clusters.</p>", f);
  lg_html_kind(f, pg, gv, 0, only);
  lg_html_kind(f, pg, gv, 1, only);
  if (!only && pg->npictures < r->nclusters)
    lg_html_cluster_table(f, pg);
  fputs("</section>\n", f);
  lg_html_gv_free(gv);
}

/* ------------------------------------------------------------- timelines */

/* Writes a growth site's retention chain: its root, then each block. */
static void lg_html_chain(FILE *f, const lg_rchain_t *ch) {
  fputs("<p>held through ", f);
  lg_html_text(f, ch->description);
  fputs(":</p><ol class=\"lg-frames lg-chain\">", f);
  for (size_t h = 0; h < ch->nhops; h++) {
    lg_fstack_t hs;
    lg_site_fold(ch->hops[h].stack.frames, ch->hops[h].stack.n, &hs);
    fprintf(f, "<li>0x%" PRIx64 " (%" PRIu64 " bytes) allocated at ",
            ch->hops[h].address, ch->hops[h].size);
    lg_html_line_stack(f, &hs);
    fputs("</li>", f);
    lg_site_fold_free(&hs);
  }
  fputs("</ol>", f);
}

/* Writes a growth site: its chart, verdict, stack and chain. */
static void lg_html_growth_site(FILE *f, const lg_rgrowth_t *g) {
  const lg_gjudgement_t *v = &g->site->judged;
  lg_fstack_t fs;
  lg_site_fold(g->stack.frames, g->stack.n, &fs);
  fprintf(f, "<div class=\"lg-chart-box lg-growth\" data-verdict=\"%s\" "
             "data-pid=\"%u\" data-stack=\"%u\"><h3>",
          lg_growth_verdict_name(v->verdict), g->gp->proc->pid,
          g->site->stack_id);
  lg_html_line_stack(f, &fs);
  fprintf(f, "</h3><p class=\"lg-meta\">pid %u &#183; <b>%s</b>%s &#183; old "
             "bytes %" PRIu64 " &#8594; %" PRIu64 " over the last %zu of %zu "
             "scans</p>",
          g->gp->proc->pid, lg_growth_verdict_name(v->verdict),
          g->suppressed ? " (suppressed)" : "", v->first, v->last, v->window,
          g->gp->nscans);
  lg_html_chart_growth(f, g);
  fputs("<div class=\"lg-legend\"><span class=\"lg-g2\"></span>old<span "
        "class=\"lg-g1\"></span>survived one scan<span class=\"lg-g0\"></span>"
        "new</div>",
        f);
  if (g->chain)
    lg_html_chain(f, g->chain);
  fputs("<details class=\"lg-stack\"><summary>allocation stack</summary>", f);
  lg_html_frames(f, &fs, 0);
  fputs("</details></div>", f);
  lg_site_fold_free(&fs);
}

/* Returns the peak of a site's live bytes (all generations) over its
 * points. */
static uint64_t lg_html_peak(const lg_rgrowth_t *g) {
  uint64_t peak = 0;
  for (size_t k = 0; k < g->site->npoints; k++) {
    const lg_gpoint_t *pt = &g->site->points[k];
    uint64_t v = pt->bytes[0] + pt->bytes[1] + pt->bytes[2];
    if (v > peak)
      peak = v;
  }
  return peak;
}

/* Orders growth sites by their peak live bytes, largest first. */
static int lg_html_by_peak(const void *a, const void *b) {
  uint64_t x = lg_html_peak(*(const lg_rgrowth_t *const *)a);
  uint64_t y = lg_html_peak(*(const lg_rgrowth_t *const *)b);
  return x > y ? -1 : x < y;
}

/* Returns the growth sites to chart (`*n` of them, an array to free): of
 * the processes with two scans or more, every growing site, then the
 * LG_HTML_STEADY_CHARTS other sites that held the most bytes at a time. */
static const lg_rgrowth_t **lg_html_charted(const lg_report_t *r, size_t *n) {
  const lg_rgrowth_t **out = lg_util_xcalloc(r->ngrowth, sizeof *out);
  size_t grow = 0, other = 0;
  for (size_t i = 0; i < r->ngrowth; i++)
    if (r->growth[i].gp->nscans >= 2 &&
        r->growth[i].site->judged.verdict == LG_VERDICT_GROWING)
      out[grow++] = &r->growth[i];
  for (size_t i = 0; i < r->ngrowth; i++)
    if (r->growth[i].gp->nscans >= 2 &&
        r->growth[i].site->judged.verdict != LG_VERDICT_GROWING)
      out[grow + other++] = &r->growth[i];
  if (other > 1)
    qsort(out + grow, other, sizeof *out, lg_html_by_peak);
  *n = grow + (other < LG_HTML_STEADY_CHARTS ? other : LG_HTML_STEADY_CHARTS);
  return out;
}

/* Writes the timelines: pauses per process, then the growth sites. */
static void lg_html_timelines(FILE *f, lg_hpage_t *pg) {
  const lg_report_t *r = pg->r;
  size_t multi = 0;
  for (size_t i = 0; i < r->nprocs; i++)
    multi += lg_reader_complete_scans(r->procs[i]) >= 2;
  if (!multi) /* timelines need a periodic run: two scans or more */
    return;
  fputs("<section id=\"lg-timelines\"><h2>Timelines</h2>", f);
  for (size_t i = 0; i < r->nprocs; i++) {
    if (lg_reader_complete_scans(r->procs[i]) < 2)
      continue;
    fprintf(f, "<div class=\"lg-chart-box\"><h3>Pause per scan, pid %u</h3>",
            r->procs[i]->pid);
    lg_html_chart_pauses(f, r->procs[i]);
    fputs("</div>", f);
  }
  size_t n = 0;
  const lg_rgrowth_t **shown = lg_html_charted(r, &n);
  for (size_t i = 0; i < n; i++)
    lg_html_growth_site(f, shown[i]);
  free(shown);
  fputs("</section>\n", f);
}

/* ----------------------------------------------------------- sites, notes */

/* Writes every site of the page once, its stack in full. */
static void lg_html_all_sites(FILE *f, const lg_hpage_t *pg) {
  fprintf(f, "<section id=\"lg-sites\"><h2>Allocation sites (%zu)</h2>",
          pg->nsites);
  for (size_t i = 0; i < pg->nsites; i++) {
    const lg_hsite_t *s = pg->order[i];
    fprintf(f, "<details class=\"lg-site lg-stack\" id=\"site-%zu\"><summary>"
               "S%zu ",
            s->id, s->id);
    lg_html_line_stack(f, s->fs);
    fputs("</summary>", f);
    lg_html_frames(f, s->fs, 0);
    fputs("</details>\n", f);
  }
  fputs("</section>\n", f);
}

/* Writes the notes: truncated and incomplete logs, warnings. */
static void lg_html_notes(FILE *f, const lg_report_t *r) {
  fputs("<section id=\"lg-notes\"><h2>Notes</h2><ul class=\"lg-notes\">", f);
  for (size_t i = 0; i < r->nprocs; i++) {
    const lg_process_t *p = r->procs[i];
    if (p->truncated) {
      fputs("<li>", f);
      lg_html_text(f, p->log_path);
      fprintf(f, " is truncated at byte %" PRIu64 ": read up to its last "
                 "complete record</li>",
              p->truncated_at);
    }
    if (!p->complete)
      fprintf(f, "<li>pid %u has no END record (killed or crashed?): it is "
                 "reported from its scans</li>",
              p->pid);
    for (size_t k = 0; k < p->nnotes; k++)
      if (p->notes[k].code == LG_NOTE_WARNING) {
        fprintf(f, "<li>pid %u: warning: ", p->pid);
        lg_html_text(f, p->notes[k].text);
        fputs("</li>", f);
      }
  }
  for (size_t i = 0; i < r->nwarnings; i++) {
    fputs("<li>", f);
    lg_html_text(f, r->warnings[i]);
    fputs("</li>", f);
  }
  fputs("</ul></section>\n", f);
}

/* --------------------------------------------------------------- the page */

/* Writes the head of the page and its header bar. */
static void lg_html_head(FILE *f, const lg_report_t *r) {
  const lg_process_t *p = r->nprocs ? r->procs[0] : NULL;
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, "
        "initial-scale=1\"><title>leakgraph report",
        f);
  if (p) {
    fputs(": ", f);
    lg_html_text(f, lg_html_base(p->exe ? p->exe : "?"));
  }
  fprintf(f, "</title><style>%s</style></head>\n<body><header><h1>leakgraph "
             "report</h1><span class=\"lg-sub\">%zu %s &#183; ",
          lg_html_css, r->nprocs,
          lg_html_plural(r->nprocs, "process", "processes"));
  lg_html_num(f, r->summary[LG_RCAT_DEFINITE].bytes +
                     r->summary[LG_RCAT_INDIRECT].bytes);
  fprintf(f, " bytes lost, ");
  lg_html_num(f, r->summary[LG_RCAT_POSSIBLE].bytes);
  fputs(" possibly lost</span><input id=\"lg-search\" type=\"search\" "
        "placeholder=\"Search functions, files, modules\" "
        "aria-label=\"search\"><span class=\"lg-count\" id=\"lg-count\">"
        "</span></header>\n<main>",
        f);
}

void lg_render_html(FILE *f, const lg_report_t *r, unsigned cluster) {
  lg_hpage_t pg = {.r = r};
  lg_html_sites(&pg);
  lg_html_head(f, r);
  fputs("<section id=\"lg-summary\" class=\"lg-summary\">", f);
  lg_html_categories(f, r);
  lg_html_processes(f, r);
  lg_html_scans(f, r);
  fputs("</section>\n", f);
  lg_html_clusters(f, &pg, cluster);
  if (!cluster)
    lg_html_timelines(f, &pg);
  lg_html_all_sites(f, &pg);
  lg_html_notes(f, r);
  fprintf(f, "</main><script>%s</script></body></html>\n", lg_html_js);
  lg_html_free_page(&pg);
}
