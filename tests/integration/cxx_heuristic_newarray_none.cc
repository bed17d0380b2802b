/* The array of cxx_heuristic_newarray.cc with the heuristics switched off
 * by the wrapper's flag: its only pointer, past the element count, is an
 * interior pointer, so the block is possibly lost, and no heuristic is
 * reported.
 * run: wrapper --heuristics=none
 * expect: stdout == 'count=5\n'
 * expect: summary.possibly_lost.blocks == 1 and summary.possibly_lost.bytes == 128
 * expect: summary.definitely_lost.blocks == 0
 * expect: summary.still_reachable.heuristics == {}
 * expect: 'reachable via heuristic' not in stderr
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
