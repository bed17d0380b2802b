/* young_remembered.c in one of glibc's arena heaps: a second thread (its
 * own arena, a 64 MiB-aligned heap the roots phase does not read) makes
 * the old block and, in each of 6 rounds after the last scan, stores the
 * only pointer to a new block into it. The young scans find the new blocks
 * through the arena heap's written page (the remembered set): none reports
 * anything lost. full_every=1000, interval=0.05, min_age=1.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'rounds=6 arena=1\n'
 * expect: len([s for s in log_scans() if s.young]) >= 6
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void **old_block; /* a global root */
static int rounds, arena;

static NOINLINE void make_old(void) {
  old_block = malloc(4096);
  memset(old_block, 0, 4096);
}

static NOINLINE void give_young(int i) {
  char *p = malloc(48);
  memset(p, i, 48);
  old_block[i * 16] = p;
}

static void *worker(void *arg) {
  (void)arg;
  make_old();
  clobber_stack();
  /* Not in the brk heap: an arena heap (or, in --plain, whatever). */
  arena = (uintptr_t)old_block - (uintptr_t)sbrk(0) > ((uintptr_t)1 << 30);
  int have = scans_in_own_log();
  wait_for_scans(have + 2);
  for (int i = 1; i <= 6; i++) {
    give_young(i);
    clobber_stack();
    have = scans_in_own_log();
    if (wait_for_scans(have + 2) == 0) rounds++;
  }
  return NULL;
}

int main(void) {
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  printf("rounds=%d arena=%d\n", rounds, arena);
  return 0;
}
