/* __lsan_do_recoverable_leak_check() runs a scan and returns non-zero when
 * it found leaks (LSan's contract), 0 when not; the program goes on. Two
 * scans happen before the exit scan.
 * expect: stdout == 'before=0 after=1\n'
 * expect: processes[0].scans >= 3
 * expect: cluster_with('leak_now') is not None and summary.definitely_lost.blocks == 1
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern int __lsan_do_recoverable_leak_check(void) __attribute__((weak));

static NOINLINE void leak_now(void) { void *p = malloc(45); memset(p, 1, 45); sink(p); }

int main(void) {
  int before = __lsan_do_recoverable_leak_check ? __lsan_do_recoverable_leak_check() : 0;
  leak_now();
  clobber_stack();
  int after = __lsan_do_recoverable_leak_check ? __lsan_do_recoverable_leak_check() : 1;
  printf("before=%d after=%d\n", before != 0, after != 0);
  return 0;
}
