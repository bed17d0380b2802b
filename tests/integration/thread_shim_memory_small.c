/* A thread that allocates from a few stacks costs the shim little
 * resident memory: its unwinder state (rule cache, tree of frames and
 * their index) starts small and grows only with what the thread uses.
 * 32 threads each allocate and free 2,000 blocks from 20 stacks, then
 * wait, all alive, while the main thread reads how much anonymous memory
 * the process holds (RssAnon) before the threads began and with all of
 * them done; the run under the shim may take at most 96 KiB more per
 * thread than the run without it (the thread's block table and its
 * unwinder state; about 60 KiB now, 370 KiB before the unwinder's state
 * started small and found stacks through a wrapper frame by the frame
 * outside it).
 * compare: plain
 * expect: out_int('per_thread_kib') >= 0 and plain.exit_code == 0
 * expect: out_int('per_thread_kib') - int(line_with(plain.stdout, 'per_thread_kib=').split('=')[1]) <= 96
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define NT 32
static pthread_barrier_t done, leave;

/* The process's anonymous resident memory, in KiB. */
static long rss_anon_kib(void) {
  FILE *f = fopen("/proc/self/status", "r");
  char line[256];
  long kib = -1;
  while (f && fgets(line, sizeof line, f))
    if (strncmp(line, "RssAnon:", 8) == 0) kib = strtol(line + 8, NULL, 10);
  if (f) fclose(f);
  return kib;
}

NOINLINE void site(int k) {
  void *p = malloc(16 + (size_t)k);
  sink(p);
  free(p);
}

static void *work(void *arg) {
  (void)arg;
  for (int i = 0; i < 2000; i++) {
    switch (i % 20) {
    case 0: site(0); break; case 1: site(1); break; case 2: site(2); break; case 3: site(3); break;
    case 4: site(4); break; case 5: site(5); break; case 6: site(6); break; case 7: site(7); break;
    case 8: site(8); break; case 9: site(9); break; case 10: site(10); break; case 11: site(11); break;
    case 12: site(12); break; case 13: site(13); break; case 14: site(14); break; case 15: site(15); break;
    case 16: site(16); break; case 17: site(17); break; case 18: site(18); break; default: site(19); break;
    }
  }
  pthread_barrier_wait(&done);
  pthread_barrier_wait(&leave);
  return NULL;
}

int main(void) {
  pthread_t t[NT];
  pthread_barrier_init(&done, NULL, NT + 1);
  pthread_barrier_init(&leave, NULL, NT + 1);
  site(0);
  long before = rss_anon_kib();
  for (int i = 0; i < NT; i++)
    if (pthread_create(&t[i], NULL, work, NULL)) return 1;
  pthread_barrier_wait(&done);
  long after = rss_anon_kib();
  pthread_barrier_wait(&leave);
  for (int i = 0; i < NT; i++) pthread_join(t[i], NULL);
  printf("per_thread_kib=%ld\n", (after - before) / NT);
  return 0;
}
