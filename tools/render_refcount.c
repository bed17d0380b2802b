/* tools/render_refcount.c — the refcount parts of the reports (see
 * render_refcount.h).
 *
 * Text, after the loss records (at most LG_RTEXT_FINDINGS findings, each
 * with at most LG_RTEXT_OBJECTS objects and stacks of LG_RTEXT_FRAMES
 * frames, up to main; --all shows everything):
 *
 *   REFCOUNT FINDINGS: 1 group of cyclic garbage (2 objects), 1 unbalanced object
 *
 *   cyclic garbage: 2 gobject objects that only each other's counts hold (pid 1234, scan 3)
 *      [0] Node at 0x55d0c0a3f2a0, refcount 1, born at make_pair:12 < main:40
 *      [1] Node at 0x55d0c0a3f310, refcount 1, born where [0] was
 *      references: [0] -> [1], [1] -> [0]
 *
 *   unbalanced: Widget at 0x55d0c0a3f400 (gobject), refcount 1 that no pointer
 *   accounts for (pid 1234, scan 3)
 *      born at scenario:30 < main:44
 *      balance tree (refs - unrefs, balanced subtrees pruned):
 *         +1  main (t.c:44)
 *         +1    scenario (t.c:33)
 *         +1      leaky_helper (t.c:22)                 1 ref, 0 unrefs
 *
 * (the C library's start-up frames above main are left out of the text).
 *
 * JSON: "refcount" is SPEC section 5's array, one entry per finding:
 *   {"kind", "family", "objects": [{"address", "type", "refcount",
 *    "stack"} + "block", "base", "family", "stack_inlined"], "edges":
 *    [[from, to]],
 *    "tree": [{"function", "file", "line", "refs", "unrefs", "balance",
 *    "children"} + "module", "address", "self_refs", "self_unrefs" (of
 *    the paths that end in the node)]} + "pid", "scan", "tree_inlined";
 * stacks and trees are written while a budget of frames and nodes tied to
 * the logs' size lasts ("stack_inlined", "tree_inlined" false: left
 * out);
 * the summary's "refcount": {"cyclic_garbage", "unbalanced",
 * "suppressed"} counts findings; each cluster's "refcounted" lists the
 * refcounted objects among its listed blocks: {"block", "address",
 * "type", "family", "refcount"}. */
#include "render_refcount.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "rcreport.h"
#include "util.h"

/* Returns `one` for 1 and `many` otherwise. */
static const char *lg_rtext_plural(uint64_t n, const char *one, const char *many) {
  return n == 1 ? one : many;
}

/* ------------------------------------------------------------------ text */

/* What the first screen shows: findings, objects per group, references,
 * frames per stack (--all: everything). */
#define LG_RTEXT_FINDINGS 6
#define LG_RTEXT_OBJECTS 4
#define LG_RTEXT_EDGES 8
#define LG_RTEXT_FRAMES 4
#define LG_RTEXT_TREE 40       /* lines of a balance tree */
#define LG_RTEXT_TREE_ALL 2000 /* ... with --all */

/* Is frame f one of the C library's start-up frames that call main? */
static int lg_rtext_startup(const char *function) {
  return function && (!strcmp(function, "_start") || !strcmp(function, "__libc_start_main") ||
                      !strcmp(function, "__libc_start_call_main"));
}

/* The name of a path's file without its directories. */
static const char *lg_rtext_base(const char *path) {
  const char *b = path ? strrchr(path, '/') : NULL;
  return b ? b + 1 : path;
}

/* Prints a stack on the rest of the line, innermost first, at most `max`
 * frames (all with `all`), up to main: "f:12 < g:30 < main:5". */
static void lg_rtext_line_stack(FILE *f, const lg_rstack_t *s, size_t max, int all) {
  size_t shown = 0;
  if (!s->n)
    fputs(" (no stack recorded)", f);
  for (size_t i = 0; i < s->n && (all || shown < max); i++) {
    const lg_symframe_t *fr = &s->frames[i];
    if (lg_rtext_startup(fr->function))
      break;
    fputs(shown++ ? " < " : " ", f);
    if (fr->function)
      fputs(fr->function, f);
    else
      fprintf(f, "%s+0x%" PRIx64, fr->module ? lg_rtext_base(fr->module) : "", fr->offset);
    if (fr->file && fr->line > 0)
      fprintf(f, ":%d", fr->line);
    if (fr->function && !strcmp(fr->function, "main"))
      break;
    if (!all && shown == max && i + 1 < s->n && !lg_rtext_startup(s->frames[i + 1].function))
      fputs(" < ...", f);
  }
  fputc('\n', f);
}

/* Says whether objects a and b were born at the same stack. */
static int lg_rtext_same_birth(const lg_robject_t *a, const lg_robject_t *b) {
  return a->src->birth_stack && a->src->birth_stack == b->src->birth_stack;
}

/* Returns the name of an object's type for the text. */
static const char *lg_rtext_type(const lg_rcobject_t *o) {
  return o->type ? o->type : "object of unknown type";
}

/* Prints object k of finding f with where it was born. */
static void lg_rtext_object(FILE *f, const lg_rfinding_t *rf, uint32_t k, int all) {
  const lg_robject_t *o = &rf->objects[k];
  fprintf(f, "   [%u] %s at 0x%" PRIx64 ", refcount %u, born", k, lg_rtext_type(o->src), o->src->address,
          o->src->refcount);
  for (uint32_t j = 0; j < k; j++)
    if (lg_rtext_same_birth(&rf->objects[j], o)) {
      fprintf(f, " where [%u] was\n", j);
      return;
    }
  fputs(" at", f);
  lg_rtext_line_stack(f, &o->birth, LG_RTEXT_FRAMES, all);
}

/* Prints a group of cyclic garbage: its objects and their references. */
static void lg_rtext_garbage(FILE *f, const lg_rfinding_t *rf, int all) {
  const lg_rcfinding_t *s = rf->src;
  uint32_t n = all || s->nobjects <= LG_RTEXT_OBJECTS + 1 ? s->nobjects : LG_RTEXT_OBJECTS;
  uint32_t ne = all || s->nedges <= LG_RTEXT_EDGES + 1 ? s->nedges : LG_RTEXT_EDGES;
  fprintf(f, "cyclic garbage: %u %s %s that only %s (pid %u, scan %u)\n", s->nobjects,
          lg_rc_family_name(s->family), lg_rtext_plural(s->nobjects, "object", "objects"),
          s->nobjects == 1 ? "its own reference holds" : "each other's counts hold", rf->proc->pid, s->scan);
  for (uint32_t k = 0; k < n; k++)
    lg_rtext_object(f, rf, k, all);
  if (n < s->nobjects)
    fprintf(f, "   + %u more objects (--all shows them)\n", s->nobjects - n);
  if (s->nedges)
    fputs("   references:", f);
  for (uint32_t e = 0; e < ne; e++)
    fprintf(f, "%s [%u] -> [%u]", e ? "," : "", s->edges[e].from, s->edges[e].to);
  if (ne < s->nedges)
    fprintf(f, " and %u more", s->nedges - ne);
  if (s->nedges)
    fputc('\n', f);
}

/* Prints one line of a balance tree: balance, indentation, the frame,
 * and for what ends there its refs and unrefs. */
static void lg_rtext_tree_line(FILE *f, int64_t balance, int depth, const char *function, const char *file,
                               int line, uint64_t refs, uint64_t unrefs) {
  int col = fprintf(f, "   %+5" PRId64 "  %*s%s", balance, 2 * depth, "", function ? function : "??");
  if (file)
    col += fprintf(f, " (%s:%d)", lg_rtext_base(file), line);
  if (refs || unrefs)
    fprintf(f, "%*s%" PRIu64 " %s, %" PRIu64 " %s", col < 56 ? 56 - col : 2, "", refs,
            lg_rtext_plural(refs, "ref", "refs"), unrefs, lg_rtext_plural(unrefs, "unref", "unrefs"));
  fputc('\n', f);
}

/* Lines of a tree the text may still print, and whether some did not fit. */
typedef struct lg_rtext_room { size_t left; int cut; } lg_rtext_room_t;

/* Prints a balance tree node and its children, indented by depth, while
 * the room lasts; what ends in the node itself while it has children is a
 * line of its own. The C library's start-up frames are left out: their
 * children show in their place. */
static void lg_rtext_node(FILE *f, const lg_rtree_t *t, int depth, lg_rtext_room_t *room) {
  int64_t self = (int64_t)t->self_refs - (int64_t)t->self_unrefs;
  if (lg_rtext_startup(t->function) && !self) {
    for (size_t i = 0; i < t->nchildren; i++)
      lg_rtext_node(f, &t->children[i], depth, room);
    return;
  }
  if (!room->left) {
    room->cut = 1;
    return;
  }
  room->left--;
  if (!t->nchildren) {
    lg_rtext_tree_line(f, lg_rcreport_balance(t), depth, t->function, t->file, t->line, t->refs, t->unrefs);
    return;
  }
  lg_rtext_tree_line(f, lg_rcreport_balance(t), depth, t->function, t->file, t->line, 0, 0);
  if (self && room->left) {
    room->left--;
    lg_rtext_tree_line(f, self, depth + 1, "(in the function itself)", t->file, t->self_line, t->self_refs,
                       t->self_unrefs);
  }
  for (size_t i = 0; i < t->nchildren; i++)
    lg_rtext_node(f, &t->children[i], depth + 1, room);
}

/* Prints an unbalanced object: where it was born and its balance tree. */
static void lg_rtext_unbalanced(FILE *f, const lg_rfinding_t *rf, int all) {
  const lg_rcobject_t *o = rf->objects[0].src;
  fprintf(f, "unbalanced: %s at 0x%" PRIx64 " (%s), refcount %u that no pointer accounts for (pid %u, scan %u)\n",
          lg_rtext_type(o), o->address, lg_rc_family_name(o->family), o->refcount, rf->proc->pid, rf->src->scan);
  fputs("   born at", f);
  lg_rtext_line_stack(f, &rf->objects[0].birth, LG_RTEXT_FRAMES, all);
  if (!rf->tree.nchildren) {
    fprintf(f, "   no ref or unref of it was recorded\n");
    return;
  }
  fprintf(f, "   balance tree (refs - unrefs, balanced subtrees pruned):\n");
  lg_rtext_room_t room = {all ? LG_RTEXT_TREE_ALL : LG_RTEXT_TREE, 0};
  for (size_t i = 0; i < rf->tree.nchildren; i++)
    lg_rtext_node(f, &rf->tree.children[i], 0, &room);
  if (room.cut)
    fprintf(f, "   (the tree goes on: %s)\n", all ? "the JSON report has it whole" : "--all shows more");
}

void lg_render_text_refcount(FILE *f, const lg_report_t *r, int all) {
  if (!r->nrc)
    return;
  size_t objects = 0, n = all || r->nrc <= LG_RTEXT_FINDINGS + 1 ? r->nrc : LG_RTEXT_FINDINGS;
  for (size_t i = 0; i < r->nrc; i++)
    objects += r->rc[i].src->kind == LG_RC_CYCLIC_GARBAGE ? r->rc[i].src->nobjects : 0;
  fprintf(f, "REFCOUNT FINDINGS: %zu %s of cyclic garbage (%zu %s), %zu unbalanced %s\n\n", r->nrc_garbage,
          lg_rtext_plural(r->nrc_garbage, "group", "groups"), objects, lg_rtext_plural(objects, "object", "objects"),
          r->nrc_unbalanced, lg_rtext_plural(r->nrc_unbalanced, "object", "objects"));
  for (size_t i = 0; i < n; i++) {
    if (r->rc[i].src->kind == LG_RC_CYCLIC_GARBAGE)
      lg_rtext_garbage(f, &r->rc[i], all);
    else
      lg_rtext_unbalanced(f, &r->rc[i], all);
    fputc('\n', f);
  }
  if (n < r->nrc)
    fprintf(f, "... and %zu more refcount findings; --all shows them all\n\n", r->nrc - n);
}

void lg_render_text_refcount_summary(FILE *f, const lg_report_t *r) {
  if (!r->nrc && !r->nrc_suppressed)
    return;
  fprintf(f, "   refcount: %zu %s of cyclic garbage, %zu unbalanced %s", r->nrc_garbage,
          lg_rtext_plural(r->nrc_garbage, "group", "groups"), r->nrc_unbalanced,
          lg_rtext_plural(r->nrc_unbalanced, "object", "objects"));
  if (r->nrc_suppressed)
    fprintf(f, " (%zu suppressed)", r->nrc_suppressed);
  fputc('\n', f);
}

/* Prints the types of the refcounted objects among the listed blocks of
 * the n clusters cl[] on one line, each type with how many. */
static void lg_rtext_refcounted(FILE *f, const lg_rcluster_t *const *cl, size_t n) {
  const lg_rcplaced_t **all = NULL;
  size_t nall = 0;
  for (size_t k = 0; k < n; k++) {
    size_t m;
    const lg_rcplaced_t **o = lg_rcreport_cluster_objects(cl[k], &m);
    all = m ? lg_util_xrealloc(all, nall + m, sizeof *all) : all;
    for (size_t i = 0; i < m; i++)
      all[nall++] = o[i];
    free(o);
  }
  if (!nall)
    return;
  fputs("   refcounted objects among its blocks:", f);
  for (size_t i = 0, shown = 0; i < nall; i++) {
    size_t same = 0, first = i;
    for (size_t j = 0; j < i && first == i; j++)
      if (lg_rcreport_same_type(all[j], all[i]))
        first = j;
    if (first != i)
      continue;
    for (size_t j = i; j < nall; j++)
      same += lg_rcreport_same_type(all[j], all[i]);
    fprintf(f, "%s %zu %s (%s)", shown++ ? "," : "", same, all[i]->type ? all[i]->type : "of unknown type",
            lg_rc_family_name(all[i]->family));
  }
  fputc('\n', f);
  free(all);
}

void lg_render_text_cluster_refcounted(FILE *f, const lg_rcluster_t *c) {
  lg_rtext_refcounted(f, &c, 1);
}

void lg_render_text_record_refcounted(FILE *f, const lg_report_t *r, const lg_rrecord_t *rec) {
  const lg_rcluster_t **cl = lg_util_xcalloc(rec->nclusters, sizeof *cl);
  for (size_t k = 0; k < rec->nclusters; k++)
    cl[k] = &r->clusters[rec->clusters[k]];
  lg_rtext_refcounted(f, cl, rec->nclusters);
  free(cl);
}

/* ------------------------------------------------------------------ JSON */

/* Writes one frame, as the report's stacks do. */
static void lg_rjson_frame(lg_json_t *j, const lg_symframe_t *fr) {
  lg_json_obj(j);
  lg_json_location(j, fr->function, fr->file, fr->line, fr->module, fr->address);
  lg_json_obj_end(j);
}

/* Frames and tree nodes the refcount array may still write, from the
 * size of the report's logs (as render_json.c bounds its stacks): a
 * hostile log of a few bytes per object cannot make the report repeat
 * long stacks without end. */
#define LG_RJSON_BUDGET_MIN 8192u
#define LG_RJSON_PER_KB 512u
static uint64_t lg_rjson_budget;

/* Takes n from the budget; 1 if it had them. */
static int lg_rjson_take(uint64_t n) {
  if (n > lg_rjson_budget)
    return 0;
  lg_rjson_budget -= n;
  return 1;
}

/* Counts the nodes of a tree below (and not counting) t. */
static uint64_t lg_rjson_nodes(const lg_rtree_t *t) {
  uint64_t n = t->nchildren;
  for (size_t i = 0; i < t->nchildren; i++)
    n += lg_rjson_nodes(&t->children[i]);
  return n;
}

/* Writes one object of a finding. */
static void lg_rjson_object(lg_json_t *j, const lg_robject_t *o) {
  lg_json_obj(j);
  lg_json_key(j, "address");
  lg_json_hex(j, o->src->address);
  lg_json_key(j, "block");
  lg_json_hex(j, o->src->block);
  lg_json_key(j, "type");
  lg_json_str(j, o->src->type);
  lg_json_key(j, "family");
  lg_json_str(j, lg_rc_family_name(o->src->family));
  lg_json_key(j, "refcount");
  lg_json_u64(j, o->src->refcount);
  lg_json_key(j, "base");
  lg_json_u64(j, o->src->base);
  int inlined = lg_rjson_take(o->birth.n);
  lg_json_key(j, "stack");
  lg_json_arr(j);
  for (size_t i = 0; inlined && i < o->birth.n; i++)
    lg_rjson_frame(j, &o->birth.frames[i]);
  lg_json_arr_end(j);
  lg_json_key(j, "stack_inlined");
  lg_json_bool(j, inlined);
  lg_json_obj_end(j);
}

/* Writes a balance tree node and, nested, its children. */
static void lg_rjson_node(lg_json_t *j, const lg_rtree_t *t) {
  lg_json_obj(j);
  lg_json_location(j, t->function, t->file, t->line, t->module, t->address);
  lg_json_key(j, "refs");
  lg_json_u64(j, t->refs);
  lg_json_key(j, "unrefs");
  lg_json_u64(j, t->unrefs);
  lg_json_key(j, "balance");
  lg_json_i64(j, lg_rcreport_balance(t));
  lg_json_key(j, "self_refs");
  lg_json_u64(j, t->self_refs);
  lg_json_key(j, "self_unrefs");
  lg_json_u64(j, t->self_unrefs);
  lg_json_key(j, "children");
  lg_json_arr(j);
  for (size_t i = 0; i < t->nchildren; i++)
    lg_rjson_node(j, &t->children[i]);
  lg_json_arr_end(j);
  lg_json_obj_end(j);
}

/* Writes one entry of the "refcount" array. */
static void lg_rjson_finding(lg_json_t *j, const lg_rfinding_t *rf) {
  const lg_rcfinding_t *s = rf->src;
  lg_json_obj(j);
  lg_json_key(j, "kind");
  lg_json_str(j, lg_rcreport_kind_name(s->kind));
  lg_json_key(j, "family");
  lg_json_str(j, lg_rc_family_name(s->family));
  lg_json_key(j, "pid");
  lg_json_u64(j, rf->proc->pid);
  lg_json_key(j, "scan");
  lg_json_u64(j, s->scan);
  lg_json_key(j, "objects");
  lg_json_arr(j);
  for (uint32_t k = 0; k < s->nobjects; k++)
    lg_rjson_object(j, &rf->objects[k]);
  lg_json_arr_end(j);
  lg_json_key(j, "edges");
  lg_json_arr(j);
  for (uint32_t e = 0; e < s->nedges; e++) {
    lg_json_arr(j);
    lg_json_u64(j, s->edges[e].from);
    lg_json_u64(j, s->edges[e].to);
    lg_json_arr_end(j);
  }
  lg_json_arr_end(j);
  int inlined = lg_rjson_take(lg_rjson_nodes(&rf->tree));
  lg_json_key(j, "tree");
  lg_json_arr(j);
  for (size_t i = 0; inlined && i < rf->tree.nchildren; i++)
    lg_rjson_node(j, &rf->tree.children[i]);
  lg_json_arr_end(j);
  lg_json_key(j, "tree_inlined");
  lg_json_bool(j, inlined);
  lg_json_obj_end(j);
}

void lg_render_json_refcount(lg_json_t *j, const lg_report_t *r) {
  uint64_t bytes = lg_analyze_log_bytes(r);
  lg_rjson_budget = LG_RJSON_BUDGET_MIN + bytes / 1024 * LG_RJSON_PER_KB;
  lg_json_key(j, "refcount");
  lg_json_arr(j);
  for (size_t i = 0; i < r->nrc; i++)
    lg_rjson_finding(j, &r->rc[i]);
  lg_json_arr_end(j);
}

void lg_render_json_refcount_summary(lg_json_t *j, const lg_report_t *r) {
  lg_json_key(j, "refcount");
  lg_json_obj(j);
  lg_json_key(j, "cyclic_garbage");
  lg_json_u64(j, r->nrc_garbage);
  lg_json_key(j, "unbalanced");
  lg_json_u64(j, r->nrc_unbalanced);
  lg_json_key(j, "suppressed");
  lg_json_u64(j, r->nrc_suppressed);
  lg_json_obj_end(j);
}

void lg_render_json_cluster_refcounted(lg_json_t *j, const lg_rcluster_t *c) {
  size_t n;
  const lg_rcplaced_t **o = lg_rcreport_cluster_objects(c, &n);
  lg_json_key(j, "refcounted");
  lg_json_arr(j);
  for (size_t i = 0; i < n; i++) {
    lg_json_obj(j);
    lg_json_key(j, "block");
    lg_json_hex(j, o[i]->block);
    lg_json_key(j, "address");
    lg_json_hex(j, o[i]->address);
    lg_json_key(j, "type");
    lg_json_str(j, o[i]->type);
    lg_json_key(j, "family");
    lg_json_str(j, lg_rc_family_name(o[i]->family));
    lg_json_key(j, "refcount");
    lg_json_u64(j, o[i]->refcount);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
  free(o);
}
