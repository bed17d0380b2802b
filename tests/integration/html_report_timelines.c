/* The HTML report of a run with many scans shows its timelines as charts:
 * the program appends an 8 KiB node to a global list that is never
 * trimmed and asks for a scan (leakgraph_scan), ten times, while a
 * bounded cache of 4 blocks is refilled; then it leaks one block. Opened
 * in headless Chromium, the page has a chart of the pause per scan of the
 * process, and a chart of live bytes by generation for each charted site:
 * the list's site is the one growing (as in the JSON report's growth),
 * shown with its retention chain from the global, and the cache's site is
 * charted as steady.
 * html:
 * expect: stdout == 'scans=10\n'
 * expect: processes[0].scans == 11
 * expect: [has_frame(g.site, 'append_node') for g in r.growth] == [True]
 * expect: page.pause_charts == 1
 * expect: [g.verdict for g in page.growth if g.verdict == 'growing'] == ['growing']
 * expect: all(g.charts == 1 for g in page.growth) and len(page.growth) >= 2
 * expect: 'steady' in [g.verdict for g in page.growth]
 * expect: "held through global 'global_list'" in read_text('report.html')
 * expect: read_text('report.html').count('<rect class="lg-pause"') == 11
 * expect: len(page.clusters) == 1 and page.clusters[0].svgs == 1
 * expect: page.errors == []
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

struct node { struct node *next; char payload[8192 - 8]; };

struct node *global_list;
static void *cache[4];

static NOINLINE void append_node(void) {
  struct node *n = malloc(sizeof *n);
  memset(n->payload, 1, sizeof n->payload);
  n->next = global_list;
  global_list = n;
}

static NOINLINE void refill_cache(int i) {
  free(cache[i % 4]);
  cache[i % 4] = malloc(1000);
}

static NOINLINE void leak_one(void) { sink(malloc(77)); }

int main(void) {
  int scans = 0;
  for (int i = 0; i < 10; i++) {
    append_node();
    refill_cache(i);
    leakgraph_scan();
    scans++;
  }
  leak_one();
  clobber_stack();
  printf("scans=%d\n", scans);
  return 0;
}
