/* pointer_passing.h — the program of pointers_in_flight.c (short, normal
 * suite) and stress_pointer_passing.c (long, --stress): NTHREADS threads
 * hand heap blocks to each other for `seconds` (argv[1]) while the shim
 * scans many times a second. A block is, at any moment, held only by one
 * of:
 *   - a slot of a lock-protected queue (a global ring of each thread),
 *   - a register: the owner pins the only pointer in a register with an asm
 *     constraint across a busy loop (built -O2, so no stack copy exists),
 *   - a thread-local variable of its owner (`tls_slot`, `tls_ring`),
 *   - a local of the thread that is moving it (stack or register).
 * Every block carries a check word; every block is freed by the end, so no
 * scan may find anything lost. The program prints
 *   threads=N passes=P errors=0 pending=0
 * (passes: blocks received through a queue; errors: bad check words).
 *
 * With a second argument S, it runs on after `seconds` until its log holds
 * S complete scans (or 60 s have passed): on a loaded machine scans come
 * slower than the interval, and the test counts what happened instead of
 * assuming a rate. */
#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "leakgraph.h"

#define NTHREADS 8
#define QCAP 256
#define TLS_RING 16

struct msg {
  uint64_t check; /* (uintptr_t)self ^ MAGIC */
  uint32_t from, hops;
  char pad[40];
};
#define MAGIC 0x5eedf00dcafe1234ull

struct queue {
  pthread_mutex_t lock;
  struct msg *items[QCAP];
  unsigned head, tail; /* head: next to pop; tail: next free */
};

static struct queue queues[NTHREADS];
static atomic_int stop;
static atomic_long passes, errors, pending;
static __thread struct msg *tls_slot;
static __thread struct msg *tls_ring[TLS_RING];

static double pp_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static __attribute__((noinline)) struct msg *msg_new(uint32_t from) {
  struct msg *m = malloc(sizeof *m);
  m->check = (uintptr_t)m ^ MAGIC;
  m->from = from;
  m->hops = 0;
  memset(m->pad, (int)from, sizeof m->pad);
  atomic_fetch_add(&pending, 1);
  return m;
}

static __attribute__((noinline)) void msg_free(struct msg *m) {
  if (m->check != ((uintptr_t)m ^ MAGIC)) atomic_fetch_add(&errors, 1);
  m->check = 0;
  atomic_fetch_sub(&pending, 1);
  free(m);
}

/* Pushes m to queue q; returns 0 when the queue is full (m not taken). */
static int q_push(int q, struct msg *m) {
  struct queue *Q = &queues[q];
  pthread_mutex_lock(&Q->lock);
  int ok = Q->tail - Q->head < QCAP;
  if (ok) {
    Q->items[Q->tail % QCAP] = m;
    Q->tail++;
  }
  pthread_mutex_unlock(&Q->lock);
  return ok;
}

static struct msg *q_pop(int q) {
  struct queue *Q = &queues[q];
  struct msg *m = NULL;
  pthread_mutex_lock(&Q->lock);
  if (Q->head != Q->tail) {
    m = Q->items[Q->head % QCAP];
    Q->items[Q->head % QCAP] = NULL; /* the queue no longer holds it */
    Q->head++;
  }
  pthread_mutex_unlock(&Q->lock);
  return m;
}

/* Holds the only pointer to a fresh block in a register for a while. No
 * call between msg_new and the loop, so the compiler has no reason to
 * spill m; one asm block clears the dead frames below the stack pointer
 * (msg_new's and malloc's, which a scan reads as the red zone) and the
 * caller-saved registers that could keep a stale copy (m is kept out of
 * them: they are clobbered). */
static __attribute__((noinline)) void hold_in_register(uint32_t me, long spins) {
  struct msg *m = msg_new(me);
  __asm__ volatile("lea -65536(%%rsp), %%rdi\n\t"
                   "mov $65536, %%ecx\n\t"
                   "xor %%eax, %%eax\n\t"
                   "cld\n\t"
                   "rep stosb\n\t"
                   "xor %%ecx, %%ecx; xor %%edx, %%edx; xor %%esi, %%esi; xor %%edi, %%edi\n\t"
                   "xor %%r8d, %%r8d; xor %%r9d, %%r9d; xor %%r10d, %%r10d; xor %%r11d, %%r11d"
                   : "+r"(m)
                   :
                   : "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory", "cc");
  for (long k = 0; k < spins; k++) __asm__ volatile("" : "+r"(m));
  msg_free(m);
}

/* Gives m to another thread, or frees it when every queue is full. */
static void pass_on(uint32_t me, struct msg *m, uint32_t *seed) {
  *seed = *seed * 1103515245u + 12345u;
  int to = (int)((me + 1 + (*seed >> 8) % (NTHREADS - 1)) % NTHREADS);
  m->hops++;
  if (!q_push(to, m)) msg_free(m);
}

static void *pp_worker(void *arg) {
  uint32_t me = (uint32_t)(uintptr_t)arg, seed = me * 2654435761u + 17;
  long round = 0;
  while (!atomic_load(&stop)) {
    round++;
    /* New blocks into other threads' queues. */
    for (int i = 0; i < 4; i++) pass_on(me, msg_new(me), &seed);
    /* Receive: keep some in TLS for a while, pass some on, free the rest. */
    struct msg *m;
    int got = 0;
    while ((m = q_pop((int)me)) && got < 64) {
      got++;
      atomic_fetch_add(&passes, 1);
      if (m->check != ((uintptr_t)m ^ MAGIC)) atomic_fetch_add(&errors, 1);
      if (m->hops < 6) {
        /* Through TLS: the block sits only in tls_slot or tls_ring for a
         * while, then moves on. */
        int k = (int)(round % TLS_RING);
        if (tls_ring[k]) pass_on(me, tls_ring[k], &seed);
        tls_ring[k] = m;
      } else {
        msg_free(m);
      }
      m = NULL;
    }
    if (m) { msg_free(m); m = NULL; } /* popped after the budget ran out */
    /* The single TLS slot: hold a block there across the register phase. */
    if (tls_slot) msg_free(tls_slot);
    tls_slot = msg_new(me);
    hold_in_register(me, 1000000 + (seed >> 12) % 1000000); /* about 1 ms */
  }
  /* The end: free what this thread still holds. */
  for (int k = 0; k < TLS_RING; k++)
    if (tls_ring[k]) { msg_free(tls_ring[k]); tls_ring[k] = NULL; }
  if (tls_slot) { msg_free(tls_slot); tls_slot = NULL; }
  return NULL;
}

/* Counts the SCAN_END records (type 7) in the logs of $LG_TEST_TMP/logs
 * (tools/LOGFORMAT.md framing: u16 sync 0x474C, u16 type, u32 length,
 * payload, u32 crc): the scans complete so far. */
static long pp_scans_logged(void) {
  char dir[4096], path[4400];
  snprintf(dir, sizeof dir, "%s/logs", getenv("LG_TEST_TMP") ? getenv("LG_TEST_TMP") : ".");
  DIR *d = opendir(dir);
  long n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
    FILE *f = e->d_name[0] != '.' ? fopen(path, "rb") : NULL;
    unsigned char h[8];
    while (f && fread(h, 1, 8, f) == 8 && h[0] == 0x4c && h[1] == 0x47) {
      uint32_t len = h[4] | h[5] << 8 | h[6] << 16 | (uint32_t)h[7] << 24;
      if (fseek(f, (long)len + 4, SEEK_CUR) != 0) break;
      n += (h[2] | h[3] << 8) == 7;
    }
    if (f) fclose(f);
  }
  if (d) closedir(d);
  return n;
}

static int pp_main(int argc, char **argv) {
  double seconds = argc > 1 ? atof(argv[1]) : 3;
  long want_scans = argc > 2 && leakgraph_active() ? atol(argv[2]) : 0;
  pthread_t t[NTHREADS];
  for (int q = 0; q < NTHREADS; q++) pthread_mutex_init(&queues[q].lock, NULL);
  for (uintptr_t i = 0; i < NTHREADS; i++) pthread_create(&t[i], NULL, pp_worker, (void *)i);
  double start = pp_now(), end = start + seconds;
  for (double n = pp_now(); n < end || (want_scans && pp_scans_logged() < want_scans && n < start + 60);
       n = pp_now()) {
    double d = n < end && end - n < 0.05 ? end - n : 0.05;
    struct timespec ts = {0, (long)(d * 1e9)};
    nanosleep(&ts, NULL);
  }
  atomic_store(&stop, 1);
  for (int i = 0; i < NTHREADS; i++) pthread_join(t[i], NULL);
  /* Whatever is still queued is freed by main. */
  for (int q = 0; q < NTHREADS; q++) {
    struct msg *m;
    while ((m = q_pop(q))) msg_free(m);
  }
  printf("threads=%d passes=%s errors=%ld pending=%ld\n", NTHREADS,
         atomic_load(&passes) > 1000 ? "many" : "few", atomic_load(&errors), atomic_load(&pending));
  return 0;
}
