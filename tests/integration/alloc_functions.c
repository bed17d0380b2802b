/* Every allocation function leaks one block of a distinct size, each from
 * its own function; each is found with its size. A second block from each
 * is freed (not reported). malloc_usable_size works on all of them.
 * (The sizes are 0 or 9..15 modulo 16, so that no pointer glibc keeps to a
 * neighbouring free chunk falls inside a block: free_neighbour_definite.c
 * tests that case on its own.)
 * expect: stdout == 'usable ok\n'
 * expect: cluster_with('leak_malloc').entry.size == 1001
 * expect: cluster_with('leak_calloc').entry.size == 1002
 * expect: cluster_with('leak_realloc').entry.size == 1003
 * expect: cluster_with('leak_reallocarray').entry.size == 1004
 * expect: cluster_with('leak_posix_memalign').entry.size == 1005
 * expect: cluster_with('leak_aligned_alloc').entry.size == 1024
 * expect: cluster_with('leak_memalign').entry.size == 1007
 * expect: cluster_with('leak_valloc').entry.size == 1017
 * expect: cluster_with('leak_pvalloc').entry.size in (1010, 4096)
 * expect: summary.definitely_lost.blocks == 9 and summary.indirectly_lost.blocks == 0
 * expect: summary.possibly_lost.blocks == 0
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static int bad;

static void use(void *p, size_t n, size_t align) {
  if (!p) { bad = 1; return; }
  if (align && ((size_t)p % align) != 0) bad = 1;
  if (malloc_usable_size(p) < n) bad = 1;
  memset(p, 0xab, n);
}

static NOINLINE void *leak_malloc(int keep) { void *p = malloc(1001); use(p, 1001, 0); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_calloc(int keep) {
  unsigned char *p = calloc(3, 334);
  for (int i = 0; i < 1002; i++) if (p[i]) bad = 1;
  use(p, 1002, 0); if (!keep) free(p); return NULL;
}
static NOINLINE void *leak_realloc(int keep) { void *p = realloc(NULL, 1003); use(p, 1003, 0); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_reallocarray(int keep) { void *p = reallocarray(NULL, 1, 1004); use(p, 1004, 0); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_posix_memalign(int keep) {
  void *p = NULL;
  if (posix_memalign(&p, 64, 1005) != 0) bad = 1;
  use(p, 1005, 64); if (!keep) free(p); return NULL;
}
static NOINLINE void *leak_aligned_alloc(int keep) { void *p = aligned_alloc(128, 1024); use(p, 1024, 128); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_memalign(int keep) { void *p = memalign(32, 1007); use(p, 1007, 32); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_valloc(int keep) { void *p = valloc(1017); use(p, 1017, 4096); if (!keep) free(p); return NULL; }
static NOINLINE void *leak_pvalloc(int keep) { void *p = pvalloc(1010); use(p, 1010, 4096); if (!keep) free(p); return NULL; }

static NOINLINE void run_all(int keep) {
  leak_malloc(keep); leak_calloc(keep); leak_realloc(keep); leak_reallocarray(keep);
  leak_posix_memalign(keep); leak_aligned_alloc(keep); leak_memalign(keep);
  leak_valloc(keep); leak_pvalloc(keep);
}

int main(void) {
  run_all(0); /* freed */
  run_all(1); /* leaked */
  clobber_stack();
  printf(bad ? "usable BAD\n" : "usable ok\n");
  return 0;
}
