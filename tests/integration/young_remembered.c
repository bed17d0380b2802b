/* Young scans (full_every=1000: every periodic scan but the 1000th is
 * young) at 20 scans a second, min_age=1 so that a block lost in one scan
 * would be logged. An old block (reachable from a global) receives, in
 * each of 8 rounds, a pointer to a new block, written into it after the
 * last scan; no other copy of the pointer exists (NOINLINE helper,
 * clobbered stack). The young scans that follow find the new block only
 * through the old block's written page (the remembered set): none of them
 * reports anything lost, and the blocks are still reachable at exit.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'rounds=8\n'
 * expect: len([s for s in log_scans() if s.young]) >= 8
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.still_reachable.blocks >= 9 and summary.definitely_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void **old_block; /* the only root: a global */

static NOINLINE void make_old(void) {
  old_block = malloc(4096);
  memset(old_block, 0, 4096);
}

/* Stores the only pointer to a new 48-byte block into the old block. */
static NOINLINE void give_young(int i) {
  char *p = malloc(48);
  memset(p, i, 48);
  old_block[i * 16] = p; /* one per 128 bytes */
}

int main(void) {
  make_old();
  clobber_stack();
  int have = 0, rounds = 0;
  if (wait_for_scans(have + 2) == 0) have += 2; /* the old block has survived scans */
  for (int i = 1; i <= 8; i++) {
    give_young(i);
    clobber_stack();
    /* Two more scans: the first one after the store saw the block young. */
    have = scans_in_own_log();
    if (wait_for_scans(have + 2) == 0) rounds++;
  }
  printf("rounds=%d\n", rounds);
  return 0;
}
