/* pointers_in_flight.c with the mostly-concurrent mark (concurrent=1):
 * 8 threads pass heap blocks to each other through queues, registers and
 * thread-local variables (pointer_passing.h) for 3 s and at least until
 * 20 scans are in the log, while periodic full scans (interval=0.05, full_every=1,
 * min_age=1) copy the table and mark with the world running and stop it
 * only for the finish. No scan finds anything lost; the scans were
 * concurrent (their NOTEs say so); the program's checks pass.
 * run: direct
 * options: interval=0.05:min_age=1:concurrent=1:full_every=1
 * build: -O2
 * args: 3 20
 * timeout: 90
 * expect: stdout == 'threads=8 passes=many errors=0 pending=0\n'
 * expect: processes[0].complete and processes[0].scans >= 20
 * expect: len([n for n in log_notes() if 'was concurrent' in n]) >= 20
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: clusters == []
 */
#include "pointer_passing.h"

int main(int argc, char **argv) { return pp_main(argc, argv); }
