/* 8 threads allocate, check and free blocks at once (64 live blocks each,
 * random sizes): no false leaks, the output is the same as without the
 * shim.
 * timeout: 120
 * expect: stdout == 'threads=8 ops=1600000 errors=0\n'
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: summary.possibly_lost.blocks == 0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NTHREADS 8
#define OPS 200000
#define LIVE 64

static long errors[NTHREADS];

static void *worker(void *arg) {
  long id = (long)arg;
  uint32_t seed = (uint32_t)id * 2654435761u + 1;
  unsigned char *slot[LIVE] = {0};
  size_t size[LIVE] = {0};
  for (int i = 0; i < OPS; i++) {
    seed = seed * 1103515245u + 12345u;
    int k = (seed >> 8) % LIVE;
    if (slot[k]) {
      for (size_t j = 0; j < size[k]; j += 7)
        if (slot[k][j] != (unsigned char)(k + id)) errors[id]++;
      free(slot[k]);
    }
    size[k] = 1 + (seed >> 16) % 512;
    slot[k] = (seed & 1) ? malloc(size[k]) : calloc(1, size[k]);
    memset(slot[k], (unsigned char)(k + id), size[k]);
  }
  for (int k = 0; k < LIVE; k++) free(slot[k]);
  return NULL;
}

int main(void) {
  pthread_t t[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  long errs = 0;
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(t[i], NULL);
    errs += errors[i];
  }
  printf("threads=%d ops=%d errors=%ld\n", NTHREADS, NTHREADS * OPS, errs);
  return 0;
}
