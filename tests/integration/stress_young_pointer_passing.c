/* Stress: stress_pointer_passing.c with young scans (full_every=4: three
 * periodic scans in four are young) for 20 s, and on until its log holds
 * 100 scans (a loaded machine scans slower than the interval): 8 threads
 * pass heap blocks through queues, registers and thread-local variables
 * while the shim scans 20 times a second (interval=0.05, min_age=1).
 * Every block is freed by the end: no scan finds anything lost, the
 * program's checks pass, no crash, no hang.
 * stress: yes
 * run: direct
 * options: interval=0.05:min_age=1:full_every=4:born_lists=yes
 * build: -O2
 * args: 20 100
 * timeout: 120
 * expect: stdout == 'threads=8 passes=many errors=0 pending=0\n'
 * expect: processes[0].complete and processes[0].scans >= 100
 * expect: len([s for s in log_scans() if s.young]) >= 50
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: clusters == []
 */
#include "pointer_passing.h"

int main(int argc, char **argv) { return pp_main(argc, argv); }
