/* preload/fastunwind.h — the fast, exact path of stack capture (see
 * fastunwind.c); unwind.c falls back to libunwind when it declines. */
#ifndef LG_FASTUNWIND_H
#define LG_FASTUNWIND_H

#include <stdint.h>

/* lg_fast_unwind_init gives the shim's own code range: frames inside it
 * are skipped. */
void lg_fast_unwind_init(uintptr_t lo, uintptr_t hi);
/* lg_fast_unwind fills frames[0..depth) with the return addresses of the
 * program's frames above the shim's and sets *n; 0, or -1 to fall back.
 * When the stack is, frame for frame, the calling thread's previous fast
 * capture and that capture has an id (lg_fast_unwind_set_id), it sets
 * *same to that id and leaves frames alone; else *same is 0. */
int lg_fast_unwind(uintptr_t *frames, uint32_t depth, uint32_t *n, uint32_t *same) __attribute__((noinline));
/* lg_fast_unwind_last fills frames[0..depth) with the calling thread's
 * last fast capture (the one lg_fast_unwind found unchanged) and returns
 * the count. */
uint32_t lg_fast_unwind_last(uintptr_t *frames, uint32_t depth);
/* lg_fast_unwind_set_id gives the capture just made (if lg_fast_unwind
 * made it) the id the caller interned it to. */
void lg_fast_unwind_set_id(uint32_t id);
/* lg_fast_unwind_on_first_use registers fn, called in a thread when it
 * first captures a stack (to learn when the thread ends). */
void lg_fast_unwind_on_first_use(void (*fn)(void));
/* lg_fast_unwind_recent_sp tells where the thread whose thread pointer is
 * tp stood at its last capture (the address of its innermost program
 * frame's return address), or 0 if it has made none since its state was
 * last forgotten. Read while that thread runs: a hint, racy by design,
 * and a read of another thread's memory (call it under a fault guard). */
uintptr_t lg_fast_unwind_recent_sp(uintptr_t tp);
/* lg_fast_unwind_thread_end gives the calling thread's state back for a
 * later thread; the thread captures with the fallback from then on. */
void lg_fast_unwind_thread_end(void);
/* lg_fast_unwind_fork_child resets the state pool's lock in a forked child. */
void lg_fast_unwind_fork_child(void);

#endif
