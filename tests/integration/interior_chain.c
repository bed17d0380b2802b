/* A chain reached from the roots only through an interior pointer: a global
 * points 8 bytes into block A, A points at the start of B, B at the start
 * of C. All three are possibly lost (SPEC §3: "reachable only through a
 * chain that uses at least one interior pointer"), none still reachable.
 * expect: summary.possibly_lost.blocks == 3 and summary.possibly_lost.bytes == 3 * 64
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: cluster_with('make_chain') is not None and cluster_with('make_chain').blocks == 3
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct link { struct link *next; char pad[56]; };
char *interior;

static NOINLINE void make_chain(void) {
  struct link *a = malloc(sizeof *a), *b = malloc(sizeof *b), *c = malloc(sizeof *c);
  memset(a, 0, sizeof *a); memset(b, 0, sizeof *b); memset(c, 0, sizeof *c);
  a->next = b;
  b->next = c;
  interior = (char *)a + 8;
}

int main(void) {
  make_chain();
  clobber_stack();
  return 0;
}
