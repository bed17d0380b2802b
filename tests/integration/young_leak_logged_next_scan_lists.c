/* As young_leak_logged_next_scan, with born_lists=yes: the born lists
 * name no older block, so scan 2, which judges one again, walks the table
 * (its NOTE says why); scans 3 and 4 take their snapshots from the lists.
 * A young scan logs a leak as a full one would (min_age counts young scans
 * too: young.h): with interval=0.02, the default full_every (10) and
 * min_age (2), the program leaks a 57-byte block (leak_first) at once and
 * waits until its log holds 6 scans. Scan 1 (young) judges the block
 * young and finds it lost once (not yet logged); scan 2, young too,
 * judges it again (lost at scan 1, streak below min_age) and logs it,
 * first seen at scan 1 -- the scan full_every=1 logs it at. Scans 3 and 4
 * carry it forward (LIVE names the cluster) and log it no more. Scan
 * numbers here count from the first scan that saw the block (k below): on
 * a loaded machine a scan or two may come before main runs.
 * run: direct
 * options: interval=0.02:born_lists=yes
 * timeout: 120
 * expect: stdout == 'waited=1\n'
 * expect: 1 <= (k := min([s.scan for s in log_scans() if s.totals.definitely_lost.blocks] or [0])) <= 3
 * expect: all(s.young for s in log_scans() if s.kind == 'periodic' and k <= s.scan <= k + 3)
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.scan == k] == [1]
 * expect: not any(c.entry_size == 57 for s in log_scans() if s.scan == k for c in s.clusters)
 * expect: [(c.first_seen_scan, c.blocks) for s in log_scans() if s.scan == k + 1 for c in s.clusters if c.entry_size == 57] == [(k, 1)]
 * expect: not any(c.entry_size == 57 for s in log_scans() if s.scan in (k + 2, k + 3) for c in s.clusters)
 * expect: all(len(s.live) == 1 for s in log_scans() if s.scan in (k + 2, k + 3))
 * expect: any(f'scan {k + 1} was young' in n and 'blocks the scan before found lost are judged again' in n for n in log_notes())
 * expect: any(f'scan {k + 2} was young' in n and 'from the born lists' in n for n in log_notes())
 * expect: cluster_with('leak_first').blocks == 1 and cluster_with('leak_first').first_seen_scan == k
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_first(void) {
  char *p = malloc(57);
  memset(p, 7, 57);
  sink(p);
}

int main(void) {
  leak_first();
  clobber_stack();
  printf("waited=%d\n", wait_for_scans(6) == 0);
  return 0;
}
