/* A young scan takes its young blocks and its older blocks' per-site
 * counts from the born-since-last-scan lists (collector/born.h), not from
 * a walk of the block table; its SITES record must still count every live
 * block exactly as a full scan does. The program builds old blocks at
 * several sites (small ones in its thread's table, large ones in the
 * shared part, some from a thread that ends), lets them age, then twice
 * changes them in every way the lists record: frees by the allocating
 * thread and by another thread, frees of an ended thread's blocks,
 * reallocs in place, large frees, new blocks and new blocks freed again.
 * Then it stays still (no allocation) through nine scans. Every periodic
 * scan of the still window, full or young, must count the same blocks and
 * bytes per site, and young scans among them must have come from the
 * lists (their NOTE says so). Young scans (full_every=4, interval=0.05).
 * run: direct
 * options: interval=0.05:full_every=4:min_age=1:born_lists=yes
 * timeout: 120
 * expect: out_int('quiet_from') >= 0
 * expect: len([x for x in log_sites() if x.scan > out_int('quiet_from') + 1 and x.scan in [s.scan for s in log_scans() if s.kind == 'periodic']]) >= 6
 * expect: len({tuple(sorted((k, sum(v.blocks), sum(v.bytes)) for k, v in x.sites.items())) for x in log_sites() if x.scan > out_int('quiet_from') + 1 and x.scan in [s.scan for s in log_scans() if s.kind == 'periodic']}) == 1
 * expect: len([k for k in [int(m.group(1)) for n in log_notes() for m in [re.match(r'scan (\d+) was young: .*from the born lists', n)] if m] if k > out_int('quiet_from') + 1]) >= 2
 * expect: len([s for s in log_scans() if s.kind == 'periodic' and not s.young and s.scan > out_int('quiet_from') + 1]) >= 1
 * expect: any(k <= out_int('quiet_from') for k in [int(m.group(1)) for n in log_notes() for m in [re.match(r'scan (\d+) was young: .*from the born lists', n)] if m])
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define NA 400
#define NB 200
#define NC 24
#define ND 100
#define NE 300

static void *a[NA], *b[NB], *c[NC], *d[ND], *e[2][NE]; /* globals: roots */

static NOINLINE void alloc_small(void) {
  for (int i = 0; i < NA; i++) a[i] = malloc(64);
  for (int i = 0; i < NB; i++) b[i] = malloc(100);
}

static NOINLINE void alloc_large(void) {
  for (int i = 0; i < NC; i++) c[i] = malloc(200 << 10);
}

static void *alloc_in_thread(void *arg) {
  (void)arg;
  for (int i = 0; i < ND; i++) d[i] = malloc(48);
  return NULL;
}

/* Frees a[i] for i in [lo, hi) from another thread. */
typedef struct range { int lo, hi; } range_t;
static void *free_in_thread(void *arg) {
  range_t *r = arg;
  for (int i = r->lo; i < r->hi; i++) { free(a[i]); a[i] = NULL; }
  return NULL;
}

static void run_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  if (pthread_create(&t, NULL, fn, arg) == 0) pthread_join(t, NULL);
}

static NOINLINE void alloc_new(int round) {
  for (int i = 0; i < NE; i++) e[round][i] = malloc(32 + i % 5 * 16);
  for (int i = 0; i < NE; i += 3) { free(e[round][i]); e[round][i] = NULL; }
}

/* One round of changes to the old blocks (round 0 or 1). */
static void churn(int round) {
  int q = NA / 8;
  for (int i = round * 2 * q; i < round * 2 * q + q; i++) { free(a[i]); a[i] = NULL; }
  range_t r = {round * 2 * q + q, round * 2 * q + 2 * q};
  run_thread(free_in_thread, &r);
  for (int i = round; i < NB; i += 4) b[i] = realloc(b[i], 40); /* shrinks: stays in place */
  for (int i = round; i < ND; i += 3) { free(d[i]); d[i] = NULL; }
  for (int i = round; i < NC; i += 4) { free(c[i]); c[i] = NULL; }
  alloc_new(round);
  clobber_stack();
}

int main(void) {
  alloc_small();
  alloc_large();
  run_thread(alloc_in_thread, NULL);
  clobber_stack();
  wait_for_scans(scans_in_own_log() + 3);
  churn(0);
  wait_for_scans(scans_in_own_log() + 2);
  churn(1);
  int quiet_from = scans_in_own_log();
  printf("quiet_from=%d\n", quiet_from);
  fflush(stdout);
  wait_for_scans(quiet_from + 10);
  return 0;
}
