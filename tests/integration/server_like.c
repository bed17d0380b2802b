/* A server-like program under periodic scans (interval=0.2), about 3 s
 * (30 iterations, each at least 100 ms, and at most two per scan):
 * three worker threads churn the heap steadily (bounded per-thread live
 * sets), while the main loop, every 100 ms, at once
 *   (a) leaks an unreachable 40-byte block (leak_request, NOINLINE): a
 *       periodic scan reports it well before exit -- the process has many
 *       scans and the leak's first_seen_scan is small, far below the last
 *       scan, and a periodic scan (not only the exit scan) logged it;
 *   (b) appends a 512-byte node to the global singly linked list
 *       `global_list` that is never trimmed (append_node): a growth entry,
 *       verdict growing, whose retention chain starts at the global
 *       'global_list' (kind global);
 *   (c) replaces 8 of the 64 slots of a bounded cache (cache_replace: free
 *       the old entry, malloc a new one): it churns but does not grow -- no
 *       growth entry for it.
 * Neither the list nor the cache has a lost block; the workers free
 * everything before they end. The program prints its counts.
 * run: direct
 * options: interval=0.2
 * timeout: 30
 * expect: stdout == 'iterations=30 list=30 cache=64 errors=0\n'
 * expect: processes[0].complete and processes[0].scans >= 5
 * expect: cluster_with('leak_request') is not None
 * expect: 1 <= cluster_with('leak_request').first_seen_scan <= 3
 * expect: cluster_with('leak_request').first_seen_scan <= processes[0].scans - 4
 * expect: any(s.kind == 'periodic' and any(c.entry_size == 40 for c in s.clusters) for s in log_scans())
 * expect: len(clusters_with('leak_request')) == 30 and summary.definitely_lost.blocks == 30
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: not clusters_with('append_node') and not clusters_with('cache_replace') and not clusters_with('churn')
 * expect: [g.verdict for g in r.growth if has_frame(g.site, 'append_node')] == ['growing']
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.kind == 'global'
 * expect: [g for g in r.growth if has_frame(g.site, 'append_node')][0].chain.root.symbol == 'global_list'
 * expect: not [g for g in r.growth if has_frame(g.site, 'cache_replace')]
 * expect: not [g for g in r.growth if has_frame(g.site, 'churn')]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "testutil.h"

#define WORKERS 3
#define ITERATIONS 30
#define CACHE 64

struct node { struct node *next; long seq; char payload[512 - 16]; };
struct node *global_list;          /* appended to, never trimmed */
static char *cache[CACHE];         /* bounded: every slot replaced again and again */
static atomic_int stop;
static long errors;

/* Sleeps until `deadline` even when a signal interrupts the sleep. */
static void sleep_until(double deadline) {
  for (double t = now(); t < deadline; t = now()) {
    double d = deadline - t;
    struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
    nanosleep(&ts, NULL);
  }
}

static NOINLINE void leak_request(void) {
  char *p = malloc(40);
  memset(p, 0x5a, 40);
  sink(p);
}

static NOINLINE void append_node(long seq) {
  struct node *n = malloc(sizeof *n);
  memset(n, 0, sizeof *n);
  n->seq = seq;
  struct node **at = &global_list;
  while (*at) at = &(*at)->next;
  *at = n;
}

static NOINLINE void cache_replace(long round) {
  for (int k = 0; k < 8; k++) {
    int slot = (int)((round * 8 + k) % CACHE);
    free(cache[slot]);
    cache[slot] = malloc(256);
    memset(cache[slot], (int)slot, 256);
  }
}

static NOINLINE char *churn(size_t n) { return malloc(n); }

static void *worker(void *arg) {
  uint32_t seed = (uint32_t)(uintptr_t)arg * 2654435761u + 1;
  char *live[32] = {0};
  while (!atomic_load(&stop)) {
    for (int i = 0; i < 200; i++) {
      seed = seed * 1103515245u + 12345u;
      int k = (seed >> 8) % 32;
      free(live[k]);
      size_t n = 16 + (seed >> 16) % 1000;
      live[k] = churn(n);
      live[k][0] = (char)k;
      live[k][n - 1] = (char)k;
    }
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  for (int k = 0; k < 32; k++) free(live[k]);
  return NULL;
}

int main(void) {
  pthread_t t[WORKERS];
  for (int k = 0; k < CACHE; k++) cache[k] = malloc(256);
  for (long i = 0; i < WORKERS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  double start = now();
  int i;
  for (i = 0; i < ITERATIONS; i++) {
    leak_request();
    append_node(i);
    cache_replace(i);
    clobber_stack();
    sleep_until(start + (i + 1) * 0.1);
    /* Paced by the scans too, counted in the log, not assumed from the
     * interval: at most two iterations per scan, however late a loaded
     * machine scans, so the list is seen growing scan after scan. */
    if (wait_for_scans(i / 2) < 0) errors++;
  }
  atomic_store(&stop, 1);
  for (int k = 0; k < WORKERS; k++) pthread_join(t[k], NULL);
  long n = 0;
  for (struct node *p = global_list; p; p = p->next) errors += p->seq != n++;
  int cached = 0;
  for (int k = 0; k < CACHE; k++) cached += cache[k] != NULL;
  printf("iterations=%d list=%ld cache=%d errors=%ld\n", i, n, cached, errors);
  return 0;
}
