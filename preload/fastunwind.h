/* preload/fastunwind.h — the fast, exact path of stack capture (see
 * fastunwind.c); unwind.c falls back to libunwind when it declines. */
#ifndef LG_FASTUNWIND_H
#define LG_FASTUNWIND_H

#include <stdint.h>

/* lg_fast_unwind_init gives the shim's own code range: frames inside it
 * are skipped. */
void lg_fast_unwind_init(uintptr_t lo, uintptr_t hi);
/* lg_fast_unwind fills frames[0..depth) with the return addresses of the
 * program's frames above the shim's and sets *n; 0, or -1 to fall back. */
int lg_fast_unwind(uintptr_t *frames, uint32_t depth, uint32_t *n) __attribute__((noinline));

#endif
