/* tools/render_json.c — the JSON report: exactly the keys of SPEC.md
 * section 5 (a stack, wherever one is shown, is its list of frames, as the
 * SPEC says, and "stack_id" beside it names its entry in the top-level
 * "stacks" table: {"id", "key" (the site key, sites.h), "frames"}). The
 * output stays bounded by the log however often a hostile log makes the
 * report repeat a stack: the frames written inline are counted against a
 * budget of STACK_BUDGET_MIN frames plus STACK_FRAMES_PER_KB per KiB of
 * the logs read (about 64 bytes of JSON per byte of log); past it a
 * "stack" is [] — its "stack_id" still names the frames in the table — and
 * the top-level "stacks_inlined" is false (true for real logs, whose JSON
 * is a few times their size). Also per process "ppid", "end", "truncated", "notes" and
 * "scan_stats" (its last complete scan), and per cluster "pid", "kind",
 * "definite", "indirect", "possible", "entries", "listed_blocks" (the
 * blocks its log record lists) and "pointers" (between them), and per site
 * "category" and "refcounted" (render_refcount.c, which also writes
 * "refcount"), and in the summary "growing_sites", "refcount" and, in
 * "still_reachable", "heuristics": {NAME: {"bytes", "blocks"}} for each
 * heuristic that reached blocks (valgrind's names). Frames are
 * {"function", "file", "line", "module", "address", "inlined"}, null where
 * unknown; functions are demangled; an inlined frame (a function inlined
 * into the frame after it) shares that frame's address.
 *
 * "scans" lists every complete scan of every process, in log order:
 *   {"pid", "scan", "kind", "time" (seconds since the process started),
 *    "pause_ms" (the program held up, from the scan's lock phase on),
 *    "scan_ms", "blocks" (live blocks), "lost_bytes" (definitely and
 *    indirectly lost), "possibly_lost_bytes", "reachable_bytes",
 *    "clusters_logged", "clusters_live" (named by its LIVE records),
 *    "threads", "scanned_bytes", "conservative"}.
 *
 * "growth" lists the growing, unsuppressed sites (every site with a SITES
 * history under --growth), each
 *   {"pid", "site": {"stack"}, "stack_id", "verdict", "suppressed",
 *    "window", "old_bytes_first", "old_bytes_last", "rise_bytes",
 *    "timeline": [{"scan", "time_ns", "blocks": [g0, g1, g2],
 *                  "bytes": [g0, g1, g2]}],
 *    "chain": null | {"scan", "root": {"kind", "tid", "address", "symbol",
 *                     "module", "description"},
 *                     "hops": [{"address", "size", "stack"}]}}. */
#include "json.h"
#include "render.h"
#include "render_refcount.h"
#include "util.h"

static const char *lg_json_kind_name(uint32_t kind) {
  return lg_render_scan_kind(kind);
}

static void lg_json_amount(lg_json_t *j, const char *key,
                           const lg_amount_t *a) {
  lg_json_key(j, key);
  lg_json_obj(j);
  lg_json_key(j, "bytes");
  lg_json_u64(j, a->bytes);
  lg_json_key(j, "blocks");
  lg_json_u64(j, a->blocks);
  lg_json_obj_end(j);
}

static void lg_json_frame(lg_json_t *j, const lg_symframe_t *fr) {
  lg_json_obj(j);
  lg_json_location(j, fr->function, fr->file, fr->line, fr->module, fr->address);
  lg_json_key(j, "inlined");
  lg_json_bool(j, fr->inlined);
  lg_json_obj_end(j);
}

#define STACK_BUDGET_MIN 8192u  /* frames any report may write inline */
#define STACK_FRAMES_PER_KB 512u /* ... and this many per KiB of log */

/* Frames that may still be written inline, set by lg_render_json. */
static uint64_t lg_json_budget;
static int lg_json_over_budget;

/* Writes "stack": the stack's frames (SPEC section 5) while the budget
 * lasts, else [], and "stack_id": its number in the "stacks" table (null
 * for a stack that is not in it). */
static void lg_json_stack(lg_json_t *j, const lg_rstack_t *s) {
  lg_json_key(j, "stack");
  lg_json_arr(j);
  if (s->n <= lg_json_budget) {
    lg_json_budget -= s->n;
    for (size_t i = 0; i < s->n; i++)
      lg_json_frame(j, &s->frames[i]);
  } else {
    lg_json_over_budget = 1;
  }
  lg_json_arr_end(j);
  lg_json_key(j, "stack_id");
  if (s->ref)
    lg_json_u64(j, s->ref);
  else
    lg_json_null(j);
}

/* Sets the inline budget of a report from the size of its logs. */
static void lg_json_budget_init(const lg_report_t *r) {
  uint64_t bytes = lg_analyze_log_bytes(r);
  lg_json_budget = STACK_BUDGET_MIN + bytes / 1024 * STACK_FRAMES_PER_KB;
  lg_json_over_budget = 0;
}

/* Writes "stacks": every stack the report uses, once. */
static void lg_json_stacks(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "stacks");
  lg_json_arr(j);
  for (size_t k = 0; k < r->nstacks; k++) {
    const lg_rstack_t *s = &r->stacks[k];
    lg_json_obj(j);
    lg_json_key(j, "id");
    lg_json_u64(j, s->ref);
    lg_json_key(j, "key");
    lg_json_str(j, s->key);
    lg_json_key(j, "frames");
    lg_json_arr(j);
    for (size_t i = 0; i < s->n; i++)
      lg_json_frame(j, &s->frames[i]);
    lg_json_arr_end(j);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
}

/* Writes "baseline": how a site compares with --baseline, when given. */
static void lg_json_base_status(lg_json_t *j, int status) {
  if (status == LG_BASE_NONE)
    return;
  lg_json_key(j, "baseline");
  lg_json_str(j, status == LG_BASE_NEW ? "new" : "known");
}

/* Writes the top-level "baseline" object, or null without --baseline:
 * its file, the new and known site counts, and the fixed sites. */
static void lg_json_baseline(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "baseline");
  if (!r->base.b) {
    lg_json_null(j);
    return;
  }
  lg_json_obj(j);
  lg_json_key(j, "file");
  lg_json_str(j, r->base.b->path);
  lg_json_key(j, "new");
  lg_json_u64(j, r->base.nnew);
  lg_json_key(j, "known");
  lg_json_u64(j, r->base.nknown);
  lg_json_key(j, "fixed");
  lg_json_arr(j);
  for (size_t i = 0; i < r->base.nfixed; i++) {
    lg_json_obj(j);
    lg_json_key(j, "key");
    lg_json_str(j, r->base.fixed[i]->key);
    lg_json_key(j, "category");
    lg_json_str(j, r->base.fixed[i]->category);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
  lg_json_obj_end(j);
}

static void lg_json_scan_stats(lg_json_t *j, const lg_process_t *p) {
  const lg_scan_t *s = lg_analyze_scan(p);
  lg_json_key(j, "scan_stats");
  if (!s) {
    lg_json_null(j);
    return;
  }
  lg_json_obj(j);
  lg_json_key(j, "scan");
  lg_json_u64(j, s->scan);
  lg_json_key(j, "kind");
  lg_json_str(j, lg_json_kind_name(s->kind));
  lg_json_key(j, "pause_ns");
  lg_json_u64(j, s->pause_ns);
  lg_json_key(j, "scan_ns");
  lg_json_u64(j, s->scan_ns);
  lg_json_key(j, "scanned_bytes");
  lg_json_u64(j, s->scanned_bytes);
  lg_json_key(j, "threads");
  lg_json_u64(j, s->threads);
  lg_json_obj_end(j);
}

static void lg_json_process(lg_json_t *j, const lg_process_t *p) {
  lg_json_obj(j);
  lg_json_key(j, "pid");
  lg_json_u64(j, p->pid);
  lg_json_key(j, "ppid");
  lg_json_u64(j, p->ppid);
  lg_json_key(j, "exe");
  lg_json_str(j, p->exe);
  lg_json_key(j, "argv");
  lg_json_arr(j);
  for (uint32_t i = 0; i < p->argc; i++)
    lg_json_str(j, p->argv[i]);
  lg_json_arr_end(j);
  lg_json_key(j, "log");
  lg_json_str(j, p->log_path);
  lg_json_key(j, "complete");
  lg_json_bool(j, p->complete);
  lg_json_key(j, "scans");
  lg_json_u64(j, lg_reader_complete_scans(p));
  lg_json_key(j, "end");
  lg_json_str(j, lg_render_end_name(p));
  lg_json_key(j, "truncated");
  lg_json_bool(j, p->truncated);
  lg_json_key(j, "notes");
  lg_json_arr(j);
  for (size_t i = 0; i < p->nnotes; i++)
    lg_json_str(j, p->notes[i].text);
  lg_json_arr_end(j);
  lg_json_scan_stats(j, p);
  lg_json_key(j, "owner_uid");
  if (p->has_owner)
    lg_json_u64(j, p->owner_uid);
  else
    lg_json_null(j);
  lg_json_obj_end(j);
}

/* still_reachable: its amount, and the heuristics that reached blocks. */
static void lg_json_reachable(lg_json_t *j, const lg_report_t *r) {
  const lg_amount_t *a = &r->summary[LG_RCAT_REACHABLE];
  lg_json_key(j, lg_analyze_cat_name(LG_RCAT_REACHABLE));
  lg_json_obj(j);
  lg_json_key(j, "bytes");
  lg_json_u64(j, a->bytes);
  lg_json_key(j, "blocks");
  lg_json_u64(j, a->blocks);
  lg_json_key(j, "heuristics");
  lg_json_obj(j);
  for (uint32_t h = 1; h <= LG_NHEURS; h++)
    if (r->heuristics[h - 1].blocks || r->heuristics[h - 1].bytes)
      lg_json_amount(j, lg_heuristic_name(h), &r->heuristics[h - 1]);
  lg_json_obj_end(j);
  lg_json_obj_end(j);
}

static void lg_json_summary(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "summary");
  lg_json_obj(j);
  for (int c = 0; c < LG_RCAT_N; c++) {
    if (c == LG_RCAT_REACHABLE)
      lg_json_reachable(j, r);
    else
      lg_json_amount(j, lg_analyze_cat_name(c), &r->summary[c]);
  }
  lg_json_key(j, "clusters");
  lg_json_u64(j, r->nclusters);
  lg_json_key(j, "cyclic_clusters");
  lg_json_u64(j, r->ncyclic);
  lg_json_key(j, "growing_sites");
  lg_json_u64(j, r->ngrowing);
  lg_render_json_refcount_summary(j, r);
  lg_json_obj_end(j);
}

static void lg_json_entry(lg_json_t *j, const lg_rentry_t *e) {
  lg_json_obj(j);
  lg_json_key(j, "size");
  lg_json_u64(j, e->size);
  lg_json_key(j, "address");
  lg_json_hex(j, e->address);
  lg_json_stack(j, &e->stack);
  lg_json_obj_end(j);
}

static void lg_json_site(lg_json_t *j, const lg_rsite_t *s) {
  lg_json_obj(j);
  lg_json_key(j, "blocks");
  lg_json_u64(j, s->blocks);
  lg_json_key(j, "bytes");
  lg_json_u64(j, s->bytes);
  lg_json_key(j, "category");
  lg_json_str(j, lg_analyze_cat_name((int)s->cat - 1));
  lg_json_stack(j, &s->stack);
  lg_json_base_status(j, s->baseline);
  lg_json_obj_end(j);
}

static void lg_json_entries(lg_json_t *j, const lg_rcluster_t *c) {
  lg_json_key(j, "entry");
  if (c->nentries) {
    lg_json_obj(j);
    lg_json_key(j, "size");
    lg_json_u64(j, c->entries[0].size);
    lg_json_stack(j, &c->entries[0].stack);
    lg_json_obj_end(j);
  } else {
    lg_json_null(j);
  }
  lg_json_key(j, "entries");
  lg_json_arr(j);
  for (size_t i = 0; i < c->nentries; i++)
    lg_json_entry(j, &c->entries[i]);
  lg_json_arr_end(j);
}

static void lg_json_cluster(lg_json_t *j, const lg_rcluster_t *c) {
  lg_json_obj(j);
  lg_json_key(j, "id");
  lg_json_u64(j, c->id);
  lg_json_key(j, "pid");
  lg_json_u64(j, c->proc->pid);
  lg_json_key(j, "kind");
  lg_json_str(j, c->possible ? "possible" : "lost");
  lg_json_key(j, "bytes");
  lg_json_u64(j, c->bytes);
  lg_json_key(j, "blocks");
  lg_json_u64(j, c->blocks);
  lg_json_key(j, "cyclic");
  lg_json_bool(j, c->cyclic);
  lg_json_amount(j, "definite", &c->definite);
  lg_json_amount(j, "indirect", &c->indirect);
  lg_json_amount(j, "possible", &c->possibly);
  lg_json_entries(j, c);
  lg_json_key(j, "sites");
  lg_json_arr(j);
  for (size_t i = 0; i < c->nsites; i++)
    lg_json_site(j, &c->sites[i]);
  lg_json_arr_end(j);
  lg_json_key(j, "first_seen_scan");
  lg_json_u64(j, c->src->first_seen_scan);
  lg_json_key(j, "listed_blocks");
  lg_json_u64(j, c->src->nlisted);
  lg_json_key(j, "pointers");
  lg_json_u64(j, c->src->nedges);
  lg_render_json_cluster_refcounted(j, c);
  lg_json_obj_end(j);
}

/* Writes one entry of "scans": scan `s` of process `p`. */
static void lg_json_scan(lg_json_t *j, const lg_process_t *p,
                         const lg_scan_t *s) {
  const lg_amount_t *t = s->totals;
  lg_json_obj(j);
  lg_json_key(j, "pid");
  lg_json_u64(j, p->pid);
  lg_json_key(j, "scan");
  lg_json_u64(j, s->scan);
  lg_json_key(j, "kind");
  lg_json_str(j, lg_json_kind_name(s->kind));
  lg_json_key(j, "time");
  lg_json_decimal(j, s->time, 9);
  lg_json_key(j, "pause_ms");
  lg_json_decimal(j, s->pause_ns, 6);
  lg_json_key(j, "scan_ms");
  lg_json_decimal(j, s->scan_ns, 6);
  lg_json_key(j, "blocks");
  lg_json_u64(j, lg_util_sat_sum(t, LG_NCATS));
  lg_json_key(j, "lost_bytes");
  lg_json_u64(j, lg_util_sat_bytes(t[LG_CAT_DEFINITE - 1].bytes, t[LG_CAT_INDIRECT - 1].bytes));
  lg_json_key(j, "possibly_lost_bytes");
  lg_json_u64(j, t[LG_CAT_POSSIBLE - 1].bytes);
  lg_json_key(j, "reachable_bytes");
  lg_json_u64(j, t[LG_CAT_REACHABLE - 1].bytes);
  lg_json_key(j, "clusters_logged");
  lg_json_u64(j, s->nclusters);
  lg_json_key(j, "clusters_live");
  lg_json_u64(j, s->nlive);
  lg_json_key(j, "threads");
  lg_json_u64(j, s->threads);
  lg_json_key(j, "scanned_bytes");
  lg_json_u64(j, s->scanned_bytes);
  lg_json_key(j, "conservative");
  lg_json_bool(j, (s->flags & LG_SCANF_CONSERVATIVE_THREAD) != 0);
  lg_json_obj_end(j);
}

/* Writes "scans": every complete scan of every process, in log order. */
static void lg_json_scans(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "scans");
  lg_json_arr(j);
  for (size_t i = 0; i < r->nprocs; i++)
    for (size_t k = 0; k < r->procs[i]->nscans; k++)
      if (r->procs[i]->scans[k].ended)
        lg_json_scan(j, r->procs[i], &r->procs[i]->scans[k]);
  lg_json_arr_end(j);
}

/* Writes an array of the three generations' values. */
static void lg_json_gens(lg_json_t *j, const char *key, const uint64_t v[3]) {
  lg_json_key(j, key);
  lg_json_arr(j);
  for (int g = 0; g < 3; g++)
    lg_json_u64(j, v[g]);
  lg_json_arr_end(j);
}

/* Writes a site's "timeline": one point per scan whose SITES record listed
 * the site (a scan with site statistics that is missing had none of its
 * blocks live), so that timelines grow with the log, not with scans x
 * sites. */
static void lg_json_timeline(lg_json_t *j, const lg_rgrowth_t *g) {
  lg_json_key(j, "timeline");
  lg_json_arr(j);
  for (size_t p = 0; p < g->site->npoints; p++) {
    lg_gpoint_t pt = g->site->points[p];
    size_t k = pt.k;
    lg_json_obj(j);
    lg_json_key(j, "scan");
    lg_json_u64(j, g->gp->scans[k].scan);
    lg_json_key(j, "time_ns");
    lg_json_u64(j, g->gp->scans[k].time);
    lg_json_gens(j, "blocks", pt.blocks);
    lg_json_gens(j, "bytes", pt.bytes);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
}

/* Writes a chain's "root": kind, thread, word, symbol, module, words. */
static void lg_json_root(lg_json_t *j, const lg_rchain_t *c) {
  uint32_t kind = c->src->root_kind;
  lg_json_key(j, "root");
  lg_json_obj(j);
  lg_json_key(j, "kind");
  lg_json_str(j, lg_analyze_root_kind_name(kind));
  lg_json_key(j, "tid");
  if (kind >= LG_ROOT_STACK && kind <= LG_ROOT_TLS)
    lg_json_u64(j, c->src->root_tid);
  else
    lg_json_null(j);
  lg_json_key(j, "address");
  lg_json_hex(j, c->src->root_address);
  lg_json_key(j, "symbol");
  lg_json_str(j, c->root.symbol);
  lg_json_key(j, "module");
  lg_json_str(j, c->root.module);
  lg_json_key(j, "description");
  lg_json_str(j, c->description);
  lg_json_obj_end(j);
}

/* Writes a site's "chain", or null when no scan logged one. */
static void lg_json_chain(lg_json_t *j, const lg_rchain_t *c) {
  lg_json_key(j, "chain");
  if (!c) {
    lg_json_null(j);
    return;
  }
  lg_json_obj(j);
  lg_json_key(j, "scan");
  lg_json_u64(j, c->src->scan);
  lg_json_root(j, c);
  lg_json_key(j, "hops");
  lg_json_arr(j);
  for (size_t h = 0; h < c->nhops; h++) {
    lg_json_obj(j);
    lg_json_key(j, "address");
    lg_json_hex(j, c->hops[h].address);
    lg_json_key(j, "size");
    lg_json_u64(j, c->hops[h].size);
    lg_json_stack(j, &c->hops[h].stack);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
  lg_json_obj_end(j);
}

/* Writes one entry of "growth". */
static void lg_json_growth_site(lg_json_t *j, const lg_rgrowth_t *g) {
  const lg_gjudgement_t *v = &g->site->judged;
  lg_json_obj(j);
  lg_json_key(j, "pid");
  lg_json_u64(j, g->gp->proc->pid);
  lg_json_key(j, "site");
  lg_json_obj(j);
  lg_json_stack(j, &g->stack);
  lg_json_obj_end(j);
  lg_json_base_status(j, g->baseline);
  lg_json_key(j, "stack_id");
  lg_json_u64(j, g->site->stack_id);
  lg_json_key(j, "verdict");
  lg_json_str(j, lg_growth_verdict_name(v->verdict));
  lg_json_key(j, "suppressed");
  lg_json_bool(j, g->suppressed);
  lg_json_key(j, "window");
  lg_json_u64(j, v->window);
  lg_json_key(j, "old_bytes_first");
  lg_json_u64(j, v->first);
  lg_json_key(j, "old_bytes_last");
  lg_json_u64(j, v->last);
  lg_json_key(j, "rise_bytes");
  lg_json_i64(j, lg_analyze_growth_rise(g));
  lg_json_timeline(j, g);
  lg_json_chain(j, g->chain);
  lg_json_obj_end(j);
}

/* Writes "growth": the growing unsuppressed sites, or all (--growth). */
static void lg_json_growth(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "growth");
  lg_json_arr(j);
  for (size_t i = 0; i < r->ngrowth; i++) {
    const lg_rgrowth_t *g = &r->growth[i];
    int growing = g->site->judged.verdict == LG_VERDICT_GROWING;
    if (r->growth_all || (growing && !g->suppressed))
      lg_json_growth_site(j, g);
  }
  lg_json_arr_end(j);
}

void lg_render_json(FILE *f, const lg_report_t *r, unsigned cluster) {
  lg_json_t j;
  lg_json_init(&j, f);
  lg_json_budget_init(r);
  lg_json_obj(&j);
  lg_json_key(&j, "leakgraph_report");
  lg_json_u64(&j, 1);
  lg_json_key(&j, "processes");
  lg_json_arr(&j);
  for (size_t i = 0; i < r->nprocs; i++)
    lg_json_process(&j, r->procs[i]);
  lg_json_arr_end(&j);
  lg_json_summary(&j, r);
  lg_json_key(&j, "clusters");
  lg_json_arr(&j);
  for (size_t i = 0; i < r->nclusters; i++)
    if (!cluster || r->clusters[i].id == cluster)
      lg_json_cluster(&j, &r->clusters[i]);
  lg_json_arr_end(&j);
  lg_json_scans(&j, r);
  lg_json_growth(&j, r);
  lg_render_json_refcount(&j, r);
  lg_json_baseline(&j, r);
  lg_json_stacks(&j, r);
  lg_json_key(&j, "stacks_inlined");
  lg_json_bool(&j, !lg_json_over_budget);
  lg_json_obj_end(&j);
}
