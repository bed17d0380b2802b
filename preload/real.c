/* preload/real.c — real-function lookup and the bootstrap arena (see
 * real.h). */
#include "real.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <sys/syscall.h>

lg_real_t lg_real;

#define BOOT_SIZE LG_BOOT_SIZE
char lg_boot_arena[BOOT_SIZE] __attribute__((aligned(64), visibility("hidden")));
#define boot lg_boot_arena
static size_t boot_used;
static int resolving;

/* Bump allocation, atomic: while one thread resolves the real functions
 * at boot, another thread's first allocation may land here too. */
void *lg_boot_alloc(size_t size, size_t align) {
  if (align < 16) align = 16;
  size_t used = __atomic_load_n(&boot_used, __ATOMIC_RELAXED), at;
  do {
    at = (used + 16 + align - 1) & ~(align - 1);
    if (at + size > BOOT_SIZE || at + size < at) return NULL;
  } while (!__atomic_compare_exchange_n(&boot_used, &used, at + size, 1, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
  ((size_t *)(boot + at))[-1] = size;
  return boot + at;
}

size_t lg_boot_size(const void *p) { return ((const size_t *)p)[-1]; }

#define RESOLVE(field, name) lg_real.field = (__typeof__(lg_real.field))dlsym(RTLD_NEXT, name)

void lg_real_init(void) {
  if (lg_real.free || resolving) return;
  resolving = 1;
  RESOLVE(calloc, "calloc");
  RESOLVE(realloc, "realloc");
  RESOLVE(posix_memalign, "posix_memalign");
  RESOLVE(aligned_alloc, "aligned_alloc");
  RESOLVE(memalign, "memalign");
  RESOLVE(valloc, "valloc");
  RESOLVE(pvalloc, "pvalloc");
  RESOLVE(malloc_usable_size, "malloc_usable_size");
  RESOLVE(exit_, "exit");
  RESOLVE(_exit_, "_exit");
  RESOLVE(abort_, "abort");
  RESOLVE(libc_start_main, "__libc_start_main");
  void *(*m)(size_t) = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
  void (*f)(void *) = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  if (!m || !f) {
    static const char msg[] = "leakgraph: fatal: cannot find the real malloc/free\n";
    syscall(SYS_write, 2, msg, sizeof msg - 1);
    syscall(SYS_exit_group, 127);
  }
  lg_real.malloc = m;
  __atomic_store_n(&lg_real.free, f, __ATOMIC_RELEASE);
  resolving = 0;
}
