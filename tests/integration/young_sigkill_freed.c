/* young_sigkill_possible.c, but the program frees the possibly lost block
 * after a full scan logged it (scan 4 of full_every=4), then waits for two
 * young scans and kills itself. A young scan carries forward only the lost
 * blocks that still live: the freed one's cluster is not in its LIVE
 * record, and the killed process's report has nothing possibly lost.
 * run: direct
 * options: interval=0.05:full_every=4:min_age=1:born_lists=yes
 * exit: 137
 * timeout: 60
 * expect: stdout == 'waited\n'
 * expect: not processes[0].complete and processes[0].scans >= 6
 * expect: log_scans()[-1].young
 * expect: any(c.entry_size == 200 for s in log_scans() for c in s.clusters)
 * expect: summary.possibly_lost.blocks == 0
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *interior; /* a global root holding only an interior pointer */

static NOINLINE void make_possible(void) {
  char *p = malloc(200);
  memset(p, 3, 200);
  interior = p + 24;
}

static NOINLINE void drop_it(void) {
  free(interior - 24);
  interior = NULL;
}

int main(void) {
  make_possible();
  clobber_stack();
  if (wait_for_scans(4) < 0) return 3;
  drop_it();
  int have = scans_in_own_log();
  /* two more scans, the last one young (not a multiple of 4) */
  int want = have + 2;
  if (want % 4 == 0) want++;
  if (wait_for_scans(want) < 0) return 3;
  printf("waited\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
