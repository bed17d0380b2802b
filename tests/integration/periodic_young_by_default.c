/* Periodic scans are young by default (full_every 10, CPython's scheme):
 * with interval=0.02 and no full_every, the program leaks a 55-byte block
 * (leak_old) at once, waits until its log holds 12 scans and exits. The
 * first periodic scan judges the block young and finds it lost once (with
 * the default min_age 2, not yet logged); the second, young too, judges it
 * again and logs it (young.h); the young scans after it carry it forward;
 * the 10th periodic scan is full and finds it unchanged (LIVE, not logged
 * again); the exit scan, full too, reports it. Only the 10th periodic scan
 * and the exit scan are full.
 * No born list is kept by default (born_lists=no): a young scan's
 * snapshot walks the block table, and the NOTE at start says so.
 * run: direct
 * options: interval=0.02
 * timeout: 120
 * expect: stdout == 'waited=1\n'
 * expect: [s.scan for s in log_scans() if s.kind == 'periodic' and not s.young][:1] == [10]
 * expect: all(s.young == (s.scan % 10 != 0) for s in log_scans() if s.kind == 'periodic')
 * expect: not log_scans()[-1].young and log_scans()[-1].kind == 'exit'
 * expect: [s.scan for s in log_scans() if s.kind == 'periodic' for c in s.clusters if c.entry_size == 55] == [2]
 * expect: 'young scans on: 1 periodic scan in 10 is full, the others young; no born lists (their snapshots walk the table)' in log_notes()
 * expect: any('scan 3 was young' in n and 'by a walk of the table' in n for n in log_notes())
 * expect: not any('from the born lists' in n for n in log_notes())
 * expect: cluster_with('leak_old').blocks == 1 and summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_old(void) {
  char *p = malloc(55);
  memset(p, 5, 55);
  sink(p);
}

int main(void) {
  leak_old();
  clobber_stack();
  printf("waited=%d\n", wait_for_scans(12) == 0);
  return 0;
}
