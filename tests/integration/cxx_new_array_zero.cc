/* C++ `new T[0]` of a type with a destructor allocates only the 8-byte
 * element count (0) and returns the address just past it, the end of the
 * block. A program that keeps that pointer holds the block (LeakSanitizer
 * counts it so; valgrind does not): the array kept in a global is not
 * lost, even with every heuristic off (this is no heuristic), while the
 * same array dropped is one definitely lost block of 8 bytes.
 * run: direct
 * options: heuristics=none
 * expect: stdout == 'kept\n'
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 8
 * expect: summary.possibly_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: cluster_with('drop_empty_array') is not None and cluster_with('drop_empty_array').entry.size == 8
 * expect: cluster_with('keep_empty_array') is None
 */
#include <cstdio>
#include "testutil.h"

struct Counted {
  long value;
  ~Counted() { value = 0; } /* a destructor: new[] stores the count */
};

Counted *kept;

static NOINLINE void keep_empty_array() { kept = new Counted[0]; }

static NOINLINE void drop_empty_array() {
  Counted *c = new Counted[0];
  sink(c);
}

int main() {
  keep_empty_array();
  drop_empty_array();
  clobber_stack();
  std::printf("%s\n", kept ? "kept" : "null");
  return 0;
}
