/* 100 blocks of 24 bytes from one allocation site, all dropped: one site
 * with 100 blocks (100 singleton clusters, or however the report groups
 * them, but all from the same stack).
 * expect: summary.definitely_lost.blocks == 100 and summary.definitely_lost.bytes == 2400
 * expect: summary.indirectly_lost.blocks == 0
 * expect: sum(s.blocks for s in sites_with('leak_24')) == 100
 * expect: len(set(site_key(s) for s in sites_with('leak_24'))) == 1
 * expect: all(c.entry.size == 24 for c in clusters)
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_24(void) {
  void *p = malloc(24);
  memset(p, 0, 24);
  sink(p);
}

int main(void) {
  for (int i = 0; i < 100; i++) leak_24();
  clobber_stack();
  return 0;
}
