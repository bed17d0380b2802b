/* __lsan_register_root_region on an mmap'd page makes the block it points
 * at reachable; after __lsan_unregister_root_region on a second page, the
 * block that page points at is lost. The pages are read-only (mprotect
 * after the store), so that only the registration can make them roots.
 * expect: cluster_with('make_rooted') is None
 * expect: cluster_with('make_unregistered') is not None
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "testutil.h"

extern void __lsan_register_root_region(const void *p, size_t n) __attribute__((weak));
extern void __lsan_unregister_root_region(const void *p, size_t n) __attribute__((weak));

static void **page1, **page2;

static NOINLINE void *make_rooted(void) { void *p = malloc(64); memset(p, 1, 64); return p; }
static NOINLINE void *make_unregistered(void) { void *p = malloc(56); memset(p, 1, 56); return p; }

static NOINLINE void setup(void) {
  page1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  page2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  page1[7] = make_rooted();
  page2[7] = make_unregistered();
  mprotect(page1, 4096, PROT_READ);
  mprotect(page2, 4096, PROT_READ);
  if (__lsan_register_root_region) {
    __lsan_register_root_region(page1, 4096);
    __lsan_register_root_region(page2, 4096);
    __lsan_unregister_root_region(page2, 4096);
  }
}

int main(void) {
  setup();
  clobber_stack();
  return 0;
}
