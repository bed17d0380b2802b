/* collector/stacks.c — stack interning (see stacks.h). */
#include "stacks.h"

#include <string.h>

#include "arena.h"
#include "lock.h"
#include "sys.h"

static int oom; /* set by uthash when it cannot grow its buckets */
#define uthash_nonfatal_oom(obj) (oom = 1)
#include <uthash.h>

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define NCHUNKS 4096u /* up to 16 million distinct stacks */
#define TCACHE 512u

typedef struct node {
  UT_hash_handle hh;
  lg_stack_t *stack;
} node_t;

static lg_lock_t lock = LG_LOCK_INIT;
static node_t *table;
static lg_stack_t **chunks[NCHUNKS];
static uint32_t nstacks;

/* Per-thread cache: the stack hash and the id it interned to. */
static __thread struct { uint64_t hash; uint32_t id; } tcache[TCACHE];

static inline uint64_t hash_frames(const uintptr_t *f, uint32_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  for (uint32_t i = 0; i < n; i++) {
    h ^= f[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h | 1; /* never 0, the empty cache mark */
}

const lg_stack_t *lg_stacks_get(uint32_t id) {
  if (id == 0 || id > __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE)) return NULL;
  uint32_t i = id - 1;
  lg_stack_t **c = chunks[i >> CHUNK_BITS];
  return c ? c[i & (CHUNK - 1)] : NULL;
}

uint32_t lg_stacks_count(void) { return __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE); }

/* Stores a new stack and its node, under hash hv; caller holds the lock. */
static uint32_t add(const uintptr_t *f, uint32_t n, unsigned hv) {
  uint32_t i = nstacks;
  if (i >= NCHUNKS * CHUNK) return 0;
  if (!chunks[i >> CHUNK_BITS]) {
    chunks[i >> CHUNK_BITS] = lg_arena_alloc(CHUNK * sizeof(lg_stack_t *));
    if (!chunks[i >> CHUNK_BITS]) return 0;
  }
  /* Stacks and their nodes live as long as the process: packed. */
  lg_stack_t *s = lg_arena_bump(sizeof *s + n * sizeof *f);
  node_t *nd = lg_arena_bump(sizeof *nd);
  if (!s || !nd) return 0;
  s->id = i + 1;
  s->nframes = n;
  memcpy(s->frames, f, n * sizeof *f);
  nd->stack = s;
  oom = 0;
  HASH_ADD_KEYPTR_BYHASHVALUE(hh, table, s->frames, n * sizeof *f, hv, nd);
  if (oom) return 0; /* the two pieces stay unused in the arena */
  chunks[i >> CHUNK_BITS][i & (CHUNK - 1)] = s;
  __atomic_store_n(&nstacks, i + 1, __ATOMIC_RELEASE);
  return i + 1;
}

uint32_t lg_stacks_intern(const uintptr_t *f, uint32_t n, int *is_new) {
  uint64_t h = hash_frames(f, n);
  uint32_t slot = (uint32_t)(h >> 7) & (TCACHE - 1);
  /* A 64-bit hash match is taken as the same stack (a false match among
   * even millions of stacks is vanishingly unlikely); the global table
   * below compares frames exactly. */
  if (tcache[slot].hash == h) return tcache[slot].id;
  /* The global table buckets by the same hash (uthash's own would hash
   * every byte of the frames again). */
  unsigned hv = (unsigned)(h ^ (h >> 32));
  lg_lock(&lock);
  node_t *nd;
  HASH_FIND_BYHASHVALUE(hh, table, f, n * sizeof *f, hv, nd);
  uint32_t id = nd ? nd->stack->id : add(f, n, hv);
  lg_unlock(&lock);
  if (is_new) *is_new = !nd && id;
  if (id) {
    tcache[slot].hash = h;
    tcache[slot].id = id;
  }
  return id;
}

void lg_stacks_lock(void) { lg_lock(&lock); }
void lg_stacks_unlock(void) { lg_unlock(&lock); }
void lg_stacks_reset_lock(void) { lg_lock_reset(&lock); }
