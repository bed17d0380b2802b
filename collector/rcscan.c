/* collector/rcscan.c — the refcount phase inside a scan (rcscan.h): it
 * gathers the objects (the object table's, refcount.h, and CPython's from
 * the heap, rcpython.c), names each family's non-owning pointer words,
 * places the objects in the snapshot before marking, solves after the
 * conservative analysis (rcsolve.c) and writes the phase's records:
 *
 *   RC_TYPE     every type the records below name, before them
 *   RC_FINDING  each group of cyclic garbage (its objects, their histories
 *               and the references between them), each unbalanced object
 *   RC_OBJECTS  the objects in lost or possibly lost blocks, so that the
 *               report can name the types of a cluster's blocks
 *   NOTE        the phase's figures (objects, findings, time); and when the
 *               process has CPython but no Python object lies in a malloc
 *               block (the interpreter's own allocator is in use)
 *
 * Every STACK record a record refers to is written before it. The phase's
 * state is this file's, for one scan at a time (scans hold the scan lock;
 * a snapshot child has its own copy). It runs in the snapshot child or in
 * process with the world stopped: no lock, no malloc, memory from
 * lg_sys_map, the log lock held by the scan. */
#include <string.h>

#include "format.h"
#include "logwriter.h"
#include "rcscan.h"
#include "refcount.h"
#include "scanlog.h"
#include "scanstate.h"
#include "sys.h"

#define NONE 0xFFFFFFFFu
#define GARBAGE_HISTORY 64 /* history entries kept per object of a garbage group */

static lg_rcscan_t rs;
static int active, failed;
static uint64_t t_prepare; /* what lg_rcscan_prepare took, ns */
static long npython;

/* ---- non-owning pointers ------------------------------------------------------ */

/* Pointer words of a family's objects that hold no reference, by type
 * name (a prefix and a suffix, NULL for any): a GObject's qdata (its weak
 * references and toggle references point back at it, and data set without
 * a destroy notifier is borrowed: none of it is taken for the object's),
 * the pointer from a child to its parent, from a pad to its peer, from a
 * mini object to its parents (and its qdata). Offsets are from the
 * object's address (x86-64, GLib 2.x, GStreamer 1.x). */
static const struct {
  uint8_t family;
  const char *prefix, *suffix;
  int32_t off;
  uint8_t mute; /* what the word points at holds no reference at all */
} non_owning[] = {
    {LG_RC_GOBJECT, NULL, NULL, 16, 0},     /* GObject.qdata */
    {LG_RC_GOBJECT, "Gst", NULL, 40, 0},    /* GstObject.parent */
    {LG_RC_GOBJECT, "Gst", "Pad", 264, 0},  /* GstPad.peer */
    {LG_RC_GSTREAMER, NULL, NULL, 56, 1},   /* GstMiniObject.priv_pointer: its parents, its qdata */
};

/* Does `name` start with `pre` and end with `suf` (NULL: anything)? */
static int name_fits(const char *name, const char *pre, const char *suf) {
  size_t n = name ? strlen(name) : 0, ls = suf ? strlen(suf) : 0;
  if (pre && (!name || strncmp(name, pre, strlen(pre)))) return 0;
  return !suf || (n >= ls && !memcmp(name + n - ls, suf, ls));
}

/* Fills o's non-owning words from the table above. */
static void name_non_owning(lg_rcobj_t *o) {
  const char *name = o->type ? lg_rc_type_name(o->type, NULL) : NULL;
  for (size_t k = 0; k < sizeof non_owning / sizeof non_owning[0]; k++)
    if (non_owning[k].family == o->family && o->nskip < LG_RC_MAX_SKIP &&
        name_fits(name, non_owning[k].prefix, non_owning[k].suffix)) {
      o->side_mute |= (uint8_t)(non_owning[k].mute << o->nskip);
      o->skip[o->nskip++] = non_owning[k].off;
    }
}

/* ---- gathering ----------------------------------------------------------------- */

/* Adds an object of the table (lg_rc_each's callback). */
static void add_table_object(const lg_rc_obj_t *t, void *arg) {
  (void)arg;
  lg_rcobj_t o = {.addr = t->addr, .src = t, .count_off = t->count_off, .width = t->width,
                  .family = t->family, .type = t->type, .birth = t->birth_stack,
                  .base = t->base < 0 ? 0 : t->base > 0x7FFFFFFF ? 0x7FFFFFFF : (uint32_t)t->base};
  name_non_owning(&o);
  if (lg_rcscan_add(&rs, &o) < 0) failed = 1;
}

/* Says why a CPython process had no Python object to analyse, or few:
 * its interpreter has finalized, or (at its first scan and its exit scan)
 * its objects are not malloc blocks — none at all, or none of the small
 * ones (pymalloc keeps objects of 512 bytes and less in its own arenas,
 * and gives only the bigger ones to malloc). */
static void note_no_python(const lg_scan_t *s, long found) {
  if (found == LG_RCPYTHON_FINALIZED)
    lg_note_locked(LG_NOTE_INFO,
                   "refcount python: the interpreter has finalized: what is left of its objects is not analysed");
  else if (s->number == 1 || s->kind == LG_SCAN_EXIT)
    lg_note_locked(LG_NOTE_WARNING,
                   found ? "refcount python: no Python object of 512 bytes or less lies in a malloc block: CPython "
                           "allocates them in its own arenas unless PYTHONMALLOC=malloc (the leakgraph wrapper sets "
                           "it; python3 -I and -E ignore the environment), so only the bigger ones were analysed"
                         : "refcount python: CPython is loaded but no Python object lies in a malloc block: its "
                           "objects come from its own allocator unless PYTHONMALLOC=malloc (the leakgraph wrapper "
                           "sets it; python3 -I and -E ignore the environment), so they were not analysed");
}

/* Does a Python object lie in a block of 512 bytes or less (no pymalloc)? */
static int small_python_object(const lg_scan_t *s, size_t from) {
  for (size_t i = from; i < rs.n; i++)
    if (rs.obj[i].blk < s->heap.n && lg_blk_size(&s->heap, &s->heap.blk[rs.obj[i].blk]) <= 512) return 1;
  return 0;
}

void lg_rcscan_prepare(lg_scan_t *s) {
  lg_rcscan_free(&rs);
  active = failed = 0;
  uintptr_t py = lg_rc_python_type();
  if (!lg_rc_count() && !py) return;
  uint64_t t0 = lg_now_ns();
  lg_rc_each(add_table_object, NULL);
  size_t first_py = rs.n;
  long npy = py && !failed ? lg_rcpython_find(&rs, &s->heap, py, s->maps, s->nmaps) : 0;
  if (py && npy != -1 && (npy <= 0 || !small_python_object(s, first_py))) note_no_python(s, npy);
  if (npy == LG_RCPYTHON_FINALIZED) npy = 0;
  if (failed || npy < 0 || lg_rcscan_place(&rs, &s->heap) < 0) {
    lg_note_locked(LG_NOTE_WARNING, "refcount: out of memory; this scan's refcount analysis is missing");
    lg_rcscan_free(&rs);
    return;
  }
  lg_rcscan_read_counts(&rs, &s->heap);
  active = rs.n > 0;
  npython = npy;
  t_prepare = lg_now_ns() - t0;
}

/* ---- types ------------------------------------------------------------------------- */

/* Which type ids this scan has written an RC_TYPE for: the table's ids
 * (1 ..) and the Python ones (LG_RC_PYTYPE_BASE ..). */
typedef struct typeset { uint8_t *table, *py; uint32_t ntable, npy; } typeset_t;

/* Writes the RC_TYPE record of `id` unless done already. */
static void log_type(typeset_t *ts, uint32_t id) {
  const char *name;
  uint32_t len;
  int family = LG_RC_PYTHON;
  if (id >= LG_RC_PYTYPE_BASE) {
    if (id - LG_RC_PYTYPE_BASE >= ts->npy || ts->py[id - LG_RC_PYTYPE_BASE]++) return;
    name = lg_rcpython_type_name(id, &len);
  } else {
    if (!id || id > ts->ntable || ts->table[id]++) return;
    name = lg_rc_type_name(id, &family);
    len = name ? (uint32_t)strlen(name) : 0;
  }
  if (!name) return;
  lg_log_begin(LG_REC_RC_TYPE, 8 + lg_log_str_size(len));
  lg_log_u32(id);
  lg_log_u32((uint32_t)family);
  lg_log_str(name, len);
  lg_log_end();
}

/* Is object o named by a record: a finding, or an object in a lost or
 * possibly lost block? */
static int is_named(const lg_rcobj_t *o, const lg_graph_t *g) {
  return o->state == LG_RCS_GARBAGE || o->state == LG_RCS_UNBALANCED ||
         (o->state != LG_RCS_OUT && lg_graph_cluster(g, o->blk));
}

/* Writes the RC_TYPE records of every type the other records name. */
static void log_types(const lg_graph_t *g) {
  typeset_t ts = {NULL, NULL, lg_rc_type_count(), lg_rcpython_ntypes()};
  ts.table = lg_sys_map(ts.ntable + 1);
  ts.py = lg_sys_map(ts.npy + 1);
  for (size_t i = 0; ts.table && ts.py && i < rs.n; i++)
    if (is_named(&rs.obj[i], g)) log_type(&ts, rs.obj[i].type);
  if (ts.table) lg_sys_unmap(ts.table, ts.ntable + 1);
  if (ts.py) lg_sys_unmap(ts.py, ts.npy + 1);
}

/* ---- findings ------------------------------------------------------------------------ */

/* Scratch space for writing findings. */
typedef struct work {
  lg_rc_hist_t *hist;   /* [LG_RC_MAX_HISTORY] */
  uint32_t *local;      /* object index -> index within the finding, or NONE */
  uint32_t *stamp;      /* per object: the source that last named it, + 1 */
  uint32_t *edges;      /* [2 * LG_RC_MAX_EDGES] */
} work_t;

/* Copies object o's history into w->hist (at most `max` entries). */
static size_t history_of(const lg_rcobj_t *o, work_t *w, size_t max) {
  return o->src ? lg_rc_history(o->src, w->hist, max) : 0;
}

/* Writes the STACK records an object's entry needs; returns the entry's
 * size in bytes. */
static uint32_t prepare_object(const lg_rcobj_t *o, work_t *w, size_t max) {
  size_t nh = history_of(o, w, max);
  lg_scanlog_stack(o->birth);
  for (size_t k = 0; k < nh; k++) lg_scanlog_stack(w->hist[k].stack);
  return 36 + (uint32_t)nh * 12;
}

/* Writes object o's entry of an RC_FINDING. */
static void log_object(const lg_rcobj_t *o, const lg_heap_t *h, work_t *w, size_t max) {
  size_t nh = history_of(o, w, max);
  lg_log_u64(o->addr);
  lg_log_u64(h->blk[o->blk].addr);
  lg_log_u32(o->type);
  lg_log_u32(o->count);
  lg_log_u32(o->birth);
  lg_log_u32(o->base);
  lg_log_u32((uint32_t)nh);
  for (size_t k = 0; k < nh; k++) {
    lg_log_u32(w->hist[k].stack);
    lg_log_u32(w->hist[k].refs);
    lg_log_u32(w->hist[k].unrefs);
  }
}

/* Collects the references among the n objects of mem[] into w->edges
 * (local indexes, each pair once); returns how many. */
static uint32_t group_edges(const uint32_t *mem, uint32_t n, work_t *w) {
  uint32_t ne = 0;
  for (uint32_t k = 0; k < n; k++) w->local[mem[k]] = k;
  for (uint32_t k = 0; k < n; k++)
    for (uint32_t e = rs.start[mem[k]]; e < rs.start[mem[k] + 1] && ne < LG_RC_MAX_EDGES; e++) {
      uint32_t t = rs.to[e];
      if (w->local[t] == NONE || w->stamp[t] == mem[k] + 1) continue;
      w->stamp[t] = mem[k] + 1;
      w->edges[2 * ne] = k;
      w->edges[2 * ne++ + 1] = w->local[t];
    }
  for (uint32_t k = 0; k < n; k++) w->local[mem[k]] = NONE;
  return ne;
}

/* Writes one RC_FINDING: the n objects mem[] of `kind`. */
static void log_finding(const lg_scan_t *s, uint32_t kind, const uint32_t *mem, uint32_t n, work_t *w) {
  size_t max = kind == LG_RC_UNBALANCED ? LG_RC_MAX_HISTORY : GARBAGE_HISTORY;
  if (n > LG_RC_MAX_OBJECTS) n = LG_RC_MAX_OBJECTS;
  uint32_t ne = kind == LG_RC_CYCLIC_GARBAGE ? group_edges(mem, n, w) : 0, len = 16 + 4 + ne * 8;
  for (uint32_t k = 0; k < n; k++) len += prepare_object(&rs.obj[mem[k]], w, max);
  lg_log_begin(LG_REC_RC_FINDING, len);
  lg_log_u32(s->number);
  lg_log_u32(kind);
  lg_log_u32(rs.obj[mem[0]].family);
  lg_log_u32(n);
  for (uint32_t k = 0; k < n; k++) log_object(&rs.obj[mem[k]], &s->heap, w, max);
  lg_log_u32(ne);
  for (uint32_t e = 0; e < 2 * ne; e++) lg_log_u32(w->edges[e]);
  lg_log_end();
}

/* Writes every garbage group and every unbalanced object. */
static void log_findings(const lg_scan_t *s) {
  size_t sz_hist = LG_RC_MAX_HISTORY * sizeof(lg_rc_hist_t), sz_n = (rs.n + 1) * 4, sz_e = LG_RC_MAX_EDGES * 8;
  work_t w = {lg_sys_map(sz_hist), lg_sys_map(sz_n), lg_sys_map(sz_n), lg_sys_map(sz_e)};
  if (w.hist && w.local && w.stamp && w.edges) {
    memset(w.local, 0xFF, sz_n);
    for (size_t g = 0; g < rs.ngroups; g++)
      log_finding(s, LG_RC_CYCLIC_GARBAGE, rs.member + rs.gstart[g], rs.gstart[g + 1] - rs.gstart[g], &w);
    for (uint32_t i = 0; i < rs.n; i++)
      if (rs.obj[i].state == LG_RCS_UNBALANCED) log_finding(s, LG_RC_UNBALANCED, &i, 1, &w);
  } else {
    lg_note_locked(LG_NOTE_WARNING, "refcount: out of memory while writing this scan's findings");
  }
  if (w.hist) lg_sys_unmap(w.hist, sz_hist);
  if (w.local) lg_sys_unmap(w.local, sz_n);
  if (w.stamp) lg_sys_unmap(w.stamp, sz_n);
  if (w.edges) lg_sys_unmap(w.edges, sz_e);
}

/* Writes RC_OBJECTS: the objects in lost or possibly lost blocks. */
static void log_cluster_objects(const lg_scan_t *s) {
  uint32_t n = 0;
  for (size_t i = 0; i < rs.n; i++) n += rs.obj[i].state != LG_RCS_OUT && lg_graph_cluster(&s->graph, rs.obj[i].blk) != 0;
  if (!n) return;
  lg_log_begin(LG_REC_RC_OBJECTS, 8 + n * 24);
  lg_log_u32(s->number);
  lg_log_u32(n);
  for (size_t i = 0; i < rs.n; i++) {
    const lg_rcobj_t *o = &rs.obj[i];
    if (o->state == LG_RCS_OUT || !lg_graph_cluster(&s->graph, o->blk)) continue;
    lg_log_u64(s->heap.blk[o->blk].addr);
    lg_log_u64(o->addr);
    lg_log_u32(o->type);
    lg_log_u32(o->count);
  }
  lg_log_end();
}

/* Writes the phase's figures as an info NOTE. */
static void note_figures(const lg_scan_t *s, uint64_t ns) {
  char msg[240];
  lg_fmt(msg, sizeof msg,
         "refcount scan %u: %zu objects analysed (%ld read from the Python heap), %zu in %zu groups of cyclic "
         "garbage, %zu unbalanced, %zu edges; %llu ms",
         s->number, rs.nlive + rs.ngarbage + rs.nunbalanced, npython, rs.ngarbage, rs.ngroups, rs.nunbalanced,
         rs.nedges, (unsigned long long)(ns + t_prepare) / 1000000);
  lg_note_locked(LG_NOTE_INFO, msg);
}

void lg_rcscan_analyse(lg_scan_t *s) {
  if (!active) return;
  uint64_t t0 = lg_now_ns();
  if (lg_rcscan_solve(&rs, &s->heap) < 0) {
    lg_note_locked(LG_NOTE_WARNING, "refcount: out of memory; this scan's refcount analysis is missing");
  } else {
    log_types(&s->graph);
    log_findings(s);
    log_cluster_objects(s);
    note_figures(s, lg_now_ns() - t0);
  }
  lg_rcscan_free(&rs);
  active = 0;
}
