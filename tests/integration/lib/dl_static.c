/* dl_static.c — a library dlopen'ed by reach_dlopen_static.c: a static in
 * its bss keeps one block alive; another block it allocates is dropped. */
#include <stdlib.h>
#include <string.h>

static void *lib_kept;

__attribute__((noinline)) static void *lib_alloc_kept(void) {
  void *p = malloc(88);
  memset(p, 2, 88);
  return p;
}

void lib_keep(void) { lib_kept = lib_alloc_kept(); }

__attribute__((noinline)) void lib_leak_block(void) {
  void *p = malloc(77);
  memset(p, 3, 77);
  __asm__ volatile("" : : "r"(p) : "memory");
}
