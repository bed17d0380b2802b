/* The fast unwinder's rows of checks catch a change in any one check of
 * a row, wherever it falls (a row is checked four at a time, so the one
 * check that fails may be any of the four of a group, or in the tail
 * after the groups). 4 leaf functions are called from the bottom of a
 * recursion d deep (d from 0 to 27), through one of two functions in
 * turn, path_a and path_b, called through a pointer from the bottom of
 * another recursion 28 - d deep: every stack is longer than the depth of
 * 32 frames, the two paths' frames are alike (the leaf's frame stands in
 * the same slot with the same return address on both, and so does every
 * frame but one), and only the return address into the path's frame
 * tells the two stacks apart, at the (d + 3)th frame. Each leaf leaks
 * from the site it allocates and frees from, so a leak's stack is one
 * seen before, checked by its row right after the same leaf's stack on
 * the other path. Run twice without address randomisation, with the fast
 * unwinder and with LEAKGRAPH_SLOW_UNWIND=1: every leaked block (paired
 * by its size) has the same stack, frame for frame, in both, and the
 * leaks of each path have that path's frame.
 * build: -O2 -fomit-frame-pointer -fno-optimize-sibling-calls -fno-ipa-icf
 * run: shell {direct} setarch x86_64 -R {prog} && LEAKGRAPH_SLOW_UNWIND=1 {direct} setarch x86_64 -R {prog}
 * require: setarch x86_64 -R true
 * expect: stdout.count('leaks=') == 2 and len(set(stdout.split())) == 1 and out_int('leaks') == 448
 * expect: (lambda g: len(g) == 2 and len(list(g.values())[0]) == out_int('leaks') and len({tuple(sorted(v.items())) for v in g.values()}) == 1)({p: {c.entry.size: tuple((f.module, f.address) for f in c.entry.stack) for c in clusters if c.pid == p} for p in {c.pid for c in clusters}})
 * expect: all(has_frame(c.entry, 'path_a') != has_frame(c.entry, 'path_b') for c in clusters)
 * expect: all(has_frame(c.entry, 'path_a') == ((c.entry.size - 1000) // 16 % 2 == 0) for c in clusters)
 * expect: all(len(c.entry.stack) == 32 for c in clusters)
 */
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

#define NL 4
#define ROUNDS 8
#define SPAN 28 /* the two recursions together */
typedef void (*leaf_t)(unsigned);
static volatile int sp_guard;
static int nleaks;

/* Each leaf allocates from one site and frees the block, or, when `leak`
 * is not 0, leaks it (size 1000 + (leak - 1) * 16 + its number). */
#define L(n)                                                            \
  static NOINLINE void leaf##n(unsigned leak) {                         \
    void *q = malloc(leak ? 1000 + (leak - 1) * 16 + (n) : 8 + (n));    \
    sink(q);                                                            \
    if (leak) nleaks++;                                                 \
    else free(q);                                                       \
    sp_guard++;                                                         \
  }
L(0) L(1) L(2) L(3)
static const leaf_t leaves[NL] = {leaf0, leaf1, leaf2, leaf3};

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
static NOINLINE void path_a(unsigned d, unsigned leak) { recurse(d, leak); sp_guard++; }
static NOINLINE void path_b(unsigned d, unsigned leak) { recurse(d, leak); sp_guard += 2; }
static void (*const paths[2])(unsigned, unsigned) = {path_a, path_b};

/* The outer recursion, e deep, calling the path from one site. */
static NOINLINE void outer(unsigned e, unsigned b, unsigned d, unsigned leak) {
  if (e) outer(e - 1, b, d, leak); else paths[b](d, leak);
  sp_guard++;
}

int main(void) {
  /* Rounds of every leaf at every split of the recursions through both
   * paths; every fourth round leaks from each (the size group: the
   * round, d and the path, path_a's groups even, path_b's odd). */
  for (unsigned r = 0; r < ROUNDS; r++) {
    unsigned k = r / 4;
    for (unsigned d = 0; d < SPAN; d++)
      for (which = 0; which < NL; which++)
        for (unsigned b = 0; b < 2; b++) {
          unsigned g = (k * SPAN + d) * 2 + b;
          outer(SPAN - d, b, d, r % 4 == 3 ? 1 + g : 0);
        }
  }
  clobber_stack();
  printf("leaks=%d\n", nleaks);
  return 0;
}
