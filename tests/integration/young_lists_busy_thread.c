/* A stop signal that lands while a thread changes its own block table
 * (its malloc and free) is put off to the change's end (collector/born.h,
 * LG_BORN_OWN), so young scans keep taking their blocks from the born
 * lists even when a thread does nothing but allocate: a stop inside the
 * change would leave the change and its list record on two sides of the
 * snapshot, and the scan (and the next) would have to walk the whole
 * table. A worker thread runs malloc/free in a tight loop (64 live blocks
 * in a ring) while young scans run at 20 a second (full_every=1000); it
 * does at most 200,000 of them between two scans the main thread saw end
 * (a list holds about 700,000 records an epoch; a slow scan must not make
 * it overflow), and stops after 60 scans. No young scan says it walked
 * the table because a thread was stopped inside a change (without the
 * deferral, some did in about half the runs), most of them used the lists,
 * and every scan stopped every thread (none was conservative).
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=1:born_lists=yes
 * timeout: 120
 * expect: out_int('ops') > 0
 * expect: len([s for s in log_scans() if s.young]) >= 55
 * expect: not [n for n in log_notes() if 'stopped inside a table change' in n]
 * expect: len([n for n in log_notes() if 'from the born lists' in n]) >= len([s for s in log_scans() if s.young]) - 3
 * expect: not [s.scan for s in log_scans() if s.conservative]
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static volatile int stop;
static volatile int scans_seen; /* complete scans, as the main thread last counted them */
static void *ring[64];

static void *churn(void *arg) {
  unsigned long *ops = arg, since = 0;
  int seen = scans_seen;
  for (unsigned i = 0; !stop; i++) {
    free(ring[i % 64]);
    ring[i % 64] = malloc(16 + i % 200);
    (*ops)++;
    if (++since < 200000) continue;
    while (!stop && scans_seen == seen) sleep_for(0.001);
    seen = scans_seen;
    since = 0;
  }
  return NULL;
}

int main(void) {
  static unsigned long ops;
  pthread_t t;
  if (pthread_create(&t, NULL, churn, &ops) != 0) return 1;
  for (int waits = 0; (scans_seen = scans_in_own_log()) < 60 && waits < 60000; waits++) sleep_for(0.001);
  stop = 1;
  pthread_join(t, NULL);
  for (int i = 0; i < 64; i++) free(ring[i]);
  printf("ops=%lu\n", ops);
  return 0;
}
