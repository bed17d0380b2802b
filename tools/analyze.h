/* tools/analyze.h — from processes read from logs to one report: which
 * clusters each process reports (its exit scan's, or for a killed one what
 * its scans still found lost), suppressions applied per allocation site, the summary
 * by category, the clusters of every process sorted largest first and
 * numbered, the growing sites (growth.h) with their symbolized stacks and
 * retention chains, the clusters' members by folded site and the loss
 * records (records.h, sites.h), the refcount findings (rcreport.h), and
 * the --fail-on verdict. Renderers (render.h) only
 * print what this builds; nothing here prints. */
#ifndef LG_ANALYZE_H
#define LG_ANALYZE_H

#include <stddef.h>
#include <stdint.h>

#include "baseline.h"
#include "growth.h"
#include "reader.h"
#include "sites.h"
#include "suppress.h"
#include "symbolize.h"

/* The five categories of the report, in the order the summary lists them. */
enum lg_rcat {
  LG_RCAT_DEFINITE = 0,
  LG_RCAT_INDIRECT,
  LG_RCAT_POSSIBLE,
  LG_RCAT_REACHABLE,
  LG_RCAT_SUPPRESSED,
  LG_RCAT_N
};

/* A symbolized stack. The stacks of a report's clusters, sites, growth and
 * chains are shared: each (process, log stack) is symbolized once, into
 * the report's table of stacks (lg_report_t.stacks), numbered `ref` from 1
 * and with its site key (sites.h); a stack that lg_analyze_stack made
 * on its own has ref 0 and no key. */
typedef struct lg_rstack {
  size_t n;
  lg_symframe_t *frames;
  unsigned ref;
  const char *key;
} lg_rstack_t;

/* How a site compares with the --baseline: not compared, new, known. */
enum lg_base_status { LG_BASE_NONE = 0, LG_BASE_NEW, LG_BASE_KNOWN };

/* An allocation site of a reported cluster (never a suppressed one). */
typedef struct lg_rsite {
  uint32_t cat; /* LG_CAT_DEFINITE, _INDIRECT or _POSSIBLE */
  uint32_t stack_id;
  uint64_t blocks, bytes;
  lg_rstack_t stack;
  int baseline; /* lg_base_status */
} lg_rsite_t;

/* An entry block of a reported cluster. */
typedef struct lg_rentry {
  uint64_t size, address;
  lg_rstack_t stack;
} lg_rentry_t;

/* Blocks of one category whose allocation stacks fold to one site
 * (sites.h): a cluster's members, or a loss record's. `site` borrows the
 * frames of the first stack merged; its depths are the deepest. */
typedef struct lg_rmember {
  uint32_t cat; /* LG_CAT_DEFINITE, _INDIRECT or _POSSIBLE */
  uint64_t blocks, bytes;
  lg_fstack_t site;
  size_t nstacks; /* distinct logged stacks merged */
} lg_rmember_t;

typedef struct lg_rcluster {
  unsigned id; /* 1..n in report order */
  const lg_process_t *proc;
  const lg_cluster_t *src; /* the CLUSTER record */
  uint64_t bytes, blocks;  /* of its unsuppressed sites */
  int cyclic, possible;
  lg_amount_t definite, indirect, possibly;
  lg_rsite_t *sites;
  size_t nsites;
  lg_rentry_t *entries;
  size_t nentries;
  /* Its members by folded site, definite first, then indirect, possible,
   * each largest first (records.c). */
  lg_rmember_t *members;
  size_t nmembers;
  lg_fstack_t entry_site; /* the first entry's stack folded */
  /* Per listed block (src->listed): the index of its member, or -1 when
   * its site is suppressed or not among the cluster's sites. */
  int32_t *listed_member;
  size_t record;          /* index of its loss record in lg_report_t */
} lg_rcluster_t;

/* A loss record: the clusters whose first entry blocks were allocated at
 * one folded site, lost ones apart from possibly lost ones — the way
 * valgrind merges the blocks of identical stacks into one loss record. */
typedef struct lg_rrecord {
  int possible;   /* its clusters are possibly lost */
  lg_fstack_t site; /* of its first cluster, depths the deepest of all */
  size_t *clusters; /* indexes into lg_report_t.clusters, report order */
  size_t nclusters;
  size_t ncyclic;
  uint64_t bytes, blocks;
  lg_amount_t definite, indirect, possibly;
  lg_rmember_t *members; /* of all its clusters, ordered like a cluster's */
  size_t nmembers;
} lg_rrecord_t;

/* A block of a retention chain, with its allocation stack. */
typedef struct lg_rhop {
  uint64_t address, size;
  lg_rstack_t stack;
} lg_rhop_t;

/* A retention chain ready to print: the CHAIN record, its root named (for
 * a global: the variable's symbol and module) and described in words, and
 * its hops. */
typedef struct lg_rchain {
  const lg_chain_t *src;
  lg_symdata_t root;
  char *description; /* e.g. "global 'cache_list' in /usr/bin/foo" */
  lg_rhop_t *hops;
  size_t nhops;
} lg_rchain_t;

/* A site with a SITES history, as the report shows it. */
typedef struct lg_rgrowth {
  const lg_gproc_t *gp;   /* its process's timelines */
  const lg_gsite_t *site; /* its timeline and verdict */
  lg_rstack_t stack;      /* allocation stack */
  int suppressed;         /* the stack matches a suppression */
  lg_rchain_t *chain;     /* its latest chain, or NULL */
  int baseline;           /* lg_base_status */
} lg_rgrowth_t;

/* What a --baseline comparison found: distinct site keys that are new or
 * known, and the baseline's sites this report no longer has (fixed). */
typedef struct lg_rbase {
  const lg_baseline_t *b; /* borrowed; NULL: no baseline */
  size_t nnew, nknown;
  const lg_bsite_t **fixed;
  size_t nfixed;
} lg_rbase_t;

typedef struct lg_report {
  lg_process_t **procs; /* borrowed */
  size_t nprocs;
  lg_amount_t summary[LG_RCAT_N];
  /* Of still_reachable: the blocks only heuristic h reached, at h - 1. */
  lg_amount_t heuristics[LG_NHEURS];
  size_t ncyclic;      /* cyclic clusters, lost or possibly lost */
  size_t ncyclic_lost; /* of which clusters of lost blocks: these fail */
  lg_rcluster_t *clusters;
  size_t nclusters, cap;
  /* Loss records: lost ones first, then possibly lost, each largest
   * first (records.c). */
  lg_rrecord_t *records;
  size_t nrecords;
  lg_supps_t *global; /* borrowed: --suppressions */
  lg_supps_t *local;  /* per process: its SUPPRESSIONS records */
  char **warnings;    /* things to tell the user (also in the text) */
  size_t nwarnings;
  lg_gproc_t *gprocs;   /* per process: its timelines */
  lg_rgrowth_t *growth; /* growing sites first, largest rise first */
  size_t ngrowth, growth_cap;
  size_t ngrowing;      /* growing and unsuppressed: these fail */
  int growth_all;       /* `growth` holds every site, not only growing ones */
  int any_sites;        /* some process logged SITES records */
  struct lg_rfinding *rc; /* refcount findings (rcreport.h), unsuppressed */
  size_t nrc, rc_cap, nrc_garbage, nrc_unbalanced, nrc_suppressed;
  lg_rstack_t *stacks;  /* every stack the report uses, at ref - 1 */
  size_t nstacks, stacks_cap;
  struct lg_rstackref *stack_index; /* (process, log stack id) -> ref */
  /* Per process: 1 when its exit scan's lost totals disagree with its
   * clusters (a corrupted log; the clusters' sums are reported). */
  unsigned char *corrupted_totals;
  lg_rbase_t base;
} lg_report_t;

/* Flags of lg_analyze_build. */
enum lg_analyze_flags {
  LG_ANALYZE_GROWTH_ALL = 1, /* --growth: keep every site's timeline */
};

/* The kinds of --fail-on, as bits. */
enum lg_fail_kind {
  LG_FAIL_DEFINITE = 1,
  LG_FAIL_INDIRECT = 2,
  LG_FAIL_POSSIBLE = 4,
  LG_FAIL_CYCLE = 8,
  LG_FAIL_GROWTH = 16,
  LG_FAIL_REFCOUNT = 32,
};
#define LG_FAIL_DEFAULT (LG_FAIL_DEFINITE | LG_FAIL_INDIRECT | LG_FAIL_CYCLE)

/* lg_analyze_scan returns the scan whose totals (SCAN_END) a process
 * reports: its last complete scan (NULL when it finished none). */
const lg_scan_t *lg_analyze_scan(const lg_process_t *p);

/* lg_analyze_clusters returns the clusters process `p` reports, in an array
 * of `*n` pointers into `p` (free the array): those of its last complete
 * exit scan when it has one. Else (it was killed) what its last complete
 * scan found lost — the clusters it logged and those its LIVE records name
 * — plus, of the clusters earlier scans logged, the latest version of each
 * (by entry address, the first listed block's) that is lost rather than
 * possibly lost and shares no listed block with the former
 * (tools/LOGFORMAT.md, "Periodic scans"). A version-1 log, which has no
 * LIVE records, reports the union of what all its complete scans logged,
 * the latest version of each. */
const lg_cluster_t **lg_analyze_clusters(const lg_process_t *p, size_t *n);

/* lg_analyze_build makes the report of `nprocs` processes, applying the
 * `global` suppressions and each process's own, symbolizing with `sym`.
 * `flags` are lg_analyze_flags. The report borrows the processes, `global`
 * and `sym`. */
void lg_analyze_build(lg_report_t *r, lg_process_t **procs, size_t nprocs,
                      lg_supps_t *global, lg_sym_t *sym, unsigned flags);

/* lg_analyze_baseline compares the report with baseline `b` (borrowed):
 * marks every site and growing site new or known by its key, counts the
 * distinct keys of each, and lists the baseline's sites that the report no
 * longer has (fixed). From then on lg_analyze_failing counts new sites
 * only. */
void lg_analyze_baseline(lg_report_t *r, const lg_baseline_t *b);

/* lg_analyze_free releases what lg_analyze_build allocated. */
void lg_analyze_free(lg_report_t *r);

/* lg_analyze_log_bytes is the size of the report's logs together: what
 * the renderers bound their output by (a hostile log cannot make a report
 * much bigger than itself). */
uint64_t lg_analyze_log_bytes(const lg_report_t *r);

/* lg_analyze_stack symbolizes stack `id` of process `p` into `out` (an
 * empty stack when the id is unknown), a function inlined at a return
 * address as a frame of its own before the frame it was inlined into
 * (lg_sym_frames). Free out->frames with free(). */
void lg_analyze_stack(lg_sym_t *sym, const lg_process_t *p, uint32_t id,
                      lg_rstack_t *out);

/* lg_analyze_parse_fail_on parses a comma list of kinds into `*mask`.
 * Returns 0, or -1 naming the bad kind in `err`. */
int lg_analyze_parse_fail_on(const char *s, unsigned *mask, char *err,
                             size_t errlen);

/* lg_analyze_failing returns the kinds of `mask` that the report holds:
 * a kind fails when its unsuppressed bytes are above zero, `cycle` when an
 * unsuppressed cluster of lost blocks is cyclic (a cyclic cluster of
 * possibly lost blocks fails only as `possible`), `growth` when an
 * unsuppressed site is growing, `refcount` when an unsuppressed refcount
 * finding (cyclic garbage or an unbalanced object) is reported. With a
 * baseline (lg_analyze_baseline) only new sites count: a kind fails when a
 * new site of it is reported, `cycle` when a cyclic cluster of lost blocks
 * has a new site, `growth` when a new site grows. */
unsigned lg_analyze_failing(const lg_report_t *r, unsigned mask);

/* lg_analyze_growth_rise returns the rise of a site's old bytes over the
 * rule's window (last - first; negative when they fell). */
int64_t lg_analyze_growth_rise(const lg_rgrowth_t *g);

/* lg_analyze_root_kind_name returns the JSON name of a chain's root kind:
 * "global", "stack", "registers", "tls", "root_region", "ignored", or
 * "unknown". */
const char *lg_analyze_root_kind_name(uint32_t kind);

/* Figures over the complete scans of every process of a report, for the
 * text report's one-line summary of the scans. */
typedef struct lg_scan_summary {
  size_t nscans;                /* complete scans */
  size_t by_kind[LG_SCAN_SIGNAL + 1]; /* per scan kind; [0]: unknown kinds */
  uint64_t pause_median_ns, pause_max_ns;
} lg_scan_summary_t;

/* lg_analyze_scan_summary counts the complete scans of the report's
 * processes by kind and finds the median and the longest of their pauses
 * (SCAN_END pause_ns; the median of an even count is the mean of the
 * middle two). */
void lg_analyze_scan_summary(const lg_report_t *r, lg_scan_summary_t *out);

/* lg_util_sat_sum returns the blocks of `n` amounts added up, saturating;
 * lg_util_sat_bytes adds two byte counts, saturating. */
static inline uint64_t lg_util_sat_sum(const lg_amount_t *a, size_t n) {
  uint64_t s = 0;
  for (size_t i = 0; i < n; i++)
    s = s > UINT64_MAX - a[i].blocks ? UINT64_MAX : s + a[i].blocks;
  return s;
}
static inline uint64_t lg_util_sat_bytes(uint64_t a, uint64_t b) {
  return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* lg_analyze_cat_name returns the JSON key of report category `c`. */
const char *lg_analyze_cat_name(int c);

#endif
