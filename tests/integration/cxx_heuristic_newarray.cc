/* `new Elem[5]` of a type with a destructor puts the element count in the
 * first 8 bytes of the block and returns the address just after it; a
 * program that keeps only that pointer still owns the array. With the
 * default heuristics (valgrind's, all on) the block is still reachable, and
 * counted under `newarray` in the summary and in the text report.
 * expect: stdout == 'count=5\n'
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.heuristics.newarray.blocks == 1
 * expect: summary.still_reachable.heuristics.newarray.bytes == 8 + 5 * 24
 * expect: list(summary.still_reachable.heuristics) == ['newarray']
 * expect: 'reachable via heuristic: newarray: 128 bytes in 1 blocks' in stderr
 */
#include <cstdio>
#include "testutil.h"

struct Elem {
  long a, b, c;
  ~Elem() { a = 0; }
};

Elem *elems;

static NOINLINE void keep_array() { elems = new Elem[5]; }

int main() {
  keep_array();
  clobber_stack();
  std::printf("count=%ld\n", ((long *)elems)[-1]);
  return 0;
}
