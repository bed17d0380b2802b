/* The object of cxx_heuristic_multiple_inheritance.cc with the heuristics
 * off (LEAKGRAPH_OPTIONS): the pointer to its second base is an interior
 * pointer, so the block is possibly lost.
 * run: direct
 * options: heuristics=none
 * expect: stdout == 'offset=16\n'
 * expect: summary.possibly_lost.blocks == 1 and summary.possibly_lost.bytes == 40
 * expect: summary.definitely_lost.blocks == 0
 * expect: summary.still_reachable.heuristics == {}
 */
#include <cstdio>
#include "testutil.h"

struct Left {
  virtual ~Left() {}
  long l = 1;
};
struct Right {
  virtual ~Right() {}
  long r = 2;
};
struct Both : Left, Right {
  long b = 3;
};

Right *right;

static NOINLINE void keep_second_base() { right = new Both(); }

int main() {
  keep_second_base();
  clobber_stack();
  std::printf("offset=%ld\n", (long)((char *)right - (char *)dynamic_cast<void *>(right)));
  return 0;
}
