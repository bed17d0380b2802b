/* collector/stacks.h — stack interning. Each distinct allocation stack (a
 * list of raw return addresses) is stored once, in the shim's memory, and
 * named by a small id (≥ 1); blocks carry the id. A STACK record is written
 * to the log only when a scan first refers to the stack in the current log,
 * so the malloc path never writes.
 *
 * Which stacks the current log already holds is history.h's business.
 *
 * Stacks share their outer frames (main, the event loop, the interpreter's
 * loop), so they are kept as a tree: a node per (frame, the node of the
 * frame outside it), interned in one hash table, and a stack is the node of
 * its innermost frame. A new stack costs the nodes of the frames where it
 * departs from the stacks before it (about four on CPython, of 28 frames).
 *
 * Lookups go first to a per-thread direct-mapped cache keyed by the stack's
 * hash (no lock), then to the tree under the intern lock. Nodes and stacks
 * are immutable once published and found by index through two-level
 * arrays, so reading a stack's frames needs no lock. */
#ifndef LG_STACKS_H
#define LG_STACKS_H

#include <stdint.h>

#define LG_STACK_CHECKED 1u /* flags below are valid */
#define LG_STACK_LOADER 2u  /* allocated by the dynamic loader */

/* lg_stacks_intern returns the id of the stack `frames[0..n)` (innermost
 * first), or 0 when the shim is out of memory; *is_new (if not NULL) tells
 * whether it was stored just now. */
uint32_t lg_stacks_intern(const uintptr_t *frames, uint32_t n, int *is_new);
/* lg_stacks_frames copies the first min(n, cap) frames of stack `id`
 * (innermost first, exactly as interned) into out and returns n, its
 * number of frames; -1 when there is no such stack. Lock-free. */
int lg_stacks_frames(uint32_t id, uintptr_t *out, uint32_t cap);
/* lg_stacks_flags returns the LG_STACK_* flags of stack `id` (0 for an
 * unknown id); lg_stacks_set_flags sets them. The scan is their only
 * writer. */
uint32_t lg_stacks_flags(uint32_t id);
void lg_stacks_set_flags(uint32_t id, uint32_t flags);
uint32_t lg_stacks_count(void);

void lg_stacks_lock(void);
void lg_stacks_unlock(void);
void lg_stacks_reset_lock(void);

#endif
