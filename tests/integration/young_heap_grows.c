/* Written-page tracking splits the brk heap: the part registered at a
 * scan is a VMA of its own, and the kernel does not merge the heap's
 * later growth into it, so blocks come to span two mappings. Such a block
 * is still read (it used to be taken for unreadable memory, and every
 * block after it in a list was reported lost). Young scans (full_every=4,
 * interval=0.05, min_age=1); after two scans the program grows the heap
 * by a list of 4000 blocks of 1000 bytes held by a global, in four steps
 * with two scans after each. Nothing is lost at any scan or at exit.
 * run: direct
 * options: interval=0.05:full_every=4:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'steps=4 length=4000\n'
 * expect: len([s for s in log_scans() if s.young]) >= 4
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: summary.still_reachable.blocks >= 4000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void **list; /* the list's head, a global root */

static NOINLINE void grow(int n) {
  for (int i = 0; i < n; i++) {
    void **b = malloc(1000);
    memset(b, 0x5a, 1000);
    b[0] = list;
    list = b;
  }
}

int main(void) {
  int steps = 0;
  wait_for_scans(2);
  for (int k = 0; k < 4; k++) {
    grow(1000);
    clobber_stack();
    int have = scans_in_own_log();
    steps += wait_for_scans(have + 2) == 0;
  }
  int length = 0;
  for (void **b = list; b; b = b[0]) length++;
  printf("steps=%d length=%d\n", steps, length);
  return 0;
}
