/* preload/hooks.c — the interposed malloc family: the whole set glibc
 * documents for replacing malloc. Each hook is the same few lines: the
 * shim not booted yet -> boot (init.c), and while the real functions are
 * being resolved -> the bootstrap arena; inside the shim or not tracing ->
 * straight to the real function; else enter the guard, call the real
 * function, record (in the common case inline: collector/hot.h). A free is
 * recorded before the real free runs (the address could be reused by
 * another thread in between); a pointer the shim never saw is simply
 * passed on. */
#include <errno.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "blocks.h"
#include "format.h"
#include "hot.h"
#include "sys.h"
#include "guard.h"
#include "real.h"
#include "shim.h"
#include "unwind.h"

__thread int lg_in_shim __attribute__((tls_model("initial-exec")));
__thread int lg_disabled __attribute__((tls_model("initial-exec")));
int lg_on;
int lg_depth = 32;

#define TRACE (LG_LIKELY(lg_on) && !lg_in_shim)

/* The id of the calling hook's caller's stack: the thread's previous one
 * when the unwinder found it unchanged, else interned now. Inlined into
 * the noinline record functions below, which the unwinder's fallback
 * skips by count. */
static inline __attribute__((always_inline)) uint32_t stack_id(void) {
  uintptr_t frames[LG_MAX_FRAMES];
  uint32_t id, n = lg_unwind_id(frames, (uint32_t)lg_depth, 2, &id);
  if (!id) {
    id = lg_collector_intern_stack(frames, n);
    lg_unwind_interned(id);
  }
  return id;
}

void lg_record_alloc(void *p, size_t size) {
  uint64_t h = lg_collector_alloc_prefetch(p); /* the table's lines load while the stack is captured */
  uint32_t stack = stack_id();
  lg_collector_alloc_hot_h(p, h, size, stack, lg_disabled ? LG_BLK_IGNORED : 0);
}

void lg_record_replace(void *p, size_t size) {
  lg_collector_replace(p, size, stack_id(), lg_disabled ? LG_BLK_IGNORED : 0);
}

void lg_record_realloc(lg_realloc_state_t *st, void *p, size_t size) {
  lg_collector_realloc_end(st, p, size, stack_id(), lg_disabled ? LG_BLK_IGNORED : 0);
}

/* malloc's traced case, inlined into it twice. */
static inline __attribute__((always_inline)) void *traced_malloc(size_t size) {
  LG_GUARDED;
  void *p = lg_real.malloc(size);
  if (p) lg_record_alloc(p, size);
  return p;
}

/* Tracing is asked first: lg_on is set only once the real functions are
 * resolved, so the common case reads one flag less. */
LG_PUBLIC void *malloc(size_t size) {
  if (TRACE) return traced_malloc(size);
  if (LG_UNLIKELY(!lg_booted)) { lg_boot(); if (!lg_real.free) return lg_boot_alloc(size, 16); }
  if (!TRACE) return lg_real.malloc(size);
  return traced_malloc(size);
}

LG_PUBLIC void free(void *p) {
  if (LG_UNLIKELY(!p || lg_boot_owns(p))) return;
  if (TRACE) {
    LG_GUARDED;
    __builtin_prefetch((char *)p - 16); /* the real free's chunk header: its miss overlaps the table's */
    lg_collector_free_hot(p);
  }
  lg_real.free(p);
}

LG_PUBLIC void *calloc(size_t n, size_t size) {
  if (LG_UNLIKELY(!lg_booted)) {
    lg_boot();
    if (!lg_real.free) {
      size_t total;
      if (__builtin_mul_overflow(n, size, &total)) return NULL;
      return lg_boot_alloc(total, 16); /* static memory is zeroed */
    }
  }
  if (!TRACE) return lg_real.calloc(n, size);
  LG_GUARDED;
  void *p = lg_real.calloc(n, size);
  if (p) lg_record_alloc(p, n * size);
  return p;
}

/* realloc of a bootstrap block: move it into the real heap. */
static void *boot_realloc(void *old, size_t size) {
  void *p = malloc(size);
  if (p) memcpy(p, old, lg_boot_size(old) < size ? lg_boot_size(old) : size);
  return p;
}

/* Blocks below this size are moved by the shim itself on realloc (see
 * below); larger ones, which glibc may grow in place with mremap, go to the
 * real realloc. */
#define REALLOC_SELF_MAX (128u << 10)

/* realloc, traced. For small blocks the shim does the move itself —
 * allocate, record, copy, forget the old block, free it — so that at every
 * instant the block's contents are in a block the table knows: a scan in
 * between can never see the pointers it holds vanish (the real realloc
 * frees the old block before the new one could be recorded, and glibc
 * overwrites a freed block's first words). The program sees realloc's
 * contract unchanged. */
static void *traced_realloc(void *old, size_t size) {
  size_t have = lg_real.malloc_usable_size(old);
  if (size && have < REALLOC_SELF_MAX && size <= have && size >= have / 2) {
    lg_record_replace(old, size); /* stays in place: new size, realloc's stack */
    return old;
  }
  if (size && have < REALLOC_SELF_MAX) {
    void *p = lg_real.malloc(size);
    if (!p) return NULL;
    lg_record_alloc(p, size);
    memcpy(p, old, have < size ? have : size);
    lg_collector_free_hot(old);
    lg_real.free(old);
    return p;
  }
  lg_realloc_state_t st;
  lg_collector_realloc_begin(old, &st);
  void *p = lg_real.realloc(old, size);
  if (p || !size) lg_record_realloc(&st, p, size);
  return p;
}

LG_PUBLIC void *realloc(void *old, size_t size) {
  if (LG_UNLIKELY(!lg_booted)) { lg_boot(); if (!lg_real.free) return lg_boot_alloc(size, 16); }
  if (LG_UNLIKELY(old && lg_boot_owns(old))) return boot_realloc(old, size);
  if (!TRACE) return lg_real.realloc(old, size);
  LG_GUARDED;
  if (!old) {
    void *p = lg_real.malloc(size);
    if (p) lg_record_alloc(p, size);
    return p;
  }
  return traced_realloc(old, size);
}

LG_PUBLIC void *reallocarray(void *old, size_t n, size_t size) {
  size_t total;
  if (__builtin_mul_overflow(n, size, &total)) { errno = ENOMEM; return NULL; }
  return realloc(old, total);
}

LG_PUBLIC int posix_memalign(void **out, size_t align, size_t size) {
  if (LG_UNLIKELY(!lg_booted)) {
    lg_boot();
    if (!lg_real.free) { *out = lg_boot_alloc(size, align); return *out ? 0 : ENOMEM; }
  }
  if (!TRACE) return lg_real.posix_memalign(out, align, size);
  LG_GUARDED;
  int rc = lg_real.posix_memalign(out, align, size);
  if (rc == 0 && *out) lg_record_alloc(*out, size);
  return rc;
}

/* The hooks below share one shape: an aligned allocation by a real
 * function taking (alignment, size) or (size). */
#define ALIGNED_HOOK(name, params, args, size_expr, boot_align)                     \
  LG_PUBLIC void *name params {                                                     \
    if (LG_UNLIKELY(!lg_booted)) {                                                  \
      lg_boot();                                                                    \
      if (!lg_real.free) return lg_boot_alloc(size_expr, boot_align);               \
    }                                                                               \
    if (!TRACE) return lg_real.name args;                                           \
    LG_GUARDED;                                                                     \
    void *p = lg_real.name args;                                                    \
    if (p) lg_record_alloc(p, size_expr);                                           \
    return p;                                                                       \
  }

ALIGNED_HOOK(aligned_alloc, (size_t align, size_t size), (align, size), size, align)
ALIGNED_HOOK(memalign, (size_t align, size_t size), (align, size), size, align)
ALIGNED_HOOK(valloc, (size_t size), (size), size, 4096)
ALIGNED_HOOK(pvalloc, (size_t size), (size), size, 4096)

LG_PUBLIC size_t malloc_usable_size(void *p) {
  if (!p) return 0;
  if (lg_boot_owns(p)) return lg_boot_size(p);
  if (LG_UNLIKELY(!lg_real.free)) lg_real_init();
  return lg_real.malloc_usable_size(p);
}
