/* Byte-count triggers (the wrapper's --scan-bytes=64000000, no interval):
 * each round
 * allocates and frees 65 blocks of 1 MB (65 MB: one threshold crossed, and
 * the 1 MB over it is far below the next), then waits until a scan
 * followed; three rounds, then 0.5 s idle. Exactly one periodic scan per
 * round, none while idle; with the exit scan, 4 scans.
 * run: wrapper --quiet --scan-bytes=64000000
 * timeout: 120
 * expect: stdout == 'rounds=3 scans=3 idle=3\n'
 * expect: processes[0].complete and processes[0].scans == 4
 * expect: [s.kind for s in log_scans()] == ['periodic'] * 3 + ['exit']
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void round_of(int n) {
  for (int i = 0; i < n; i++) {
    char *p = malloc(1000000);
    p[0] = 1;
    sink(p);
    free(p);
  }
}

int main(void) {
  int plain = !getenv("LD_PRELOAD"), rounds = 0;
  for (int i = 1; i <= 3; i++) {
    round_of(65);
    if (wait_for_scans(i) == 0) rounds++;
  }
  int scans = plain ? 3 : scans_in_own_log();
  sleep_for(0.5);
  int idle = plain ? 3 : scans_in_own_log();
  printf("rounds=%d scans=%d idle=%d\n", rounds, scans, idle);
  return 0;
}
