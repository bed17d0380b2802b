/* collector/stacks.h — stack interning. Each distinct allocation stack (a
 * list of raw return addresses) is stored once, in the arena, and named by a
 * small id (≥ 1); blocks carry the id. A STACK record is written to the log
 * only when a scan first refers to the stack in the current log, so the
 * malloc path never writes.
 *
 * Which stacks the current log already holds is history.h's business.
 *
 * Lookups go first to a per-thread direct-mapped cache keyed by the stack's
 * hash (no lock), then to the global uthash table under the intern lock.
 * Stored stacks are immutable and found by id through a two-level array, so
 * reading one needs no lock. */
#ifndef LG_STACKS_H
#define LG_STACKS_H

#include <stdint.h>

typedef struct lg_stack {
  uint32_t id;
  uint32_t nframes;
  uint32_t pad;
  uint32_t flags;        /* LG_STACK_*, computed by the scan */
  uintptr_t frames[];
} lg_stack_t;

#define LG_STACK_CHECKED 1u /* flags below are valid */
#define LG_STACK_LOADER 2u  /* allocated by the dynamic loader */

/* lg_stacks_intern returns the id of the stack `frames[0..n)`, or 0 when the
 * shim is out of memory; *is_new (if not NULL) tells whether it was stored
 * just now. */
uint32_t lg_stacks_intern(const uintptr_t *frames, uint32_t n, int *is_new);
/* lg_stacks_get returns the stack with id `id`, or NULL. Lock-free. */
const lg_stack_t *lg_stacks_get(uint32_t id);
uint32_t lg_stacks_count(void);

void lg_stacks_lock(void);
void lg_stacks_unlock(void);
void lg_stacks_reset_lock(void);

#endif
