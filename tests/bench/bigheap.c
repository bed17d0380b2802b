/* tests/bench/bigheap.c — the heap scripts/bench measures the exit scan on.
 *
 * It owns one big, pointer-rich heap and nothing else: BLOCKS blocks
 * (default 5,000,000) of mixed sizes (90% 16..256 bytes, 10% 256..1280;
 * about 200 bytes on average, so about 1 GB in all), each filled with data
 * and starting with two or more pointers to other blocks: a random graph.
 * One block in 20 is "lost": lost blocks point only at lost blocks, and
 * nothing reachable points at them, so an exit scan finds about 5% of the
 * heap (and many cycles) lost. The reachable 95% hang off one root array,
 * itself a block, held by a global. Then the program asks for SCANS leak
 * scans through leakgraph_scan() (no-ops without the shim), and exits, and
 * the shim's exit scan has the whole heap to mark.
 *
 * Usage: bigheap [BLOCKS [SCANS]]   (defaults 5000000 and 0)
 * Prints the bytes it allocated on stdout (the same with and without a
 * tool), and per scan, on stderr, what leakgraph_scan() returned and how
 * long the call took. Deterministic. Built with -I preload. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "leakgraph.h"

/* The reachable blocks, from a global: a root. Not static, so the compiler
 * must store it (a static that nothing else reads may live in a register
 * only, and then the whole heap would look lost). */
void **bigheap_roots;

static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

/* pick_size: 90% 16..256 bytes, 10% 256..1280 bytes. */
static size_t pick_size(uint64_t r) {
  if (r % 10 == 0) return 256 + (r >> 8) % 1025;
  return 16 + (r >> 8) % 241;
}

/* is_lost tells the blocks that form the leaked part of the graph. */
static int is_lost(size_t i) { return i % 20 == 7; }

/* pick_peer returns a random earlier block of the same kind (lost or
 * kept) as block i, or NULL for the first blocks. */
static void *pick_peer(void **all, size_t i, uint64_t r) {
  size_t j;
  if (i < 40) return NULL;
  j = (size_t)(r % i);
  while (is_lost(j) != is_lost(i)) j = (j + 1) % i;
  return all[j];
}

int main(int argc, char **argv) {
  size_t n = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000;
  unsigned scans = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 0;
  uint64_t s = 0x5DEECE66DULL;
  size_t bytes = 0, nroots = 0;
  void **all = malloc(n * sizeof *all); /* scratch; freed before exit */
  if (!all || n < 1) return 1;
  bigheap_roots = malloc(n * sizeof *bigheap_roots);
  if (!bigheap_roots) return 1;
  for (size_t i = 0; i < n; i++) {
    size_t size = pick_size(next(&s));
    uintptr_t *b = malloc(size);
    size_t words = size / sizeof *b;
    if (!b) return 1;
    /* Data that does not look like pointers, then links to peers. */
    memset(b, 0x5a, size);
    for (size_t w = 0; w < words; w++) {
      if (w < 2 || (w < 8 && next(&s) % 4 == 0)) b[w] = (uintptr_t)pick_peer(all, i, next(&s));
    }
    all[i] = b;
    bytes += size;
    if (!is_lost(i)) bigheap_roots[nroots++] = b;
  }
  /* Old blocks also point at newer ones, so the graph has cycles. */
  for (size_t i = 0; i + 40 < n; i += 3) {
    uintptr_t *b = all[i];
    b[1] = (uintptr_t)all[i + 20];
  }
  free(all);
  printf("bigheap: %zu blocks, %zu bytes, %zu reachable from the root array\n",
         n, bytes, nroots);
  fflush(stdout);
  /* The API scans: the whole heap is in place, `all` is gone, so the lost
   * 5% is lost for each of them as for the exit scan. */
  for (unsigned k = 1; k <= scans; k++) {
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    long lost = leakgraph_scan();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    fprintf(stderr, "bigheap: leakgraph_scan %u: returned %ld, %.3f s in the call\n", k, lost,
            (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
  }
  return 0;
}
