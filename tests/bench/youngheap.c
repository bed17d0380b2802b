/* tests/bench/youngheap.c — what a young scan costs on a big old heap.
 *
 * It builds BLOCKS blocks (default 5,000,000) of 16..256 bytes (about
 * 700 MB with malloc's overhead, near 1 GB resident), each holding a
 * pointer to an earlier block, all reachable from one root array held by
 * a global; then, ROUNDS times (default 8), it allocates ROUND_MB (default
 * 10) of new 200-byte blocks chained into a list that a global holds (all
 * stay reachable: nothing leaks), and
 * sleeps SLEEP seconds (default 1.3) so that a periodic scan (interval=1)
 * falls between rounds. Run it under leakgraph with interval=1 and
 * full_every=1 (every scan full) or full_every=1000 (young scans), and
 * compare the scans after the build (pause and scan time in the report's
 * JSON "scans", what each young scan read in its NOTE). Deterministic.
 *
 * For scripts/bench's young cell it says on stderr when the build ended
 * ("youngheap: built N blocks at T s", T from its start), and, with
 * YOUNGHEAP_TICKER set, runs a thread over the rounds only that wakes
 * every millisecond and prints its longest gap at the end ("youngheap:
 * rounds ticker ticks=N max_gap_us=G"): the longest pause the program
 * saw while the young scans ran, without the build's scans and the exit
 * scan, which a ticker of the whole run would count. stdout is the same
 * either way.
 *
 * Usage: youngheap [BLOCKS [ROUNDS [ROUND_MB [SLEEP]]]] */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void **youngheap_roots; /* every old block, from a global: a root */
void *youngheap_fresh[1000]; /* the lists of new blocks, one per round */

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static volatile int ticker_stop;
static uint64_t ticks, max_gap_ns;

/* The rounds' ticker: sleeps to the next millisecond deadline and keeps
 * the longest wait past the period. */
static void *tick(void *arg) {
  (void)arg;
  uint64_t last = now_ns(), next_at = last;
  while (!ticker_stop) {
    next_at += 1000000u;
    uint64_t t = now_ns();
    if (next_at < t) next_at = t;
    struct timespec ts = {(time_t)(next_at / 1000000000u), (long)(next_at % 1000000000u)};
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) != 0 && !ticker_stop) {}
    t = now_ns();
    uint64_t gap = t - last > 1000000u ? t - last - 1000000u : 0;
    last = t;
    ticks++;
    if (gap > max_gap_ns) max_gap_ns = gap;
  }
  return NULL;
}

static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
  int rounds = argc > 2 ? atoi(argv[2]) : 8;
  size_t round_bytes = (argc > 3 ? strtoull(argv[3], NULL, 10) : 10) << 20;
  double pause = argc > 4 ? atof(argv[4]) : 1.3;
  uint64_t s = 0x5DEECE66DULL, t0 = now_ns();
  youngheap_roots = malloc(n * sizeof(void *));
  for (size_t i = 0; i < n; i++) {
    uint64_t r = next(&s);
    size_t size = 16 + (r >> 8) % 241;
    void **b = malloc(size);
    memset(b, (int)(r & 0xff), size);
    b[0] = i ? youngheap_roots[r % i] : NULL;
    youngheap_roots[i] = b;
  }
  fprintf(stderr, "youngheap: built %zu blocks at %.3f s\n", n, (double)(now_ns() - t0) / 1e9);
  pthread_t ticker;
  int ticking = getenv("YOUNGHEAP_TICKER") && pthread_create(&ticker, NULL, tick, NULL) == 0;
  for (int k = 0; k < rounds; k++) {
    void **head = NULL;
    for (size_t got = 0; got < round_bytes; got += 200) {
      void **b = malloc(200);
      memset(b, k, 200);
      b[0] = head;
      head = b;
    }
    youngheap_fresh[k % 1000] = head;
    struct timespec ts = {(time_t)pause, (long)((pause - (double)(time_t)pause) * 1e9)};
    nanosleep(&ts, NULL);
  }
  if (ticking) {
    ticker_stop = 1;
    pthread_join(ticker, NULL);
    fprintf(stderr, "youngheap: rounds ticker ticks=%llu max_gap_us=%llu\n", (unsigned long long)ticks,
            (unsigned long long)(max_gap_ns / 1000));
  }
  /* The program's own check: every list is whole. */
  size_t want = (round_bytes + 199) / 200, bad = 0;
  for (int k = 0; k < rounds && k < 1000; k++) {
    size_t len = 0;
    for (void **b = youngheap_fresh[k]; b; b = b[0]) len++;
    bad += len != want;
  }
  printf("rounds=%d broken=%zu\n", rounds, bad);
  return 0;
}
