/* A young scan reads an old block's own mmap'd chunk as remembered set,
 * not whole as a root (rset.h), and its sweep still finds what a full
 * scan would: the program keeps a 4 MiB block (a chunk glibc maps for it
 * alone; the kernel may merge that mapping with its neighbours), reachable
 * from a global, whose page 200 holds the only pointer to a 1000-byte
 * block in the brk heap. Then, three times, realloc shrinks the small
 * block in place (a young block at the same address) and the program
 * keeps the old pointer, which lies on a clean page of the chunk. A young
 * scan that read the chunk whole as a root would reach the block at once
 * and sweep nothing; this one finds it unreached from the roots and the
 * chunk's written pages, sweeps the clean pages (the chunk's among them:
 * the log says a non-zero amount) and reports nothing. Young scans
 * (full_every=1000) at 20 a second, min_age=1.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1
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

#define SLOT (200 * 4096 / sizeof(char *)) /* page 200 of the chunk */

static char **holder; /* the global root: a 4 MiB block, a chunk of its own */

static NOINLINE void setup(void) {
  holder = malloc(4u << 20);
  memset(holder, 0, 4u << 20);
  holder[SLOT] = malloc(1000);
  memset(holder[SLOT], 1, 1000);
}

/* Shrinks the block; stores the result only when it moved. */
static NOINLINE int shrink(size_t to) {
  char *q = realloc(holder[SLOT], to);
  if (q == holder[SLOT]) return 1;
  holder[SLOT] = q;
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
