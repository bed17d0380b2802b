/* The fast unwinder stays exact when a thread's array of checks is full
 * and its captures lay their rows out later, when the tree's walk finds
 * them holding: 64 leaf functions, each allocating from two sites, are
 * called one at a time from the bottom of a 28-deep recursion (every
 * stack is 32 frames and its row of checks long, while the tree holds few
 * frames), through one of two outer functions in turn, path_a and path_b,
 * whose frames are alike: a leaf's frame stands in the same slot with the
 * same return address on both paths, and only the path's frame, the last
 * within the depth, tells the two stacks apart. The rows fill the array
 * long before the frames fill the tree, so the array starts afresh again
 * and again; a row of another capture (a row from before the array
 * started afresh, taken as still there) gives a stack of the other path.
 * Run twice without address randomisation, with the fast unwinder and
 * with LEAKGRAPH_SLOW_UNWIND=1: every leaked block (paired by its size)
 * has the same stack, frame for frame, in both, and the leaks of each
 * path have that path's frame.
 * build: -O2 -fomit-frame-pointer -fno-optimize-sibling-calls -fno-ipa-icf
 * run: shell {direct} setarch x86_64 -R {prog} && LEAKGRAPH_SLOW_UNWIND=1 {direct} setarch x86_64 -R {prog}
 * require: setarch x86_64 -R true
 * expect: stdout.count('leaks=') == 2 and len(set(stdout.split())) == 1 and out_int('leaks') == 2048
 * expect: (lambda g: len(g) == 2 and len(list(g.values())[0]) == out_int('leaks') and len({tuple(sorted(v.items())) for v in g.values()}) == 1)({p: {c.entry.size: tuple((f.module, f.address) for f in c.entry.stack) for c in clusters if c.pid == p} for p in {c.pid for c in clusters}})
 * expect: all(has_frame(c.entry, 'path_a') != has_frame(c.entry, 'path_b') for c in clusters)
 * expect: all(has_frame(c.entry, 'path_a') == ((c.entry.size - 1000) // 512 % 2 == 0) for c in clusters)
 */
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

#define NL 64
#define ROUNDS 64
typedef void (*leaf_t)(unsigned);
static volatile int sp_guard;
static int nleaks;

/* Each leaf allocates and frees (a capture) and, in the rounds that leak,
 * leaks a block whose size names the leaf and the path (two call sites
 * of its own). */
#define L(n)                                                            \
  static NOINLINE void leaf##n(unsigned leak) {                         \
    void *q = malloc(8 + (n));                                          \
    sink(q);                                                            \
    free(q);                                                            \
    if (leak) {                                                         \
      sink(malloc(1000 + (leak - 1) * 512 + (n)));                      \
      nleaks++;                                                         \
    }                                                                   \
    sp_guard++;                                                         \
  }
#define L4(n) L(n##0) L(n##1) L(n##2) L(n##3)
#define L16(n) L4(n##0) L4(n##1) L4(n##2) L4(n##3)
L16(0) L16(1) L16(2) L16(3)
#define R(n) leaf##n,
#define R4(n) R(n##0) R(n##1) R(n##2) R(n##3)
#define R16(n) R4(n##0) R4(n##1) R4(n##2) R4(n##3)
static const leaf_t leaves[NL] = {R16(0) R16(1) R16(2) R16(3)};

/* Calls leaf `which`; `leak` 0: it does not leak, else the size group of
 * its leak plus one. */
static unsigned which;
static NOINLINE void call_leaf(unsigned leak) {
  leaves[which](leak);
  sp_guard++;
}

static NOINLINE void recurse(unsigned d, unsigned leak) {
  if (d) recurse(d - 1, leak); else call_leaf(leak);
  sp_guard++;
}

/* The two paths: the same frame, other return addresses (and code that
 * differs, with -fno-ipa-icf, so that gcc does not fold them into one). */
static NOINLINE void path_a(unsigned leak) { recurse(28, leak); sp_guard++; }
static NOINLINE void path_b(unsigned leak) { recurse(28, leak); sp_guard += 2; }

int main(void) {
  /* Rounds of every leaf through both paths; every fourth round leaks
   * from every leaf (sizes 1000 + 512 * group + the leaf's number, its
   * name's digits read as a C number, under 512: path_a's groups even,
   * path_b's odd). */
  for (unsigned r = 0; r < ROUNDS; r++) {
    unsigned k = r / 4;
    for (which = 0; which < NL; which++) {
      path_a(r % 4 == 3 ? 1 + 2 * k : 0);
      path_b(r % 4 == 3 ? 1 + 2 * k + 1 : 0);
    }
  }
  clobber_stack();
  printf("leaks=%d\n", nleaks);
  return 0;
}
