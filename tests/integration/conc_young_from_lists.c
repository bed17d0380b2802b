/* A concurrent young scan takes its young blocks from the born lists
 * (collector/born.h: the epoch flipped with the program running and
 * settled, lg_born_each_running) instead of walking the block table, and
 * still finds a young leak: with concurrent=all and born_lists=yes the
 * program leaks a 40-byte block after two scans and waits for three
 * more. A young scan after the leak marks concurrently (its NOTE says
 * "was concurrent and young"), took its blocks from the lists (its "was
 * young" NOTE says so) and, with min_age=0, reports the block; the exit
 * scan reports it too. Nothing else is lost in any scan.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=0:concurrent=all:born_lists=yes
 * timeout: 120
 * expect: stdout == 'waited=1\n'
 * expect: any(s.young and s.totals.definitely_lost.blocks == 1 and s.totals.definitely_lost.bytes == 40 and ('scan %d was concurrent and young' % s.scan) in ' | '.join(log_notes()) and any(n.startswith('scan %d was young: ' % s.scan) and 'from the born lists' in n for n in log_notes()) for s in log_scans())
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
