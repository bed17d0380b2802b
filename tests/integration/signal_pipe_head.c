/* `prog | head -1` through the wrapper: the program leaks 100 bytes, then
 * prints numbered lines until head has gone and a write raises SIGPIPE,
 * whose default action kills it. Expected: the exit scan ran at the signal
 * (END how=signal, status 13) and reported the leak; the pipeline's status
 * for the program is what it is without leakgraph (141, killed by
 * SIGPIPE), and head printed the first line.
 * run: shell {lg} {prog} | head -1; exit ${PIPESTATUS[0]}
 * compare: plain
 * exit: 141
 * expect: plain.exit_code == 141 and stdout == plain.stdout == 'line 0\n'
 * expect: [(e.how, e.status) for e in log_ends()] == [('signal', 13)]
 * expect: [(p.end, p.complete) for p in processes] == [('signal', True)]
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 100
 * expect: has_frame(clusters[0].entry, 'leak_before_pipe')
 * expect: 'definitely lost: 100 bytes in 1 blocks' in stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_before_pipe(void) { void *p = malloc(100); memset(p, 1, 100); sink(p); }

int main(void) {
  leak_before_pipe();
  clobber_stack();
  for (long i = 0;; i++) { /* ends by SIGPIPE once head has exited */
    printf("line %ld\n", i);
    fflush(stdout);
  }
}
