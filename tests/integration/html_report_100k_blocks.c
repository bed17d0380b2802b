/* A 100,000-block report renders in a browser in under 5 s: the program
 * loses a 60,000-node list and 400 lists of 100 nodes (from four
 * allocation sites), 100,000 blocks in 401 clusters. The HTML report,
 * opened in headless Chromium, draws every cluster (each listing more
 * blocks than a picture draws one by one: folded by site), and the page's
 * own performance mark "lg-painted" (set two frames after its script ran)
 * comes less than 5000 ms after navigation started, however loaded the
 * machine: the page is measured, not a sleep.
 * html:
 * timeout: 120
 * expect: summary.definitely_lost.blocks + summary.indirectly_lost.blocks == 100000
 * expect: len(clusters) == 401 and len(page.clusters) == 401
 * expect: sum(p.blocks for p in page.clusters) == 100000
 * expect: all(p.svgs == 1 and p.folded for p in page.clusters)
 * expect: page.clusters[0].blocks == 60000 and page.clusters[0].listed == 4096 and page.clusters[0].note_nodes == 1
 * expect: page.errors == []
 * expect: page.marks['lg-painted'] < 5000
 * expect: page.html_bytes < 8 * 1024 * 1024
 */
#include <stdlib.h>
#include "testutil.h"

struct link { struct link *next; long v; };

static NOINLINE struct link *push(struct link *head, long v) {
  struct link *l = malloc(sizeof *l);
  l->next = head, l->v = v;
  return l;
}

static NOINLINE struct link *list_a(int n) { struct link *h = NULL; while (n--) h = push(h, n); return h; }
static NOINLINE struct link *list_b(int n) { struct link *h = NULL; while (n--) h = push(h, n); return h; }
static NOINLINE struct link *list_c(int n) { struct link *h = NULL; while (n--) h = push(h, n); return h; }
static NOINLINE struct link *list_d(int n) { struct link *h = NULL; while (n--) h = push(h, n); return h; }

static NOINLINE void drop_all(void) {
  sink(list_a(60000));
  for (int i = 0; i < 100; i++) {
    sink(list_a(100));
    sink(list_b(100));
    sink(list_c(100));
    sink(list_d(100));
  }
}

int main(void) {
  drop_all();
  clobber_stack();
  return 0;
}
