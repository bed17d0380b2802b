/* C++: a leaked `new Widget` (which owns a leaked `new int[28]`) and a
 * leaked `new char[300]`; objects deleted with delete and delete[] are not
 * reported. The leaks go through libstdc++'s operator new and the stacks
 * reach the callers. (Sizes are multiples of 16: see free_neighbour_definite.c.)
 * expect: stdout == 'total=42\n'
 * expect: cluster_with('make_widget') is not None
 * expect: cluster_with('make_widget').entry.size == 32 and cluster_with('make_widget').blocks == 2
 * expect: summary.definitely_lost.blocks == 2 and summary.indirectly_lost.blocks == 1
 * expect: summary.indirectly_lost.bytes == 112
 * expect: cluster_with('make_buffer').entry.size == 300
 * expect: cluster_with('make_and_delete') is None
 */
#include <cstdio>
#include <string>
#include <vector>
#include "testutil.h"

struct Widget {
  int *values;
  long a, b, c;
  Widget() : values(new int[28]), a(1), b(2), c(3) {}
};

static NOINLINE void make_widget() {
  Widget *w = new Widget();
  sink(w);
}

static NOINLINE void make_buffer() {
  char *b = new char[300];
  sink(b);
}

static NOINLINE int make_and_delete() {
  Widget *w = new Widget();
  int *arr = new int[10];
  arr[0] = 36;
  int r = arr[0] + (int)(w->a + w->b + w->c);
  delete[] w->values;
  delete w;
  delete[] arr;
  std::vector<std::string> v(10, std::string(100, 'x'));
  return r + (int)v.size() / 10 * 0;
}

int main() {
  int total = make_and_delete();
  make_widget();
  make_buffer();
  clobber_stack();
  std::printf("total=%d\n", total);
  return 0;
}
