/* tools/analyze.c — builds the report (see analyze.h): per process, the
 * clusters of the scan that counts, each allocation site checked against
 * the suppressions (the command line's and the process's own), suppressed
 * sites moved out of their category into `suppressed`, clusters left with
 * no site dropped; then every process's clusters in one list, largest
 * first, numbered from 1. */
#include "analyze.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const lg_rcat_names[LG_RCAT_N] = {
    "definitely_lost", "indirectly_lost", "possibly_lost", "still_reachable",
    "suppressed"};

const char *lg_analyze_cat_name(int c) {
  return c >= 0 && c < LG_RCAT_N ? lg_rcat_names[c] : "unknown";
}

const lg_scan_t *lg_analyze_scan(const lg_process_t *p) {
  return lg_reader_last_scan(p);
}

void lg_analyze_stack(lg_sym_t *sym, const lg_process_t *p, uint32_t id,
                      lg_rstack_t *out) {
  const lg_stack_t *s = lg_reader_stack(p, id);
  out->n = s ? s->nframes : 0;
  out->frames = lg_util_xcalloc(out->n, sizeof *out->frames);
  for (size_t i = 0; i < out->n; i++)
    lg_sym_frame(sym, p, &s->frames[i], &out->frames[i]);
}

static void lg_analyze_warn(lg_report_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Records a warning for the report (the caller prints them). */
static void lg_analyze_warn(lg_report_t *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *s = NULL;
  if (vasprintf(&s, fmt, ap) < 0)
    s = NULL;
  va_end(ap);
  if (!s)
    return;
  r->warnings = lg_util_xrealloc(r->warnings, r->nwarnings + 1,
                                 sizeof *r->warnings);
  r->warnings[r->nwarnings++] = s;
}

/* Loads the suppressions that process `i` recorded in its log. */
static void lg_analyze_local_supps(lg_report_t *r, size_t i) {
  const lg_process_t *p = r->procs[i];
  char err[512];
  for (size_t k = 0; k < p->nsupps; k++) {
    const lg_supp_rec_t *s = &p->supps[k];
    int rc = 0;
    if (s->source == LG_SUPP_FILE)
      rc = lg_supp_load_file(&r->local[i], s->text, err, sizeof err);
    else if (s->source == LG_SUPP_INLINE)
      rc = lg_supp_parse(&r->local[i], s->text, "(inline suppressions)", err,
                         sizeof err);
    if (rc < 0)
      lg_analyze_warn(r, "%s (named in %s)", err, p->log_path);
  }
}

/* Returns the suppression matching a stack of process `i`, or NULL. */
static lg_supp_t *lg_analyze_supp(const lg_report_t *r, size_t i,
                                  const lg_rstack_t *st) {
  lg_supp_t *sp = NULL;
  if (r->global)
    sp = lg_supp_match_stack(r->global, st->frames, st->n);
  if (!sp)
    sp = lg_supp_match_stack(&r->local[i], st->frames, st->n);
  return sp;
}

/* Moves an amount of category `cat` (1..3) into `suppressed`. */
static void lg_analyze_move(lg_report_t *r, uint32_t cat, uint64_t blocks,
                            uint64_t bytes) {
  lg_amount_t *a = &r->summary[cat - 1];
  a->blocks -= blocks < a->blocks ? blocks : a->blocks;
  a->bytes -= bytes < a->bytes ? bytes : a->bytes;
  r->summary[LG_RCAT_SUPPRESSED].blocks += blocks;
  r->summary[LG_RCAT_SUPPRESSED].bytes += bytes;
}

/* Returns the cluster's amount of category `cat` (1..3). */
static lg_amount_t *lg_analyze_amount(lg_rcluster_t *c, uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? &c->definite
         : cat == LG_CAT_INDIRECT ? &c->indirect
                                  : &c->possibly;
}

/* Sorts the sites of cluster `cl` of process `i` into reported ones and
 * suppressed ones (whose amounts move in the summary). */
static void lg_analyze_sites(lg_report_t *r, size_t i, lg_sym_t *sym,
                             const lg_cluster_t *cl, lg_rcluster_t *rc) {
  rc->sites = lg_util_xcalloc(cl->nsites, sizeof *rc->sites);
  for (uint32_t k = 0; k < cl->nsites; k++) {
    const lg_site_t *s = &cl->sites[k];
    if (s->cat < LG_CAT_DEFINITE || s->cat > LG_CAT_POSSIBLE)
      continue; /* not a lost category: nothing to report */
    lg_rstack_t st;
    lg_analyze_stack(sym, r->procs[i], s->stack_id, &st);
    lg_supp_t *sp = lg_analyze_supp(r, i, &st);
    if (sp) {
      lg_analyze_move(r, s->cat, s->blocks, s->bytes);
      sp->hits++, sp->blocks += s->blocks, sp->bytes += s->bytes;
      free(st.frames);
      continue;
    }
    lg_rsite_t *rs = &rc->sites[rc->nsites++];
    rs->cat = s->cat, rs->blocks = s->blocks, rs->bytes = s->bytes;
    rs->stack = st;
    lg_amount_t *a = lg_analyze_amount(rc, s->cat);
    a->blocks += s->blocks, a->bytes += s->bytes;
    rc->blocks += s->blocks, rc->bytes += s->bytes;
  }
}

/* Collects the entry blocks of a cluster: those whose stack is not
 * suppressed, or all of them when every one is. */
static void lg_analyze_entries(lg_report_t *r, size_t i, lg_sym_t *sym,
                               const lg_cluster_t *cl, lg_rcluster_t *rc) {
  rc->entries = lg_util_xcalloc(cl->nlisted, sizeof *rc->entries);
  for (int any = 0; any < 2 && rc->nentries == 0; any++)
    for (uint32_t k = 0; k < cl->nlisted; k++) {
      const lg_listed_t *b = &cl->listed[k];
      if (!(b->flags & LG_LISTED_ENTRY))
        continue;
      lg_rentry_t *e = &rc->entries[rc->nentries];
      lg_analyze_stack(sym, r->procs[i], b->stack_id, &e->stack);
      if (!any && lg_analyze_supp(r, i, &e->stack)) {
        free(e->stack.frames);
        continue;
      }
      e->size = b->size, e->address = b->address;
      rc->nentries++;
    }
}

static void lg_analyze_free_cluster(lg_rcluster_t *c) {
  for (size_t k = 0; k < c->nsites; k++)
    free(c->sites[k].stack.frames);
  for (size_t k = 0; k < c->nentries; k++)
    free(c->entries[k].stack.frames);
  free(c->sites);
  free(c->entries);
}

/* Adds cluster `cl` of process `i` to the report unless every site of it
 * is suppressed. */
static void lg_analyze_cluster(lg_report_t *r, size_t i, lg_sym_t *sym,
                               const lg_cluster_t *cl) {
  lg_rcluster_t rc = {0};
  rc.proc = r->procs[i];
  rc.src = cl;
  rc.cyclic = (cl->flags & LG_CLUSTER_CYCLIC) != 0;
  rc.possible = (cl->flags & LG_CLUSTER_POSSIBLE) != 0;
  lg_analyze_sites(r, i, sym, cl, &rc);
  if (cl->nsites > 0 && rc.nsites == 0) {
    lg_analyze_free_cluster(&rc);
    return;
  }
  if (cl->nsites == 0) /* no sites logged: trust the record's totals */
    rc.bytes = cl->bytes, rc.blocks = cl->blocks;
  lg_analyze_entries(r, i, sym, cl, &rc);
  r->clusters = lg_util_grow(r->clusters, r->nclusters, &r->cap,
                             sizeof *r->clusters);
  r->clusters[r->nclusters++] = rc;
}

/* Report order: bytes descending, then pid, then the log's cluster id. */
static int lg_analyze_order(const void *a, const void *b) {
  const lg_rcluster_t *x = a, *y = b;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  if (x->proc->pid != y->proc->pid)
    return x->proc->pid < y->proc->pid ? -1 : 1;
  if (x->src->id != y->src->id)
    return x->src->id < y->src->id ? -1 : 1;
  return 0;
}

/* Adds process `i`: its totals and its clusters. */
static void lg_analyze_process(lg_report_t *r, size_t i, lg_sym_t *sym) {
  lg_analyze_local_supps(r, i);
  const lg_scan_t *s = lg_analyze_scan(r->procs[i]);
  if (!s)
    return;
  for (int c = 0; c < LG_NCATS; c++) {
    r->summary[c].bytes += s->totals[c].bytes;
    r->summary[c].blocks += s->totals[c].blocks;
  }
  for (size_t k = 0; k < s->nclusters; k++)
    lg_analyze_cluster(r, i, sym, &s->clusters[k]);
}

void lg_analyze_build(lg_report_t *r, lg_process_t **procs, size_t nprocs,
                      lg_supps_t *global, lg_sym_t *sym) {
  memset(r, 0, sizeof *r);
  r->procs = procs;
  r->nprocs = nprocs;
  r->global = global;
  r->local = lg_util_xcalloc(nprocs, sizeof *r->local);
  for (size_t i = 0; i < nprocs; i++)
    lg_analyze_process(r, i, sym);
  if (r->nclusters > 1)
    qsort(r->clusters, r->nclusters, sizeof *r->clusters, lg_analyze_order);
  for (size_t k = 0; k < r->nclusters; k++) {
    r->clusters[k].id = (unsigned)k + 1;
    r->ncyclic += r->clusters[k].cyclic != 0;
  }
}

void lg_analyze_free(lg_report_t *r) {
  for (size_t k = 0; k < r->nclusters; k++)
    lg_analyze_free_cluster(&r->clusters[k]);
  free(r->clusters);
  for (size_t i = 0; r->local && i < r->nprocs; i++)
    lg_supp_free(&r->local[i]);
  free(r->local);
  for (size_t i = 0; i < r->nwarnings; i++)
    free(r->warnings[i]);
  free(r->warnings);
  memset(r, 0, sizeof *r);
}

static const struct {
  const char *name;
  unsigned bit;
} lg_fail_names[] = {
    {"definite", LG_FAIL_DEFINITE}, {"indirect", LG_FAIL_INDIRECT},
    {"possible", LG_FAIL_POSSIBLE}, {"cycle", LG_FAIL_CYCLE},
    {"growth", LG_FAIL_GROWTH},     {"refcount", LG_FAIL_REFCOUNT},
    {"none", 0},
};

/* Returns the bit of the kind [b, e), or -1 when it is no kind. */
static int lg_analyze_fail_kind(const char *b, size_t n) {
  for (size_t k = 0; k < sizeof lg_fail_names / sizeof lg_fail_names[0]; k++)
    if (strlen(lg_fail_names[k].name) == n &&
        memcmp(lg_fail_names[k].name, b, n) == 0)
      return (int)lg_fail_names[k].bit;
  return -1;
}

int lg_analyze_parse_fail_on(const char *s, unsigned *mask, char *err,
                             size_t errlen) {
  unsigned m = 0;
  const char *b = s;
  for (;;) {
    const char *e = strchr(b, ',');
    size_t n = e ? (size_t)(e - b) : strlen(b);
    int bit = lg_analyze_fail_kind(b, n);
    if (bit < 0) {
      snprintf(err, errlen,
               "bad --fail-on kind '%.*s' (accepted: definite, indirect, "
               "possible, cycle, growth, refcount, none)",
               (int)(n > 40 ? 40 : n), b);
      return -1;
    }
    m |= (unsigned)bit;
    if (!e)
      break;
    b = e + 1;
  }
  *mask = m;
  return 0;
}

/* Says whether an amount is a leak: any byte, or any (zero-sized) block. */
static int lg_analyze_some(const lg_amount_t *a) {
  return a->bytes > 0 || a->blocks > 0;
}

unsigned lg_analyze_failing(const lg_report_t *r, unsigned mask) {
  unsigned f = 0;
  if (lg_analyze_some(&r->summary[LG_RCAT_DEFINITE]))
    f |= LG_FAIL_DEFINITE;
  if (lg_analyze_some(&r->summary[LG_RCAT_INDIRECT]))
    f |= LG_FAIL_INDIRECT;
  if (lg_analyze_some(&r->summary[LG_RCAT_POSSIBLE]))
    f |= LG_FAIL_POSSIBLE;
  if (r->ncyclic > 0)
    f |= LG_FAIL_CYCLE;
  return f & mask;
}
