/* collector/arena.h — the shim's private allocator. Every byte the shim
 * keeps for itself (stack tables, module lists, uthash buckets) comes from
 * here: anonymous mappings, never the traced malloc, so none of it shows up
 * in a report or disturbs the program's heap. Thread-safe under one lock,
 * which is a leaf: the arena calls nothing that takes another shim lock. */
#ifndef LG_ARENA_H
#define LG_ARENA_H

#include <stddef.h>

void *lg_arena_alloc(size_t size);   /* zeroed; NULL when out of memory */
void lg_arena_free(void *p);         /* NULL is fine */
/* lg_arena_bump returns zeroed memory that is never freed, packed without
 * size-class rounding (interned stacks: they live as long as the process). */
void *lg_arena_bump(size_t size);
void *lg_arena_realloc(void *p, size_t size);
void lg_arena_lock_all(void);        /* fork and scan: hold the arena lock */
void lg_arena_unlock_all(void);
void lg_arena_reset_lock(void);      /* forked child */
size_t lg_arena_bytes(void);         /* bytes mapped by the arena */

/* uthash allocates through the arena and does not exit on failure. */
#define uthash_malloc(sz) lg_arena_alloc(sz)
#define uthash_free(ptr, sz) lg_arena_free(ptr)
#define HASH_NONFATAL_OOM 1

#endif
