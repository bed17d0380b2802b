/* The HTML report, opened in a real browser (headless Chromium): one
 * self-contained page with a picture per leaked cluster whose counts are
 * the JSON report's. The program leaks a recursively built 15-node tree,
 * a ring of three blocks (a cycle), a plain block, a 300-block list (more
 * than a picture draws block by block: folded by site, its definitely
 * lost head and its 299 indirectly lost nodes two nodes) and a block only
 * an interior pointer reaches (possibly lost).
 * Checked in the DOM: one article and one svg.lg-graph per cluster, in the
 * order lost then possibly lost, each largest first; ids, bytes, blocks,
 * cyclic and entries as in the JSON, and the headline shows the same
 * numbers; a block-by-block picture has a node per block and an edge per
 * pointer, entries marked, a cyclic cluster's cycle in red and an acyclic
 * one with nothing red; the folded one a node per allocation site; the
 * summary table holds the JSON's summary; the search box keeps only the
 * clusters whose stacks hold the text; no console error; a screenshot.
 * html:
 * html_search: make_ring
 * html_search: make_list
 * html_search: drop_everything
 * html_search: no_such_function_anywhere
 * expect: summary.definitely_lost.blocks == 4 and summary.possibly_lost.blocks == 1
 * expect: len(clusters) == 5 and len(page.clusters) == 5
 * expect: all(p.svgs == 1 for p in page.clusters)
 * expect: [p.id for p in page.clusters] == [c.id for c in clusters if c.kind == 'lost'] + [c.id for c in clusters if c.kind == 'possible']
 * expect: all((p.bytes, p.blocks, p.cyclic, p.kind, p.entries) == (c.bytes, c.blocks, c.cyclic, c.kind, len(c.entries)) for p in page.clusters for c in clusters if c.id == p.id)
 * expect: all(p.shown_bytes == p.bytes and p.shown_blocks == p.blocks for p in page.clusters)
 * expect: all(p.nodes == c.blocks and p.edges == c.pointers and p.entry_nodes == len(c.entries) for p in page.clusters for c in clusters if c.id == p.id and not p.folded)
 * expect: [p.blocks for p in page.clusters if p.folded] == [300]
 * expect: [(p.nodes, p.edges) for p in page.clusters if p.folded] == [(len(cluster_with('make_list').sites), 2)]
 * expect: [(p.cycle_nodes, p.cycle_edges) for p in page.clusters if p.cyclic] == [(3, 3)]
 * expect: all(p.cycle_nodes == 0 and p.cycle_edges == 0 for p in page.clusters if not p.cyclic)
 * expect: page.summary == {k: {'bytes': v.bytes, 'blocks': v.blocks} for k, v in summary.items() if k not in ('clusters', 'cyclic_clusters', 'growing_sites', 'refcount')}
 * expect: page.search['make_ring'] == 1 and page.search['make_list'] == 1
 * expect: page.search['drop_everything'] == 4 and page.search['no_such_function_anywhere'] == 0
 * expect: page.errors == []
 * expect: page.marks['lg-ready'] <= page.marks['lg-painted'] < 5000
 * expect: exists('report.png') and read_text('report.html').count('<svg class="lg-graph"') == 5
 * expect: 'http://' not in read_text('report.html').replace('http://www.w3.org/', '') and 'https://' not in read_text('report.html')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct node { struct node *left, *right; long value; char pad[24]; };
struct link { struct link *next; long v; };

static void *volatile interior;

static NOINLINE struct node *make_tree(int depth) {
  if (depth == 0) return NULL;
  struct node *n = calloc(1, sizeof *n);
  n->left = make_tree(depth - 1);
  n->right = make_tree(depth - 1);
  return n;
}

static NOINLINE struct link *make_ring(void) {
  struct link *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b), *c = calloc(1, sizeof *c);
  a->next = b, b->next = c, c->next = a;
  return a;
}

static NOINLINE struct link *make_list(int n) {
  struct link *head = NULL;
  for (int i = 0; i < n; i++) {
    struct link *l = malloc(sizeof *l);
    l->next = head, l->v = i;
    head = l;
  }
  return head;
}

static NOINLINE void leak_plain(void) { sink(memset(malloc(100), 'x', 100)); }

static NOINLINE void keep_interior(void) { interior = (char *)calloc(1, 64) + 16; }

static NOINLINE void drop_everything(void) {
  sink(make_tree(4));
  sink(make_ring());
  sink(make_list(300));
  leak_plain();
}

int main(void) {
  drop_everything();
  keep_interior();
  clobber_stack();
  return 0;
}
