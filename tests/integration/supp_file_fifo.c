/* A suppressions option naming a FIFO (or a device) does not block the
 * program: the shim opens it without blocking, sees it is no regular file,
 * says so once on stderr and in the log, and the program runs and exits
 * as it would; the leak is reported, unsuppressed.
 * setup: mkfifo supp.fifo
 * run: direct
 * options: suppressions={tmp}/supp.fifo
 * timeout: 30
 * expect: stdout == 'ran\n' and exit_code == 0
 * expect: count_lines(stderr, 'supp.fifo: not a regular file') == 1
 * expect: any('supp.fifo: not a regular file' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 1 and summary.suppressed.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void fifo_leak(void) { void *p = malloc(24); memset(p, 1, 24); sink(p); }

int main(void) {
  fifo_leak();
  clobber_stack();
  printf("ran\n");
  return 0;
}
