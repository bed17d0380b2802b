/* A coroutine stack the program mapped itself, right below a chunk glibc
 * mapped for one big block, so that the kernel merges the two into one
 * VMA. The big block (256 KiB) holds the only pointer to a 24-byte block,
 * and nothing points at the big block. The coroutine calls
 * leakgraph_scan(): the scanning thread runs on a stack that is not its
 * own, and what it runs on must be read as the program's mapping — minus
 * the malloc heap (and the shim's memory) that share its VMA — not from
 * its stack pointer to the end of the VMA, which read the big block's
 * words as roots and kept both blocks "reachable". Both are lost: the big
 * one definitely, the small one indirectly; the scan returns their sum.
 * run: direct
 * timeout: 30
 * expect: stdout == 'merged=1 scan=262168\n'
 * expect: cluster_with('big_block') is not None and cluster_with('big_block').blocks == 2
 * expect: summary.definitely_lost.bytes == 262144 and summary.indirectly_lost.bytes == 24
 * The place is made, not hoped for: the test maps the stack and the
 * chunk's length above it, unmaps the upper part, and the kernel (top
 * down, the highest gap that fits) puts glibc's chunk in that hole, right
 * above the stack — whatever the shim mapped for its own records
 * meanwhile (its first capture's unwinder state, a page of the block
 * table for a new address) lies elsewhere. A chunk that went to a higher
 * gap is kept, reachable, and filling that gap; the next try makes a new
 * hole.
 */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "leakgraph.h"
#include "testutil.h"

#define BIG (256 * 1024)
#define STACK (64 * 1024)

static ucontext_t back, co;
static long lost = -2;
static int merged;

static NOINLINE uintptr_t big_block(void) {
  char *big = malloc(BIG);
  memset(big, 0, BIG);
  void *small = malloc(24);
  memset(small, 3, 24);
  memcpy(big + 4096, &small, sizeof small);
  return (uintptr_t)big ^ 0x5555555555555555ull; /* no plain copy stays */
}

/* Whether one VMA of /proc/self/maps holds both [a, a+1) and [b, b+1). */
static int same_vma(uintptr_t a, uintptr_t b) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  int same = 0;
  while (f && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && a >= lo && a < hi) same = b >= lo && b < hi;
  }
  if (f) fclose(f);
  return same;
}

static void on_coroutine(void) { lost = leakgraph_active() ? leakgraph_scan() : 262168; }

static void *spacer[16]; /* reachable: big blocks that landed in a higher gap */

/* Frees what big_block made (the warm-up round). */
static NOINLINE void drop(uintptr_t hidden) {
  char *big = (char *)(hidden ^ 0x5555555555555555ull);
  void *small;
  memcpy(&small, big + 4096, sizeof small);
  free(small);
  free(big);
}

/* Maps STACK bytes with a hole of `hole` bytes right above them, the hole
 * the highest gap of the address space that fits STACK + hole; the stack
 * or MAP_FAILED. */
static char *stack_below_hole(size_t hole) {
  char *m = mmap(NULL, STACK + hole, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m != MAP_FAILED) munmap(m + STACK, hole);
  return m;
}

int main(void) {
  /* A fixed threshold: glibc raises it when an mmapped chunk is freed. */
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  /* One round first, freed: the shim's per-thread state and these
   * stacks' records exist before the round that counts, and it gives
   * the length of glibc's chunk (its usable size and the 16-byte head). */
  uintptr_t hidden = big_block();
  size_t len = malloc_usable_size((void *)(hidden ^ 0x5555555555555555ull)) + 16;
  drop(hidden);
  uintptr_t chunk = 0;
  char *stack = MAP_FAILED;
  for (int i = 0; i < 16 && stack == MAP_FAILED; i++) {
    char *s = stack_below_hole(len);
    if (s == MAP_FAILED) break;
    hidden = big_block();
    chunk = (hidden ^ 0x5555555555555555ull) - 16; /* glibc's mmapped chunk starts on a page */
    if (chunk == (uintptr_t)s + STACK) { stack = s; break; }
    spacer[i] = (void *)(hidden ^ 0x5555555555555555ull); /* it filled a gap above */
    munmap(s, STACK);
  }
  clobber_stack();
  if (stack == MAP_FAILED) { printf("no room below the chunk\n"); return 1; }
  merged = same_vma((uintptr_t)stack, chunk);
  getcontext(&co);
  co.uc_stack.ss_sp = stack;
  co.uc_stack.ss_size = STACK;
  co.uc_link = &back;
  makecontext(&co, on_coroutine, 0);
  swapcontext(&back, &co);
  printf("merged=%d scan=%ld\n", merged, lost);
  hidden = 0;
  return 0;
}
