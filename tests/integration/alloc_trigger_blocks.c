/* Allocation-count triggers (scan_blocks=20000, no interval): the program
 * allocates and frees 20,512 blocks, waits until that made a scan (the
 * log counts it), five times over; then it sits idle for 0.5 s and counts
 * again. Each burst crosses the threshold once (the 512 over it are fewer
 * than the next threshold), so exactly one periodic scan follows each
 * burst, and none while the program does not allocate. With the exit
 * scan, the log holds 6 scans. Without the shim (--plain) nothing scans.
 * run: direct
 * options: scan_blocks=20000
 * timeout: 120
 * expect: stdout == 'bursts=5 scans=5 idle=5\n'
 * expect: processes[0].complete and processes[0].scans == 6
 * expect: [s.kind for s in log_scans()] == ['periodic'] * 5 + ['exit']
 * expect: summary.definitely_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

static NOINLINE void burst(int n) {
  for (int i = 0; i < n; i++) {
    void *p = malloc(32);
    sink(p);
    free(p);
  }
}

int main(void) {
  int plain = !getenv("LD_PRELOAD"), bursts = 0;
  for (int i = 1; i <= 5; i++) {
    burst(20512);
    if (wait_for_scans(i) == 0) bursts++;
  }
  int scans = plain ? 5 : scans_in_own_log();
  sleep_for(0.5);
  int idle = plain ? 5 : scans_in_own_log();
  printf("bursts=%d scans=%d idle=%d\n", bursts, scans, idle);
  return 0;
}
