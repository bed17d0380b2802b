/* The shim's own memory is never a root, although it lies in anonymous
 * mappings like the program's pools: its block table holds the address of
 * every live block, and the scan history the address of every block the
 * last scan found lost. 300,000 small blocks stay reachable (a big,
 * often-grown table); one 40-byte block is lost. Three API scans in a row
 * must each find exactly those 40 bytes (were the table a root, nothing
 * would be lost; were the history one, the second scan would find the
 * leak reachable through the first scan's list), and so must the exit
 * scan.
 * run: direct
 * timeout: 120
 * expect: stdout == 'scans=40,40,40\n'
 * expect: processes[0].scans == 4
 * expect: cluster_with('the_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 * expect: summary.still_reachable.blocks >= 300000
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

#define N 300000

static void **kept;

static NOINLINE void keep_many(void) {
  kept = malloc(N * sizeof *kept);
  for (int i = 0; i < N; i++) kept[i] = malloc(16 + (i % 4) * 16);
}

static NOINLINE void the_leak(void) { void *p = malloc(40); memset(p, 7, 40); sink(p); }

int main(void) {
  keep_many();
  the_leak();
  clobber_stack();
  long s[3];
  for (int i = 0; i < 3; i++) s[i] = leakgraph_scan();
  if (!leakgraph_active()) s[0] = s[1] = s[2] = 40;
  printf("scans=%ld,%ld,%ld\n", s[0], s[1], s[2]);
  return 0;
}
