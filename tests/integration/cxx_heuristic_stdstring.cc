/* The old (copy-on-write) std::string of libstdc++'s pre-C++11 ABI is one
 * pointer to its characters, which sit 24 bytes into a block that starts
 * with the length, the capacity and a reference count. A string kept only
 * through that pointer (the 8-byte string object, in a global's block) is
 * still reachable, counted under `stdstring`: 24 + 40 + 1 bytes.
 * build: -D_GLIBCXX_USE_CXX11_ABI=0
 * expect: stdout == 'sizeof=8 length=40\n'
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.heuristics.stdstring.blocks == 1
 * expect: summary.still_reachable.heuristics.stdstring.bytes == 65
 * expect: 'reachable via heuristic: stdstring: 65 bytes in 1 blocks' in stderr
 */
#include <cstdio>
#include <string>
#include "testutil.h"

std::string *name;

static NOINLINE void keep_string() { name = new std::string(40, 'x'); }

int main() {
  keep_string();
  clobber_stack();
  std::printf("sizeof=%zu length=%zu\n", sizeof(std::string), name->size());
  return 0;
}
