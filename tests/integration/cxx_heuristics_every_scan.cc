/* Every scan that a heuristic helped writes its HEURISTICS record: two API
 * scans (each in a snapshot process) and the exit scan all count the
 * object kept through its second base (multipleinheritance, which needs
 * the modules' segments in the snapshot too) and the block kept past its
 * length (length64). Once the object is deleted, the exit scan no longer
 * counts it.
 * expect: stdout == 'lost=0 lost=0\n'
 * expect: [s.kind for s in log_scans()] == ['api', 'api', 'exit']
 * expect: [s.heuristics.length64.bytes for s in log_scans()] == [64, 64, 64]
 * expect: [sorted(s.heuristics) for s in log_scans()][:2] == [['length64', 'multipleinheritance']] * 2
 * expect: log_scans()[0].heuristics.multipleinheritance.bytes == 40
 * expect: list(log_scans()[2].heuristics) == ['length64']
 * expect: list(summary.still_reachable.heuristics) == ['length64']
 * expect: summary.possibly_lost.blocks == 0 and summary.definitely_lost.blocks == 0
 */
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include "leakgraph.h"
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
char *payload;

static NOINLINE void keep_both() {
  right = new Both();
  uint64_t *p = (uint64_t *)malloc(64);
  p[0] = 64 - 8;
  memset(p + 1, 7, 64 - 8);
  payload = (char *)(p + 1);
}

int main() {
  keep_both();
  clobber_stack();
  long a = leakgraph_scan();
  long b = leakgraph_scan();
  delete right;
  right = nullptr;
  std::printf("lost=%ld lost=%ld\n", a, b);
  return 0;
}
