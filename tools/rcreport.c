/* tools/rcreport.c — the report's refcount findings and their balance
 * trees (see rcreport.h). A tree is built in a pool of nodes linked by
 * index (children as sibling lists, found through a hash table by parent
 * and frame, so the work stays linear in the frames of the paths), pruned,
 * then copied out into
 * lg_rtree_t arrays; the paths through each node are remembered with the
 * line of their frame there, to give each node the line that leads to
 * what stayed unbalanced. */
#include "rcreport.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NONE ((size_t)-1)

const char *lg_rcreport_kind_name(uint32_t kind) {
  return kind == LG_RC_CYCLIC_GARBAGE ? "cyclic_garbage"
         : kind == LG_RC_UNBALANCED   ? "unbalanced"
                                      : "unknown";
}

int64_t lg_rcreport_balance(const lg_rtree_t *t) {
  return (int64_t)t->refs - (int64_t)t->unrefs;
}

/* ---------------------------------------------------------- tree building */

typedef struct lg_bnode {
  const lg_symframe_t *frame; /* NULL for the root */
  uint64_t refs, unrefs, self_refs, self_unrefs;
  size_t parent, first, last, next; /* children, and the next sibling */
} lg_bnode_t;

/* A path through node `node` at `line` of its frame, going on into child
 * `next` (NONE: the path ends there), carrying `delta` = refs - unrefs. */
typedef struct lg_bline {
  size_t node, next;
  int line;
  int64_t delta;
} lg_bline_t;

/* The pool, and a hash table of its nodes by (parent, frame) so that a
 * node with many children finds the right one at once. */
typedef struct lg_bpool {
  lg_bnode_t *n;
  size_t nn, capn;
  lg_bline_t *l;
  size_t nl, capl;
  size_t *slot; /* node indexes, NONE when free; nslot a power of two */
  size_t nslot;
} lg_bpool_t;

/* Says whether two strings are equal, NULL equal only to NULL. */
static int lg_rcreport_streq(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* Do two frames merge into one node: the same function in the same file
 * and module, or (unsymbolized) the same address? */
static int lg_rcreport_same(const lg_symframe_t *a, const lg_symframe_t *b) {
  if (a->function || b->function)
    return lg_rcreport_streq(a->function, b->function) &&
           lg_rcreport_streq(a->file, b->file) &&
           lg_rcreport_streq(a->module, b->module);
  return a->address == b->address && lg_rcreport_streq(a->module, b->module);
}

/* A string's hash (FNV-1a), 0 for NULL. */
static uint64_t lg_rcreport_strhash(const char *s) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (; s && *s; s++)
    h = (h ^ (unsigned char)*s) * 0x100000001b3ull;
  return s ? h : 0;
}

/* The hash of the node key (parent, frame) that lg_rcreport_same agrees
 * with: the same function, file and module, or address and module. */
static size_t lg_rcreport_keyhash(size_t parent, const lg_symframe_t *f) {
  uint64_t h = f->function ? lg_rcreport_strhash(f->function) ^ lg_rcreport_strhash(f->file) * 3
                           : f->address * 0x9E3779B97F4A7C15ull;
  return (size_t)((h ^ lg_rcreport_strhash(f->module) * 5 ^ parent * 0xff51afd7ed558ccdull) >> 7);
}

/* Puts node c into the hash table (which has room). */
static void lg_rcreport_insert(lg_bpool_t *p, size_t c, size_t parent) {
  size_t j = lg_rcreport_keyhash(parent, p->n[c].frame) & (p->nslot - 1);
  while (p->slot[j] != NONE)
    j = (j + 1) & (p->nslot - 1);
  p->slot[j] = c;
}

/* Doubles the hash table once it is half full. */
static void lg_rcreport_rehash(lg_bpool_t *p) {
  if (p->nn * 2 < p->nslot)
    return;
  free(p->slot);
  p->nslot = p->nslot ? p->nslot * 2 : 1024;
  p->slot = lg_util_xmalloc(p->nslot * sizeof *p->slot);
  memset(p->slot, 0xFF, p->nslot * sizeof *p->slot);
  for (size_t c = 1; c < p->nn; c++)
    lg_rcreport_insert(p, c, p->n[c].parent);
}

/* Returns the child of `parent` for frame `f`, adding it if needed. */
static size_t lg_rcreport_child(lg_bpool_t *p, size_t parent,
                                const lg_symframe_t *f) {
  lg_rcreport_rehash(p);
  size_t j = lg_rcreport_keyhash(parent, f) & (p->nslot - 1);
  for (; p->slot[j] != NONE; j = (j + 1) & (p->nslot - 1)) {
    size_t c = p->slot[j];
    if (p->n[c].parent == parent && lg_rcreport_same(p->n[c].frame, f))
      return c;
  }
  p->n = lg_util_grow(p->n, p->nn, &p->capn, sizeof *p->n);
  lg_bnode_t *k = &p->n[p->nn];
  memset(k, 0, sizeof *k);
  k->frame = f;
  k->parent = parent;
  k->first = k->last = k->next = NONE;
  if (p->n[parent].first == NONE)
    p->n[parent].first = p->nn;
  else
    p->n[p->n[parent].last].next = p->nn;
  p->n[parent].last = p->nn;
  p->slot[j] = p->nn;
  return p->nn++;
}

static void lg_rcreport_line(lg_bpool_t *p, size_t node, size_t next, int line,
                             int64_t delta) {
  p->l = lg_util_grow(p->l, p->nl, &p->capl, sizeof *p->l);
  p->l[p->nl++] = (lg_bline_t){node, next, line, delta};
}

/* Adds one path: the frames of `s` from the outermost inward. */
static void lg_rcreport_path(lg_bpool_t *p, const lg_rstack_t *s, uint64_t refs,
                             uint64_t unrefs) {
  size_t cur = 0;
  p->n[0].refs += refs, p->n[0].unrefs += unrefs;
  for (size_t i = s->n; i-- > 0;) {
    size_t c = lg_rcreport_child(p, cur, &s->frames[i]);
    p->n[c].refs += refs, p->n[c].unrefs += unrefs;
    if (cur != 0)
      lg_rcreport_line(p, cur, c, s->frames[i + 1].line, (int64_t)refs - (int64_t)unrefs);
    cur = c;
  }
  if (cur != 0)
    lg_rcreport_line(p, cur, NONE, s->frames[0].line, (int64_t)refs - (int64_t)unrefs);
  p->n[cur].self_refs += refs, p->n[cur].self_unrefs += unrefs;
}

/* Says whether pool node i stays in the tree: its balance is not zero. */
static int lg_rcreport_kept(const lg_bpool_t *p, size_t i) {
  return p->n[i].refs != p->n[i].unrefs;
}

/* Orders paths by node, then line. */
static int lg_rcreport_line_order(const void *a, const void *b) {
  const lg_bline_t *x = a, *y = b;
  if (x->node != y->node)
    return x->node < y->node ? -1 : 1;
  return (x->line > y->line) - (x->line < y->line);
}

/* The line of node l[0].node whose paths l[0..n) carry the largest
 * balance, counting only the paths into kept children (`into_child`) or
 * only those ending at the node; 0 when none carries any. */
static int lg_rcreport_best_line(const lg_bpool_t *p, const lg_bline_t *l, size_t n,
                                 int into_child) {
  int best = 0, found = 0;
  int64_t best_sum = 0;
  for (size_t k = 0; k < n;) {
    size_t j = k;
    int64_t sum = 0;
    for (; j < n && l[j].line == l[k].line; j++) {
      int child = l[j].next != NONE && lg_rcreport_kept(p, l[j].next);
      if (into_child ? child : l[j].next == NONE)
        sum += l[j].delta;
    }
    if (sum != 0 && (!found || llabs(sum) > llabs(best_sum)))
      best = l[k].line, best_sum = sum, found = 1;
    k = j;
  }
  return best;
}

/* Copies the kept children of pool node `i` into out->children. */
static void lg_rcreport_copy(const lg_bpool_t *p, size_t i, const int *lines,
                             lg_rtree_t *out) {
  size_t n = 0;
  for (size_t c = p->n[i].first; c != NONE; c = p->n[c].next)
    n += lg_rcreport_kept(p, c);
  out->children = lg_util_xcalloc(n, sizeof *out->children);
  for (size_t c = p->n[i].first; c != NONE; c = p->n[c].next) {
    if (!lg_rcreport_kept(p, c))
      continue;
    lg_rtree_t *t = &out->children[out->nchildren++];
    const lg_symframe_t *f = p->n[c].frame;
    t->function = f->function, t->file = f->file, t->module = f->module;
    t->address = f->address;
    t->line = lines[2 * c] ? lines[2 * c] : lines[2 * c + 1] ? lines[2 * c + 1] : f->line;
    t->self_line = lines[2 * c + 1] ? lines[2 * c + 1] : f->line;
    t->refs = p->n[c].refs, t->unrefs = p->n[c].unrefs;
    t->self_refs = p->n[c].self_refs, t->self_unrefs = p->n[c].self_unrefs;
    lg_rcreport_copy(p, c, lines, t);
  }
}

void lg_rcreport_tree_from(lg_rtree_t *root, const lg_rstack_t *stacks,
                           const uint64_t *refs, const uint64_t *unrefs,
                           size_t n) {
  lg_bpool_t p = {0};
  memset(root, 0, sizeof *root);
  p.n = lg_util_grow(p.n, 0, &p.capn, sizeof *p.n);
  memset(&p.n[0], 0, sizeof p.n[0]);
  p.n[0].first = p.n[0].last = p.n[0].next = NONE;
  p.nn = 1;
  for (size_t k = 0; k < n; k++)
    lg_rcreport_path(&p, &stacks[k], refs[k], unrefs[k]);
  qsort(p.l, p.nl, sizeof *p.l, lg_rcreport_line_order);
  int *lines = lg_util_xcalloc(2 * p.nn, sizeof *lines); /* into children, here */
  for (size_t k = 0; k < p.nl;) {
    size_t j = k;
    while (j < p.nl && p.l[j].node == p.l[k].node)
      j++;
    lines[2 * p.l[k].node] = lg_rcreport_best_line(&p, p.l + k, j - k, 1);
    lines[2 * p.l[k].node + 1] = lg_rcreport_best_line(&p, p.l + k, j - k, 0);
    k = j;
  }
  root->refs = p.n[0].refs, root->unrefs = p.n[0].unrefs;
  lg_rcreport_copy(&p, 0, lines, root);
  free(lines);
  free(p.n);
  free(p.l);
  free(p.slot);
}

void lg_rcreport_tree_free(lg_rtree_t *root) {
  for (size_t i = 0; i < root->nchildren; i++)
    lg_rcreport_tree_free(&root->children[i]);
  free(root->children);
  root->children = NULL;
  root->nchildren = 0;
}

/* ---------------------------------------------------------------- births */

/* The libraries whose frames a family's birth stack starts in: the birth
 * is put at the first frame outside them. */
static const char *const lg_rcreport_libs[LG_RC_NFAMILIES + 1][6] = {
    [LG_RC_GOBJECT] = {"libgobject-2.0", "libglib-2.0", "libgio-2.0", "libgstreamer-1.0", NULL},
    [LG_RC_GSTREAMER] = {"libgstreamer-1.0", "libgstbase-1.0", "libglib-2.0", NULL},
    [LG_RC_OPENSSL] = {"libcrypto", "libssl", NULL},
};

/* Is frame f in one of the libraries of `family`? */
static int lg_rcreport_in_lib(const lg_symframe_t *f, uint32_t family) {
  if (family > LG_RC_NFAMILIES || !f->module)
    return 0;
  const char *base = strrchr(f->module, '/');
  base = base ? base + 1 : f->module;
  for (const char *const *l = lg_rcreport_libs[family]; *l; l++)
    if (strncmp(base, *l, strlen(*l)) == 0)
      return 1;
  return 0;
}

/* Is frame f in an inline function of a header — the public header's
 * (leakgraph_ref, leakgraph_unref, ...) or a system library's
 * (gst_buffer_ref in /usr/include/gstreamer-1.0/gst/gstbuffer.h) — which
 * a program built without optimisation keeps as a frame of its own? Such
 * a frame is part of the library call, not the caller's code. */
static int lg_rcreport_in_header(const lg_symframe_t *f) {
  size_t n = f->file ? strlen(f->file) : 0;
  if (n >= 13 && strncmp(f->file, "/usr/include/", 13) == 0)
    return 1;
  return n >= 11 && strcmp(f->file + n - 11, "leakgraph.h") == 0 &&
         (n == 11 || f->file[n - 12] == '/');
}

/* The path of stack `s`: without its innermost frames in headers' inline
 * functions and, for a birth, in the family's libraries (all of it when
 * every frame is). */
static lg_rstack_t lg_rcreport_path_of(const lg_rstack_t *s, uint32_t family, int birth) {
  size_t k = 0;
  while (k < s->n && (lg_rcreport_in_header(&s->frames[k]) ||
                      (birth && lg_rcreport_in_lib(&s->frames[k], family))))
    k++;
  if (k == s->n)
    k = 0;
  return (lg_rstack_t){.n = s->n - k, .frames = s->frames + k};
}

/* Pseudo frames for paths without a stack. */
static lg_symframe_t lg_rcreport_no_stack = {.function = "(stacks beyond the history's bound)"};
static lg_symframe_t lg_rcreport_adopted = {.function = "(its count when leakgraph first saw it)"};

/* Builds the balance tree of object `o` of process `p`. */
static void lg_rcreport_object_tree(lg_rtree_t *root, const lg_process_t *p,
                                    lg_sym_t *sym, const lg_robject_t *o) {
  const lg_rcobject_t *src = o->src;
  size_t n = src->nhistory + 1;
  lg_rstack_t *st = lg_util_xcalloc(n, sizeof *st), *owned = lg_util_xcalloc(n, sizeof *owned);
  uint64_t *refs = lg_util_xcalloc(n, sizeof *refs), *unrefs = lg_util_xcalloc(n, sizeof *unrefs);
  for (uint32_t k = 0; k < src->nhistory; k++) {
    lg_analyze_stack(sym, p, src->history[k].stack_id, &owned[k]);
    st[k] = owned[k].n ? lg_rcreport_path_of(&owned[k], src->family, 0)
                       : (lg_rstack_t){.n = 1, .frames = &lg_rcreport_no_stack};
    refs[k] = src->history[k].refs, unrefs[k] = src->history[k].unrefs;
  }
  st[n - 1] = o->birth.n ? lg_rcreport_path_of(&o->birth, src->family, 1)
                         : (lg_rstack_t){.n = 1, .frames = &lg_rcreport_adopted};
  refs[n - 1] = src->base;
  lg_rcreport_tree_from(root, st, refs, unrefs, n);
  for (size_t k = 0; k < n; k++)
    free(owned[k].frames);
  free(owned), free(st), free(refs), free(unrefs);
}

/* ---------------------------------------------------------------- report */

/* Is every object of finding f born at a suppressed stack? */
static int lg_rcreport_suppressed(const lg_report_t *r, size_t i,
                                  const lg_rfinding_t *f) {
  for (uint32_t k = 0; k < f->src->nobjects; k++) {
    const lg_rstack_t *b = &f->objects[k].birth;
    int hit = b->n && ((r->global && lg_supp_match_stack(r->global, b->frames, b->n)) ||
                       lg_supp_match_stack(&r->local[i], b->frames, b->n));
    if (!hit)
      return 0;
  }
  return 1;
}

/* Releases what a finding of the report owns. */
static void lg_rcreport_free_finding(lg_rfinding_t *f) {
  for (uint32_t k = 0; f->objects && k < f->src->nobjects; k++)
    free(f->objects[k].birth.frames);
  free(f->objects);
  lg_rcreport_tree_free(&f->tree);
}

/* Orders RC_OBJECTS entries by block. */
static int lg_rcreport_placed_order(const void *a, const void *b) {
  const lg_rcplaced_t *x = a, *y = b;
  return (x->block > y->block) - (x->block < y->block);
}

void lg_rcreport_build(lg_report_t *r, size_t i, lg_sym_t *sym) {
  lg_process_t *p = r->procs[i];
  for (size_t k = 0; k < p->nscans; k++)
    if (p->scans[k].nrcobjs > 1)
      qsort(p->scans[k].rcobjs, p->scans[k].nrcobjs, sizeof *p->scans[k].rcobjs,
            lg_rcreport_placed_order);
  const lg_scan_t *s = lg_analyze_scan(p);
  for (size_t k = 0; s && k < s->nrc; k++) {
    lg_rfinding_t f = {p, &s->rc[k], NULL, {0}};
    f.objects = lg_util_xcalloc(f.src->nobjects, sizeof *f.objects);
    for (uint32_t j = 0; j < f.src->nobjects; j++) {
      f.objects[j].src = &f.src->objects[j];
      lg_analyze_stack(sym, p, f.src->objects[j].birth_stack, &f.objects[j].birth);
    }
    if (lg_rcreport_suppressed(r, i, &f)) {
      r->nrc_suppressed++;
      lg_rcreport_free_finding(&f);
      continue;
    }
    if (f.src->kind == LG_RC_UNBALANCED)
      lg_rcreport_object_tree(&f.tree, p, sym, &f.objects[0]);
    r->rc = lg_util_grow(r->rc, r->nrc, &r->rc_cap, sizeof *r->rc);
    r->rc[r->nrc++] = f;
    r->nrc_garbage += f.src->kind == LG_RC_CYCLIC_GARBAGE;
    r->nrc_unbalanced += f.src->kind == LG_RC_UNBALANCED;
  }
}

void lg_rcreport_free(lg_report_t *r) {
  for (size_t k = 0; k < r->nrc; k++)
    lg_rcreport_free_finding(&r->rc[k]);
  free(r->rc);
  r->rc = NULL;
  r->nrc = r->rc_cap = 0;
}

int lg_rcreport_same_type(const lg_rcplaced_t *a, const lg_rcplaced_t *b) {
  return a->family == b->family && lg_rcreport_streq(a->type, b->type);
}

/* The scan of process p that holds cluster record `cl`, or NULL. */
static const lg_scan_t *lg_rcreport_scan_of(const lg_process_t *p,
                                            const lg_cluster_t *cl) {
  for (size_t k = 0; k < p->nscans; k++) {
    const lg_scan_t *s = &p->scans[k];
    if (s->nclusters && cl >= s->clusters && cl < s->clusters + s->nclusters)
      return s;
  }
  return NULL;
}

const lg_rcplaced_t **lg_rcreport_cluster_objects(const lg_rcluster_t *c, size_t *n) {
  const lg_scan_t *s = lg_rcreport_scan_of(c->proc, c->src);
  *n = 0;
  if (!s || !s->nrcobjs)
    return NULL;
  const lg_rcplaced_t **out = lg_util_xcalloc(c->src->nlisted, sizeof *out);
  for (uint32_t b = 0; b < c->src->nlisted; b++) {
    lg_rcplaced_t key = {.block = c->src->listed[b].address};
    const lg_rcplaced_t *o = bsearch(&key, s->rcobjs, s->nrcobjs, sizeof key,
                                     lg_rcreport_placed_order);
    if (o)
      out[(*n)++] = o;
  }
  if (!*n) {
    free(out);
    out = NULL;
  }
  return out;
}
