/* Stress: stress_threads_scans.c with the mostly-concurrent mark
 * (concurrent=1): 8 threads allocate and free 1,000,000 blocks each while
 * the main thread asks for API scans in a loop, each copying the table
 * and marking while the threads churn it: no deadlock, no crash, correct
 * output, no false leaks at exit, and the scans were concurrent.
 * stress: yes
 * run: direct
 * options: concurrent=1
 * timeout: 240
 * expect: stdout.startswith('threads=8 ops=8000000 errors=0 ')
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 * expect: processes[0].scans >= 2
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.scan for s in log_scans() if s.kind == 'api' and (s.totals.definitely_lost.blocks or s.totals.indirectly_lost.blocks)] == []
 */
#include "stress_threads_scans.c"
