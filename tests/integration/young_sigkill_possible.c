/* A killed process's report after young scans: a 200-byte block held only
 * through an interior pointer in a global is possibly lost (min_age=1:
 * logged by the first scan that sees it). Young scans (full_every=4:
 * periodic scans 4, 8, ... are full) do not judge it again once it is old;
 * they carry it forward and name its cluster in their LIVE records. The
 * program waits for 6 scans (4 full, 5 and 6 young) and kills itself with
 * SIGKILL: the last complete scan is young, and the report, which takes
 * the possibly lost clusters from the last scan's records, still has it.
 * run: direct
 * options: interval=0.05:full_every=4:min_age=1:born_lists=yes
 * exit: 137
 * timeout: 60
 * expect: stdout == 'waited\n'
 * expect: not processes[0].complete and processes[0].scans >= 6
 * expect: log_scans()[-1].young and any(not s.young for s in log_scans())
 * expect: summary.possibly_lost.blocks == 1 and summary.possibly_lost.bytes == 200
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

int main(void) {
  make_possible();
  clobber_stack();
  if (wait_for_scans(6) < 0) return 3;
  printf("waited\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
