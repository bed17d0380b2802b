/* tools/reader.c — reads one leakgraph log (tools/LOGFORMAT.md) into an
 * lg_process_t. It owns the framing (sync, length, checksum), one decoding
 * handler per record type, and the module map used to resolve each stack's
 * frames (and each chain's root word) to the module loaded when the STACK
 * (or CHAIN) record was written. CLUSTER, SITES, CHAIN, HEURISTICS, LIVE,
 * RC_FINDING and RC_OBJECTS records belong to the scan they name while it
 * is open; those of no open scan are dropped. Refcount type ids are
 * resolved to names as each record is read.
 *
 * Hostile input is expected. The file is read record by record from a
 * stream; a record's buffer grows only as its bytes actually arrive, so a
 * lying length costs nothing. Every count inside a payload is capped by the
 * bytes left in it before anything is allocated. End of file inside a
 * record is a truncation (everything before stands); a bad sync word,
 * length, checksum or payload is corruption, and nothing from there on is
 * trusted. This file never prints. */
#include "reader.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rangemap.h"
#include "util.h"

/* ---------------------------------------------------------------- cursor */

/* A cursor over one record's payload. Any read past the end sets `bad` and
 * yields zeros, so handlers decode straight through and check once. */
typedef struct lg_cur {
  const uint8_t *p;
  size_t left;
  int bad;
} lg_cur_t;

static int lg_cur_take(lg_cur_t *c, size_t n) {
  if (c->bad || n > c->left) {
    c->bad = 1;
    c->left = 0;
    return 0;
  }
  return 1;
}

static uint64_t lg_cur_le(lg_cur_t *c, size_t n) {
  uint64_t v = 0;
  if (!lg_cur_take(c, n))
    return 0;
  for (size_t i = 0; i < n; i++)
    v |= (uint64_t)c->p[i] << (8 * i);
  c->p += n;
  c->left -= n;
  return v;
}

static uint8_t lg_cur_u8(lg_cur_t *c) { return (uint8_t)lg_cur_le(c, 1); }
static uint16_t lg_cur_u16(lg_cur_t *c) { return (uint16_t)lg_cur_le(c, 2); }
static uint32_t lg_cur_u32(lg_cur_t *c) { return (uint32_t)lg_cur_le(c, 4); }
static uint64_t lg_cur_u64(lg_cur_t *c) { return lg_cur_le(c, 8); }

/* Reads a `str` or `bytes` field: a NUL-terminated copy, length in `*n`. */
static char *lg_cur_str_n(lg_cur_t *c, size_t *n) {
  uint32_t len = lg_cur_u32(c);
  if (!lg_cur_take(c, len)) {
    *n = 0;
    return NULL;
  }
  char *s = lg_util_xmemdup_str(c->p, len);
  c->p += len;
  c->left -= len;
  *n = len;
  return s;
}

static char *lg_cur_str(lg_cur_t *c) {
  size_t n;
  return lg_cur_str_n(c, &n);
}

/* Reads a count of items of `item` bytes each; a count that the remaining
 * payload cannot hold (or over `max`) marks the cursor bad and yields 0. */
static uint32_t lg_cur_count(lg_cur_t *c, size_t item, uint32_t max) {
  uint32_t n = lg_cur_u32(c);
  if (c->bad || n > max || (uint64_t)n * item > c->left) {
    c->bad = 1;
    return 0;
  }
  return n;
}

/* ---------------------------------------------------------- reader state */

/* The latest module of an id, and the latest scan of a number: the reader's
 * indexes, so that no record costs a walk over every module or scan. */
typedef struct lg_idx {
  uint32_t key;
  size_t index;
  UT_hash_handle hh;
} lg_idx_t;

typedef struct lg_rstate {
  lg_process_t *p;
  lg_rangemap_t ranges; /* segments of the loaded modules */
  uint64_t *seg_seq;    /* per module: the seq of its first segment */
  size_t seg_seq_cap;
  uint64_t next_seq;
  lg_idx_t *module_ids; /* module id -> index of its latest MODULE */
  lg_idx_t *scan_nums;  /* scan number -> index of its latest scan */
  const char *why; /* what was wrong with a malformed payload */
} lg_rstate_t;

/* Returns the index entry of `key` in `*set`, or NULL. */
static lg_idx_t *lg_idx_find(lg_idx_t *set, uint32_t key) {
  lg_idx_t *e;
  HASH_FIND(hh, set, &key, sizeof key, e);
  return e;
}

/* Sets `key` to `index` in `*set`. */
static void lg_idx_set(lg_idx_t **set, uint32_t key, size_t index) {
  lg_idx_t *e = lg_idx_find(*set, key);
  if (!e) {
    e = lg_util_xcalloc(1, sizeof *e);
    e->key = key;
    HASH_ADD(hh, *set, key, sizeof e->key, e);
  }
  e->index = index;
}

/* Releases an index. */
static void lg_idx_free(lg_idx_t **set) {
  lg_idx_t *e, *tmp;
  HASH_ITER(hh, *set, e, tmp) {
    HASH_DEL(*set, e);
    free(e);
  }
}

/* Returns the end of a segment, UINT64_MAX when it would wrap. */
static uint64_t lg_seg_end(const lg_segment_t *g) {
  uint64_t e = g->start + g->size;
  return e < g->start ? UINT64_MAX : e;
}

/* Adds the segments of module index `i` to the range map. */
static void lg_reader_map_module(lg_rstate_t *st, size_t i) {
  const lg_module_t *m = &st->p->modules[i];
  st->seg_seq = lg_util_grow(st->seg_seq, i, &st->seg_seq_cap,
                             sizeof *st->seg_seq);
  st->seg_seq[i] = st->next_seq;
  for (uint32_t s = 0; s < m->nseg; s++)
    lg_rangemap_insert(&st->ranges, m->segs[s].start, lg_seg_end(&m->segs[s]),
                       st->next_seq++, (int)i);
}

/* Marks module index `i` unloaded and takes its segments out of the map. */
static void lg_reader_unmap_module(lg_rstate_t *st, size_t i) {
  lg_module_t *m = &st->p->modules[i];
  if (!m->loaded)
    return;
  m->loaded = 0;
  for (uint32_t s = 0; s < m->nseg; s++)
    lg_rangemap_remove(&st->ranges, m->segs[s].start, st->seg_seq[i] + s);
}

/* Returns the index of the loaded module holding `addr`, or -1. */
static int lg_reader_module_at(lg_rstate_t *st, uint64_t addr) {
  return lg_rangemap_find(&st->ranges, addr);
}

/* -------------------------------------------------------------- handlers */

static void lg_rec_header(lg_rstate_t *st, lg_cur_t *c) {
  lg_process_t *p = st->p;
  if (p->exe) /* a second HEADER: ignored */
    return;
  p->version = lg_cur_u32(c);
  p->pid = lg_cur_u32(c);
  p->ppid = lg_cur_u32(c);
  p->pointer_size = lg_cur_u32(c);
  p->start_time = lg_cur_u64(c);
  p->exe = lg_cur_str(c);
  p->argc = lg_cur_count(c, 4, UINT32_MAX);
  p->argv = lg_util_xcalloc(p->argc + 1, sizeof *p->argv);
  for (uint32_t i = 0; i < p->argc; i++)
    p->argv[i] = lg_cur_str(c);
  p->options = lg_cur_str(c);
  p->parent_log = lg_cur_str(c);
  if (c->bad) { /* keep the process consistent for lg_reader_free */
    for (uint32_t i = 0; i < p->argc; i++)
      if (!p->argv[i])
        p->argv[i] = lg_util_xstrdup("");
    if (!p->exe)
      p->exe = lg_util_xstrdup("");
  }
}

static void lg_rec_module(lg_rstate_t *st, lg_cur_t *c) {
  lg_process_t *p = st->p;
  lg_module_t m = {0};
  m.id = lg_cur_u32(c);
  m.load_bias = lg_cur_u64(c);
  m.path = lg_cur_str(c);
  m.build_id = (uint8_t *)lg_cur_str_n(c, &m.build_id_len);
  m.nseg = lg_cur_count(c, 20, UINT32_MAX);
  m.segs = lg_util_xcalloc(m.nseg, sizeof *m.segs);
  for (uint32_t i = 0; i < m.nseg; i++) {
    m.segs[i].start = lg_cur_u64(c);
    m.segs[i].size = lg_cur_u64(c);
    m.segs[i].flags = lg_cur_u32(c);
  }
  if (c->bad) {
    free(m.path), free(m.build_id), free(m.segs);
    return;
  }
  lg_idx_t *old = lg_idx_find(st->module_ids, m.id);
  if (old) /* a reused id replaces */
    lg_reader_unmap_module(st, old->index);
  m.loaded = 1;
  p->modules = lg_util_grow(p->modules, p->nmodules, &p->modules_cap,
                            sizeof *p->modules);
  p->modules[p->nmodules] = m;
  lg_idx_set(&st->module_ids, m.id, p->nmodules);
  lg_reader_map_module(st, p->nmodules++);
}

static void lg_rec_unload(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t id = lg_cur_u32(c);
  lg_idx_t *e = c->bad ? NULL : lg_idx_find(st->module_ids, id);
  if (e)
    lg_reader_unmap_module(st, e->index);
}

static void lg_rec_stack(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t id = lg_cur_u32(c);
  uint32_t n = lg_cur_count(c, 8, LG_MAX_FRAMES);
  if (c->bad) {
    st->why = "STACK with more frames than allowed or than its length";
    return;
  }
  lg_stack_t *s;
  HASH_FIND(hh, st->p->stacks, &id, sizeof id, s);
  if (s) /* stacks are written once; a repeat is ignored */
    return;
  s = lg_util_xcalloc(1, sizeof *s);
  s->id = id;
  s->nframes = n;
  s->frames = lg_util_xcalloc(n, sizeof *s->frames);
  for (uint32_t i = 0; i < n; i++) {
    uint64_t a = lg_cur_u64(c);
    s->frames[i].address = a;
    /* a return address: the call instruction is just before it */
    s->frames[i].module = lg_reader_module_at(st, a ? a - 1 : 0);
  }
  HASH_ADD(hh, st->p->stacks, id, sizeof s->id, s);
}

/* Returns the latest scan numbered `n` if it has not ended, or NULL. */
static lg_scan_t *lg_reader_open_scan(lg_rstate_t *st, uint32_t n) {
  lg_idx_t *e = lg_idx_find(st->scan_nums, n);
  if (!e || st->p->scans[e->index].ended)
    return NULL;
  return &st->p->scans[e->index];
}

static lg_scan_t *lg_reader_add_scan(lg_rstate_t *st, uint32_t n) {
  lg_process_t *p = st->p;
  p->scans = lg_util_grow(p->scans, p->nscans, &p->scans_cap, sizeof *p->scans);
  lg_scan_t *s = &p->scans[p->nscans];
  memset(s, 0, sizeof *s);
  s->scan = n;
  lg_idx_set(&st->scan_nums, n, p->nscans++);
  return s;
}

static void lg_rec_scan_begin(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t n = lg_cur_u32(c);
  uint32_t kind = lg_cur_u32(c);
  uint64_t time = lg_cur_u64(c);
  if (c->bad)
    return;
  lg_scan_t *s = lg_reader_add_scan(st, n);
  s->kind = kind;
  s->time = time;
}

static void lg_cluster_free(lg_cluster_t *cl) {
  free(cl->sites);
  free(cl->listed);
  free(cl->edges);
}

/* Decodes the sites of a CLUSTER. */
static void lg_rec_cluster_sites(lg_cur_t *c, lg_cluster_t *cl) {
  cl->nsites = lg_cur_count(c, 20, UINT32_MAX);
  cl->sites = lg_util_xcalloc(cl->nsites, sizeof *cl->sites);
  for (uint32_t i = 0; i < cl->nsites; i++) {
    cl->sites[i].stack_id = lg_cur_u32(c);
    cl->sites[i].cat = lg_cur_u32(c);
    cl->sites[i].blocks = lg_cur_u32(c);
    cl->sites[i].bytes = lg_cur_u64(c);
  }
}

/* Decodes the listed blocks and the edges of a CLUSTER. */
static void lg_rec_cluster_graph(lg_cur_t *c, lg_cluster_t *cl) {
  cl->nlisted = lg_cur_count(c, 24, LG_CLUSTER_MAX_LISTED);
  cl->listed = lg_util_xcalloc(cl->nlisted, sizeof *cl->listed);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    lg_listed_t *b = &cl->listed[i];
    b->address = lg_cur_u64(c);
    b->size = lg_cur_u64(c);
    b->stack_id = lg_cur_u32(c);
    b->cat = lg_cur_u8(c);
    b->flags = lg_cur_u8(c);
    (void)lg_cur_u16(c);
  }
  cl->nedges = lg_cur_count(c, 8, LG_CLUSTER_MAX_EDGES);
  cl->edges = lg_util_xcalloc(cl->nedges, sizeof *cl->edges);
  for (uint32_t i = 0; i < cl->nedges; i++) {
    cl->edges[i].from = lg_cur_u32(c);
    cl->edges[i].to = lg_cur_u32(c);
    if (cl->edges[i].from >= cl->nlisted || cl->edges[i].to >= cl->nlisted)
      c->bad = 1;
  }
}

static void lg_rec_cluster(lg_rstate_t *st, lg_cur_t *c) {
  lg_cluster_t cl = {0};
  cl.scan = lg_cur_u32(c);
  cl.id = lg_cur_u32(c);
  cl.first_seen_scan = lg_cur_u32(c);
  cl.flags = lg_cur_u32(c);
  cl.bytes = lg_cur_u64(c);
  cl.blocks = lg_cur_u32(c);
  lg_rec_cluster_sites(c, &cl);
  lg_rec_cluster_graph(c, &cl);
  if (c->bad) {
    lg_cluster_free(&cl);
    st->why = "CLUSTER with a count or an edge out of bounds";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, cl.scan);
  if (!s) { /* outside its scan: not a result of any scan */
    lg_cluster_free(&cl);
    return;
  }
  s->clusters = lg_util_grow(s->clusters, s->nclusters, &s->cap,
                             sizeof *s->clusters);
  s->clusters[s->nclusters++] = cl;
}

/* Decodes a SITES record and adds its sites to the open scan it names; the
 * sites of a scan that is not open (never begun, or already ended) are not
 * any scan's results and are dropped. */
static void lg_rec_sites(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t scan = lg_cur_u32(c);
  uint32_t n = lg_cur_count(c, 40, UINT32_MAX);
  if (c->bad) {
    st->why = "SITES with more sites than its length";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, scan);
  if (!s)
    return;
  s->has_sites = 1;
  if (s->nsites + n > s->sites_cap) { /* at least double: many records */
    s->sites_cap = s->nsites + n > 2 * s->sites_cap ? s->nsites + n
                                                     : 2 * s->sites_cap;
    s->sites = lg_util_xrealloc(s->sites, s->sites_cap, sizeof *s->sites);
  }
  for (uint32_t i = 0; i < n; i++) {
    lg_site_stat_t *e = &s->sites[s->nsites++];
    e->stack_id = lg_cur_u32(c);
    for (int g = 0; g < 3; g++)
      e->blocks[g] = lg_cur_u32(c);
    for (int g = 0; g < 3; g++)
      e->bytes[g] = lg_cur_u64(c);
  }
}

/* Decodes a CHAIN record and adds it to the open scan it names (dropped,
 * like SITES, when that scan is not open). */
static void lg_rec_chain(lg_rstate_t *st, lg_cur_t *c) {
  lg_chain_t ch = {0};
  ch.scan = lg_cur_u32(c);
  ch.stack_id = lg_cur_u32(c);
  ch.root_kind = lg_cur_u32(c);
  ch.root_tid = lg_cur_u32(c);
  ch.root_address = lg_cur_u64(c);
  ch.nhops = lg_cur_count(c, 20, LG_CHAIN_MAX_HOPS);
  if (c->bad) {
    st->why = "CHAIN with more hops than allowed or than its length";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, ch.scan);
  if (!s)
    return;
  ch.root_module = lg_reader_module_at(st, ch.root_address);
  ch.hops = lg_util_xcalloc(ch.nhops, sizeof *ch.hops);
  for (uint32_t i = 0; i < ch.nhops; i++) {
    ch.hops[i].address = lg_cur_u64(c);
    ch.hops[i].size = lg_cur_u64(c);
    ch.hops[i].stack_id = lg_cur_u32(c);
  }
  s->chains = lg_util_grow(s->chains, s->nchains, &s->chains_cap,
                           sizeof *s->chains);
  s->chains[s->nchains++] = ch;
}

/* Decodes a HEURISTICS record into the open scan it names (dropped, like
 * SITES, when that scan is not open). Heuristics this reader does not
 * know are skipped; a heuristic listed twice adds up. */
static void lg_rec_heuristics(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t scan = lg_cur_u32(c);
  uint32_t n = lg_cur_count(c, 20, UINT32_MAX);
  if (c->bad) {
    st->why = "HEURISTICS with more entries than its length";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, scan);
  for (uint32_t i = 0; i < n; i++) {
    uint32_t h = lg_cur_u32(c);
    uint64_t bytes = lg_cur_u64(c), blocks = lg_cur_u64(c);
    if (!s || h < 1 || h > LG_NHEURS)
      continue;
    s->heuristics[h - 1].bytes += bytes;
    s->heuristics[h - 1].blocks += blocks;
  }
}

/* Decodes a LIVE record and adds its cluster ids to the open scan it
 * names (dropped, like SITES, when that scan is not open). */
static void lg_rec_live(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t scan = lg_cur_u32(c);
  uint32_t n = lg_cur_count(c, 4, UINT32_MAX);
  if (c->bad) {
    st->why = "LIVE with more ids than its length";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, scan);
  if (!s)
    return;
  for (uint32_t i = 0; i < n; i++) {
    s->live = lg_util_grow(s->live, s->nlive, &s->live_cap, sizeof *s->live);
    s->live[s->nlive++] = lg_cur_u32(c);
  }
}

static void lg_rec_scan_end(lg_rstate_t *st, lg_cur_t *c) {
  lg_scan_t e = {0};
  e.scan = lg_cur_u32(c);
  for (int i = 0; i < LG_NCATS; i++) {
    e.totals[i].bytes = lg_cur_u64(c);
    e.totals[i].blocks = lg_cur_u64(c);
  }
  e.clusters_written = lg_cur_u32(c);
  e.cyclic_written = lg_cur_u32(c);
  e.pause_ns = lg_cur_u64(c);
  e.scan_ns = lg_cur_u64(c);
  e.scanned_bytes = lg_cur_u64(c);
  e.threads = lg_cur_u32(c);
  e.flags = lg_cur_u32(c);
  if (c->bad) {
    st->why = "SCAN_END shorter than its fields";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, e.scan);
  if (!s) /* no SCAN_BEGIN: keep its totals all the same */
    s = lg_reader_add_scan(st, e.scan);
  memcpy(s->totals, e.totals, sizeof e.totals);
  s->clusters_written = e.clusters_written;
  s->cyclic_written = e.cyclic_written;
  s->pause_ns = e.pause_ns;
  s->scan_ns = e.scan_ns;
  s->scanned_bytes = e.scanned_bytes;
  s->threads = e.threads;
  s->flags = e.flags;
  s->ended = 1;
}

/* Reads the {u32, str} payload SUPPRESSIONS and NOTE share; NULL text
 * when the record is bad. */
static char *lg_rec_code_text(lg_cur_t *c, uint32_t *code) {
  *code = lg_cur_u32(c);
  char *text = lg_cur_str(c);
  if (c->bad) {
    free(text);
    return NULL;
  }
  return text;
}

/* Decodes a SUPPRESSIONS record: source, text and, for the text of a
 * file (source 3), the file's path. */
static void lg_rec_suppressions(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t source;
  char *text = lg_rec_code_text(c, &source);
  if (!text)
    return;
  char *origin = NULL;
  if (source == LG_SUPP_FILE_TEXT && !(origin = lg_cur_str(c))) {
    free(text);
    c->bad = 1;
    st->why = "SUPPRESSIONS of a file without the file's path";
    return;
  }
  lg_process_t *p = st->p;
  p->supps = lg_util_grow(p->supps, p->nsupps, &p->supps_cap,
                          sizeof *p->supps);
  p->supps[p->nsupps].source = source;
  p->supps[p->nsupps].origin = origin;
  p->supps[p->nsupps++].text = text;
}

static void lg_rec_note(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t code;
  char *text = lg_rec_code_text(c, &code);
  if (!text)
    return;
  lg_process_t *p = st->p;
  p->notes = lg_util_grow(p->notes, p->nnotes, &p->notes_cap,
                          sizeof *p->notes);
  p->notes[p->nnotes].code = code;
  p->notes[p->nnotes++].text = text;
}

static void lg_rec_end(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t how = lg_cur_u32(c);
  uint32_t status = lg_cur_u32(c);
  if (c->bad)
    return;
  st->p->end_how = how;
  st->p->end_status = status;
}

/* ---------------------------------------------------- refcount records */

/* Decodes an RC_TYPE: the id names `name` from now on. */
static void lg_rec_rc_type(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t id = lg_cur_u32(c), family = lg_cur_u32(c);
  char *name = lg_cur_str(c);
  if (c->bad) {
    free(name);
    st->why = "RC_TYPE shorter than its fields";
    return;
  }
  lg_rctype_t *t;
  HASH_FIND(hh, st->p->rctypes, &id, sizeof id, t);
  if (!t) {
    t = lg_util_xcalloc(1, sizeof *t);
    t->id = id;
    HASH_ADD(hh, st->p->rctypes, id, sizeof t->id, t);
  } else if (strcmp(t->name, name) == 0) {
    free(name);
    name = NULL;
  } else {
    t->old = lg_util_xrealloc(t->old, t->nold + 1, sizeof *t->old);
    t->old[t->nold++] = t->name;
  }
  if (name)
    t->name = name;
  t->family = family;
}

/* Resolves a type id: its name now (NULL when unknown) and family. */
static const char *lg_reader_rc_type(const lg_rstate_t *st, uint32_t id,
                                     uint32_t *family) {
  lg_rctype_t *t;
  HASH_FIND(hh, st->p->rctypes, &id, sizeof id, t);
  if (t)
    *family = t->family;
  return t ? t->name : NULL;
}

static void lg_rc_finding_free(lg_rcfinding_t *f) {
  for (uint32_t i = 0; f->objects && i < f->nobjects; i++)
    free(f->objects[i].history);
  free(f->objects);
  free(f->edges);
}

/* Decodes one object of an RC_FINDING. */
static void lg_rec_rc_object(lg_rstate_t *st, lg_cur_t *c, lg_rcobject_t *o,
                             uint32_t family) {
  o->address = lg_cur_u64(c);
  o->block = lg_cur_u64(c);
  o->type_id = lg_cur_u32(c);
  o->refcount = lg_cur_u32(c);
  o->birth_stack = lg_cur_u32(c);
  o->base = lg_cur_u32(c);
  o->family = family;
  o->type = lg_reader_rc_type(st, o->type_id, &o->family);
  o->nhistory = lg_cur_count(c, 12, LG_RC_MAX_HISTORY);
  o->history = lg_util_xcalloc(o->nhistory, sizeof *o->history);
  for (uint32_t k = 0; k < o->nhistory; k++) {
    o->history[k].stack_id = lg_cur_u32(c);
    o->history[k].refs = lg_cur_u32(c);
    o->history[k].unrefs = lg_cur_u32(c);
  }
}

/* Decodes an RC_FINDING into the open scan it names (dropped, like SITES,
 * when that scan is not open). */
static void lg_rec_rc_finding(lg_rstate_t *st, lg_cur_t *c) {
  lg_rcfinding_t f = {0};
  f.scan = lg_cur_u32(c);
  f.kind = lg_cur_u32(c);
  f.family = lg_cur_u32(c);
  f.nobjects = lg_cur_count(c, 36, LG_RC_MAX_OBJECTS);
  f.objects = lg_util_xcalloc(f.nobjects, sizeof *f.objects);
  for (uint32_t i = 0; i < f.nobjects && !c->bad; i++)
    lg_rec_rc_object(st, c, &f.objects[i], f.family);
  f.nedges = lg_cur_count(c, 8, LG_RC_MAX_EDGES);
  f.edges = lg_util_xcalloc(f.nedges, sizeof *f.edges);
  for (uint32_t i = 0; i < f.nedges; i++) {
    f.edges[i].from = lg_cur_u32(c);
    f.edges[i].to = lg_cur_u32(c);
    if (f.edges[i].from >= f.nobjects || f.edges[i].to >= f.nobjects)
      c->bad = 1;
  }
  lg_scan_t *s = c->bad ? NULL : lg_reader_open_scan(st, f.scan);
  if (c->bad)
    st->why = "RC_FINDING with a count or an edge out of bounds";
  if (!s || f.nobjects == 0) {
    lg_rc_finding_free(&f);
    return;
  }
  s->rc = lg_util_grow(s->rc, s->nrc, &s->rc_cap, sizeof *s->rc);
  s->rc[s->nrc++] = f;
}

/* Decodes an RC_OBJECTS record into the open scan it names. */
static void lg_rec_rc_objects(lg_rstate_t *st, lg_cur_t *c) {
  uint32_t scan = lg_cur_u32(c);
  uint32_t n = lg_cur_count(c, 24, UINT32_MAX);
  if (c->bad) {
    st->why = "RC_OBJECTS with more objects than its length";
    return;
  }
  lg_scan_t *s = lg_reader_open_scan(st, scan);
  for (uint32_t i = 0; s && i < n; i++) {
    s->rcobjs = lg_util_grow(s->rcobjs, s->nrcobjs, &s->rcobjs_cap,
                             sizeof *s->rcobjs);
    lg_rcplaced_t *o = &s->rcobjs[s->nrcobjs++];
    o->block = lg_cur_u64(c);
    o->address = lg_cur_u64(c);
    o->type_id = lg_cur_u32(c);
    o->refcount = lg_cur_u32(c);
    o->family = 0;
    o->type = lg_reader_rc_type(st, o->type_id, &o->family);
  }
}

typedef void (*lg_rec_handler_t)(lg_rstate_t *, lg_cur_t *);

/* One handler per record type; a type without one is skipped. */
static const lg_rec_handler_t lg_rec_handlers[] = {
    [LG_REC_HEADER] = lg_rec_header,
    [LG_REC_MODULE] = lg_rec_module,
    [LG_REC_UNLOAD] = lg_rec_unload,
    [LG_REC_STACK] = lg_rec_stack,
    [LG_REC_SCAN_BEGIN] = lg_rec_scan_begin,
    [LG_REC_CLUSTER] = lg_rec_cluster,
    [LG_REC_SCAN_END] = lg_rec_scan_end,
    [LG_REC_SUPPRESSIONS] = lg_rec_suppressions,
    [LG_REC_NOTE] = lg_rec_note,
    [LG_REC_END] = lg_rec_end,
    [LG_REC_SITES] = lg_rec_sites,
    [LG_REC_CHAIN] = lg_rec_chain,
    [LG_REC_LIVE] = lg_rec_live,
    [LG_REC_HEURISTICS] = lg_rec_heuristics,
    [LG_REC_RC_TYPE] = lg_rec_rc_type,
    [LG_REC_RC_FINDING] = lg_rec_rc_finding,
    [LG_REC_RC_OBJECTS] = lg_rec_rc_objects,
};
#define LG_NHANDLERS (sizeof lg_rec_handlers / sizeof lg_rec_handlers[0])

/* ---------------------------------------------------------------- framing */

/* A record buffer that grows only as bytes arrive. */
typedef struct lg_rbuf {
  uint8_t *b;
  size_t cap;
} lg_rbuf_t;

/* Reads exactly `n` bytes into `rb`; returns how many arrived before EOF
 * or an error (check ferror). Grows by at most 1 MiB ahead of the data. */
static size_t lg_reader_fill(FILE *f, lg_rbuf_t *rb, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t want = n - got;
    if (want > (1u << 20))
      want = 1u << 20;
    if (got + want > rb->cap) {
      rb->cap = got + want;
      rb->b = lg_util_xrealloc(rb->b, rb->cap, 1);
    }
    size_t r = fread(rb->b + got, 1, want, f);
    got += r;
    if (r < want)
      break;
  }
  return got;
}

static void lg_reader_say(lg_read_result_t *res, enum lg_read_status status,
                          uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void lg_reader_say(lg_read_result_t *res, enum lg_read_status status,
                          uint64_t off, const char *fmt, ...) {
  va_list ap;
  res->status = status;
  res->offset = off;
  va_start(ap, fmt);
  vsnprintf(res->message, sizeof res->message, fmt, ap);
  va_end(ap);
}

static const char *const lg_rec_names[] = {
    "record type 0", "HEADER",   "MODULE",       "UNLOAD", "STACK", "SCAN_BEGIN",
    "CLUSTER",       "SCAN_END", "SUPPRESSIONS", "NOTE",   "END",
    "SITES",         "CHAIN",    "LIVE",         "HEURISTICS", "RC_TYPE",
    "RC_FINDING",    "RC_OBJECTS"};
#define LG_NNAMES (sizeof lg_rec_names / sizeof lg_rec_names[0])

enum lg_step { LG_STEP_RECORD, LG_STEP_EOF, LG_STEP_STOP };

static uint32_t lg_le32(const uint8_t *b) {
  return b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 |
         (uint32_t)b[3] << 24;
}

/* Says why a record at `off` could not be read whole: a read error, a
 * file that is no log at all, or a truncation (which is not an error). */
static enum lg_step lg_reader_short(FILE *f, const char *name, lg_rstate_t *st,
                                    uint64_t off, lg_read_result_t *res) {
  if (ferror(f))
    lg_reader_say(res, LG_READ_ERR_OPEN, off, "%s: read error: %s", name,
                  strerror(errno));
  else if (st->p->records == 0)
    lg_reader_say(res, LG_READ_ERR_NOT_LOG, 0,
                  "%s is not a leakgraph log (it ends inside its first "
                  "record)",
                  name);
  else {
    st->p->truncated = 1;
    st->p->truncated_at = off;
    lg_reader_say(res, LG_READ_OK, off,
                  "%s is truncated at byte %llu (the process was killed?); "
                  "read up to its last complete record",
                  name, (unsigned long long)off);
  }
  return LG_STEP_STOP;
}

/* Reads the framing of the record at `off` and its payload and checksum
 * into `rb`; `*type` and `*len` describe it. Returns RECORD when the record
 * is whole and its checksum right, else EOF or STOP with `res` filled. */
static enum lg_step lg_reader_frame(FILE *f, const char *name, lg_rstate_t *st,
                                    lg_rbuf_t *rb, uint64_t off, uint32_t *type,
                                    uint32_t *len, lg_read_result_t *res) {
  uint8_t h[LG_REC_HEADER_SIZE];
  int first = st->p->records == 0;
  size_t n = fread(h, 1, sizeof h, f);
  if (n == 0 && !ferror(f))
    return first ? (lg_reader_say(res, LG_READ_ERR_EMPTY, 0,
                                  "%s is empty, not a leakgraph log", name),
                    LG_STEP_STOP)
                 : LG_STEP_EOF;
  uint32_t sync = h[0] | (uint32_t)(n > 1 ? h[1] : 0) << 8;
  if (n >= 2 && sync != LG_SYNC && first)
    return lg_reader_say(res, LG_READ_ERR_NOT_LOG, 0,
                         "%s is not a leakgraph log (it does not start with "
                         "the LG sync word)",
                         name),
           LG_STEP_STOP;
  if (n >= 2 && sync != LG_SYNC)
    return lg_reader_say(res, LG_READ_ERR_CORRUPT, off,
                         "%s is corrupted at byte %llu: bad sync word 0x%04x",
                         name, (unsigned long long)off, sync),
           LG_STEP_STOP;
  if (n < sizeof h)
    return lg_reader_short(f, name, st, off, res);
  *type = h[2] | (uint32_t)h[3] << 8;
  *len = lg_le32(h + 4);
  if (*len > LG_REC_MAX_PAYLOAD)
    return lg_reader_say(res, first ? LG_READ_ERR_NOT_LOG : LG_READ_ERR_CORRUPT,
                         off,
                         "%s is corrupted at byte %llu: record length %u is "
                         "over the limit",
                         name, (unsigned long long)off, *len),
           LG_STEP_STOP;
  size_t need = (size_t)*len + LG_REC_TRAILER_SIZE;
  if (lg_reader_fill(f, rb, need) < need)
    return lg_reader_short(f, name, st, off, res);
  if (lg_crc32(lg_crc32(0, h + 2, 6), rb->b, *len) != lg_le32(rb->b + *len))
    return lg_reader_say(res, first ? LG_READ_ERR_NOT_LOG : LG_READ_ERR_CORRUPT,
                         off,
                         "%s is corrupted at byte %llu: checksum mismatch in a "
                         "record of type %u",
                         name, (unsigned long long)off, *type),
           LG_STEP_STOP;
  return LG_STEP_RECORD;
}

/* Checks what the first record must be: a well-formed HEADER of a version
 * this reader knows. Returns 0, or -1 with `res` filled. */
static int lg_reader_check_first(const char *name, const lg_process_t *p,
                                 uint32_t type, int bad,
                                 lg_read_result_t *res) {
  if (type != LG_REC_HEADER || bad || p->version == 0) {
    lg_reader_say(res, LG_READ_ERR_NOT_LOG, 0,
                  "%s is not a leakgraph log (it does not start with a valid "
                  "HEADER record)",
                  name);
    return -1;
  }
  if (p->version > LG_FORMAT_VERSION) {
    lg_reader_say(res, LG_READ_ERR_VERSION, 0,
                  "%s is a leakgraph log of format version %u; this "
                  "leakgraph-report reads versions up to %u (update it)",
                  name, p->version, LG_FORMAT_VERSION);
    return -1;
  }
  return 0;
}

/* Reads, checks and dispatches the record at `*off`. Returns STOP with
 * `res` filled for an error or a truncation, EOF at a clean end. */
static enum lg_step lg_reader_step(FILE *f, const char *name, lg_rstate_t *st,
                                   lg_rbuf_t *rb, uint64_t *off,
                                   lg_read_result_t *res) {
  uint32_t type = 0, len = 0;
  int first = st->p->records == 0;
  enum lg_step step = lg_reader_frame(f, name, st, rb, *off, &type, &len, res);
  if (step != LG_STEP_RECORD)
    return step;
  if (first && type != LG_REC_HEADER)
    return lg_reader_check_first(name, st->p, type, 0, res), LG_STEP_STOP;
  lg_cur_t c = {rb->b, len, 0};
  st->why = NULL;
  if (type < LG_NHANDLERS && lg_rec_handlers[type])
    lg_rec_handlers[type](st, &c);
  else
    st->p->unknown_records++;
  if (first && lg_reader_check_first(name, st->p, type, c.bad, res) < 0)
    return LG_STEP_STOP;
  if (c.bad)
    return lg_reader_say(res, LG_READ_ERR_CORRUPT, *off,
                         "%s is corrupted at byte %llu: malformed %s record "
                         "(%s)",
                         name, (unsigned long long)*off,
                         lg_rec_names[type < LG_NNAMES ? type : 0],
                         st->why ? st->why : "shorter than its fields"),
           LG_STEP_STOP;
  st->p->records++;
  if (type == LG_REC_END) /* END present: complete, even if a record */
    st->p->complete = 1;  /* (a late NOTE, say) follows it */
  *off += LG_REC_HEADER_SIZE + (uint64_t)len + LG_REC_TRAILER_SIZE;
  st->p->log_bytes = *off;
  return LG_STEP_RECORD;
}

/* ------------------------------------------------------------ public API */

lg_process_t *lg_reader_read_stream(FILE *f, const char *name,
                                    lg_read_result_t *res) {
  memset(res, 0, sizeof *res);
  lg_process_t *p = lg_util_xcalloc(1, sizeof *p);
  p->log_path = lg_util_xstrdup(name);
  lg_rstate_t st = {.p = p};
  lg_rbuf_t rb = {0};
  uint64_t off = 0;
  enum lg_step step;
  while ((step = lg_reader_step(f, name, &st, &rb, &off, res)) ==
         LG_STEP_RECORD)
    ;
  free(rb.b);
  lg_rangemap_free(&st.ranges);
  free(st.seg_seq);
  lg_idx_free(&st.module_ids);
  lg_idx_free(&st.scan_nums);
  if (res->status != LG_READ_OK) {
    lg_reader_free(p);
    return NULL;
  }
  return p;
}

/* Reads the log open as `f` (closing it), noting its owner. */
static lg_process_t *lg_reader_read_open(FILE *f, const char *path,
                                         lg_read_result_t *res) {
  if (!f) {
    int e = errno;
    memset(res, 0, sizeof *res);
    lg_reader_say(res, LG_READ_ERR_OPEN, 0, "cannot open %s: %s", path,
                  e == EINVAL ? "not a regular file" : strerror(e));
    return NULL;
  }
  lg_process_t *p = lg_reader_read_stream(f, path, res);
  struct stat st;
  if (p && fstat(fileno(f), &st) == 0) {
    p->has_owner = 1;
    p->owner_uid = (uint32_t)st.st_uid;
  }
  fclose(f);
  return p;
}

lg_process_t *lg_reader_read_file(const char *path, lg_read_result_t *res) {
  return lg_reader_read_open(fopen(path, "rb"), path, res);
}

lg_process_t *lg_reader_read_regular(const char *path, lg_read_result_t *res) {
  return lg_reader_read_open(lg_util_fopen_regular(path, 0), path, res);
}

/* Releases what a scan owns: its clusters, sites and chains. */
static void lg_scan_free(lg_scan_t *s) {
  for (size_t k = 0; k < s->nclusters; k++)
    lg_cluster_free(&s->clusters[k]);
  free(s->clusters);
  free(s->sites);
  for (size_t k = 0; k < s->nchains; k++)
    free(s->chains[k].hops);
  free(s->chains);
  free(s->live);
  for (size_t k = 0; k < s->nrc; k++)
    lg_rc_finding_free(&s->rc[k]);
  free(s->rc);
  free(s->rcobjs);
}

void lg_reader_free(lg_process_t *p) {
  if (!p)
    return;
  free(p->log_path);
  free(p->exe);
  for (uint32_t i = 0; p->argv && i < p->argc; i++)
    free(p->argv[i]);
  free(p->argv);
  free(p->options);
  free(p->parent_log);
  for (size_t i = 0; i < p->nmodules; i++) {
    free(p->modules[i].path);
    free(p->modules[i].build_id);
    free(p->modules[i].segs);
  }
  free(p->modules);
  lg_stack_t *s, *tmp;
  HASH_ITER(hh, p->stacks, s, tmp) {
    HASH_DEL(p->stacks, s);
    free(s->frames);
    free(s);
  }
  for (size_t i = 0; i < p->nscans; i++)
    lg_scan_free(&p->scans[i]);
  free(p->scans);
  for (size_t i = 0; i < p->nsupps; i++)
    free(p->supps[i].text), free(p->supps[i].origin);
  free(p->supps);
  for (size_t i = 0; i < p->nnotes; i++)
    free(p->notes[i].text);
  free(p->notes);
  lg_rctype_t *t, *ttmp;
  HASH_ITER(hh, p->rctypes, t, ttmp) {
    HASH_DEL(p->rctypes, t);
    for (size_t i = 0; i < t->nold; i++)
      free(t->old[i]);
    free(t->old);
    free(t->name);
    free(t);
  }
  free(p);
}

const lg_stack_t *lg_reader_stack(const lg_process_t *p, uint32_t id) {
  lg_stack_t *s;
  HASH_FIND(hh, p->stacks, &id, sizeof id, s);
  return s;
}

const lg_scan_t *lg_reader_last_scan(const lg_process_t *p) {
  for (size_t i = p->nscans; i-- > 0;)
    if (p->scans[i].ended)
      return &p->scans[i];
  return NULL;
}

size_t lg_reader_complete_scans(const lg_process_t *p) {
  size_t n = 0;
  for (size_t i = 0; i < p->nscans; i++)
    n += p->scans[i].ended != 0;
  return n;
}

const char *lg_reader_module_path(const lg_process_t *p, const lg_module_t *m) {
  if (m->path && m->path[0])
    return m->path;
  return p->exe ? p->exe : "";
}
