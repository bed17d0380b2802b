/* A block found lost by a young scan and given a pointer before the next
 * one is not logged: interval=0.3, the default full_every (10) and
 * min_age (2). An old 200-byte block (make_holder, kept by the global
 * `holder`) is allocated, then a 41-byte block (make_lost) whose only
 * pointer is kept hidden (complemented). Scan 1, young, finds the 41-byte
 * block lost once. After it the program stores the pointer into the old
 * block (a page written since scan 1: the remembered set) and checks that
 * scan 2 had not begun yet; scan 2, young, judges the block again, finds
 * it reached through the old block's page, and drops it. No scan logs it,
 * and the exit scan finds it reachable.
 * run: direct
 * options: interval=0.3
 * timeout: 120
 * expect: stdout == 'begun_before_store=1\nwaited=1\n'
 * expect: [s.young for s in log_scans() if s.scan in (1, 2)] == [True, True]
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.scan == 1] == [1]
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.scan == 2] == [0]
 * expect: not any(c.entry_size == 41 for s in log_scans() for c in s.clusters)
 * expect: cluster_with('make_lost') is None
 * expect: summary.definitely_lost.blocks == 0
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void **holder;
static uintptr_t hidden;

static NOINLINE void make_holder(void) {
  holder = malloc(200);
  memset(holder, 0, 200);
}

static NOINLINE void make_lost(void) {
  char *p = malloc(41);
  memset(p, 4, 41);
  hidden = ~(uintptr_t)p;
  p = NULL;
  sink(&p);
}

static NOINLINE void store_pointer(void) { holder[3] = (void *)~hidden; }

int main(void) {
  make_holder();
  make_lost();
  clobber_stack();
  if (wait_for_scans(1) < 0) return 3;
  store_pointer();
  printf("begun_before_store=%d\n", records_in_own_log(5));
  printf("waited=%d\n", wait_for_scans(3) == 0);
  return 0;
}
