/* collector/stacks.c — stack interning (see stacks.h): the tree of frames,
 * its hash table, the stacks by id and the per-thread cache. */
#include "stacks.h"

#include "arena.h"
#include "lock.h"
#include "sys.h"

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define NODE_CHUNKS 16384u /* up to 64 million nodes */
#define STACK_CHUNKS 4096u /* up to 16 million distinct stacks */
#define HASH_INIT 4096u    /* slots of the node hash at first */
#define TCACHE 512u

/* A frame of the tree: its return address and the node of the frame
 * outside it. Nodes are numbered from 1; 0 is "none" (outside the
 * outermost frame). */
typedef struct node {
  uintptr_t frame;
  uint32_t out;   /* the node of the frame outside, 0 none */
  uint32_t stack; /* the id of the stack whose innermost frame this is, 0 none; under the lock */
} node_t;

/* A stack: the node of its innermost frame (0 for an empty stack). */
typedef struct entry {
  uint32_t leaf;
  uint16_t nframes;
  uint8_t flags; /* LG_STACK_* */
  uint8_t pad;
} entry_t;

static lg_lock_t lock = LG_LOCK_INIT;
static node_t *nodes[NODE_CHUNKS];
static entry_t *entries[STACK_CHUNKS];
static uint32_t nnodes, nstacks;
static uint32_t *slots; /* the node hash: node numbers, 0 empty; under the lock */
static uint32_t nslots;
static uint32_t empty_id; /* the id of the stack without frames, 0 none yet */

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

static inline uint32_t hash_node(uint32_t out, uintptr_t frame) {
  uint64_t h = (frame ^ ((uint64_t)out << 40 | out)) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h ^ (h >> 32));
}

static inline node_t *node_at(uint32_t i) { return &nodes[(i - 1) >> CHUNK_BITS][(i - 1) & (CHUNK - 1)]; }

static inline entry_t *entry_at(uint32_t id) { return &entries[(id - 1) >> CHUNK_BITS][(id - 1) & (CHUNK - 1)]; }

/* ---- the node hash (under the lock) ------------------------------------------ */

/* Puts node i into the empty slot its probe reaches. */
static void slot_put(uint32_t *s, uint32_t cap, uint32_t i) {
  const node_t *nd = node_at(i);
  uint32_t j = hash_node(nd->out, nd->frame) & (cap - 1);
  while (s[j]) j = (j + 1) & (cap - 1);
  s[j] = i;
}

/* Doubles the node hash (makes it at first); 0, or -1 out of memory. */
static int hash_grow(void) {
  uint32_t cap = nslots ? 2 * nslots : HASH_INIT;
  uint32_t *s = lg_sys_map((size_t)cap * sizeof *s);
  if (!s) return -1;
  for (uint32_t i = 1; i <= nnodes; i++) slot_put(s, cap, i);
  if (slots) lg_sys_unmap(slots, (size_t)nslots * sizeof *slots);
  slots = s;
  nslots = cap;
  return 0;
}

/* Stores a new node; its number, or 0 out of memory. */
static uint32_t node_add(uint32_t out, uintptr_t frame) {
  uint32_t i = nnodes;
  if (i >= NODE_CHUNKS * CHUNK) return 0;
  if (!nodes[i >> CHUNK_BITS] && !(nodes[i >> CHUNK_BITS] = lg_arena_alloc(CHUNK * sizeof(node_t)))) return 0;
  node_t *nd = &nodes[i >> CHUNK_BITS][i & (CHUNK - 1)];
  nd->frame = frame;
  nd->out = out;
  nnodes = i + 1;
  return i + 1;
}

/* The node of `frame` inside node `out`, stored now if it is new; 0 out
 * of memory. */
static uint32_t node_get(uint32_t out, uintptr_t frame) {
  if ((uint64_t)(nnodes + 1) * 4 > (uint64_t)nslots * 3 && hash_grow() < 0) return 0;
  uint32_t j = hash_node(out, frame) & (nslots - 1);
  for (uint32_t i; (i = slots[j]); j = (j + 1) & (nslots - 1)) {
    const node_t *nd = node_at(i);
    if (nd->frame == frame && nd->out == out) return i;
  }
  uint32_t i = node_add(out, frame);
  if (i) slots[j] = i;
  return i;
}

/* ---- stacks ---------------------------------------------------------------------- */

/* Stores a new stack whose innermost node is `leaf`; its id, or 0. */
static uint32_t stack_add(uint32_t leaf, uint32_t n) {
  uint32_t i = nstacks;
  if (i >= STACK_CHUNKS * CHUNK) return 0;
  if (!entries[i >> CHUNK_BITS] && !(entries[i >> CHUNK_BITS] = lg_arena_alloc(CHUNK * sizeof(entry_t)))) return 0;
  entry_t *e = &entries[i >> CHUNK_BITS][i & (CHUNK - 1)];
  e->leaf = leaf;
  e->nframes = (uint16_t)n;
  __atomic_store_n(&nstacks, i + 1, __ATOMIC_RELEASE); /* the entry and its nodes are whole */
  return i + 1;
}

/* Finds or stores the stack f[0..n), from its outermost frame in; its
 * id, or 0 out of memory. Caller holds the lock. */
static uint32_t find_or_add(const uintptr_t *f, uint32_t n, int *fresh) {
  uint32_t at = 0;
  for (uint32_t i = n; i-- > 0;)
    if (!(at = node_get(at, f[i]))) return 0;
  uint32_t *id = at ? &node_at(at)->stack : &empty_id;
  if (!*id && (*id = stack_add(at, n))) *fresh = 1;
  return *id;
}

int lg_stacks_frames(uint32_t id, uintptr_t *out, uint32_t cap) {
  if (id == 0 || id > __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE)) return -1;
  const entry_t *e = entry_at(id);
  uint32_t k = 0;
  for (uint32_t x = e->leaf; x && k < cap; x = node_at(x)->out) out[k++] = node_at(x)->frame;
  return e->nframes;
}

uint32_t lg_stacks_flags(uint32_t id) {
  if (id == 0 || id > __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE)) return 0;
  return entry_at(id)->flags;
}

void lg_stacks_set_flags(uint32_t id, uint32_t flags) {
  if (id == 0 || id > __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE)) return;
  entry_at(id)->flags = (uint8_t)flags;
}

uint32_t lg_stacks_count(void) { return __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE); }

uint32_t lg_stacks_intern(const uintptr_t *f, uint32_t n, int *is_new) {
  uint64_t h = hash_frames(f, n);
  uint32_t slot = (uint32_t)(h >> 7) & (TCACHE - 1);
  /* A 64-bit hash match is taken as the same stack (a false match among
   * even millions of stacks is vanishingly unlikely); the tree below
   * compares frames exactly. */
  if (tcache[slot].hash == h) return tcache[slot].id;
  int fresh = 0;
  lg_lock(&lock);
  uint32_t id = n > UINT16_MAX ? 0 : find_or_add(f, n, &fresh);
  lg_unlock(&lock);
  if (is_new) *is_new = fresh;
  if (id) {
    tcache[slot].hash = h;
    tcache[slot].id = id;
  }
  return id;
}

void lg_stacks_lock(void) { lg_lock(&lock); }
void lg_stacks_unlock(void) { lg_unlock(&lock); }
void lg_stacks_reset_lock(void) { lg_lock_reset(&lock); }
