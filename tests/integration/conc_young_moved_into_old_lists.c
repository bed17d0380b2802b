/* conc_young_moved_into_old.c with the born lists kept (born_lists=yes):
 * the young scans' copies come from the lists, read with
 * the program running (collector/born.h, lg_born_each_running), and the
 * pointer to young block C moved into old block B during the concurrent
 * pass is still found by the finish: C is never called lost.
 * run: direct
 * options: interval=0.05:full_every=1000:min_age=0:concurrent=all:born_lists=yes
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * timeout: 120
 * expect: stdout == 'moved=1\n'
 * expect: sum('was concurrent and young' in n for n in log_notes()) >= 3
 * expect: any('from the born lists' in n for n in log_notes())
 * expect: [s.scan for s in log_scans() if s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks or s.totals.possibly_lost.blocks] == []
 * expect: summary.definitely_lost.blocks == 0 and summary.still_reachable.blocks >= 2
 */
#include "conc_young_moved_into_old.c"
