/* A leaked short std::string keeps its characters in its own inline
 * buffer, so its data pointer points into its own block: that is no cycle.
 * It is one definitely lost block in a cluster that is not cyclic. A
 * leaked long std::string is two blocks: the object, definitely lost, and
 * its character buffer (101 bytes), indirectly lost, again not cyclic.
 * expect: summary.definitely_lost.blocks == 2 and summary.indirectly_lost.blocks == 1
 * expect: summary.cyclic_clusters == 0
 * expect: cluster_with('leak_short') is not None and cluster_with('leak_short').blocks == 1
 * expect: not cluster_with('leak_short').cyclic and cluster_with('leak_short').bytes == 32
 * expect: cluster_with('leak_long') is not None and cluster_with('leak_long').blocks == 2
 * expect: not cluster_with('leak_long').cyclic and cluster_with('leak_long').bytes == 32 + 101
 * expect: cluster_with('leak_long').entry.size == 32
 */
#include <string>
#include "testutil.h"

static NOINLINE void leak_short() {
  std::string *s = new std::string("short");
  sink(s);
}

static NOINLINE void leak_long() {
  std::string *s = new std::string(100, 'x');
  sink(s);
}

int main() {
  leak_short();
  leak_long();
  clobber_stack();
  return 0;
}
