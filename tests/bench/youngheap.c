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
 * Usage: youngheap [BLOCKS [ROUNDS [ROUND_MB [SLEEP]]]] */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void **youngheap_roots; /* every old block, from a global: a root */
void *youngheap_fresh[1000]; /* the lists of new blocks, one per round */

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
  uint64_t s = 0x5DEECE66DULL;
  youngheap_roots = malloc(n * sizeof(void *));
  for (size_t i = 0; i < n; i++) {
    uint64_t r = next(&s);
    size_t size = 16 + (r >> 8) % 241;
    void **b = malloc(size);
    memset(b, (int)(r & 0xff), size);
    b[0] = i ? youngheap_roots[r % i] : NULL;
    youngheap_roots[i] = b;
  }
  fprintf(stderr, "built %zu blocks\n", n);
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
