/* A `Both : Left, Right` object kept only through a `Right *`: the pointer
 * is 16 bytes into the block, at the vtable pointer of the Right subobject,
 * and the block's first word is Both's own vtable pointer. With the default
 * heuristics the block is still reachable, counted under
 * `multipleinheritance`.
 * expect: stdout == 'offset=16\n'
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.heuristics.multipleinheritance.blocks == 1
 * expect: summary.still_reachable.heuristics.multipleinheritance.bytes == 40
 * expect: 'reachable via heuristic: multipleinheritance: 40 bytes in 1 blocks' in stderr
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
