/* scan_signal=TERM is refused: TERM stops daemons and pipelines, so the
 * shim warns once (a bad value for 'scan_signal', naming the refused
 * signals) and keeps the default -- signal scans off, TERM left to the
 * program with its default action. The program raises SIGTERM and dies by
 * it, as in a plain run, after the exit scan reported its leak.
 * run: direct
 * options: scan_signal=TERM
 * compare: plain
 * exit: 143
 * expect: plain.exit_code == 143
 * expect: count_lines(stderr, "'scan_signal'") == 1 and 'TERM, INT, QUIT, HUP, PIPE, ALRM' in stderr
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: [(e.how, e.status) for e in log_ends()] == [('signal', 15)]
 * expect: summary.definitely_lost.blocks == 1
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_one(void) { void *p = malloc(19); memset(p, 1, 19); sink(p); }

int main(void) {
  leak_one();
  clobber_stack();
  raise(SIGTERM);
  return 0;
}
