/* tools/render_json.c — the JSON report: exactly the keys of SPEC.md
 * section 5, plus per process "ppid", "end", "truncated", "notes" and
 * "scan_stats", and per cluster "pid", "kind", "definite", "indirect",
 * "possible" and "entries", and per site "category". Frames are
 * {"function", "file", "line", "module", "address"}, null where unknown. */
#include "json.h"
#include "render.h"

static const char *lg_json_kind_name(uint32_t kind) {
  static const char *const names[] = {"unknown", "exit", "api", "periodic",
                                      "signal"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "unknown";
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
  lg_json_key(j, "function");
  lg_json_str(j, fr->function);
  lg_json_key(j, "file");
  lg_json_str(j, fr->file);
  lg_json_key(j, "line");
  if (fr->file && fr->line > 0)
    lg_json_u64(j, (uint64_t)fr->line);
  else
    lg_json_null(j);
  lg_json_key(j, "module");
  lg_json_str(j, fr->module);
  lg_json_key(j, "address");
  lg_json_hex(j, fr->address);
  lg_json_obj_end(j);
}

static void lg_json_stack(lg_json_t *j, const lg_rstack_t *s) {
  lg_json_key(j, "stack");
  lg_json_arr(j);
  for (size_t i = 0; i < s->n; i++)
    lg_json_frame(j, &s->frames[i]);
  lg_json_arr_end(j);
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
  lg_json_obj_end(j);
}

static void lg_json_summary(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "summary");
  lg_json_obj(j);
  for (int c = 0; c < LG_RCAT_N; c++)
    lg_json_amount(j, lg_analyze_cat_name(c), &r->summary[c]);
  lg_json_key(j, "clusters");
  lg_json_u64(j, r->nclusters);
  lg_json_key(j, "cyclic_clusters");
  lg_json_u64(j, r->ncyclic);
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
  lg_json_obj_end(j);
}

void lg_render_json(FILE *f, const lg_report_t *r, unsigned cluster) {
  lg_json_t j;
  lg_json_init(&j, f);
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
  lg_json_key(&j, "growth");
  lg_json_arr(&j);
  lg_json_arr_end(&j);
  lg_json_key(&j, "refcount");
  lg_json_arr(&j);
  lg_json_arr_end(&j);
  lg_json_obj_end(&j);
}
