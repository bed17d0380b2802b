/* tools/growth.c — per-site timelines and the growth rule (growth.h).
 *
 * THE RULE. For one site, old[k] is its generation-2 bytes at the k-th
 * complete scan that wrote a SITES record (0 when that record did not list
 * the site); n is the number of such scans. Over the window of the last
 * W = min(n, 12) points:
 *   - n < 5                                         -> insufficient
 *   - growing when all of
 *       (a) old rose strictly in >= 70% of the W-1 steps,
 *       (b) no step fell by more than 10% of the window's maximum,
 *       (c) last - first >= max(4096, 25% of first) bytes
 *           (first == 0: last >= 4096);
 *   - steady otherwise.
 * Why: a block reaches generation 2 only after surviving two scans, so
 * generation 2 is what the program keeps; a leak through a reachable list
 * keeps adding to it at every scan, (a). A bounded cache fills, then
 * evicts as much as it adds: its old bytes plateau and the rises stop, so
 * (a) fails once most of the window is the plateau. A structure that is
 * emptied now and then falls by much, (b). A one-off jump (a table built
 * once) is one rise among flat steps, (a). A slow drift of a few bytes is
 * noise, (c). Young churn (generations 0 and 1) never counts.
 *
 * Timelines are kept sparse (a site has points only where a SITES record
 * listed it), so memory stays proportional to the log, however many scans
 * and sites it holds. */
#include "growth.h"

#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

/* ------------------------------------------------------------- the rule */

/* Says whether the values rose strictly in at least 70% of the steps. */
static int lg_growth_rises_enough(const uint64_t *v, size_t w) {
  size_t rises = 0;
  for (size_t i = 1; i < w; i++)
    rises += v[i] > v[i - 1];
  return rises * 10 >= (w - 1) * 7;
}

/* Says whether some step fell by more than 10% of the largest value. */
static int lg_growth_falls_much(const uint64_t *v, size_t w) {
  uint64_t max = 0;
  for (size_t i = 0; i < w; i++)
    max = v[i] > max ? v[i] : max;
  for (size_t i = 1; i < w; i++)
    if (v[i] < v[i - 1] &&
        (unsigned __int128)(v[i - 1] - v[i]) * 10 > max)
      return 1;
  return 0;
}

/* Says whether last - first is at least max(4096, first / 4). */
static int lg_growth_rise_enough(uint64_t first, uint64_t last) {
  if (last <= first)
    return 0;
  uint64_t rise = last - first;
  return rise >= LG_GROWTH_MIN_RISE &&
         (unsigned __int128)rise * 4 >= first;
}

lg_gjudgement_t lg_growth_judge(const uint64_t *old, size_t n) {
  lg_gjudgement_t j = {LG_VERDICT_INSUFFICIENT, 0, 0, 0};
  size_t w = n < LG_GROWTH_WINDOW ? n : LG_GROWTH_WINDOW;
  j.window = w;
  if (w == 0)
    return j;
  const uint64_t *v = old + (n - w);
  j.first = v[0];
  j.last = v[w - 1];
  if (n < LG_GROWTH_MIN_POINTS)
    return j;
  int grows = lg_growth_rises_enough(v, w) && !lg_growth_falls_much(v, w) &&
              lg_growth_rise_enough(j.first, j.last);
  j.verdict = grows ? LG_VERDICT_GROWING : LG_VERDICT_STEADY;
  return j;
}

const char *lg_growth_verdict_name(enum lg_verdict v) {
  return v == LG_VERDICT_GROWING  ? "growing"
         : v == LG_VERDICT_STEADY ? "steady"
                                  : "insufficient";
}

/* ------------------------------------------------------------ timelines */

/* The index of a site by stack id, while the timelines are assembled. */
typedef struct lg_gindex {
  uint32_t stack_id;
  size_t site;
  UT_hash_handle hh;
} lg_gindex_t;

/* Returns the site of `id` in `gp`, adding it (and indexing it) if new. */
static lg_gsite_t *lg_growth_site(lg_gproc_t *gp, lg_gindex_t **index,
                                  size_t *cap, uint32_t id) {
  lg_gindex_t *e;
  HASH_FIND(hh, *index, &id, sizeof id, e);
  if (e)
    return &gp->sites[e->site];
  gp->sites = lg_util_grow(gp->sites, gp->nsites, cap, sizeof *gp->sites);
  lg_gsite_t *s = &gp->sites[gp->nsites];
  memset(s, 0, sizeof *s);
  s->stack_id = id;
  e = lg_util_xcalloc(1, sizeof *e);
  e->stack_id = id;
  e->site = gp->nsites++;
  HASH_ADD(hh, *index, stack_id, sizeof e->stack_id, e);
  return s;
}

/* Adds one SITES entry to its site's point `k` (entries of one site listed
 * twice by a scan add up). */
static void lg_growth_add(lg_gsite_t *s, size_t k, const lg_site_stat_t *e) {
  if (s->npoints == 0 || s->points[s->npoints - 1].k != k) {
    s->points = lg_util_grow(s->points, s->npoints, &s->cap,
                             sizeof *s->points);
    memset(&s->points[s->npoints], 0, sizeof *s->points);
    s->points[s->npoints++].k = k;
  }
  lg_gpoint_t *pt = &s->points[s->npoints - 1];
  for (int g = 0; g < 3; g++) {
    pt->blocks[g] += e->blocks[g];
    pt->bytes[g] += e->bytes[g];
  }
}

/* Judges site `s` on the last points of a timeline of `n` points. */
static void lg_growth_judge_site(lg_gsite_t *s, size_t n) {
  uint64_t old[LG_GROWTH_WINDOW];
  size_t w = n < LG_GROWTH_WINDOW ? n : LG_GROWTH_WINDOW;
  for (size_t i = 0; i < w; i++) {
    lg_gpoint_t pt;
    lg_growth_point(s, n - w + i, &pt);
    old[i] = pt.bytes[2];
  }
  /* the last w points decide exactly as all n would: w < 5 iff n < 5 */
  s->judged = lg_growth_judge(old, w);
}

/* Attaches to every site the latest chain that a complete scan logged. */
static void lg_growth_chains(lg_gproc_t *gp, lg_gindex_t *index) {
  const lg_process_t *p = gp->proc;
  for (size_t i = 0; i < p->nscans; i++) {
    const lg_scan_t *sc = &p->scans[i];
    for (size_t c = 0; sc->ended && c < sc->nchains; c++) {
      lg_gindex_t *e;
      HASH_FIND(hh, index, &sc->chains[c].stack_id, sizeof(uint32_t), e);
      if (e)
        gp->sites[e->site].chain = &sc->chains[c];
    }
  }
}

void lg_growth_build(lg_gproc_t *gp, const lg_process_t *p) {
  memset(gp, 0, sizeof *gp);
  gp->proc = p;
  gp->scans = lg_util_xcalloc(p->nscans, sizeof *gp->scans);
  lg_gindex_t *index = NULL;
  size_t cap = 0;
  for (size_t i = 0; i < p->nscans; i++) {
    const lg_scan_t *sc = &p->scans[i];
    if (!sc->ended || !sc->has_sites)
      continue;
    size_t k = gp->nscans++;
    gp->scans[k].scan = sc->scan;
    gp->scans[k].time = sc->time;
    for (size_t e = 0; e < sc->nsites; e++)
      lg_growth_add(lg_growth_site(gp, &index, &cap, sc->sites[e].stack_id),
                    k, &sc->sites[e]);
  }
  for (size_t s = 0; s < gp->nsites; s++)
    lg_growth_judge_site(&gp->sites[s], gp->nscans);
  lg_growth_chains(gp, index);
  lg_gindex_t *e, *tmp;
  HASH_ITER(hh, index, e, tmp) {
    HASH_DEL(index, e);
    free(e);
  }
}

void lg_growth_free(lg_gproc_t *gp) {
  for (size_t s = 0; s < gp->nsites; s++)
    free(gp->sites[s].points);
  free(gp->sites);
  free(gp->scans);
  memset(gp, 0, sizeof *gp);
}

void lg_growth_point(const lg_gsite_t *s, size_t k, lg_gpoint_t *out) {
  size_t lo = 0, hi = s->npoints;
  while (lo < hi) { /* first point at or after k */
    size_t mid = lo + (hi - lo) / 2;
    if (s->points[mid].k < k)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < s->npoints && s->points[lo].k == k) {
    *out = s->points[lo];
    return;
  }
  memset(out, 0, sizeof *out);
  out->k = k;
}
