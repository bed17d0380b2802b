/* The length64 block of heuristic_length64.c with only some heuristics on
 * (LEAKGRAPH_OPTIONS heuristics=newarray,multipleinheritance): length64 is
 * off, so the block is reachable through newarray instead (its first word,
 * 56, divides the 56 bytes after it).
 * run: direct
 * options: heuristics=newarray,multipleinheritance
 * expect: stderr == ''
 * expect: summary.possibly_lost.blocks == 0
 * expect: list(summary.still_reachable.heuristics) == ['newarray']
 * expect: summary.still_reachable.heuristics.newarray.bytes == 64
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

char *payload;

static NOINLINE void keep_length64(void) {
  uint64_t *p = malloc(64);
  p[0] = 64 - 8;
  memset(p + 1, 7, 64 - 8);
  payload = (char *)(p + 1);
}

int main(void) {
  keep_length64();
  clobber_stack();
  return 0;
}
