/* collector/arena.c — the shim's private allocator (see arena.h).
 *
 * Size classes are powers of two from 16 bytes to 64 KiB, each with a free
 * list; chunks are carved from 1 MiB slabs mapped on demand. Larger requests
 * get their own mapping. A 16-byte header before each chunk records its
 * class (or its mapping size), so free needs no lookup. Memory of freed
 * chunks is reused but never returned to the system: the shim's own
 * footprint is small and stable (stacks, modules). */
#include "arena.h"

#include <string.h>

#include "lock.h"
#include "sys.h"

#define MIN_SHIFT 4
#define MAX_SHIFT 16
#define NCLASSES (MAX_SHIFT - MIN_SHIFT + 1)
#define SLAB (1u << 20)
#define HDR 16u

typedef struct chunk { struct chunk *next; } chunk_t;

static lg_lock_t lock = LG_LOCK_INIT;
static chunk_t *free_list[NCLASSES];
static char *slab_cur, *slab_end;
static size_t mapped;

/* Returns the class index holding `size` bytes plus the header. */
static int class_of(size_t size) {
  size_t need = size + HDR;
  int c = 0;
  while (((size_t)1 << (c + MIN_SHIFT)) < need) c++;
  return c;
}

/* Carves one chunk of class `c` from the current slab; caller holds lock. */
static char *carve(int c) {
  size_t sz = (size_t)1 << (c + MIN_SHIFT);
  if (!slab_cur || (size_t)(slab_end - slab_cur) < sz) {
    slab_cur = lg_sys_map(SLAB);
    if (!slab_cur) return NULL;
    slab_end = slab_cur + SLAB;
    mapped += SLAB;
  }
  char *p = slab_cur;
  slab_cur += sz;
  return p;
}

void *lg_arena_alloc(size_t size) {
  if (size > ((size_t)1 << MAX_SHIFT) - HDR) {
    size_t total = (size + HDR + 4095) & ~(size_t)4095;
    char *p = lg_sys_map(total);
    if (!p) return NULL;
    __atomic_add_fetch(&mapped, total, __ATOMIC_RELAXED);
    *(size_t *)p = total; /* > 64 KiB: a mapping size, never a class */
    return p + HDR;
  }
  int c = class_of(size);
  lg_lock(&lock);
  char *p = (char *)free_list[c];
  if (p)
    free_list[c] = free_list[c]->next;
  else
    p = carve(c);
  lg_unlock(&lock);
  if (!p) return NULL;
  memset(p, 0, (size_t)1 << (c + MIN_SHIFT));
  *(size_t *)p = (size_t)c;
  return p + HDR;
}

static char *bump_cur, *bump_end;

void *lg_arena_bump(size_t size) {
  size = (size + 15) & ~(size_t)15;
  if (size > SLAB / 4) return lg_arena_alloc(size);
  lg_lock(&lock);
  if (!bump_cur || (size_t)(bump_end - bump_cur) < size) {
    bump_cur = lg_sys_map(SLAB);
    if (bump_cur) { bump_end = bump_cur + SLAB; mapped += SLAB; }
  }
  char *p = NULL;
  if (bump_cur) { p = bump_cur; bump_cur += size; }
  lg_unlock(&lock);
  return p;
}

void lg_arena_free(void *q) {
  if (!q) return;
  char *p = (char *)q - HDR;
  size_t tag = *(size_t *)p;
  if (tag >= NCLASSES) {
    __atomic_sub_fetch(&mapped, tag, __ATOMIC_RELAXED);
    lg_sys_unmap(p, tag);
    return;
  }
  lg_lock(&lock);
  ((chunk_t *)p)->next = free_list[tag];
  free_list[tag] = (chunk_t *)p;
  lg_unlock(&lock);
}

void *lg_arena_realloc(void *q, size_t size) {
  if (!q) return lg_arena_alloc(size);
  size_t tag = *(size_t *)((char *)q - HDR);
  size_t have = tag >= NCLASSES ? tag - HDR : ((size_t)1 << (tag + MIN_SHIFT)) - HDR;
  if (size <= have) return q;
  void *n = lg_arena_alloc(size);
  if (!n) return NULL;
  memcpy(n, q, have);
  lg_arena_free(q);
  return n;
}

void lg_arena_lock_all(void) { lg_lock(&lock); }
void lg_arena_unlock_all(void) { lg_unlock(&lock); }
void lg_arena_reset_lock(void) { lg_lock_reset(&lock); }
size_t lg_arena_bytes(void) { return __atomic_load_n(&mapped, __ATOMIC_RELAXED); }
