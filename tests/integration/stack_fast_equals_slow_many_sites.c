/* The fast unwinder stays exact while its per-thread state grows: 256
 * functions, each with four call sites of its own (about 1,000 distinct
 * return addresses: the thread's rule cache starts at 512 rules and
 * doubles as it misses), call one another in pseudo-random chains 1 to 12 deep, so
 * that the thread captures thousands of distinct stacks (its tree of
 * frames fills, is forgotten and takes the next size) and, in between,
 * the same ones again (known stacks: what makes the tree grow). Run
 * twice without address randomisation, with the fast unwinder and with
 * LEAKGRAPH_SLOW_UNWIND=1: every leaked block (paired by its size) has
 * the same stack, frame for frame, in both. In two threads.
 * build: -O2 -fomit-frame-pointer -fno-optimize-sibling-calls
 * run: shell {direct} setarch x86_64 -R {prog} && LEAKGRAPH_SLOW_UNWIND=1 {direct} setarch x86_64 -R {prog}
 * require: setarch x86_64 -R true
 * expect: stdout.count('leaks=') == 2 and len(set(stdout.split())) == 1 and out_int('leaks') >= 400
 * expect: (lambda g: len(g) == 2 and len(list(g.values())[0]) == out_int('leaks') and len({tuple(sorted(v.items())) for v in g.values()}) == 1)({p: {c.entry.size: tuple((f.module, f.address) for f in c.entry.stack) for c in clusters if c.pid == p} for p in {c.pid for c in clusters}})
 * expect: len({tuple(f.address for f in c.entry.stack) for c in clusters}) >= 200
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

#define NF 256
typedef void (*fn_t)(unsigned, unsigned);
static fn_t fns[NF];
static int nleaks;
static volatile int sp_guard;

/* Picks the next function of a chain from the state x. */
static unsigned next_of(unsigned x) { return (x * 2654435761u) >> 22; }

/* Each function allocates and frees, calls the next one of the chain or,
 * at its end, leaks a block of a size of its own (one chain in 4) — two
 * call sites of its own either way. */
#define F(n)                                                                              \
  static NOINLINE void f##n(unsigned x, unsigned d) {                                     \
    void *q = malloc(8 + (n) % 64);                                                       \
    sink(q);                                                                              \
    free(q);                                                                              \
    if (d) fns[next_of(x + (n)) % NF](x * 31 + (n), d - 1);                               \
    else if (x % 4 == 0) sink(malloc(1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED))); \
    sp_guard++;                                                                           \
  }
#define F4(n) F(n##0) F(n##1) F(n##2) F(n##3)
#define F16(n) F4(n##0) F4(n##1) F4(n##2) F4(n##3)
#define F64(n) F16(n##0) F16(n##1) F16(n##2) F16(n##3)
/* Names in base 4 (f0000 .. f3333, 256 of them), their numbers read as
 * decimal: still all distinct. */
F64(0) F64(1) F64(2) F64(3)
#define R(n) f##n,
#define R4(n) R(n##0) R(n##1) R(n##2) R(n##3)
#define R16(n) R4(n##0) R4(n##1) R4(n##2) R4(n##3)
#define R64(n) R16(n##0) R16(n##1) R16(n##2) R16(n##3)
static const fn_t all[NF] = {R64(0) R64(1) R64(2) R64(3)};

/* Chains of every length from many starts, each start run three times
 * over (a known stack again, after others). */
static NOINLINE void chains(unsigned seed) {
  for (unsigned i = 0; i < 1500; i++) {
    unsigned x = seed + i / 3;
    all[next_of(x) % NF](x, 1 + x % 12);
  }
}

static void *thread_main(void *arg) {
  (void)arg;
  chains(7777);
  return NULL;
}

int main(void) {
  for (int i = 0; i < NF; i++) fns[i] = all[i];
  chains(1);
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, NULL)) return 1;
  pthread_join(t, NULL);
  clobber_stack();
  printf("leaks=%d\n", nleaks);
  return 0;
}
