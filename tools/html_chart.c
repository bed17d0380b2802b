/* tools/html_chart.c — the charts of the HTML report, drawn as inline SVG
 * by hand (no script library): a growth site's live bytes by generation
 * at each scan with site statistics (stacked areas: old at the bottom,
 * then generation 1, then new), and a process's pause per scan (bars).
 * Scans are spaced evenly along x (their times are in each point's
 * tooltip); y runs from 0 to the largest value. */
#include "html.h"

#include <inttypes.h>
#include <stdlib.h>

#include "render.h"
#include "util.h"

#define LG_CHART_W 560
#define LG_CHART_H 150
#define LG_CHART_LEFT 64 /* room for the y labels */
#define LG_CHART_BOTTOM 18

/* Writes `v` bytes in a short human form (B, KiB, MiB, GiB). */
static void lg_chart_bytes(FILE *f, uint64_t v) {
  static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double x = (double)v;
  int u = 0;
  while (x >= 1024 && u < 4)
    x /= 1024, u++;
  fprintf(f, u ? "%.1f %s" : "%.0f %s", x, unit[u]);
}

/* Returns the x of point `k` of `n`. */
static double lg_chart_x(size_t k, size_t n) {
  double w = LG_CHART_W - LG_CHART_LEFT - 8;
  return LG_CHART_LEFT + (n > 1 ? w * (double)k / (double)(n - 1) : w / 2);
}

/* Returns the y of value `v` on a scale up to `max`. */
static double lg_chart_y(uint64_t v, uint64_t max) {
  double h = LG_CHART_H - LG_CHART_BOTTOM - 8;
  return 8 + h - (max ? h * (double)v / (double)max : 0);
}

/* Writes the frame of a chart: its svg tag, the y axis labels (0 and
 * `max`, in bytes or in milliseconds) and the x labels. */
static void lg_chart_open(FILE *f, const char *cls, uint64_t max, int ms,
                          const char *first, const char *last) {
  fprintf(f, "<svg class=\"lg-chart %s\" width=\"%d\" height=\"%d\" "
             "viewBox=\"0 0 %d %d\" role=\"img\">",
          cls, LG_CHART_W, LG_CHART_H, LG_CHART_W, LG_CHART_H);
  fprintf(f, "<line x1=\"%d\" y1=\"8\" x2=\"%d\" y2=\"%d\" stroke=\"#bbb\"/>",
          LG_CHART_LEFT, LG_CHART_LEFT, LG_CHART_H - LG_CHART_BOTTOM);
  fprintf(f, "<text x=\"%d\" y=\"16\" text-anchor=\"end\">", LG_CHART_LEFT - 4);
  if (ms)
    fprintf(f, "%" PRIu64 ".%03" PRIu64 " ms", max / 1000000,
            max / 1000 % 1000);
  else
    lg_chart_bytes(f, max);
  fprintf(f, "</text><text x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>",
          LG_CHART_LEFT - 4, LG_CHART_H - LG_CHART_BOTTOM);
  fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>", LG_CHART_LEFT,
          LG_CHART_H - 4, first);
  fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>",
          LG_CHART_W - 8, LG_CHART_H - 4, last);
}

/* Writes one stacked band: the area between the running sums `lo` and
 * `hi` (n points each) in class `cls`. */
static void lg_chart_band(FILE *f, const uint64_t *lo, const uint64_t *hi,
                          size_t n, uint64_t max, const char *cls) {
  fprintf(f, "<polygon class=\"%s\" points=\"", cls);
  for (size_t k = 0; k < n; k++)
    fprintf(f, "%.1f,%.1f ", lg_chart_x(k, n), lg_chart_y(hi[k], max));
  for (size_t k = n; k-- > 0;)
    fprintf(f, "%.1f,%.1f ", lg_chart_x(k, n), lg_chart_y(lo[k], max));
  fputs("\"/>", f);
}

/* Writes invisible columns with a tooltip per point of a growth chart. */
static void lg_chart_tips(FILE *f, const lg_rgrowth_t *g, size_t n) {
  double w = n > 1 ? (LG_CHART_W - LG_CHART_LEFT - 8) / (double)(n - 1) : 40;
  for (size_t k = 0; k < n; k++) {
    lg_gpoint_t pt;
    lg_growth_point(g->site, k, &pt);
    fprintf(f, "<rect x=\"%.1f\" y=\"8\" width=\"%.1f\" height=\"%d\" "
               "fill=\"transparent\"><title>scan %u at %.3f s: new %" PRIu64
               " B, gen 1 %" PRIu64 " B, old %" PRIu64 " B</title></rect>",
            lg_chart_x(k, n) - w / 2, w, LG_CHART_H - LG_CHART_BOTTOM - 8,
            g->gp->scans[k].scan, (double)g->gp->scans[k].time / 1e9,
            pt.bytes[0], pt.bytes[1], pt.bytes[2]);
  }
}

void lg_html_chart_growth(FILE *f, const lg_rgrowth_t *g) {
  size_t n = g->gp->nscans;
  uint64_t *s2 = lg_util_xcalloc(n, sizeof *s2), *s1 = lg_util_xcalloc(n, 8);
  uint64_t *s0 = lg_util_xcalloc(n, sizeof *s0), *zero = lg_util_xcalloc(n, 8);
  uint64_t max = 0;
  for (size_t k = 0; k < n; k++) {
    lg_gpoint_t pt;
    lg_growth_point(g->site, k, &pt);
    s2[k] = pt.bytes[2];
    s1[k] = s2[k] + pt.bytes[1];
    s0[k] = s1[k] + pt.bytes[0];
    if (s0[k] > max)
      max = s0[k];
  }
  char first[48] = "", last[48] = "";
  if (n) {
    snprintf(first, sizeof first, "scan %u", g->gp->scans[0].scan);
    snprintf(last, sizeof last, "scan %u (%.1f s)", g->gp->scans[n - 1].scan,
             (double)g->gp->scans[n - 1].time / 1e9);
  }
  lg_chart_open(f, "lg-chart-growth", max, 0, first, last);
  lg_chart_band(f, zero, s2, n, max, "lg-g2");
  lg_chart_band(f, s2, s1, n, max, "lg-g1");
  lg_chart_band(f, s1, s0, n, max, "lg-g0");
  lg_chart_tips(f, g, n);
  fputs("</svg>", f);
  free(s0), free(s1), free(s2), free(zero);
}

void lg_html_chart_pauses(FILE *f, const lg_process_t *p) {
  size_t n = lg_reader_complete_scans(p), k = 0;
  if (n < 2)
    return;
  uint64_t max = 0;
  for (size_t i = 0; i < p->nscans; i++)
    if (p->scans[i].ended && p->scans[i].pause_ns > max)
      max = p->scans[i].pause_ns;
  char first[32], last[32];
  snprintf(first, sizeof first, "scan 1");
  snprintf(last, sizeof last, "%zu scans", n);
  lg_chart_open(f, "lg-chart-pause", max, 1, first, last);
  double slot = (LG_CHART_W - LG_CHART_LEFT - 8) / (double)n;
  for (size_t i = 0; i < p->nscans; i++) {
    const lg_scan_t *s = &p->scans[i];
    if (!s->ended)
      continue;
    double y = lg_chart_y(s->pause_ns, max);
    fprintf(f, "<rect class=\"lg-pause\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
               "height=\"%.1f\"><title>scan %u (%s) at %.3f s: pause %.3f ms"
               "</title></rect>",
            LG_CHART_LEFT + slot * (double)k + slot * 0.1, y, slot * 0.8,
            LG_CHART_H - LG_CHART_BOTTOM - y, s->scan,
            lg_render_scan_kind(s->kind), (double)s->time / 1e9,
            (double)s->pause_ns / 1e6);
    k++;
  }
  fputs("</svg>", f);
}
