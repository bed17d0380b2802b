/* A concurrent young scan (concurrent=all, periodic young scans, born
 * lists off) finds a young leak: the program leaks a 40-byte block after
 * two scans and waits for three more. The first young scan after the leak
 * marks concurrently (its NOTE says "was concurrent and young"), judges
 * the block young and, with min_age=0, reports it at once; the exit scan
 * reports it too. Nothing else is lost in any scan.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=0:concurrent=all:born_lists=no
 * timeout: 120
 * expect: stdout == 'waited=1\n'
 * expect: any(s.young and s.totals.definitely_lost.blocks == 1 and s.totals.definitely_lost.bytes == 40 and ('scan %d was concurrent and young' % s.scan) in ' | '.join(log_notes()) for s in log_scans())
 * expect: all(s.totals.definitely_lost.blocks <= 1 and not s.totals.indirectly_lost.blocks for s in log_scans())
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_once')
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_once(void) {
  void *p = malloc(40);
  memset(p, 3, 40);
  sink(p);
}

int main(void) {
  int ok = wait_for_scans(2) == 0;
  leak_once();
  clobber_stack();
  int have = scans_in_own_log();
  ok = ok && wait_for_scans(have + 3) == 0;
  printf("waited=%d\n", ok);
  return 0;
}
