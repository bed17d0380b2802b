/* Stress: 8 threads allocate and free 1,000,000 blocks each while the main
 * thread asks for scans in a loop: no deadlock, no crash, correct output,
 * no false leaks at exit.
 * stress: yes
 * timeout: 240
 * expect: stdout.startswith('threads=8 ops=8000000 errors=0 ')
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: processes[0].scans >= 2
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "leakgraph.h"

#define NTHREADS 8
#define OPS 1000000
#define LIVE 128

static long errors[NTHREADS];
static atomic_int running = NTHREADS;

static void *worker(void *arg) {
  long id = (long)arg;
  uint32_t seed = (uint32_t)id * 2654435761u + 7;
  unsigned char *slot[LIVE] = {0};
  size_t size[LIVE] = {0};
  for (int i = 0; i < OPS; i++) {
    seed = seed * 1103515245u + 12345u;
    int k = (seed >> 8) % LIVE;
    if (slot[k]) {
      if (slot[k][0] != (unsigned char)(k + id) || slot[k][size[k] - 1] != (unsigned char)(k + id)) errors[id]++;
      slot[k] = realloc(slot[k], 1 + (seed >> 20) % 64); /* shrink, then free */
      free(slot[k]);
    }
    size[k] = 1 + (seed >> 16) % 2048;
    slot[k] = malloc(size[k]);
    memset(slot[k], (unsigned char)(k + id), size[k]);
  }
  for (int k = 0; k < LIVE; k++) free(slot[k]);
  atomic_fetch_sub(&running, 1);
  return NULL;
}

int main(void) {
  pthread_t t[NTHREADS];
  for (long i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, worker, (void *)i);
  int scans = 0;
  while (atomic_load(&running) > 0) {
    if (leakgraph_scan() >= 0) scans++;
    struct timespec ts = {0, 20 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  long errs = 0;
  for (int i = 0; i < NTHREADS; i++) {
    pthread_join(t[i], NULL);
    errs += errors[i];
  }
  printf("threads=%d ops=%d errors=%ld scans>0=%d\n", NTHREADS, NTHREADS * OPS, errs, scans > 0);
  return 0;
}
