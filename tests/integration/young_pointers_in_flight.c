/* pointers_in_flight.c with young scans: full_every=4, so three periodic
 * scans in four are young (they judge only the blocks born since the scan
 * before, marking from the roots and the pages written since). Under 20
 * scans a second (interval=0.05, min_age=1: a block lost in a single scan
 * would be logged), for 3 s and at least until 20 scans are in the log, 8
 * threads pass heap blocks through lock-protected queues, registers (-O2,
 * asm constraint, across a busy loop) and thread-local variables
 * (pointer_passing.h). Expected: no scan -- young, full or exit -- finds
 * anything lost; young scans ran; the program's checks pass.
 * run: direct
 * options: interval=0.05:min_age=1:full_every=4:born_lists=yes
 * build: -O2
 * args: 3 20
 * timeout: 90
 * expect: stdout == 'threads=8 passes=many errors=0 pending=0\n'
 * expect: processes[0].complete and processes[0].scans >= 20
 * expect: len([s for s in log_scans() if s.young]) >= 10
 * expect: len([s for s in log_scans() if s.kind == 'periodic' and not s.young]) >= 3
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: clusters == []
 */
#include "pointer_passing.h"

int main(int argc, char **argv) { return pp_main(argc, argv); }
