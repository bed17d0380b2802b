/* preload/unwind.h — stack capture: raw return addresses of the program's
 * frames above a hook. The fast path (fastunwind.c) reads the DWARF rules
 * itself and reuses what still holds of the thread's previous stack; the
 * fallback is libunwind's fast trace (unw_backtrace, which caches each
 * frame's unwinding rule per instruction address and falls back to full
 * DWARF unwinding when it must), so stacks are exact on binaries built
 * without frame pointers. Never symbolizes. */
#ifndef LG_UNWIND_H
#define LG_UNWIND_H

#include <stdint.h>

#include "fastunwind.h"
#include "fastunwind_state.h"

/* lg_unwind_init sets libunwind's per-thread caching; call once at init. */
void lg_unwind_init(void);
/* lg_unwind_slow is the fallback: libunwind, for the frames above the
 * caller's caller (`skip` more frames are dropped). Never inlined (it
 * counts frames). */
uint32_t lg_unwind_slow(uintptr_t *frames, uint32_t depth, uint32_t skip) __attribute__((noinline));
extern int lg_unwind_slow_only; /* LEAKGRAPH_SLOW_UNWIND=1 */

/* lg_unwind_id fills frames[0..depth) with the return addresses above the
 * caller (inlined, so: above the function it is inlined into, whose
 * caller is dropped too, with `skip` - 1 more) and returns the count. *id
 * is the stack id to use when the stack is the thread's previous one
 * (frames are not filled then), else 0: the caller interns frames and
 * gives the id back with lg_unwind_interned. */
static inline __attribute__((always_inline)) uint32_t lg_unwind_id(uintptr_t *frames, uint32_t depth, uint32_t skip,
                                                                   uint32_t *id) {
  uint32_t n;
  if (__builtin_expect(!lg_unwind_slow_only, 1) &&
      __builtin_expect(lg_fast_unwind_known(__builtin_frame_address(0), frames, depth, &n, id) == 0, 1))
    return n;
  *id = 0;
  return lg_unwind_slow(frames, depth, skip);
}
/* lg_unwind is lg_unwind_id for a caller that wants the frames always
 * (no stack id kept): it fills frames[0..depth) and returns the count. */
static inline __attribute__((always_inline)) uint32_t lg_unwind(uintptr_t *frames, uint32_t depth, uint32_t skip) {
  uint32_t id, n;
  if (__builtin_expect(!lg_unwind_slow_only, 1) && __builtin_expect(lg_fast_unwind(frames, depth, &n, &id) == 0, 1))
    return id ? lg_fast_unwind_last(frames, depth) : n;
  return lg_unwind_slow(frames, depth, skip);
}
static inline void lg_unwind_interned(uint32_t id) { lg_fast_unwind_set_id(id); }

#endif
