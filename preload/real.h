/* preload/real.h — the real allocator and libc functions behind the hooks,
 * found with dlsym(RTLD_NEXT) so that another preloaded allocator keeps
 * working. While dlsym runs (it may call calloc itself), allocations are
 * served from a small static bootstrap arena; those blocks are never freed
 * and never tracked. */
#ifndef LG_REAL_H
#define LG_REAL_H

#include <stddef.h>

typedef struct lg_real {
  void *(*malloc)(size_t);
  void (*free)(void *);
  void *(*calloc)(size_t, size_t);
  void *(*realloc)(void *, size_t);
  int (*posix_memalign)(void **, size_t, size_t);
  void *(*aligned_alloc)(size_t, size_t);
  void *(*memalign)(size_t, size_t);
  void *(*valloc)(size_t);
  void *(*pvalloc)(size_t);
  size_t (*malloc_usable_size)(void *);
  void (*exit_)(int) __attribute__((noreturn));
  void (*_exit_)(int) __attribute__((noreturn));
  void (*abort_)(void) __attribute__((noreturn));
  int (*libc_start_main)(int (*)(int, char **, char **), int, char **, void (*)(void),
                         void (*)(void), void (*)(void), void *);
} lg_real_t;

extern lg_real_t lg_real;

/* lg_real_init resolves every function once; safe to call repeatedly. */
void lg_real_init(void);
/* Bootstrap arena: used only while lg_real_init runs. */
#define LG_BOOT_SIZE (256u << 10)
extern char lg_boot_arena[LG_BOOT_SIZE] __attribute__((visibility("hidden")));
void *lg_boot_alloc(size_t size, size_t align);
/* lg_boot_owns tells whether p is a bootstrap block (every free asks). */
static inline int lg_boot_owns(const void *p) {
  return (size_t)((const char *)p - lg_boot_arena) < LG_BOOT_SIZE;
}
size_t lg_boot_size(const void *p);

#endif
