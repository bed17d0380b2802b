/* The case a young scan's sweep exists for (young.h): realloc shrinks an
 * old 1000-byte block in place, which makes it a young block at the same
 * address, and the program keeps the old pointer (it stores nothing when
 * realloc returned it unchanged). The only pointer to the block then lies
 * in an old 64 kB block (in the brk heap, below the mmap threshold, so not
 * a mapping the roots phase reads whole; reachable from a global), on a
 * page nobody wrote since the scan before: a clean page. The young scan
 * finds the block unreached from the roots and the remembered set, sweeps
 * the clean pages (the log says how much), finds the pointer and reports
 * nothing. Young scans
 * (full_every=1000) at 20 a second, min_age=1; three rounds.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'in_place=3 rounds=3\n'
 * expect: len([s for s in log_scans() if s.young]) >= 6
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0
 * expect: any('KiB swept' in n and ' 0 KiB swept' not in n for n in log_notes())
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static char **holder; /* the global root: a 64 kB block in the brk heap */

static NOINLINE void setup(void) {
  holder = malloc(65536);
  memset(holder, 0, 65536);
  holder[4000] = malloc(1000); /* 32 kB in: a page of its own */
  memset(holder[4000], 1, 1000);
}

/* Shrinks the block; stores the result only when it moved. */
static NOINLINE int shrink(size_t to) {
  char *q = realloc(holder[4000], to);
  if (q == holder[4000]) return 1;
  holder[4000] = q;
  return 0;
}

int main(void) {
  setup();
  clobber_stack();
  int in_place = 0, rounds = 0;
  wait_for_scans(2);
  for (int i = 0; i < 3; i++) {
    in_place += shrink(900 - 100 * i);
    clobber_stack();
    int have = scans_in_own_log();
    if (wait_for_scans(have + 2) == 0) rounds++;
  }
  printf("in_place=%d rounds=%d\n", in_place, rounds);
  return 0;
}
