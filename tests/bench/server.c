/* tests/bench/server.c — the server-like workload of scripts/bench: many
 * threads, steady requests, a long-lived heap (issue 9's "interval=1 on a
 * server-like workload": extra wall time and p99 request latency).
 *
 * It owns a small in-process key-value server and nothing else. At start
 * it fills a cache of CACHE entries (values of 64..512 bytes, about 45 MB
 * with the defaults: the long-lived heap every scan marks). CLIENTS client
 * threads then send REQUESTS requests in all, each client one at a time
 * (a closed loop, as a load generator with a fixed number of connections
 * does): a request is a malloc'd message put on a shared queue; one of
 * WORKERS worker threads takes it, "parses" it into a scratch buffer,
 * answers a GET (80%: the value copied into a malloc'd response) or a SET
 * (20%: a new value block replaces the old one, which is freed) under the
 * key's bucket lock, and hands the response back; the client checks it and
 * frees the message and the response. Each request's latency is the time
 * from the client's send to its receipt of the answer.
 *
 * Usage: server WORKERS CLIENTS REQUESTS [CACHE]
 * Prints "requests=N checksum=X" on stdout (X depends only on the
 * arguments, so a run under a tool can be checked against a run without
 * one), and the latencies "p50_us=.. p99_us=.. p999_us=.. max_us=.. wall_s=.."
 * (the request phase only) to the file $BENCH_LATENCY_OUT, or to stderr
 * when it is not set. At the end everything is freed. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NBUCKETS 65536u
#define NLOCKS 256u

struct entry {
  struct entry *next;
  uint64_t key;
  size_t len;
  unsigned char *value;
};

struct request {
  struct request *next; /* on the queue */
  uint64_t key;
  int set;
  size_t len;
  unsigned char *response;
  size_t response_len;
  int done;
  pthread_mutex_t *client_lock;
  pthread_cond_t *client_cond;
};

static struct entry *buckets[NBUCKETS];
static pthread_mutex_t bucket_locks[NLOCKS];
static uint64_t nkeys;

static pthread_mutex_t queue_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t queue_cond = PTHREAD_COND_INITIALIZER;
static struct request *queue_head, *queue_tail;
static int shutting_down;

/* next is xorshift64*: fast and deterministic. */
static uint64_t next(uint64_t *s) {
  *s ^= *s >> 12;
  *s ^= *s << 25;
  *s ^= *s >> 27;
  return *s * 0x2545F4914F6CDD1DULL;
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static unsigned char *new_value(uint64_t key, size_t len) {
  unsigned char *v = malloc(len);
  if (!v) abort();
  memset(v, (int)(key & 0xff), len);
  return v;
}

static void fill_cache(uint64_t n) {
  uint64_t s = 42;
  for (uint64_t k = 0; k < n; k++) {
    struct entry *e = malloc(sizeof *e);
    if (!e) abort();
    e->key = k;
    e->len = 64 + next(&s) % 449;
    e->value = new_value(k, e->len);
    e->next = buckets[k % NBUCKETS];
    buckets[k % NBUCKETS] = e;
  }
  nkeys = n;
}

/* Answers request r under its bucket's lock. */
static void handle(struct request *r) {
  char *scratch = malloc(256);
  if (!scratch) abort();
  int n = snprintf(scratch, 256, "%s key=%llu len=%zu", r->set ? "SET" : "GET",
                   (unsigned long long)r->key, r->len);
  uint64_t b = r->key % NBUCKETS;
  pthread_mutex_t *l = &bucket_locks[b % NLOCKS];
  pthread_mutex_lock(l);
  struct entry *e = buckets[b];
  while (e && e->key != r->key) e = e->next;
  if (r->set) {
    unsigned char *old = e->value;
    e->value = new_value(r->key, r->len);
    e->len = r->len;
    free(old);
    r->response = malloc(32);
    r->response_len = 32;
    memset(r->response, 'k', 32);
  } else {
    r->response = malloc(e->len + 32);
    memcpy(r->response, scratch, 32 < n ? 32 : (size_t)n);
    memcpy(r->response + 32, e->value, e->len);
    r->response_len = e->len + 32;
  }
  pthread_mutex_unlock(l);
  free(scratch);
}

static void *worker_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&queue_lock);
    while (!queue_head && !shutting_down) pthread_cond_wait(&queue_cond, &queue_lock);
    struct request *r = queue_head;
    if (!r) { pthread_mutex_unlock(&queue_lock); return NULL; }
    queue_head = r->next;
    if (!queue_head) queue_tail = NULL;
    pthread_mutex_unlock(&queue_lock);
    handle(r);
    pthread_mutex_lock(r->client_lock);
    r->done = 1;
    pthread_cond_signal(r->client_cond);
    pthread_mutex_unlock(r->client_lock);
  }
}

struct client {
  pthread_t thread;
  unsigned id;
  unsigned long requests;
  uint64_t *lat;
  unsigned long long sum;
};

static void *client_main(void *arg) {
  struct client *c = arg;
  pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
  pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
  uint64_t s = 0x9E3779B97F4A7C15ULL * (c->id + 1);
  for (unsigned long i = 0; i < c->requests; i++) {
    uint64_t x = next(&s);
    struct request *r = calloc(1, sizeof *r);
    if (!r) abort();
    r->key = x % nkeys;
    r->set = (x >> 32) % 5 == 0;
    r->len = 64 + (x >> 40) % 449;
    r->client_lock = &lock;
    r->client_cond = &cond;
    c->sum += r->key * 3 + (uint64_t)r->set;
    uint64_t t0 = now_ns();
    pthread_mutex_lock(&queue_lock);
    if (queue_tail) queue_tail->next = r;
    else queue_head = r;
    queue_tail = r;
    pthread_cond_signal(&queue_cond);
    pthread_mutex_unlock(&queue_lock);
    pthread_mutex_lock(&lock);
    while (!r->done) pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    c->lat[i] = now_ns() - t0;
    if (!r->response || r->response_len < 32) abort();
    free(r->response);
    free(r);
  }
  return NULL;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* Writes the latency percentiles of all n requests. */
static void report(uint64_t *all, unsigned long n, double wall) {
  qsort(all, n, sizeof *all, cmp_u64);
  FILE *f = stderr;
  const char *path = getenv("BENCH_LATENCY_OUT");
  if (path && !(f = fopen(path, "w"))) f = stderr;
  fprintf(f, "p50_us=%.1f p99_us=%.1f p999_us=%.1f max_us=%.1f wall_s=%.3f requests=%lu\n",
          all[n / 2] / 1e3, all[n * 99 / 100] / 1e3, all[n * 999 / 1000] / 1e3, all[n - 1] / 1e3,
          wall, n);
  if (f != stderr) fclose(f);
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: server WORKERS CLIENTS REQUESTS [CACHE]\n");
    return 2;
  }
  unsigned workers = (unsigned)atoi(argv[1]), clients = (unsigned)atoi(argv[2]);
  unsigned long requests = strtoul(argv[3], NULL, 10);
  uint64_t cache = argc > 4 ? strtoull(argv[4], NULL, 10) : 150000;
  if (!workers || workers > 256 || !clients || clients > 256 || requests < clients || !cache) {
    fprintf(stderr, "server: WORKERS and CLIENTS 1..256, REQUESTS >= CLIENTS, CACHE >= 1\n");
    return 2;
  }
  for (unsigned i = 0; i < NLOCKS; i++) pthread_mutex_init(&bucket_locks[i], NULL);
  fill_cache(cache);
  pthread_t *w = calloc(workers, sizeof *w);
  struct client *c = calloc(clients, sizeof *c);
  uint64_t *all = calloc(requests, sizeof *all);
  if (!w || !c || !all) abort();
  for (unsigned i = 0; i < workers; i++) pthread_create(&w[i], NULL, worker_main, NULL);
  unsigned long given = 0;
  for (unsigned i = 0; i < clients; i++) {
    c[i].id = i;
    c[i].requests = requests / clients + (i < requests % clients);
    c[i].lat = all + given;
    given += c[i].requests;
  }
  uint64_t t0 = now_ns();
  for (unsigned i = 0; i < clients; i++) pthread_create(&c[i].thread, NULL, client_main, &c[i]);
  unsigned long long sum = 0;
  for (unsigned i = 0; i < clients; i++) {
    pthread_join(c[i].thread, NULL);
    sum += c[i].sum;
  }
  double wall = (now_ns() - t0) / 1e9;
  pthread_mutex_lock(&queue_lock);
  shutting_down = 1;
  pthread_cond_broadcast(&queue_cond);
  pthread_mutex_unlock(&queue_lock);
  for (unsigned i = 0; i < workers; i++) pthread_join(w[i], NULL);
  report(all, requests, wall);
  printf("requests=%lu checksum=%llx\n", requests, sum);
  for (uint64_t b = 0; b < NBUCKETS; b++)
    for (struct entry *e = buckets[b], *n; e; e = n) {
      n = e->next;
      free(e->value);
      free(e);
    }
  free(all);
  free(c);
  free(w);
  return 0;
}
