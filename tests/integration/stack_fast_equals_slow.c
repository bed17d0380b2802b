/* The fast unwinder gives exactly the stacks libunwind gives: the program
 * of stack_patterns.h (stacks that share more or less of their outer
 * frames with the one before: a loop, recursion deeper than the depth of
 * 32, one function reached from two call sites at the same stack depth,
 * alloca, function pointers, the malloc family, longjmp, a signal handler;
 * in two threads) runs twice without address randomisation, once with the
 * fast unwinder and once with LEAKGRAPH_SLOW_UNWIND=1, and every leaked
 * block (paired by its size) has the same stack, frame for frame, in both.
 * Built -O0: every frame's CFA comes from RBP.
 * run: shell {direct} setarch x86_64 -R {prog} && LEAKGRAPH_SLOW_UNWIND=1 {direct} setarch x86_64 -R {prog}
 * require: setarch x86_64 -R true
 * expect: stdout.count('leaks=') == 2 and len(set(stdout.split())) == 1
 * expect: (lambda g: len(g) == 2 and len(list(g.values())[0]) == out_int('leaks') and len({tuple(sorted(v.items())) for v in g.values()}) == 1)({p: {c.entry.size: tuple((f.module, f.address) for f in c.entry.stack) for c in clusters if c.pid == p} for p in {c.pid for c in clusters}})
 * expect: max(len(c.entry.stack) for c in clusters) == 32 and min(len(c.entry.stack) for c in clusters) < 10
 * expect: len({tuple(f.address for f in c.entry.stack) for c in clusters if has_frame(c.entry, 'inner_f')}) >= 4
 */
#include "stack_patterns.h"

int main(void) { return patterns_main(); }
