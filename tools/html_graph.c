/* tools/html_graph.c — the pictures of the HTML report: each leaked cluster
 * as a Graphviz graph laid out by dot (the layout objgraph uses) and
 * rendered to SVG in memory with libgvc, written inline into the page.
 *
 * A cluster that lists at most LG_HTML_FOLD_BLOCKS blocks is drawn block
 * by block: a node per listed block (its size, the function and line that
 * allocated it), an edge per pointer, entry blocks bold on yellow, blocks
 * and pointers of a cycle in red, and a note for the blocks the log did
 * not list. A bigger one is folded by site: a node per member site
 * (records.h: blocks, bytes, function, category, recursion), an edge per
 * pair of sites with pointers between their blocks (labelled with how many
 * when more than one), entry and cycle marks carried over from the blocks.
 *
 * The context holds only the dot layout and the core (SVG) plugins,
 * linked in: nothing is loaded from disk, no font library is asked, so a
 * picture depends on the log alone. Labels are built from log strings
 * with everything but printable ASCII replaced and backslashes doubled
 * (Graphviz reads \n, \l, \N ... in labels). */
#include "html.h"

#include <gvc.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

extern gvplugin_library_t gvplugin_dot_layout_LTX_library;
extern gvplugin_library_t gvplugin_core_LTX_library;

static lt_symlist_t lg_gv_builtins[] = {
    {"gvplugin_dot_layout_LTX_library", &gvplugin_dot_layout_LTX_library},
    {"gvplugin_core_LTX_library", &gvplugin_core_LTX_library},
    {NULL, NULL},
};

struct lg_html_gv {
  GVC_t *gvc;
};

lg_html_gv_t *lg_html_gv_new(void) {
  lg_html_gv_t *gv = lg_util_xcalloc(1, sizeof *gv);
  agseterr(AGMAX); /* no warnings of Graphviz's on our stderr */
  gv->gvc = gvContextPlugins(lg_gv_builtins, 0);
  return gv;
}

void lg_html_gv_free(lg_html_gv_t *gv) {
  if (!gv)
    return;
  if (gv->gvc)
    gvFreeContext(gv->gvc);
  free(gv);
}

/* ------------------------------------------------------------ labels */

/* Longest run of a string a label shows. */
#define LG_GV_LABEL_CHARS 44

/* Appends `s` to a label: printable ASCII only (others become '?'),
 * backslashes doubled, cut to LG_GV_LABEL_CHARS with "...". */
static void lg_gv_put(lg_sb_t *sb, const char *s) {
  size_t n = 0;
  for (; s && *s; s++, n++) {
    if (n == LG_GV_LABEL_CHARS) {
      lg_sb_append(sb, "...", 3);
      return;
    }
    unsigned char c = (unsigned char)*s;
    if (c == '\\')
      lg_sb_append(sb, "\\\\", 2);
    else
      lg_sb_append(sb, c >= 0x20 && c < 0x7f ? (const char *)&c : "?", 1);
  }
}

/* Returns the file name part of a path. */
static const char *lg_gv_base(const char *file) {
  const char *slash = file ? strrchr(file, '/') : NULL;
  return slash && slash[1] ? slash + 1 : file;
}

/* Appends the innermost shown frame of site `fs` to a label: its function
 * and, on the next line, its file and line (or module and offset), and
 * with `depth` how deep it recursed. */
static void lg_gv_site(lg_sb_t *sb, const lg_fstack_t *fs, int depth) {
  if (fs->nsegs == 0) {
    lg_sb_append(sb, "\\n(no stack)", 12);
    return;
  }
  const lg_symframe_t *fr = &fs->frames[fs->segs[0].first];
  lg_sb_append(sb, "\\n", 2);
  if (fr->function)
    lg_gv_put(sb, fr->function);
  else
    lg_sb_printf(sb, "0x%" PRIx64, fr->offset);
  lg_sb_append(sb, "\\n", 2);
  if (fr->file) {
    lg_gv_put(sb, lg_gv_base(fr->file));
    lg_sb_printf(sb, ":%d", fr->line);
  } else {
    lg_gv_put(sb, fr->module ? lg_gv_base(fr->module) : "?");
  }
  if (depth && lg_site_max_depth(fs) > 1)
    lg_sb_printf(sb, "\\nrecursion x%u", lg_site_max_depth(fs));
}

/* ------------------------------------------------------------- graphs */

/* Opens a graph with the page's defaults for nodes and edges. */
static Agraph_t *lg_gv_open(unsigned id) {
  Agraph_t *g = agopen("cluster", Agdirected, NULL);
  char gid[32];
  snprintf(gid, sizeof gid, "lg-c%u", id);
  agattr(g, AGRAPH, "id", gid);
  agattr(g, AGRAPH, "bgcolor", "transparent");
  agattr(g, AGRAPH, "nodesep", "0.25");
  agattr(g, AGRAPH, "ranksep", "0.35");
  agattr(g, AGRAPH, "pad", "0.1");
  agattr(g, AGNODE, "shape", "box");
  agattr(g, AGNODE, "style", "rounded,filled");
  agattr(g, AGNODE, "fillcolor", "#ffffff");
  agattr(g, AGNODE, "color", "#5b6472");
  agattr(g, AGNODE, "fontcolor", "#1d2330");
  agattr(g, AGNODE, "fontname", "Courier");
  agattr(g, AGNODE, "fontsize", "10");
  agattr(g, AGNODE, "penwidth", "1");
  agattr(g, AGNODE, "class", "");
  agattr(g, AGNODE, "label", "\\N");
  agattr(g, AGEDGE, "color", "#5b6472");
  agattr(g, AGEDGE, "penwidth", "1");
  agattr(g, AGEDGE, "arrowsize", "0.6");
  agattr(g, AGEDGE, "class", "");
  agattr(g, AGEDGE, "label", "");
  agattr(g, AGEDGE, "fontname", "Courier");
  agattr(g, AGEDGE, "fontsize", "9");
  return g;
}

/* Sets a node's look: classes and the marks of an entry and a cycle. */
static void lg_gv_mark(Agnode_t *n, const char *cls, size_t site, int entry,
                       int cycle) {
  char buf[128];
  snprintf(buf, sizeof buf, "%s lg-site-%zu%s%s", cls, site,
           entry ? " lg-entry" : "", cycle ? " lg-cycle" : "");
  agsafeset(n, "class", buf, "");
  if (entry) {
    agsafeset(n, "penwidth", "2.5", "");
    agsafeset(n, "fillcolor", "#fff3c4", "");
  }
  if (cycle) {
    agsafeset(n, "color", "#b3261e", "");
    agsafeset(n, "fontcolor", "#b3261e", "");
  }
}

/* Adds an edge from `a` to `b`, red within a cycle, labelled with `count`
 * pointers when more than one. */
static void lg_gv_edge(Agraph_t *g, Agnode_t *a, Agnode_t *b, uint64_t count,
                       int cycle) {
  Agedge_t *e = agedge(g, a, b, NULL, 1);
  agsafeset(e, "class", cycle ? "lg-ptr lg-cycle" : "lg-ptr", "");
  if (cycle) {
    agsafeset(e, "color", "#b3261e", "");
    agsafeset(e, "penwidth", "1.6", "");
  }
  if (count > 1) {
    char buf[32];
    snprintf(buf, sizeof buf, "x%" PRIu64, count);
    agsafeset(e, "label", buf, "");
  }
}

/* Returns the member site id of listed block `b` (0 when unknown). */
static size_t lg_gv_site_of(const lg_rcluster_t *c, uint32_t b,
                            const size_t *site_of_member) {
  int32_t m = c->listed_member[b];
  return m >= 0 ? site_of_member[m] : 0;
}

/* Adds a note for the blocks of `c` the log did not list. */
static void lg_gv_unlisted(Agraph_t *g, const lg_rcluster_t *c) {
  const lg_cluster_t *cl = c->src;
  if (cl->blocks <= cl->nlisted)
    return;
  char buf[96];
  snprintf(buf, sizeof buf, "+%u blocks not listed in the log",
           cl->blocks - cl->nlisted);
  Agnode_t *n = agnode(g, "more", 1);
  agsafeset(n, "label", buf, "");
  agsafeset(n, "shape", "note", "");
  agsafeset(n, "class", "lg-more", "");
}

/* Builds the block-by-block graph of cluster `c`. */
static void lg_gv_blocks(Agraph_t *g, const lg_rcluster_t *c,
                         const size_t *site_of_member) {
  const lg_cluster_t *cl = c->src;
  Agnode_t **nodes = lg_util_xcalloc(cl->nlisted, sizeof *nodes);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    const lg_listed_t *b = &cl->listed[i];
    char name[24];
    snprintf(name, sizeof name, "[%u]", i);
    nodes[i] = agnode(g, name, 1);
    lg_sb_t label = {0};
    lg_sb_printf(&label, "%" PRIu64 " bytes", b->size);
    if (c->listed_member[i] >= 0)
      lg_gv_site(&label, &c->members[c->listed_member[i]].site, 0);
    agsafeset(nodes[i], "label", label.s, "");
    lg_sb_free(&label);
    lg_gv_mark(nodes[i], "lg-block", lg_gv_site_of(c, i, site_of_member),
               b->flags & LG_LISTED_ENTRY, b->flags & LG_LISTED_IN_CYCLE);
  }
  for (uint32_t i = 0; i < cl->nedges; i++) {
    const lg_edge_t *e = &cl->edges[i];
    int cyc = (cl->listed[e->from].flags & LG_LISTED_IN_CYCLE) &&
              (cl->listed[e->to].flags & LG_LISTED_IN_CYCLE);
    lg_gv_edge(g, nodes[e->from], nodes[e->to], 1, cyc);
  }
  free(nodes);
  lg_gv_unlisted(g, c);
}

/* Pointers from the blocks of one member site to those of another. */
typedef struct lg_gv_pair {
  uint64_t key; /* from << 32 | to, member indexes */
  uint64_t count;
  int cycle;
  UT_hash_handle hh;
} lg_gv_pair_t;

/* Member sites a folded picture draws; the smaller ones share a node. */
#define LG_GV_FOLD_SITES 24

/* Orders member indexes by bytes, largest first, for qsort_r. */
static int lg_gv_by_bytes(const void *a, const void *b, void *ctx) {
  const lg_rmember_t *m = ctx;
  uint64_t x = m[*(const size_t *)a].bytes, y = m[*(const size_t *)b].bytes;
  if (x != y)
    return x > y ? -1 : 1;
  return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

/* Fills node[m] with the node index of each member of `c`: the
 * LG_GV_FOLD_SITES - 1 largest get one each, the others share the last.
 * Returns the number of nodes. */
static size_t lg_gv_fold_nodes(const lg_rcluster_t *c, size_t *node) {
  size_t n = c->nmembers, keep = LG_GV_FOLD_SITES - 1;
  if (n <= LG_GV_FOLD_SITES) {
    for (size_t m = 0; m < n; m++)
      node[m] = m;
    return n;
  }
  size_t *order = lg_util_xcalloc(n, sizeof *order);
  for (size_t m = 0; m < n; m++)
    order[m] = m;
  qsort_r(order, n, sizeof *order, lg_gv_by_bytes, (void *)c->members);
  for (size_t i = 0; i < n; i++)
    node[order[i]] = i < keep ? i : keep;
  free(order);
  return keep + 1;
}

/* Marks of the blocks of each node: an entry, a block in a cycle. */
static void lg_gv_fold_marks(const lg_rcluster_t *c, const size_t *node,
                             int *entry, int *cycle) {
  const lg_cluster_t *cl = c->src;
  for (uint32_t i = 0; i < cl->nlisted; i++)
    if (c->listed_member[i] >= 0) {
      size_t k = node[c->listed_member[i]];
      entry[k] |= cl->listed[i].flags & LG_LISTED_ENTRY;
      cycle[k] |= cl->listed[i].flags & LG_LISTED_IN_CYCLE;
    }
}

/* Adds node `k` of a folded picture: member `mb`, or with `others` > 1
 * the `others` smaller sites that share it (`mb` their sum). */
static Agnode_t *lg_gv_fold_node(Agraph_t *g, size_t k, const lg_rmember_t *mb,
                                 size_t others, size_t site, int entry,
                                 int cycle) {
  char name[32];
  snprintf(name, sizeof name, "site %zu", k + 1);
  Agnode_t *n = agnode(g, name, 1);
  lg_sb_t label = {0};
  lg_sb_printf(&label, "%" PRIu64 " %s, %" PRIu64 " bytes\\n", mb->blocks,
               mb->blocks == 1 ? "block" : "blocks", mb->bytes);
  if (others > 1) {
    lg_sb_printf(&label, "at %zu smaller sites", others);
  } else {
    lg_sb_printf(&label, "%s", mb->cat == LG_CAT_DEFINITE   ? "definitely lost"
                               : mb->cat == LG_CAT_INDIRECT ? "indirectly lost"
                                                            : "possibly lost");
    lg_gv_site(&label, &mb->site, 1);
  }
  agsafeset(n, "label", label.s, "");
  lg_sb_free(&label);
  lg_gv_mark(n, others > 1 ? "lg-block lg-folded lg-others" : "lg-block lg-folded",
             site, entry, cycle);
  return n;
}

/* Counts the pointers between the nodes of a folded picture (node[m] for
 * member m) into `*pairs`, marking those within a cycle. */
static void lg_gv_fold_pairs(const lg_rcluster_t *c, const size_t *node,
                             lg_gv_pair_t **pairs) {
  const lg_cluster_t *cl = c->src;
  for (uint32_t i = 0; i < cl->nedges; i++) {
    int32_t a = c->listed_member[cl->edges[i].from];
    int32_t b = c->listed_member[cl->edges[i].to];
    if (a < 0 || b < 0)
      continue;
    uint64_t key = (uint64_t)node[a] << 32 | (uint32_t)node[b];
    lg_gv_pair_t *p;
    HASH_FIND(hh, *pairs, &key, sizeof key, p);
    if (!p) {
      p = lg_util_xcalloc(1, sizeof *p);
      p->key = key;
      HASH_ADD(hh, *pairs, key, sizeof p->key, p);
    }
    p->count++;
    p->cycle |= (cl->listed[cl->edges[i].from].flags & LG_LISTED_IN_CYCLE) &&
                (cl->listed[cl->edges[i].to].flags & LG_LISTED_IN_CYCLE);
  }
}

/* Adds the nodes of a folded picture to `g` (nodes[k] for node k of
 * `nn`): each member its own or, past the largest, one shared. */
static void lg_gv_fold_add(Agraph_t *g, const lg_rcluster_t *c,
                           const size_t *node, size_t nn,
                           const size_t *site_of_member, Agnode_t **nodes) {
  int *entry = lg_util_xcalloc(nn, sizeof *entry);
  int *cycle = lg_util_xcalloc(nn, sizeof *cycle);
  lg_gv_fold_marks(c, node, entry, cycle);
  lg_rmember_t *sum = lg_util_xcalloc(nn, sizeof *sum);
  size_t *count = lg_util_xcalloc(nn, sizeof *count);
  size_t *first = lg_util_xcalloc(nn, sizeof *first);
  for (size_t m = c->nmembers; m-- > 0;) {
    size_t k = node[m];
    sum[k].blocks += c->members[m].blocks, sum[k].bytes += c->members[m].bytes;
    sum[k].cat = c->members[m].cat, sum[k].site = c->members[m].site;
    count[k]++, first[k] = m;
  }
  for (size_t k = 0; k < nn; k++)
    nodes[k] = lg_gv_fold_node(g, k, &sum[k], count[k],
                               count[k] > 1 ? 0 : site_of_member[first[k]],
                               entry[k], cycle[k]);
  free(entry), free(cycle), free(sum), free(count), free(first);
}

/* Builds the folded graph of cluster `c`: a node per member site (the
 * smallest sharing one when there are many), pointers counted. */
static void lg_gv_folded(Agraph_t *g, const lg_rcluster_t *c,
                         const size_t *site_of_member) {
  size_t *node = lg_util_xcalloc(c->nmembers, sizeof *node);
  size_t nn = lg_gv_fold_nodes(c, node);
  Agnode_t **nodes = lg_util_xcalloc(nn, sizeof *nodes);
  lg_gv_fold_add(g, c, node, nn, site_of_member, nodes);
  lg_gv_pair_t *pairs = NULL, *p, *t;
  lg_gv_fold_pairs(c, node, &pairs);
  HASH_ITER(hh, pairs, p, t) {
    lg_gv_edge(g, nodes[p->key >> 32], nodes[p->key & 0xffffffffu], p->count,
               p->cycle);
    HASH_DEL(pairs, p);
    free(p);
  }
  free(nodes);
  free(node);
  lg_gv_unlisted(g, c);
}

/* ---------------------------------------------------------------- SVG */

/* Writes Graphviz's SVG document `svg` as an inline element: from its
 * <svg tag on, comments dropped, the class lg-graph added. */
static void lg_gv_inline(FILE *f, const char *svg, size_t len,
                         const lg_rcluster_t *c, int folded) {
  const char *p = strstr(svg, "<svg"), *end = svg + len;
  if (!p) {
    fprintf(f, "<svg class=\"lg-graph\"></svg>");
    return;
  }
  fprintf(f, "<svg class=\"lg-graph\" data-cluster=\"%u\" data-folded=\"%d\"",
          c->id, folded);
  p += 4;
  while (p < end) {
    const char *cm = strstr(p, "<!--");
    if (!cm || cm >= end) {
      fwrite(p, 1, (size_t)(end - p), f);
      break;
    }
    fwrite(p, 1, (size_t)(cm - p), f);
    const char *ce = strstr(cm, "-->");
    p = ce ? ce + 3 : end;
    while (p < end && *p == '\n')
      p++;
  }
}

int lg_html_picture(FILE *f, lg_html_gv_t *gv, const lg_rcluster_t *c,
                    const size_t *site_of_member) {
  int folded = c->src->nlisted > LG_HTML_FOLD_BLOCKS;
  Agraph_t *g = lg_gv_open(c->id);
  if (folded)
    lg_gv_folded(g, c, site_of_member);
  else
    lg_gv_blocks(g, c, site_of_member);
  char *svg = NULL;
  unsigned int len = 0;
  if (gv->gvc && gvLayout(gv->gvc, g, "dot") == 0) {
    if (gvRenderData(gv->gvc, g, "svg", &svg, &len) == 0 && svg)
      lg_gv_inline(f, svg, len, c, folded);
    else
      svg = NULL;
    gvFreeLayout(gv->gvc, g);
  }
  if (!svg)
    fprintf(f, "<svg class=\"lg-graph\" data-cluster=\"%u\" width=\"240\" "
               "height=\"30\"><text x=\"4\" y=\"20\">the layout failed"
               "</text></svg>",
            c->id);
  else
    gvFreeRenderData(svg);
  agclose(g);
  return folded;
}
