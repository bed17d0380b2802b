/* Stress: stress_pointer_passing.c with the mostly-concurrent mark
 * (concurrent=1): 8 threads pass heap blocks to each other for 20 s while
 * the shim scans 20 times a second (interval=0.05, min_age=1, full_every=1: every scan full), each scan
 * marking with the world running and stopping it only for the finish;
 * it runs on until its log holds 100 scans. No scan finds anything lost,
 * the scans were concurrent, no crash, no hang.
 * stress: yes
 * run: direct
 * options: interval=0.05:min_age=1:concurrent=1:full_every=1
 * build: -O2
 * args: 20 100
 * timeout: 120
 * expect: stdout == 'threads=8 passes=many errors=0 pending=0\n'
 * expect: processes[0].complete and processes[0].scans >= 100
 * expect: len([n for n in log_notes() if 'was concurrent' in n]) >= 100
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: [s.scan for s in log_scans() if s.clusters] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: clusters == []
 */
#include "pointer_passing.h"

int main(int argc, char **argv) { return pp_main(argc, argv); }
