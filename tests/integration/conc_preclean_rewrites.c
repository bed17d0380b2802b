/* The concurrent mark's pre-cleaning rounds (concmark.h, As built) when
 * the program rewrites a large live set during the pass: a worker keeps
 * writing every block of a 48 MiB live set (12,288 blocks of 4 KiB,
 * reachable from a global table) while the scan's concurrent pass runs,
 * and rewrites all of it once more at the gate after the concurrent mark
 * ("marked") before it stops. Without pre-cleaning the finish would find
 * 48 MiB of marked blocks on written pages, over its 32 MiB budget, and
 * take the clone; the rounds read them again with the world running, so
 * each of the three scans finishes concurrently with its rounds in the
 * NOTE, and the report is the snapshot's: the one leaked block.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'scans=3 gated=3\n'
 * expect: sum('was concurrent' in n and ' 0 pre-clean rounds' not in n for n in log_notes()) == 3
 * expect: not any('could not mark concurrently' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [1, 1, 1]
 * expect: [s.totals.definitely_lost.bytes for s in log_scans() if s.kind == 'api'] == [48, 48, 48]
 * expect: summary.definitely_lost.blocks == 1
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define NBLOCKS 12288
#define BLOCK 4096

char **volatile live; /* the live set, from module data */
static volatile int stop_writing;

static NOINLINE void leak(void) {
  char *p = malloc(48);
  memset(p, 1, 48);
}

static NOINLINE void build(void) {
  live = calloc(NBLOCKS, sizeof *live);
  for (size_t i = 0; live && i < NBLOCKS; i++) {
    live[i] = malloc(BLOCK);
    if (live[i]) memset(live[i], 2, BLOCK);
  }
}

/* Writes one word of every page of every block. */
static void rewrite(unsigned v) {
  for (size_t i = 0; i < NBLOCKS; i++)
    for (size_t o = 64; o < BLOCK; o += 4096) live[i][o] = (char)v;
}

static int go[2], back[2];

/* The worker: for each scan, rewrites the live set until the scan stands
 * at the gate, once more there, then opens it and waits for main. */
static void *worker(void *arg) {
  int *gated = arg;
  char c = 0;
  for (int k = 0; k < 3; k++) {
    if (read(go[0], &c, 1) != 1) return NULL;
    unsigned v = 3;
    for (int i = 0; i < 600000 && !conc_gate_reached("marked"); i++) rewrite(v++);
    if (!conc_gate_reached("marked")) break;
    rewrite(v);
    (*gated)++;
    conc_gate_open("marked");
    if (read(go[0], &c, 1) != 1) return NULL;
    conc_gate_close("marked");
    if (write(back[1], &c, 1) != 1) return NULL;
  }
  return NULL;
}

int main(void) {
  if (pipe(go) < 0 || pipe(back) < 0) return 1;
  build();
  leak();
  clobber_stack();
  pthread_t t;
  int gated = 0, scans = 0;
  if (pthread_create(&t, NULL, worker, &gated) != 0) return 1;
  char c = 0;
  for (int k = 0; k < 3; k++) {
    if (write(go[1], &c, 1) != 1) return 1;
    scans += leakgraph_scan() >= 0;
    if (write(go[1], &c, 1) != 1 || read(back[0], &c, 1) != 1) return 1;
  }
  pthread_join(t, NULL);
  printf("scans=%d gated=%d\n", scans, gated);
  for (size_t i = 0; i < NBLOCKS; i++) free(live[i]);
  free(live);
  return 0;
}
