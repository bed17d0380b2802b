/* tests/bench/churn.c — the allocation-bound workload of scripts/bench.
 *
 * It owns nothing but a loop that keeps the allocator busy: each thread owns
 * a table of slots (together about 100,000 live blocks) and, for every
 * operation, picks a slot with a deterministic PRNG, frees the block there
 * (if any) and allocates a new one of a mixed size between 8 and 4096 bytes
 * (mostly small, as real programs allocate), touching its first and last
 * bytes. Every 16th operation is a realloc instead, every 64th a calloc. At
 * the end every block is freed, so a correct leak checker finds nothing.
 *
 * Usage: churn THREADS OPS [LIVE]
 *   THREADS  1..64 worker threads, sharing the work and the live set
 *   OPS      operations in total (split evenly between the threads)
 *   LIVE     live blocks in total (default 100000)
 * Prints one checksum line that depends only on the arguments, so a run
 * under a tool can be checked against a run without one. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct worker {
  pthread_t thread;
  unsigned id;
  unsigned long ops;
  size_t nslots;
  unsigned long long sum;
};

/* next is xorshift64*: fast, deterministic, good enough for sizes. */
static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

/* pick_size returns 8..4096: 70% up to 128, 25% up to 1024, 5% up to 4096. */
static size_t pick_size(uint64_t r) {
  unsigned p = (unsigned)(r % 100);
  r >>= 8;
  if (p < 70) return 8 + r % 121;
  if (p < 95) return 129 + r % 896;
  return 1025 + r % 3072;
}

/* touch writes the block's first and last byte and returns a checksum bit. */
static unsigned touch(unsigned char *p, size_t n, uint64_t r) {
  p[0] = (unsigned char)r;
  p[n - 1] = (unsigned char)(r >> 8);
  return p[0] ^ p[n - 1];
}

/* run is one worker: OPS free-then-allocate operations on its own slots. */
static void *run(void *arg) {
  struct worker *w = arg;
  uint64_t s = 0x9E3779B97F4A7C15ULL * (w->id + 1);
  unsigned char **slot = calloc(w->nslots, sizeof *slot);
  size_t *size = calloc(w->nslots, sizeof *size);
  unsigned long long sum = 0;
  if (!slot || !size) abort();
  for (unsigned long i = 0; i < w->ops; i++) {
    uint64_t r = next(&s);
    size_t k = (size_t)(r % w->nslots);
    size_t n = pick_size(next(&s));
    if (i % 16 == 15 && slot[k]) {
      unsigned char *q = realloc(slot[k], n);
      if (!q) abort();
      slot[k] = q;
    } else {
      free(slot[k]);
      slot[k] = (i % 64 == 63) ? calloc(1, n) : malloc(n);
      if (!slot[k]) abort();
    }
    size[k] = n;
    sum += touch(slot[k], n, r) + n;
  }
  for (size_t k = 0; k < w->nslots; k++) free(slot[k]);
  free(slot);
  free(size);
  w->sum = sum;
  return NULL;
}

int main(int argc, char **argv) {
  unsigned threads = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1;
  unsigned long ops = argc > 2 ? strtoul(argv[2], NULL, 10) : 10000000;
  unsigned long live = argc > 3 ? strtoul(argv[3], NULL, 10) : 100000;
  struct worker w[64];
  unsigned long long total = 0;
  if (threads < 1 || threads > 64 || ops < 1 || live < threads) {
    fprintf(stderr, "usage: churn THREADS(1..64) OPS [LIVE]\n");
    return 2;
  }
  for (unsigned t = 0; t < threads; t++) {
    w[t] = (struct worker){.id = t, .ops = ops / threads, .nslots = live / threads};
    if (pthread_create(&w[t].thread, NULL, run, &w[t]) != 0) {
      perror("churn: pthread_create");
      return 1;
    }
  }
  for (unsigned t = 0; t < threads; t++) {
    pthread_join(w[t].thread, NULL);
    total += w[t].sum;
  }
  printf("churn: threads=%u ops=%lu live=%lu checksum=%llu\n", threads, ops, live, total);
  return 0;
}
