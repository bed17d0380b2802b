/* C++ function names are demangled in the text and JSON reports: a block
 * allocated in shapes::Factory::make(int), called from the template
 * function shapes::build<3>(), leaks. Its frames read
 * `shapes::Factory::make(int)` and `void shapes::build<3>()` (as c++filt
 * prints them), in the JSON and in the wrapper's text report on stderr, and
 * no frame of any cluster is named by a mangled symbol.
 * expect: stdout == 'made=3\n'
 * expect: cluster_with('make') is not None and cluster_with('make').entry.size == 48
 * expect: frame_of(cluster_with('make'), 'make').function == 'shapes::Factory::make(int)'
 * expect: frame_of(cluster_with('make'), 'build').function == 'void shapes::build<3>()'
 * expect: 'by shapes::Factory::make(int) (' in stderr and 'by void shapes::build<3>() (' in stderr
 * expect: not any((f.function or '').startswith('_Z') for c in clusters for f in c.entry.stack)
 * expect: '_ZN6shapes' not in stderr and '_ZN6shapes' not in report_stdout
 */
#include <cstdio>
#include <cstring>
#include "testutil.h"

namespace shapes {
struct Factory {
  static NOINLINE void make(int n);
};

NOINLINE void Factory::make(int n) {
  char *p = new char[48];
  std::memset(p, n, 48);
  sink(p);
}

template <int N> NOINLINE void build() { Factory::make(N); }
}  // namespace shapes

int main() {
  shapes::build<3>();
  clobber_stack();
  std::printf("made=3\n");
  return 0;
}
