/* tools/render_dot.c — the Graphviz DOT picture of the leaked clusters:
 * one subgraph per cluster, its listed blocks as nodes (size, and the
 * function and line that allocated it), pointers between them as edges.
 * Entry blocks are drawn bold, blocks and pointers of a cycle in red. A
 * cluster with more blocks than the log listed says how many are missing. */
#include <inttypes.h>
#include <stdlib.h>

#include "escape.h"
#include "render.h"

/* Writes the label text of block `b` of cluster `c`. */
static void lg_dot_label(FILE *f, const lg_rcluster_t *c, lg_sym_t *sym,
                         const lg_listed_t *b) {
  char buf[512];
  lg_rstack_t st;
  lg_analyze_stack(sym, c->proc, b->stack_id, &st);
  const lg_symframe_t *fr = st.n ? &st.frames[0] : NULL;
  if (fr && fr->function && fr->file)
    snprintf(buf, sizeof buf, "%" PRIu64 " bytes\n%s\n%s:%d", b->size,
             fr->function, fr->file, fr->line);
  else if (fr && fr->function)
    snprintf(buf, sizeof buf, "%" PRIu64 " bytes\n%s", b->size, fr->function);
  else if (fr)
    snprintf(buf, sizeof buf, "%" PRIu64 " bytes\n0x%" PRIx64, b->size,
             fr->address);
  else
    snprintf(buf, sizeof buf, "%" PRIu64 " bytes", b->size);
  free(st.frames);
  lg_esc_dot(f, buf);
}

static void lg_dot_cluster(FILE *f, const lg_rcluster_t *c, lg_sym_t *sym) {
  const lg_cluster_t *cl = c->src;
  fprintf(f, "  subgraph cluster_%u {\n    label=\"cluster %u: %" PRIu64
             " bytes in %" PRIu64 " blocks, %s%s (pid %u)\";\n",
          c->id, c->id, c->bytes, c->blocks,
          c->possible ? "possibly lost" : "lost", c->cyclic ? ", cyclic" : "",
          c->proc->pid);
  for (uint32_t i = 0; i < cl->nlisted; i++) {
    const lg_listed_t *b = &cl->listed[i];
    fprintf(f, "    c%u_%u [label=", c->id, i);
    lg_dot_label(f, c, sym, b);
    fprintf(f, "%s%s];\n", b->flags & LG_LISTED_ENTRY ? ", penwidth=3" : "",
            b->flags & LG_LISTED_IN_CYCLE ? ", color=red, fontcolor=red" : "");
  }
  for (uint32_t i = 0; i < cl->nedges; i++) {
    const lg_edge_t *e = &cl->edges[i];
    int red = (cl->listed[e->from].flags & LG_LISTED_IN_CYCLE) &&
              (cl->listed[e->to].flags & LG_LISTED_IN_CYCLE);
    fprintf(f, "    c%u_%u -> c%u_%u%s;\n", c->id, e->from, c->id, e->to,
            red ? " [color=red]" : "");
  }
  if (cl->blocks > cl->nlisted)
    fprintf(f, "    c%u_more [shape=note, label=\"%u more blocks not "
               "listed in the log\"];\n",
            c->id, cl->blocks - cl->nlisted);
  fprintf(f, "  }\n");
}

void lg_render_dot(FILE *f, const lg_report_t *r, lg_sym_t *sym,
                   unsigned cluster) {
  fprintf(f, "digraph leakgraph {\n  node [shape=box, fontname=\"monospace\"];"
             "\n");
  for (size_t i = 0; i < r->nclusters; i++)
    if (!cluster || r->clusters[i].id == cluster)
      lg_dot_cluster(f, &r->clusters[i], sym);
  fprintf(f, "}\n");
}
