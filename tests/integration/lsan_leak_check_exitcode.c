/* __lsan_do_leak_check with exitcode=23 and a leak ends the process at
 * once with status 23, like LeakSanitizer: nothing after the call runs
 * (no 'after' line, no destructor), what was printed before is flushed,
 * END(exit, 23) closes the log, and its one scan is the check.
 * run: direct
 * options: exitcode=23
 * exit: 23
 * expect: count_lines(stdout, 'before') == 1 and count_lines(stdout, 'after') == 0
 * expect: count_lines(stdout, 'destructor') == 0
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: processes[0].complete and processes[0].end == 'exit'
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_once')
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern void __lsan_do_leak_check(void) __attribute__((weak));

static NOINLINE void leak_once(void) { void *p = malloc(27); memset(p, 1, 27); sink(p); }

__attribute__((destructor)) static void at_end(void) { printf("destructor\n"); }

int main(void) {
  leak_once();
  clobber_stack();
  printf("before\n"); /* buffered: stdout is a pipe */
  if (__lsan_do_leak_check) __lsan_do_leak_check();
  printf("after\n");
  return 0;
}
