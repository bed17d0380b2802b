/* tools/rangemap.h — the run-time address ranges of the loaded modules, for
 * resolving frames while a log is read: insert a range, remove it, find the
 * range holding an address, each in O(log n) expected (a treap), so that a
 * log that loads and unloads modules between its stacks costs n log n, not
 * n² (the reader re-sorted every range after each change before).
 *
 * Ranges of loaded modules never overlap in a real process. In a hostile
 * log they may: a lookup then answers with the range of greatest start at
 * or below the address (the latest inserted among equal starts) if it
 * holds the address, and else with none. */
#ifndef LG_RANGEMAP_H
#define LG_RANGEMAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_rnode lg_rnode_t;

typedef struct lg_rangemap {
  lg_rnode_t *nodes; /* a pool; index 0 is the empty tree */
  size_t n, cap;
  uint32_t root, free_list;
  uint64_t seed;
} lg_rangemap_t;

/* lg_rangemap_insert adds [start, end) for module `module`, told apart from
 * other ranges of the same start by `seq` (unique per range, below
 * UINT64_MAX). */
void lg_rangemap_insert(lg_rangemap_t *m, uint64_t start, uint64_t end,
                        uint64_t seq, int module);

/* lg_rangemap_remove removes the range of `start` and `seq`, if present. */
void lg_rangemap_remove(lg_rangemap_t *m, uint64_t start, uint64_t seq);

/* lg_rangemap_find returns the module of the range holding `addr` (see
 * above), or -1. */
int lg_rangemap_find(const lg_rangemap_t *m, uint64_t addr);

/* lg_rangemap_free releases the map and zeroes it. */
void lg_rangemap_free(lg_rangemap_t *m);

#endif
