/* Pointers in flight under 20 scans a second (interval=0.05, min_age=1 so
 * that any block lost in a single scan would be logged), for 3 s and at
 * least until 20 scans are in the log (a loaded machine scans slower than
 * the interval; the program counts the scans instead): 8 threads
 * pass heap blocks to each other through lock-protected queues, hold the
 * only pointer to a block in a register across a busy loop (-O2, asm
 * constraint), and keep blocks only in thread-local variables
 * (pointer_passing.h). Every block is freed by the end. Expected: no scan
 * -- not one periodic scan, not the exit scan -- finds anything
 * definitely, indirectly or possibly lost; many scans ran; the program's
 * own checks pass; it exits 0 in time.
 * run: direct
 * options: interval=0.05:min_age=1
 * build: -O2
 * args: 3 20
 * timeout: 90
 * expect: stdout == 'threads=8 passes=many errors=0 pending=0\n'
 * expect: processes[0].complete and processes[0].scans >= 20
 * expect: len([s for s in log_scans() if s.kind == 'periodic']) >= 20
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: clusters == []
 */
#include "pointer_passing.h"

int main(int argc, char **argv) { return pp_main(argc, argv); }
