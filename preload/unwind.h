/* preload/unwind.h — stack capture: raw return addresses of the program's
 * frames above a hook, with libunwind's fast trace (unw_backtrace, which
 * caches each frame's unwinding rule per instruction address and falls back
 * to full DWARF unwinding when it must), so stacks are exact on binaries
 * built without frame pointers. Never symbolizes. */
#ifndef LG_UNWIND_H
#define LG_UNWIND_H

#include <stdint.h>

/* lg_unwind_init sets libunwind's per-thread caching; call once at init. */
void lg_unwind_init(void);
/* lg_unwind fills frames[0..depth) with the return addresses above the
 * caller's caller (`skip` more frames are dropped) and returns the count. */
uint32_t lg_unwind(uintptr_t *frames, uint32_t depth, uint32_t skip);

#endif
