/* min_age=3, deterministically: scans are triggered one at a time with
 * scan_signal=USR2 (the program signals itself and waits until the scan's
 * SCAN_END is in its own log before going on; no interval, so no other
 * scan runs). The program leaks A (111 bytes, leak_a), runs scans 1 and 2,
 * leaks B (222 bytes, leak_b), runs scans 3 and 4, and is killed by
 * SIGKILL (no exit scan: the report is the union of what the scans
 * logged). A has been lost through scans 1, 2, 3: it is logged by scan 3,
 * and only there (unchanged afterwards), with first_seen_scan 1. B has
 * been lost through scans 3 and 4 only: never logged, not in the report.
 * (Scan totals are only checked for A: a stale copy of B's pointer in a
 * register of the signalled thread may keep B reachable in some scans.)
 * run: direct
 * options: scan_signal=USR2:min_age=3
 * exit: 137
 * timeout: 30
 * expect: stdout == 'scans=4\n'
 * expect: not processes[0].complete and processes[0].scans == 4
 * expect: [s.kind for s in log_scans()] == ['signal'] * 4
 * expect: [[c.entry_size for c in s.clusters] for s in log_scans()] == [[], [], [111], []]
 * expect: [[c.first_seen_scan for c in s.clusters] for s in log_scans()] == [[], [], [1], []]
 * expect: [s.totals.definitely_lost.blocks >= 1 for s in log_scans()] == [True] * 4
 * expect: cluster_with('leak_a') is not None and cluster_with('leak_a').first_seen_scan == 1
 * expect: cluster_with('leak_b') is None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 111
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_a(void) { void *p = malloc(111); memset(p, 1, 111); sink(p); }
static NOINLINE void leak_b(void) { void *p = malloc(222); memset(p, 2, 222); sink(p); }

static char log_path[4096];
/* The number of SCAN_END records (type 7) in this process's complete log
 * records, read through testutil.h's map_own_log (never a writable copy). */
static int scans_in_log(void) {
  size_t have, off = 0;
  const unsigned char *buf = map_own_log(log_path, &have);
  int n = 0;
  while (have - off >= 12) {
    uint16_t type;
    uint32_t len;
    memcpy(&type, buf + off + 2, 2);
    memcpy(&len, buf + off + 4, 4);
    if (have - off < (size_t)len + 12) break;
    n += type == 7;
    off += (size_t)len + 12;
  }
  return n;
}

/* One scan: signal ourselves, wait (up to 10 s) until its SCAN_END is on disk. */
static int scan_once(int want) {
  if (!leakgraph_active()) return 0;
  kill(getpid(), SIGUSR2);
  for (int i = 0; i < 10000; i++) {
    if (scans_in_log() >= want) return 0;
    struct timespec ts = {0, 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  printf("scan %d did not appear in the log\n", want);
  return -1;
}

int main(void) {
  snprintf(log_path, sizeof log_path, "%s/logs/lg.%d.log", getenv("LG_TEST_TMP"), (int)getpid());
  int scans = 0;
  leak_a();
  clobber_stack();
  if (scan_once(++scans) < 0 || scan_once(++scans) < 0) return 1;
  leak_b();
  clobber_stack();
  if (scan_once(++scans) < 0 || scan_once(++scans) < 0) return 1;
  printf("scans=%d\n", scans);
  fflush(stdout);
  if (leakgraph_active()) raise(SIGKILL);
  _exit(137); /* --plain: the same status */
}
