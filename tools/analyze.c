/* tools/analyze.c — builds the report (see analyze.h): per process, the
 * clusters it reports (its exit scan's, or for a killed process what its
 * last scan found lost and the lost clusters of earlier scans), each allocation site checked against the suppressions
 * (the command line's and the process's own), suppressed sites moved out
 * of their category into `suppressed`, clusters left with no site dropped;
 * then every process's clusters in one list, largest first, numbered from
 * 1. Then growth: every process's site timelines (growth.c), the sites to
 * show symbolized and checked against the suppressions, their retention
 * chains' roots named. Last, the grouping by folded allocation site
 * (records.c). */
#include "analyze.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "rcreport.h"
#include "records.h"
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

/* A cluster's identity across scans: its entry address (the first listed
 * block), or, for a cluster that lists no block, its cluster id. The same
 * key, by_id 0, also names any listed block's address. */
typedef struct lg_ukey {
  uint64_t by_id, value;
} lg_ukey_t;

typedef struct lg_uent {
  lg_ukey_t key;
  size_t slot; /* in the result array */
  UT_hash_handle hh;
} lg_uent_t;

/* Returns the identity of cluster `cl` across scans. */
static lg_ukey_t lg_analyze_ukey(const lg_cluster_t *cl) {
  lg_ukey_t k = {cl->nlisted == 0,
                 cl->nlisted ? cl->listed[0].address : cl->id};
  return k;
}

/* Returns the entry of `key` in `set`, or NULL. */
static lg_uent_t *lg_analyze_find(lg_uent_t *set, lg_ukey_t key) {
  lg_uent_t *e;
  HASH_FIND(hh, set, &key, sizeof key, e);
  return e;
}

/* Adds `key` with `slot` to `*set` unless it is there; returns its entry. */
static lg_uent_t *lg_analyze_put(lg_uent_t **set, lg_ukey_t key, size_t slot) {
  lg_uent_t *e = lg_analyze_find(*set, key);
  if (e)
    return e;
  e = lg_util_xcalloc(1, sizeof *e);
  e->key = key, e->slot = slot;
  HASH_ADD(hh, *set, key, sizeof e->key, e);
  return e;
}

/* Releases every entry of `*set` and empties it. */
static void lg_analyze_drop(lg_uent_t **set) {
  lg_uent_t *e, *tmp;
  HASH_ITER(hh, *set, e, tmp) {
    HASH_DEL(*set, e);
    free(e);
  }
}

/* Adds cluster `cl` to out[0..*n), or replaces the earlier version of it
 * (same identity) that `*seen` knows. */
static void lg_analyze_latest(lg_uent_t **seen, const lg_cluster_t **out,
                              size_t *n, const lg_cluster_t *cl) {
  lg_uent_t *e = lg_analyze_put(seen, lg_analyze_ukey(cl), *n);
  if (e->slot == *n)
    (*n)++;
  out[e->slot] = cl;
}

/* The version-1 rule for a process without an exit scan: the union of the
 * clusters that all its complete scans logged, the latest version of each
 * (version-1 logs have no LIVE record to tell what was still lost). */
static void lg_analyze_union(const lg_process_t *p, const lg_cluster_t **out,
                             size_t *n) {
  lg_uent_t *seen = NULL;
  for (size_t i = 0; i < p->nscans; i++)
    for (size_t k = 0; p->scans[i].ended && k < p->scans[i].nclusters; k++)
      lg_analyze_latest(&seen, out, n, &p->scans[i].clusters[k]);
  lg_analyze_drop(&seen);
}

/* Indexes the CLUSTER records of the complete scans of `p` before scan
 * index `end` by cluster id (the latest record of an id wins), as entries
 * of `*set` whose slot is an index into `*all`, the records themselves. */
static void lg_analyze_index_ids(const lg_process_t *p, size_t end,
                                 lg_uent_t **set, const lg_cluster_t ***all) {
  size_t n = 0;
  for (size_t i = 0; i < end; i++)
    n += p->scans[i].ended ? p->scans[i].nclusters : 0;
  *all = lg_util_xcalloc(n, sizeof **all);
  n = 0;
  for (size_t i = 0; i < end; i++)
    for (size_t k = 0; p->scans[i].ended && k < p->scans[i].nclusters; k++) {
      (*all)[n] = &p->scans[i].clusters[k];
      lg_analyze_put(set, (lg_ukey_t){2, p->scans[i].clusters[k].id}, n)
          ->slot = n;
      n++;
    }
}

/* Adds to out[] what scan index `last` found lost: the clusters it logged
 * and those its LIVE records name; `*held` gets their identities and the
 * addresses of all their listed blocks. */
static void lg_analyze_last(const lg_process_t *p, size_t last,
                            const lg_cluster_t **out, size_t *n,
                            lg_uent_t **held) {
  const lg_scan_t *s = &p->scans[last];
  size_t nall = s->nclusters + s->nlive;
  lg_uent_t *ids = NULL;
  const lg_cluster_t **records = NULL;
  if (s->nlive)
    lg_analyze_index_ids(p, last, &ids, &records);
  for (size_t k = 0; k < nall; k++) {
    lg_uent_t *e = k < s->nclusters
                       ? NULL
                       : lg_analyze_find(ids, (lg_ukey_t){2, s->live[k - s->nclusters]});
    const lg_cluster_t *cl = k < s->nclusters ? &s->clusters[k]
                             : e              ? records[e->slot]
                                              : NULL;
    if (!cl || lg_analyze_find(*held, lg_analyze_ukey(cl)))
      continue;
    lg_analyze_put(held, lg_analyze_ukey(cl), *n);
    for (uint32_t b = 0; b < cl->nlisted; b++)
      lg_analyze_put(held, (lg_ukey_t){0, cl->listed[b].address}, *n);
    out[(*n)++] = cl;
  }
  lg_analyze_drop(&ids);
  free(records);
}

/* Says whether cluster `cl` shares its identity or a listed block with
 * the clusters of `held`. */
static int lg_analyze_overlaps(lg_uent_t *held, const lg_cluster_t *cl) {
  if (lg_analyze_find(held, lg_analyze_ukey(cl)))
    return 1;
  for (uint32_t b = 0; b < cl->nlisted; b++)
    if (lg_analyze_find(held, (lg_ukey_t){0, cl->listed[b].address}))
      return 1;
  return 0;
}

/* The rule for a killed process (LOGFORMAT.md, "Periodic scans"): what its
 * last complete scan still found lost, plus, of the clusters earlier scans
 * logged, the latest version of each that is lost (not possibly lost) and
 * shares no block with what the last scan holds: an unreachable block
 * never becomes reachable again, while a possibly lost cluster that the
 * last scan no longer lists became reachable. */
static void lg_analyze_killed(const lg_process_t *p, const lg_cluster_t **out,
                              size_t *n) {
  size_t last = p->nscans;
  while (last > 0 && !p->scans[last - 1].ended)
    last--;
  if (last-- == 0)
    return;
  lg_uent_t *held = NULL, *seen = NULL;
  lg_analyze_last(p, last, out, n, &held);
  size_t first_earlier = *n, m = *n;
  for (size_t i = 0; i < last; i++)
    for (size_t k = 0; p->scans[i].ended && k < p->scans[i].nclusters; k++)
      lg_analyze_latest(&seen, out, &m, &p->scans[i].clusters[k]);
  for (size_t k = first_earlier; k < m; k++)
    if (!(out[k]->flags & LG_CLUSTER_POSSIBLE) &&
        !lg_analyze_overlaps(held, out[k]))
      out[(*n)++] = out[k];
  lg_analyze_drop(&held);
  lg_analyze_drop(&seen);
}

const lg_cluster_t **lg_analyze_clusters(const lg_process_t *p, size_t *n) {
  const lg_scan_t *exit_scan = NULL;
  size_t total = 0;
  for (size_t i = 0; i < p->nscans; i++) {
    if (!p->scans[i].ended)
      continue;
    total += p->scans[i].nclusters + p->scans[i].nlive;
    if (p->scans[i].kind == LG_SCAN_EXIT)
      exit_scan = &p->scans[i];
  }
  const lg_cluster_t **out = lg_util_xcalloc(total, sizeof *out);
  *n = 0;
  if (exit_scan) { /* an exit scan logs every lost cluster: it alone */
    for (size_t k = 0; k < exit_scan->nclusters; k++)
      out[(*n)++] = &exit_scan->clusters[k];
  } else if (p->version < 2) {
    lg_analyze_union(p, out, n);
  } else {
    lg_analyze_killed(p, out, n);
  }
  return out;
}

void lg_analyze_stack(lg_sym_t *sym, const lg_process_t *p, uint32_t id,
                      lg_rstack_t *out) {
  const lg_stack_t *s = lg_reader_stack(p, id);
  size_t nraw = s ? s->nframes : 0, cap = nraw;
  out->n = 0;
  out->frames = lg_util_xcalloc(cap, sizeof *out->frames);
  for (size_t i = 0; i < nraw; i++) {
    lg_symframe_t buf[LG_SYM_MAX_INLINED];
    size_t k = lg_sym_frames(sym, p, &s->frames[i], buf, LG_SYM_MAX_INLINED);
    if (out->n + k > cap) {
      cap = (out->n + k) * 2;
      out->frames = lg_util_xrealloc(out->frames, cap, sizeof *out->frames);
    }
    memcpy(out->frames + out->n, buf, k * sizeof *buf);
    out->n += k;
  }
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

/* Loads the suppressions that process `i` recorded in its log: the text of
 * a file (source 3) and inline text (source 2). A path alone (source 1, an
 * older shim) is never opened — a log must not make the report read files —
 * and the report says so. */
static void lg_analyze_local_supps(lg_report_t *r, size_t i) {
  const lg_process_t *p = r->procs[i];
  char err[512];
  for (size_t k = 0; k < p->nsupps; k++) {
    const lg_supp_rec_t *s = &p->supps[k];
    int rc = 0;
    if (s->source == LG_SUPP_FILE)
      lg_analyze_warn(r,
                      "%s names the suppressions file %s, which "
                      "leakgraph-report does not open (a log may name any "
                      "file); pass it with --suppressions",
                      p->log_path, s->text);
    else if (s->source == LG_SUPP_FILE_TEXT)
      rc = lg_supp_parse(&r->local[i], s->text, s->origin, err, sizeof err);
    else if (s->source == LG_SUPP_INLINE)
      rc = lg_supp_parse(&r->local[i], s->text, "(inline suppressions)", err,
                         sizeof err);
    if (rc < 0)
      lg_analyze_warn(r, "%s (in %s)", err, p->log_path);
  }
}

/* A (process, log stack) the report has symbolized: its ref in the table
 * of stacks, and the suppression matching it, found once. */
typedef struct lg_rstackref {
  struct {
    size_t proc;
    uint32_t id;
  } key;
  unsigned ref;
  int supp_done;
  lg_supp_t *supp;
  UT_hash_handle hh;
} lg_rstackref_t;

/* Returns the entry of stack `id` of process `i`, symbolizing the stack
 * into the report's table the first time. */
static lg_rstackref_t *lg_analyze_ref(lg_report_t *r, size_t i, lg_sym_t *sym,
                                      uint32_t id) {
  lg_rstackref_t probe, *e;
  memset(&probe, 0, sizeof probe);
  probe.key.proc = i, probe.key.id = id;
  HASH_FIND(hh, r->stack_index, &probe.key, sizeof probe.key, e);
  if (e)
    return e;
  e = lg_util_xcalloc(1, sizeof *e);
  e->key = probe.key;
  r->stacks = lg_util_grow(r->stacks, r->nstacks, &r->stacks_cap,
                           sizeof *r->stacks);
  lg_rstack_t *st = &r->stacks[r->nstacks];
  lg_analyze_stack(sym, r->procs[i], id, st);
  st->key = lg_site_key(st->frames, st->n);
  st->ref = e->ref = (unsigned)++r->nstacks;
  HASH_ADD(hh, r->stack_index, key, sizeof e->key, e);
  return e;
}

/* Returns stack `id` of process `i` from the report's table (shared: the
 * caller must not free its frames). */
static lg_rstack_t lg_analyze_shared(lg_report_t *r, size_t i, lg_sym_t *sym,
                                     uint32_t id) {
  unsigned ref = lg_analyze_ref(r, i, sym, id)->ref; /* may move the table */
  return r->stacks[ref - 1];
}

/* Returns the suppression matching stack `id` of process `i`, or NULL. */
static lg_supp_t *lg_analyze_supp(lg_report_t *r, size_t i, lg_sym_t *sym,
                                  uint32_t id) {
  lg_rstackref_t *e = lg_analyze_ref(r, i, sym, id);
  if (!e->supp_done) {
    const lg_rstack_t *st = &r->stacks[e->ref - 1];
    if (r->global)
      e->supp = lg_supp_match_stack(r->global, st->frames, st->n);
    if (!e->supp)
      e->supp = lg_supp_match_stack(&r->local[i], st->frames, st->n);
    e->supp_done = 1;
  }
  return e->supp;
}

/* Moves an amount of category `cat` (1..3) into `suppressed`. */
static void lg_analyze_move(lg_report_t *r, uint32_t cat, uint64_t blocks,
                            uint64_t bytes) {
  lg_amount_t *a = &r->summary[cat - 1];
  a->blocks -= blocks < a->blocks ? blocks : a->blocks;
  a->bytes -= bytes < a->bytes ? bytes : a->bytes;
  lg_util_sat_add(&r->summary[LG_RCAT_SUPPRESSED].blocks, blocks);
  lg_util_sat_add(&r->summary[LG_RCAT_SUPPRESSED].bytes, bytes);
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
    lg_supp_t *sp = lg_analyze_supp(r, i, sym, s->stack_id);
    if (sp) {
      lg_analyze_move(r, s->cat, s->blocks, s->bytes);
      sp->hits++;
      lg_util_sat_add(&sp->blocks, s->blocks);
      lg_util_sat_add(&sp->bytes, s->bytes);
      continue;
    }
    lg_rsite_t *rs = &rc->sites[rc->nsites++];
    rs->cat = s->cat, rs->blocks = s->blocks, rs->bytes = s->bytes;
    rs->stack_id = s->stack_id;
    rs->stack = lg_analyze_shared(r, i, sym, s->stack_id);
    lg_amount_t *a = lg_analyze_amount(rc, s->cat);
    lg_util_sat_add(&a->blocks, s->blocks);
    lg_util_sat_add(&a->bytes, s->bytes);
    lg_util_sat_add(&rc->blocks, s->blocks);
    lg_util_sat_add(&rc->bytes, s->bytes);
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
      if (!any && lg_analyze_supp(r, i, sym, b->stack_id))
        continue;
      e->stack = lg_analyze_shared(r, i, sym, b->stack_id);
      e->size = b->size, e->address = b->address;
      rc->nentries++;
    }
}

/* Releases a cluster's arrays (its stacks belong to the report's table). */
static void lg_analyze_free_cluster(lg_rcluster_t *c) {
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

/* Adds amount `a` to report category `c` (saturating). */
static void lg_analyze_add(lg_amount_t *sum, uint64_t bytes, uint64_t blocks) {
  lg_util_sat_add(&sum->bytes, bytes);
  lg_util_sat_add(&sum->blocks, blocks);
}

/* Sums the lost sites of the `n` clusters `cls` by category (index cat-1,
 * categories 1..3), saturating. */
static void lg_analyze_cluster_sums(const lg_cluster_t **cls, size_t n,
                                    lg_amount_t sums[LG_NCATS]) {
  memset(sums, 0, sizeof(lg_amount_t) * LG_NCATS);
  for (size_t k = 0; k < n; k++)
    for (uint32_t j = 0; j < cls[k]->nsites; j++) {
      const lg_site_t *st = &cls[k]->sites[j];
      if (st->cat >= LG_CAT_DEFINITE && st->cat <= LG_CAT_POSSIBLE)
        lg_analyze_add(&sums[st->cat - 1], st->bytes, st->blocks);
    }
}

/* Checks an exit scan's lost totals against its clusters, which hold every
 * lost block: totals that disagree (a log made to cancel another's leaks,
 * or damaged) mark the log corrupted, and the clusters' sums stand. */
static void lg_analyze_check_totals(lg_report_t *r, size_t i,
                                    const lg_scan_t *s,
                                    const lg_amount_t sums[LG_NCATS]) {
  for (int c = 0; c < LG_CAT_REACHABLE - 1; c++)
    if (s->totals[c].bytes != sums[c].bytes ||
        s->totals[c].blocks != sums[c].blocks) {
      r->corrupted_totals[i] = 1;
      lg_analyze_warn(r,
                      "%s is corrupted: its exit scan's totals (%s: %" PRIu64
                      " bytes in %" PRIu64 " blocks) are not what its "
                      "clusters hold (%" PRIu64 " bytes in %" PRIu64
                      " blocks); the clusters are reported",
                      r->procs[i]->log_path, lg_analyze_cat_name(c),
                      s->totals[c].bytes, s->totals[c].blocks, sums[c].bytes,
                      sums[c].blocks);
      return;
    }
}

/* Adds process `i`: its totals and its clusters. Its lost categories are
 * the sums of the clusters it reports (sites' amounts, saturating): for an
 * exit scan the same as its totals, which are checked against them; for a
 * process reported from its periodic scans (it was killed) they agree with
 * the clusters where its last scan's totals would not (they also count
 * young losses that min_age kept out of the log, and earlier scans' lost
 * clusters count too). still_reachable comes from its last scan, with the
 * heuristics' counts. */
static void lg_analyze_process(lg_report_t *r, size_t i, lg_sym_t *sym) {
  lg_analyze_local_supps(r, i);
  const lg_scan_t *s = lg_analyze_scan(r->procs[i]);
  if (!s)
    return;
  size_t n;
  const lg_cluster_t **cls = lg_analyze_clusters(r->procs[i], &n);
  lg_amount_t sums[LG_NCATS];
  lg_analyze_cluster_sums(cls, n, sums);
  if (s->kind == LG_SCAN_EXIT)
    lg_analyze_check_totals(r, i, s, sums);
  for (int c = 0; c < LG_CAT_REACHABLE - 1; c++)
    lg_analyze_add(&r->summary[c], sums[c].bytes, sums[c].blocks);
  const lg_amount_t *reach = &s->totals[LG_CAT_REACHABLE - 1];
  lg_analyze_add(&r->summary[LG_RCAT_REACHABLE], reach->bytes, reach->blocks);
  for (int h = 0; h < LG_NHEURS; h++) /* part of still_reachable */
    lg_analyze_add(&r->heuristics[h], s->heuristics[h].bytes,
                   s->heuristics[h].blocks);
  for (size_t k = 0; k < n; k++)
    lg_analyze_cluster(r, i, sym, cls[k]);
  free(cls);
}

/* Warns about a log that another user owns: anyone can plant a file where
 * logs are looked for (a shared directory, /tmp). */
static void lg_analyze_owner(lg_report_t *r, size_t i) {
  const lg_process_t *p = r->procs[i];
  if (p->has_owner && p->owner_uid != (uint32_t)geteuid())
    lg_analyze_warn(r,
                    "%s is owned by uid %u, not by you (uid %u): if you did "
                    "not expect that, someone else may have put it there",
                    p->log_path, p->owner_uid, (unsigned)geteuid());
}

/* --------------------------------------------------------------- growth */

const char *lg_analyze_root_kind_name(uint32_t kind) {
  static const char *const names[] = {"unknown",   "global", "stack",
                                      "registers", "tls",    "root_region",
                                      "ignored",   "mapping"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
}

/* Describes a chain's root in words, e.g. "global 'cache_list' in
 * /usr/bin/foo" or "stack of thread 1234". Returns a new string. */
static char *lg_analyze_root_words(const lg_chain_t *ch,
                                   const lg_symdata_t *d) {
  lg_sb_t sb = {0};
  uint64_t a = ch->root_address;
  switch (ch->root_kind) {
  case LG_ROOT_DATA:
    if (d->symbol)
      lg_sb_printf(&sb, "global '%s'", d->symbol);
    else
      lg_sb_printf(&sb, "global at 0x%" PRIx64, a);
    if (d->symbol && d->offset)
      lg_sb_printf(&sb, " (at offset %" PRIu64 ")", d->offset);
    if (d->module)
      lg_sb_printf(&sb, " in %s", d->module);
    break;
  case LG_ROOT_STACK:
    lg_sb_printf(&sb, "stack of thread %u", ch->root_tid);
    break;
  case LG_ROOT_REGS:
    lg_sb_printf(&sb, "registers of thread %u", ch->root_tid);
    break;
  case LG_ROOT_TLS:
    lg_sb_printf(&sb, "TLS of thread %u", ch->root_tid);
    break;
  case LG_ROOT_REGION:
    lg_sb_printf(&sb, "registered root region at 0x%" PRIx64, a);
    break;
  case LG_ROOT_IGNORED:
    lg_sb_printf(&sb, "ignored object at 0x%" PRIx64, a);
    break;
  case LG_ROOT_MAPPING:
    lg_sb_printf(&sb, "memory the program mapped, at 0x%" PRIx64, a);
    break;
  default:
    lg_sb_printf(&sb, "root of unknown kind %u at 0x%" PRIx64, ch->root_kind,
                 a);
  }
  return sb.s;
}

/* Makes the printable form of chain `ch` of process `i`. */
static lg_rchain_t *lg_analyze_chain(lg_report_t *r, size_t i, lg_sym_t *sym,
                                     const lg_chain_t *ch) {
  const lg_process_t *p = r->procs[i];
  lg_rchain_t *rc = lg_util_xcalloc(1, sizeof *rc);
  rc->src = ch;
  if (ch->root_kind == LG_ROOT_DATA)
    lg_sym_data(sym, p, ch->root_module, ch->root_address, &rc->root);
  rc->description = lg_analyze_root_words(ch, &rc->root);
  rc->nhops = ch->nhops;
  rc->hops = lg_util_xcalloc(ch->nhops, sizeof *rc->hops);
  for (size_t h = 0; h < ch->nhops; h++) {
    rc->hops[h].address = ch->hops[h].address;
    rc->hops[h].size = ch->hops[h].size;
    rc->hops[h].stack = lg_analyze_shared(r, i, sym, ch->hops[h].stack_id);
  }
  return rc;
}

/* Releases a chain made by lg_analyze_chain; NULL is fine. */
static void lg_analyze_free_chain(lg_rchain_t *rc) {
  if (!rc)
    return;
  free(rc->hops);
  free(rc->description);
  free(rc);
}

/* Adds the sites of process `i` that the report shows: the growing ones,
 * or all with LG_ANALYZE_GROWTH_ALL. */
static void lg_analyze_growth(lg_report_t *r, size_t i, lg_sym_t *sym) {
  const lg_gproc_t *gp = &r->gprocs[i];
  r->any_sites |= gp->nscans > 0;
  for (size_t k = 0; k < gp->nsites; k++) {
    const lg_gsite_t *s = &gp->sites[k];
    int growing = s->judged.verdict == LG_VERDICT_GROWING;
    if (!growing && !r->growth_all)
      continue;
    lg_rgrowth_t g = {.gp = gp, .site = s};
    g.stack = lg_analyze_shared(r, i, sym, s->stack_id);
    g.suppressed = lg_analyze_supp(r, i, sym, s->stack_id) != NULL;
    if (s->chain)
      g.chain = lg_analyze_chain(r, i, sym, s->chain);
    r->ngrowing += growing && !g.suppressed;
    r->growth = lg_util_grow(r->growth, r->ngrowth, &r->growth_cap,
                             sizeof *r->growth);
    r->growth[r->ngrowth++] = g;
  }
}

/* The rise of a site's window, as a signed number (saturated). */
static int64_t lg_analyze_rise(const lg_gsite_t *s) {
  uint64_t f = s->judged.first, l = s->judged.last;
  if (l >= f)
    return l - f > INT64_MAX ? INT64_MAX : (int64_t)(l - f);
  return f - l > INT64_MAX ? INT64_MIN : -(int64_t)(f - l);
}

/* Growth order: growing first, then the largest rise, pid, stack id. */
static int lg_analyze_growth_order(const void *a, const void *b) {
  const lg_rgrowth_t *x = a, *y = b;
  if (x->site->judged.verdict != y->site->judged.verdict)
    return x->site->judged.verdict > y->site->judged.verdict ? -1 : 1;
  int64_t rx = lg_analyze_rise(x->site), ry = lg_analyze_rise(y->site);
  if (rx != ry)
    return rx > ry ? -1 : 1;
  if (x->gp->proc->pid != y->gp->proc->pid)
    return x->gp->proc->pid < y->gp->proc->pid ? -1 : 1;
  return x->site->stack_id < y->site->stack_id   ? -1
         : x->site->stack_id > y->site->stack_id ? 1
                                                 : 0;
}

int64_t lg_analyze_growth_rise(const lg_rgrowth_t *g) {
  return lg_analyze_rise(g->site);
}

void lg_analyze_build(lg_report_t *r, lg_process_t **procs, size_t nprocs,
                      lg_supps_t *global, lg_sym_t *sym, unsigned flags) {
  memset(r, 0, sizeof *r);
  r->procs = procs;
  r->nprocs = nprocs;
  r->global = global;
  r->growth_all = (flags & LG_ANALYZE_GROWTH_ALL) != 0;
  r->local = lg_util_xcalloc(nprocs, sizeof *r->local);
  r->gprocs = lg_util_xcalloc(nprocs, sizeof *r->gprocs);
  r->corrupted_totals = lg_util_xcalloc(nprocs, 1);
  for (size_t i = 0; i < nprocs; i++) {
    lg_analyze_owner(r, i);
    lg_analyze_process(r, i, sym);
    lg_growth_build(&r->gprocs[i], procs[i]);
    lg_analyze_growth(r, i, sym);
    lg_rcreport_build(r, i, sym);
  }
  if (r->nclusters > 1)
    qsort(r->clusters, r->nclusters, sizeof *r->clusters, lg_analyze_order);
  for (size_t k = 0; k < r->nclusters; k++) {
    r->clusters[k].id = (unsigned)k + 1;
    r->ncyclic += r->clusters[k].cyclic != 0;
    r->ncyclic_lost += r->clusters[k].cyclic && !r->clusters[k].possible;
  }
  if (r->ngrowth > 1)
    qsort(r->growth, r->ngrowth, sizeof *r->growth, lg_analyze_growth_order);
  int exhausted = global && global->exhausted;
  for (size_t i = 0; i < nprocs; i++)
    exhausted |= r->local[i].exhausted;
  if (exhausted)
    lg_analyze_warn(r, "suppression matching stopped after %llu steps (so "
                       "many suppressions times so many distinct frames); "
                       "the sites left were not checked and are reported",
                    (unsigned long long)LG_SUPP_BUDGET);
  lg_records_build(r);
}

void lg_analyze_free(lg_report_t *r) {
  lg_rcreport_free(r);
  lg_records_free(r);
  for (size_t k = 0; k < r->nclusters; k++)
    lg_analyze_free_cluster(&r->clusters[k]);
  free(r->clusters);
  for (size_t k = 0; k < r->ngrowth; k++)
    lg_analyze_free_chain(r->growth[k].chain);
  free(r->growth);
  for (size_t k = 0; k < r->nstacks; k++) {
    free(r->stacks[k].frames);
    free((char *)r->stacks[k].key);
  }
  free(r->stacks);
  lg_rstackref_t *e, *et;
  HASH_ITER(hh, r->stack_index, e, et) {
    HASH_DEL(r->stack_index, e);
    free(e);
  }
  free(r->corrupted_totals);
  free(r->base.fixed);
  for (size_t i = 0; r->gprocs && i < r->nprocs; i++)
    lg_growth_free(&r->gprocs[i]);
  free(r->gprocs);
  for (size_t i = 0; r->local && i < r->nprocs; i++)
    lg_supp_free(&r->local[i]);
  free(r->local);
  for (size_t i = 0; i < r->nwarnings; i++)
    free(r->warnings[i]);
  free(r->warnings);
  memset(r, 0, sizeof *r);
}

/* ----------------------------------------------------------------- scans */

/* Orders 64-bit numbers ascending, for qsort. */
static int lg_analyze_u64_order(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

void lg_analyze_scan_summary(const lg_report_t *r, lg_scan_summary_t *out) {
  memset(out, 0, sizeof *out);
  size_t total = 0;
  for (size_t i = 0; i < r->nprocs; i++)
    total += r->procs[i]->nscans;
  uint64_t *pause = lg_util_xcalloc(total, sizeof *pause);
  for (size_t i = 0; i < r->nprocs; i++)
    for (size_t k = 0; k < r->procs[i]->nscans; k++) {
      const lg_scan_t *s = &r->procs[i]->scans[k];
      if (!s->ended)
        continue;
      out->by_kind[s->kind <= LG_SCAN_SIGNAL ? s->kind : 0]++;
      pause[out->nscans++] = s->pause_ns;
    }
  if (out->nscans) {
    qsort(pause, out->nscans, sizeof *pause, lg_analyze_u64_order);
    size_t m = out->nscans / 2;
    out->pause_median_ns = out->nscans % 2 ? pause[m]
                                           : pause[m - 1] / 2 + pause[m] / 2 +
                                                 (pause[m - 1] % 2 &
                                                  pause[m] % 2);
    out->pause_max_ns = pause[out->nscans - 1];
  }
  free(pause);
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

/* The kinds that fail among the new sites (with a baseline). */
static unsigned lg_analyze_failing_new(const lg_report_t *r) {
  unsigned f = 0;
  for (size_t k = 0; k < r->nclusters; k++) {
    const lg_rcluster_t *c = &r->clusters[k];
    for (size_t j = 0; j < c->nsites; j++) {
      if (c->sites[j].baseline != LG_BASE_NEW)
        continue;
      f |= c->sites[j].cat == LG_CAT_DEFINITE   ? LG_FAIL_DEFINITE
           : c->sites[j].cat == LG_CAT_INDIRECT ? LG_FAIL_INDIRECT
                                                : LG_FAIL_POSSIBLE;
      if (c->cyclic && !c->possible)
        f |= LG_FAIL_CYCLE;
    }
  }
  for (size_t k = 0; k < r->ngrowth; k++) {
    const lg_rgrowth_t *g = &r->growth[k];
    if (g->baseline == LG_BASE_NEW && !g->suppressed &&
        g->site->judged.verdict == LG_VERDICT_GROWING)
      f |= LG_FAIL_GROWTH;
  }
  return f;
}

unsigned lg_analyze_failing(const lg_report_t *r, unsigned mask) {
  if (r->base.b)
    return lg_analyze_failing_new(r) & mask;
  unsigned f = 0;
  if (lg_analyze_some(&r->summary[LG_RCAT_DEFINITE]))
    f |= LG_FAIL_DEFINITE;
  if (lg_analyze_some(&r->summary[LG_RCAT_INDIRECT]))
    f |= LG_FAIL_INDIRECT;
  if (lg_analyze_some(&r->summary[LG_RCAT_POSSIBLE]))
    f |= LG_FAIL_POSSIBLE;
  if (r->ncyclic_lost > 0)
    f |= LG_FAIL_CYCLE;
  if (r->ngrowing > 0)
    f |= LG_FAIL_GROWTH;
  if (r->nrc > 0)
    f |= LG_FAIL_REFCOUNT;
  return f & mask;
}

/* ------------------------------------------------------------- baseline */

/* A site key counted once, for the new and known totals. */
typedef struct lg_kseen {
  const char *key;
  UT_hash_handle hh;
} lg_kseen_t;

/* Returns the status of `key` against the baseline, marking the baseline's
 * site seen, and counts the key once in the report's new or known total. */
static int lg_analyze_judge_key(lg_report_t *r, lg_kseen_t **seen,
                                const char *key) {
  lg_bsite_t *bs = lg_baseline_find(r->base.b, key ? key : "");
  if (bs)
    bs->seen = 1;
  lg_kseen_t *e;
  HASH_FIND_STR(*seen, key ? key : "", e);
  if (!e) {
    e = lg_util_xcalloc(1, sizeof *e);
    e->key = key ? key : "";
    HASH_ADD_KEYPTR(hh, *seen, e->key, strlen(e->key), e);
    (bs ? &r->base.nknown : &r->base.nnew)[0]++;
  }
  return bs ? LG_BASE_KNOWN : LG_BASE_NEW;
}

void lg_analyze_baseline(lg_report_t *r, const lg_baseline_t *b) {
  r->base.b = b;
  for (size_t i = 0; i < b->nsites; i++)
    b->sites[i]->seen = 0;
  lg_kseen_t *seen = NULL, *e, *et;
  for (size_t k = 0; k < r->nclusters; k++)
    for (size_t j = 0; j < r->clusters[k].nsites; j++) {
      lg_rsite_t *s = &r->clusters[k].sites[j];
      s->baseline = lg_analyze_judge_key(r, &seen, s->stack.key);
    }
  for (size_t k = 0; k < r->ngrowth; k++) {
    lg_rgrowth_t *g = &r->growth[k];
    if (g->site->judged.verdict == LG_VERDICT_GROWING && !g->suppressed)
      g->baseline = lg_analyze_judge_key(r, &seen, g->stack.key);
  }
  HASH_ITER(hh, seen, e, et) {
    HASH_DEL(seen, e);
    free(e);
  }
  r->base.fixed = lg_util_xcalloc(b->nsites, sizeof *r->base.fixed);
  for (size_t i = 0; i < b->nsites; i++)
    if (!b->sites[i]->seen)
      r->base.fixed[r->base.nfixed++] = b->sites[i];
}

uint64_t lg_analyze_log_bytes(const lg_report_t *r) {
  uint64_t bytes = 0;
  for (size_t i = 0; i < r->nprocs; i++)
    lg_util_sat_add(&bytes, r->procs[i]->log_bytes);
  return bytes;
}
