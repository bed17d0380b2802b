/* A block whose only pointer is in an mmap'd page registered with
 * leakgraph_register_root is reachable; the same kind of block held only by
 * an mmap'd page that is not registered is lost. Both pages are made
 * read-only after the pointer is stored: writable mappings are roots by
 * themselves (reach_mmap_pool.c), read-only ones only when registered.
 * expect: cluster_with('make_rooted') is None
 * expect: cluster_with('make_unrooted') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 56
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "leakgraph.h"
#include "testutil.h"

static void **rooted_page, **plain_page;

static NOINLINE void *make_rooted(void) { void *p = malloc(64); memset(p, 1, 64); return p; }
static NOINLINE void *make_unrooted(void) { void *p = malloc(56); memset(p, 1, 56); return p; }

static NOINLINE void setup(void) {
  rooted_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  plain_page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  rooted_page[100] = make_rooted();
  plain_page[100] = make_unrooted();
  mprotect(rooted_page, 4096, PROT_READ);
  mprotect(plain_page, 4096, PROT_READ);
  leakgraph_register_root(rooted_page, 4096);
}

int main(void) {
  setup();
  clobber_stack();
  return 0;
}
