/* collector/stacks.c — stack interning (see stacks.h): the tree of frames,
 * its hash table, the stacks by id, the hash from a stack's innermost node
 * to its id, and the per-thread cache.
 *
 * Memory is what a long-running interpreter pays for every distinct stack
 * (python3 keeps about 57 000 nodes for 13 000 stacks, through a few
 * thousand return addresses), so a node is 8 bytes (the number of its
 * return address in a table of them, and the node outside), the stack ids
 * live in a hash of their own (there are four nodes for every stack) and
 * the hashes hold 32-bit words — a number and a few bits of its key's
 * hash, so that a probe seldom reads what the number names — and grow
 * when seven eighths full. Chunks of nodes and stacks are mappings of their
 * own (the arena would round them up to the next power of two and zero
 * all of it: resident at once), so only the pages in use are resident. */
#include "stacks.h"

#include "lock.h"
#include "sys.h"

#define CHUNK_BITS 12
#define CHUNK (1u << CHUNK_BITS)
#define NODE_CHUNKS 16383u /* up to 64 million nodes: a number fits in 26 bits */
#define STACK_CHUNKS 4096u /* up to 16 million distinct stacks */
#define RA_CHUNKS 4096u    /* up to 16 million distinct return addresses */
#define HASH_INIT 4096u    /* slots of each hash at first */
#define TAG_BITS 6         /* the low bits of a hash slot: its key's hash */
#define TCACHE 512u

/* A frame of the tree: its return address and the node of the frame
 * outside it. Nodes are numbered from 1; 0 is "none" (outside the
 * outermost frame); so are return addresses. */
typedef struct node {
  uint32_t ra;  /* the number of the return address */
  uint32_t out; /* the node of the frame outside, 0 none */
} node_t;

/* A stack: the node of its innermost frame (0 for an empty stack). */
typedef struct entry {
  uint32_t leaf;
  uint16_t nframes;
  uint8_t flags; /* LG_STACK_* */
  uint8_t pad;
} entry_t;

/* An open-addressed hash of numbers (node numbers or stack ids), each
 * slot the number shifted past TAG_BITS bits of its key's hash; 0 empty.
 * Probes go 1, 2, 3, ... slots further each time (triangular numbers: in
 * a power-of-two table they visit every slot), which keeps a lookup
 * short when the table is nearly full, where one slot after the other
 * would walk long runs. Under the lock. */
typedef struct hash { uint32_t *slot, cap, n; } hash_t;

static lg_lock_t lock = LG_LOCK_INIT;
static node_t *nodes[NODE_CHUNKS];
static entry_t *entries[STACK_CHUNKS];
static uint32_t nnodes, nstacks;
static uintptr_t *ras[RA_CHUNKS];
static uint32_t nras;
static hash_t ra_hash;    /* return address numbers by address */
static hash_t node_hash;  /* node numbers by (out, return address) */
static hash_t stack_hash; /* stack ids by their innermost node */
static uint32_t empty_id; /* the id of the stack without frames, 0 none yet */

/* Per-thread cache: the stack hash and the id it interned to. */
static __thread struct { uint64_t hash; uint32_t id; } tcache[TCACHE];

/* The path of the thread's last stack interned through the tree, from
 * its outermost frame in (its first PATH frames): a new stack shares its
 * outer frames with it most often, and those nodes are taken from here
 * instead of the hash. Nodes never change, so the path stays true. */
#define PATH 64u
static __thread struct { uint32_t n; uint32_t node[PATH]; uintptr_t frame[PATH]; } path;

static inline uint64_t hash_frames(const uintptr_t *f, uint32_t n) {
  uint64_t h = 0x9E3779B97F4A7C15ull ^ n;
  for (uint32_t i = 0; i < n; i++) {
    h ^= f[i];
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 32;
  }
  return h | 1; /* never 0, the empty cache mark */
}

static inline uint32_t hash_ra(uintptr_t frame) {
  uint64_t h = (frame ^ (frame >> 29)) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t hash_node(uint32_t out, uintptr_t frame) {
  uint64_t h = (frame ^ ((uint64_t)out << 40 | out)) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h ^ (h >> 32));
}

static inline uint32_t hash_leaf(uint32_t leaf) {
  uint64_t h = ((uint64_t)leaf + 0x9E3779B97F4A7C15ull) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h ^ (h >> 32));
}

static inline node_t *node_at(uint32_t i) { return &nodes[(i - 1) >> CHUNK_BITS][(i - 1) & (CHUNK - 1)]; }

static inline uintptr_t ra_at(uint32_t i) { return ras[(i - 1) >> CHUNK_BITS][(i - 1) & (CHUNK - 1)]; }

static inline uintptr_t frame_of(const node_t *nd) { return ra_at(nd->ra); }

static inline entry_t *entry_at(uint32_t id) { return &entries[(id - 1) >> CHUNK_BITS][(id - 1) & (CHUNK - 1)]; }

/* ---- the hashes (under the lock) --------------------------------------------- */

/* The hash a slot's number was stored under: of its node's key, of its
 * return address, or of its stack's innermost node. */
static inline uint32_t rehash_of(const hash_t *h, uint32_t v) {
  if (h == &node_hash) return hash_node(node_at(v)->out, frame_of(node_at(v)));
  if (h == &ra_hash) return hash_ra(ra_at(v));
  return hash_leaf(entry_at(v)->leaf);
}

static inline uint32_t slot_word(uint32_t v, uint32_t hv) { return v << TAG_BITS | (hv >> (32 - TAG_BITS)); }

/* Doubles hash h (makes it at first), keeping what it holds; 0, or -1 out
 * of memory. */
static int hash_grow(hash_t *h) {
  uint32_t cap = h->cap ? 2 * h->cap : HASH_INIT;
  uint32_t *s = lg_sys_map((size_t)cap * sizeof *s);
  if (!s) return -1;
  for (uint32_t i = 0; i < h->cap; i++) {
    if (!h->slot[i]) continue;
    uint32_t j = rehash_of(h, h->slot[i] >> TAG_BITS) & (cap - 1);
    for (uint32_t step = 1; s[j]; step++) j = (j + step) & (cap - 1);
    s[j] = h->slot[i];
  }
  if (h->slot) lg_sys_unmap(h->slot, (size_t)h->cap * sizeof *h->slot);
  h->slot = s;
  h->cap = cap;
  return 0;
}

/* Makes room for one more number in h; 0, or -1 out of memory. */
static int hash_room(hash_t *h) {
  return (uint64_t)(h->n + 1) * 8 > (uint64_t)h->cap * 7 ? hash_grow(h) : 0;
}

/* The number of return address `frame`, stored now if it is new; 0 out
 * of memory. */
static uint32_t ra_get(uintptr_t frame) {
  if (hash_room(&ra_hash) < 0) return 0;
  uint32_t hv = hash_ra(frame), tag = hv >> (32 - TAG_BITS), mask = ra_hash.cap - 1;
  uint32_t j = hv & mask;
  for (uint32_t w, step = 1; (w = ra_hash.slot[j]); j = (j + step++) & mask)
    if ((w & ((1u << TAG_BITS) - 1)) == tag && ra_at(w >> TAG_BITS) == frame) return w >> TAG_BITS;
  uint32_t i = nras;
  if (i >= RA_CHUNKS * CHUNK) return 0;
  if (!ras[i >> CHUNK_BITS] && !(ras[i >> CHUNK_BITS] = lg_sys_map(CHUNK * sizeof(uintptr_t)))) return 0;
  ras[i >> CHUNK_BITS][i & (CHUNK - 1)] = frame;
  nras = i + 1;
  ra_hash.slot[j] = slot_word(i + 1, hv);
  ra_hash.n++;
  return i + 1;
}

/* Stores a new node; its number, or 0 out of memory. */
static uint32_t node_add(uint32_t out, uint32_t ra) {
  uint32_t i = nnodes;
  if (i >= NODE_CHUNKS * CHUNK) return 0;
  if (!nodes[i >> CHUNK_BITS] && !(nodes[i >> CHUNK_BITS] = lg_sys_map(CHUNK * sizeof(node_t)))) return 0;
  node_t *nd = &nodes[i >> CHUNK_BITS][i & (CHUNK - 1)];
  nd->ra = ra;
  nd->out = out;
  nnodes = i + 1;
  return i + 1;
}

/* The node of `frame` inside node `out`, stored now if it is new; 0 out
 * of memory. */
static uint32_t node_get(uint32_t out, uintptr_t frame) {
  if (hash_room(&node_hash) < 0) return 0;
  uint32_t hv = hash_node(out, frame), tag = hv >> (32 - TAG_BITS), mask = node_hash.cap - 1;
  uint32_t j = hv & mask;
  for (uint32_t w, step = 1; (w = node_hash.slot[j]); j = (j + step++) & mask) {
    if ((w & ((1u << TAG_BITS) - 1)) != tag) continue;
    const node_t *nd = node_at(w >> TAG_BITS);
    if (nd->out == out && frame_of(nd) == frame) return w >> TAG_BITS;
  }
  uint32_t ra = ra_get(frame), i = ra ? node_add(out, ra) : 0;
  if (i) {
    node_hash.slot[j] = slot_word(i, hv);
    node_hash.n++;
  }
  return i;
}

/* ---- stacks ---------------------------------------------------------------------- */

/* Stores a new stack whose innermost node is `leaf`; its id, or 0. */
static uint32_t stack_add(uint32_t leaf, uint32_t n) {
  uint32_t i = nstacks;
  if (i >= STACK_CHUNKS * CHUNK) return 0;
  if (!entries[i >> CHUNK_BITS] && !(entries[i >> CHUNK_BITS] = lg_sys_map(CHUNK * sizeof(entry_t)))) return 0;
  entry_t *e = &entries[i >> CHUNK_BITS][i & (CHUNK - 1)];
  e->leaf = leaf;
  e->nframes = (uint16_t)n;
  __atomic_store_n(&nstacks, i + 1, __ATOMIC_RELEASE); /* the entry and its nodes are whole */
  return i + 1;
}

/* The slot of stack_hash that holds the id of the stack whose innermost
 * node is `leaf`, or the empty slot where it would go. */
static uint32_t *id_slot(uint32_t leaf) {
  uint32_t hv = hash_leaf(leaf), tag = hv >> (32 - TAG_BITS), mask = stack_hash.cap - 1;
  uint32_t j = hv & mask;
  for (uint32_t w, step = 1; (w = stack_hash.slot[j]); j = (j + step++) & mask)
    if ((w & ((1u << TAG_BITS) - 1)) == tag && entry_at(w >> TAG_BITS)->leaf == leaf) break;
  return &stack_hash.slot[j];
}

/* Finds or stores the stack f[0..n), from its outermost frame in; its
 * id, or 0 out of memory. Caller holds the lock. */
static uint32_t find_or_add(const uintptr_t *f, uint32_t n, int *fresh) {
  uint32_t at = 0, j = 0, same = n < path.n ? n : path.n;
  for (; j < same && f[n - 1 - j] == path.frame[j]; j++) at = path.node[j];
  for (; j < n; j++) {
    if (!(at = node_get(at, f[n - 1 - j]))) {
      path.n = 0;
      return 0;
    }
    if (j < PATH) {
      path.frame[j] = f[n - 1 - j];
      path.node[j] = at;
    }
  }
  path.n = n < PATH ? n : PATH;
  if (!at) {
    if (!empty_id && (empty_id = stack_add(0, 0))) *fresh = 1;
    return empty_id;
  }
  if (hash_room(&stack_hash) < 0) return 0;
  uint32_t *w = id_slot(at);
  if (*w) return *w >> TAG_BITS;
  uint32_t id = stack_add(at, n);
  if (!id) return 0;
  *w = slot_word(id, hash_leaf(at));
  stack_hash.n++;
  *fresh = 1;
  return id;
}

int lg_stacks_frames(uint32_t id, uintptr_t *out, uint32_t cap) {
  if (id == 0 || id > __atomic_load_n(&nstacks, __ATOMIC_ACQUIRE)) return -1;
  const entry_t *e = entry_at(id);
  uint32_t k = 0;
  for (uint32_t x = e->leaf; x && k < cap; x = node_at(x)->out) out[k++] = frame_of(node_at(x));
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
