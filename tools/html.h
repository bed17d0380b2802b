/* tools/html.h — the pieces of the HTML report (render_html.c writes the
 * page): text and attribute escaping, the cluster pictures laid out by
 * Graphviz (html_graph.c), the per-scan charts drawn as inline SVG
 * (html_chart.c), and the page's style and script, embedded at build time
 * from tools/html/ (html_assets.c). Internal to the report tool. */
#ifndef LG_HTML_H
#define LG_HTML_H

#include <stddef.h>
#include <stdio.h>

#include "analyze.h"

/* lg_html_text writes `s` as HTML text: <, >, & escaped, control
 * characters and bytes that are not UTF-8 as \xNN ("" for NULL). Also
 * right inside a double-quoted attribute value (it escapes " too). */
void lg_html_text(FILE *f, const char *s);

/* lg_html_text_n is lg_html_text of the first `n` bytes of `s`. */
void lg_html_text_n(FILE *f, const char *s, size_t n);

/* Blocks a cluster's picture draws one by one; a cluster with more listed
 * blocks is drawn folded: one node per member site (records.h), the
 * pointers between sites counted on the edges. */
#define LG_HTML_FOLD_BLOCKS 40

/* A Graphviz context for the pictures of one page. */
typedef struct lg_html_gv lg_html_gv_t;

/* lg_html_gv_new makes a context with only the dot layout and the SVG
 * renderer (no plugins loaded from disk, no fonts: text is measured by
 * Graphviz's own estimates), errors kept off stderr. */
lg_html_gv_t *lg_html_gv_new(void);

/* lg_html_gv_free releases it. */
void lg_html_gv_free(lg_html_gv_t *gv);

/* lg_html_picture writes cluster `c`'s picture as one inline
 * <svg class="lg-graph"> laid out by dot: blocks as nodes labelled by
 * size and site (its node classes: lg-block, lg-site-S with S =
 * site_of_member[its member], lg-entry, lg-cycle, lg-folded), pointers as
 * edges (lg-ptr, lg-cycle within a cycle), blocks the log did not list as
 * a note. Folded when the cluster lists more than LG_HTML_FOLD_BLOCKS
 * blocks. Returns 1 when it drew it folded. */
int lg_html_picture(FILE *f, lg_html_gv_t *gv, const lg_rcluster_t *c,
                    const size_t *site_of_member);

/* lg_html_chart_growth writes the timeline of growth site `g` as an
 * <svg class="lg-chart lg-chart-growth">: its live bytes by generation,
 * stacked, at each scan of its process that logged site statistics. */
void lg_html_chart_growth(FILE *f, const lg_rgrowth_t *g);

/* lg_html_chart_pauses writes the pause of every complete scan of `p` as
 * an <svg class="lg-chart lg-chart-pause"> of bars, or nothing when it
 * has fewer than two. */
void lg_html_chart_pauses(FILE *f, const lg_process_t *p);

/* The page's style sheet and script (tools/html/report.css, report.js),
 * NUL-terminated. */
extern const char lg_html_css[];
extern const char lg_html_js[];

#endif
