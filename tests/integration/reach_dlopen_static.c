/* A block kept alive only by a static variable of a dlopen'ed library (which
 * stays loaded) is reachable; a block the library drops is lost, and its
 * stack is symbolized inside the library.
 * lib: dl_static.c
 * expect: cluster_with('lib_alloc_kept') is None
 * expect: cluster_with('lib_leak_block') is not None
 * expect: cluster_with('lib_leak_block').entry.size == 77
 * expect: frame_of(cluster_with('lib_leak_block').entry, 'lib_leak_block')['module'].endswith('libdl_static.so')
 * expect: summary.definitely_lost.blocks == 1
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

int main(void) {
  const char *path = getenv("LG_TEST_LIB");
  void *h = dlopen(path, RTLD_NOW);
  if (!h) { fprintf(stderr, "dlopen: %s\n", dlerror()); return 1; }
  void (*keep)(void) = (void (*)(void))dlsym(h, "lib_keep");
  void (*leak)(void) = (void (*)(void))dlsym(h, "lib_leak_block");
  if (!keep || !leak) { fprintf(stderr, "dlsym: %s\n", dlerror()); return 1; }
  keep();
  leak();
  clobber_stack();
  return 0;
}
