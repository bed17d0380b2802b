/* The snapshot child drops its view of the block table's arrays right
 * after its snapshot phase copied them (PROT_NONE: a later phase that read
 * them would fault and the scan would be abandoned with a NOTE). Four
 * threads each keep 20000 blocks reachable (tables of many pages) and
 * leak 10; the main thread waits for four periodic scans, full and young
 * (full_every=2), with every phase run: snapshot, heuristics, refcount
 * preparation, mark, young marking, analyse, log. Expected: no scan was
 * abandoned, the full periodic scans found the 40 leaked blocks, a young
 * scan ran, and the exit scan reports the 40 blocks.
 * run: direct
 * options: interval=0.05:full_every=2:min_age=1:born_lists=yes
 * expect: not any('abandoned' in n for n in log_notes())
 * expect: not any('snapshot process failed' in n for n in log_notes())
 * expect: any(s.kind == 'periodic' and not s.young and s.totals.definitely_lost.blocks == 40 for s in log_scans())
 * expect: len([s for s in log_scans() if s.kind == 'periodic']) >= 4
 * expect: any(s.young for s in log_scans())
 * expect: summary.definitely_lost.blocks == 40 and all(has_frame(c.entry, 'leak_some') for c in clusters)
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define KEPT 20000

static void *kept[4][KEPT];

static NOINLINE void leak_some(void) {
  for (int i = 0; i < 10; i++) { void *p = malloc(48); memset(p, 2, 48); sink(p); }
}

static void *worker(void *arg) {
  void **mine = arg;
  for (int i = 0; i < KEPT; i++) mine[i] = malloc(32 + i % 64);
  leak_some();
  clobber_stack();
  return NULL;
}

int main(void) {
  pthread_t t[4];
  for (int i = 0; i < 4; i++) pthread_create(&t[i], NULL, worker, kept[i]);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  clobber_stack();
  /* Bounded: wait_for_scans gives up after about 60 s. */
  return wait_for_scans(4) == 0 ? 0 : 1;
}
