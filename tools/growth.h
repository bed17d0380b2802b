/* tools/growth.h — growth of allocation sites over a process's periodic
 * scans (SPEC.md section 3): the per-site timelines assembled from the
 * SITES records of the complete scans, and the rule that calls a site
 * growing, steady or insufficient. Pure: no symbols, no printing; the
 * report (analyze.c) adds stacks, suppressions and the retention chain.
 *
 * The rule, for one site. Let old[k] be the site's generation-2 ("old")
 * bytes at the k-th complete scan that wrote a SITES record (a site that
 * scan did not list has 0 there), n the number of such scans, and the
 * window the last W = min(n, 12) points. With n < 5 the verdict is
 * INSUFFICIENT. Otherwise the site is GROWING when all three hold over the
 * window:
 *   (a) old bytes rose strictly in at least 70% of its W-1 steps;
 *   (b) no step fell by more than 10% of the window's largest value;
 *   (c) last - first >= max(4096, first / 4) bytes (first: the window's
 *       first point; when it is 0, at least 4096 bytes).
 * Otherwise it is STEADY. An append-only list rises at every step; a
 * bounded cache rises, then plateaus, so its rises stop and (a) fails; a
 * flat site and one that jumped once fail (a); a site that is trimmed
 * now and then fails (b); young churn (generations 0 and 1) is ignored. */
#ifndef LG_GROWTH_H
#define LG_GROWTH_H

#include <stddef.h>
#include <stdint.h>

#include "reader.h"

#define LG_GROWTH_MIN_POINTS 5
#define LG_GROWTH_WINDOW 12
#define LG_GROWTH_MIN_RISE 4096u

enum lg_verdict {
  LG_VERDICT_INSUFFICIENT = 0,
  LG_VERDICT_STEADY,
  LG_VERDICT_GROWING,
};

/* What the rule looked at: the window's first and last old bytes, its
 * length W, and the verdict. */
typedef struct lg_gjudgement {
  enum lg_verdict verdict;
  uint64_t first, last;
  size_t window;
} lg_gjudgement_t;

/* lg_growth_judge applies the rule to the `n` old-generation byte counts
 * `old` (oldest first). Pure; `old` may be NULL when `n` is 0. */
lg_gjudgement_t lg_growth_judge(const uint64_t *old, size_t n);

/* lg_growth_verdict_name returns "growing", "steady" or "insufficient". */
const char *lg_growth_verdict_name(enum lg_verdict v);

/* A complete scan that wrote a SITES record: one point of every timeline. */
typedef struct lg_gscan {
  uint32_t scan;
  uint64_t time; /* ns since the process started (SCAN_BEGIN) */
} lg_gscan_t;

/* A site's live blocks and bytes by generation at point `k`. */
typedef struct lg_gpoint {
  size_t k; /* index into lg_gproc_t.scans */
  uint64_t blocks[3], bytes[3];
} lg_gpoint_t;

/* One site's timeline, kept sparse: only the points whose SITES record
 * listed it, by k ascending (the others are zeros). Its judgement and its
 * latest retention chain (NULL when no complete scan logged one). */
typedef struct lg_gsite {
  uint32_t stack_id;
  lg_gpoint_t *points;
  size_t npoints, cap;
  lg_gjudgement_t judged;
  const lg_chain_t *chain;
} lg_gsite_t;

/* The timelines of one process: its points and its sites by stack id. */
typedef struct lg_gproc {
  const lg_process_t *proc;
  lg_gscan_t *scans;
  size_t nscans;
  lg_gsite_t *sites; /* in order of first appearance */
  size_t nsites;
} lg_gproc_t;

/* lg_growth_build assembles the timelines of every site of `p` that some
 * complete scan's SITES record lists, judges each and finds its chain.
 * `out` borrows `p`; free it with lg_growth_free. */
void lg_growth_build(lg_gproc_t *out, const lg_process_t *p);

/* lg_growth_free releases what lg_growth_build allocated. */
void lg_growth_free(lg_gproc_t *gp);

/* lg_growth_point fills `out` with site `s`'s values at point `k` of its
 * process's timeline (zeros where the scan did not list it). */
void lg_growth_point(const lg_gsite_t *s, size_t k, lg_gpoint_t *out);

#endif
