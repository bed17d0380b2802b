/* Without a periodic trigger (interval, scan_blocks, scan_bytes) no scan
 * can be young, so the born lists (which cost every malloc and free) are
 * not kept, whatever full_every and born_lists say: a run with only
 * scan_signal (signal scans are always full), full_every=5 and
 * born_lists=yes logs, at start, that young scans are off for want of a
 * periodic trigger. The
 * program leaks a 44-byte block and, under the shim, sends itself the
 * scan signal once and waits for that scan; the exit scan reports the
 * leak, and no scan is young.
 * run: direct
 * options: scan_signal=USR2:full_every=5:born_lists=yes
 * timeout: 60
 * expect: stdout == 'waited=1\n'
 * expect: any(n == 'young scans off: no periodic trigger (interval, scan_blocks, scan_bytes); every scan is full, no born lists' for n in log_notes())
 * expect: [s.kind for s in log_scans()] == ['signal', 'exit'] and not any(s.young for s in log_scans())
 * expect: cluster_with('leak_one').blocks == 1 and summary.definitely_lost.blocks == 1
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_one(void) {
  char *p = malloc(44);
  memset(p, 4, 44);
  sink(p);
}

int main(void) {
  leak_one();
  clobber_stack();
  if (getenv("LD_PRELOAD")) raise(SIGUSR2);
  printf("waited=%d\n", wait_for_scans(1) == 0);
  return 0;
}
