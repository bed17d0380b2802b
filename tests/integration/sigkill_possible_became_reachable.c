/* A daemon killed by SIGKILL is reported from what its last scan still
 * found lost, plus the definite leaks earlier scans found -- not from
 * every possibly lost cluster ever logged. Under full periodic scans
 * (interval=0.1, full_every=1: each scan judges every block) the program
 * leaks a 64-byte block (leak_definite) and leaves a 96-byte block reachable only through an interior pointer
 * (make_possible, a global pointing 40 bytes into it); it reads its own log
 * (through a read-only mapping: see read_log) until a periodic scan has
 * logged both clusters, then stores a pointer to
 * the 96-byte block's start in a global (the block is reachable again),
 * reads its log until a scan that began after that has ended, and kills
 * itself. The report holds the definite leak (the last scan names it in
 * its LIVE record) and nothing possibly lost; the log shows a scan that
 * logged the 96-byte block as possibly lost, and a last scan that found
 * nothing possibly lost.
 * run: direct
 * options: interval=0.1:full_every=1
 * exit: 137
 * timeout: 60
 * expect: stdout == 'logged both\nreachable again\n'
 * expect: len(processes) == 1 and not processes[0].complete
 * expect: cluster_with('leak_definite') is not None and cluster_with('leak_definite').entry.size == 64
 * expect: cluster_with('make_possible') is None
 * expect: summary.definitely_lost.blocks == 1 and summary.possibly_lost.blocks == 0
 * expect: any(c.bytes == 96 and c.flags & 2 for s in log_scans() for c in s.clusters)
 * expect: log_scans()[-1].totals.possibly_lost.blocks == 0
 * expect: [c.id for s in log_scans() for c in s.clusters if c.bytes == 64][-1] in log_scans()[-1].live
 */
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

char *interior;    /* 40 bytes into the 96-byte block */
char *holder;      /* its start, once it is reachable again */
static char path[4096];

static NOINLINE void leak_definite(void) { void *p = malloc(64); memset(p, 1, 64); sink(p); }

static NOINLINE void make_possible(void) {
  char *p = malloc(96);
  memset(p, 2, 96);
  interior = p + 40;
}

/* This process's log, read-only (testutil.h's map_own_log says why). */
static const unsigned char *read_log(size_t *n) { return map_own_log(path, n); }

/* Reads a little-endian u32. */
static uint32_t le32(const unsigned char *b) { return b[0] | b[1] << 8 | b[2] << 16 | (uint32_t)b[3] << 24; }

/* Walks the complete records of the log (LOGFORMAT.md framing): counts the
 * CLUSTER records of `bytes` bytes whose possible flag is `possible`, and
 * the SCAN_ENDs of scans whose SCAN_BEGIN lies at or after byte `from`. */
static void count(size_t from, uint64_t bytes, int possible, int *clusters, int *scans_after) {
  size_t n, off = 0;
  const unsigned char *b = read_log(&n);
  uint32_t after[64];
  int nafter = 0;
  *clusters = *scans_after = 0;
  while (off + 12 <= n) {
    unsigned type = b[off + 2] | b[off + 3] << 8;
    uint32_t len = le32(b + off + 4);
    const unsigned char *pl = b + off + 8;
    if (off + 12 + len > n) break;
    if (type == 6 && len >= 24 && le32(pl + 16) == bytes && !!(le32(pl + 12) & 2) == possible) (*clusters)++;
    if (type == 5 && off >= from && nafter < 64) after[nafter++] = le32(pl);
    for (int i = 0; type == 7 && i < nafter; i++) *scans_after += le32(pl) == after[i];
    off += 12 + len;
  }
}

/* Waits, reading the log every 20 ms (for at most about 50 s), until it
 * holds `want_clusters` such CLUSTER records and `want_scans` such scans
 * (see count); exits 3 when it never does. */
static void wait_for(size_t from, uint64_t bytes, int possible, int want_clusters, int want_scans) {
  for (int tries = 0; tries < 2500; tries++) {
    int c, s;
    count(from, bytes, possible, &c, &s);
    if (c >= want_clusters && s >= want_scans) return;
    sleep_for(0.02);
  }
  printf("timed out waiting for the log\n");
  fflush(stdout);
  exit(3);
}

int main(void) {
  snprintf(path, sizeof path, "%s/logs/lg.%d.log", getenv("LG_TEST_TMP") ? getenv("LG_TEST_TMP") : ".", (int)getpid());
  leak_definite();
  make_possible();
  clobber_stack();
  wait_for(0, 64, 0, 1, 0);
  wait_for(0, 96, 1, 1, 0);
  printf("logged both\n");
  holder = interior - 40;
  size_t n;
  read_log(&n);
  wait_for(n, 0, 0, 0, 1);
  printf("reachable again\n");
  fflush(stdout);
  raise(SIGKILL);
  return 0;
}
