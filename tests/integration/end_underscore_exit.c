/* The program leaks a block and ends with _exit(5): the exit status passes
 * through, the log is complete (end "_exit") and holds the leak.
 * exit: 5
 * expect: len(processes) == 1 and processes[0].end == '_exit' and processes[0].complete
 * expect: cluster_with('leak_before_uexit') is not None
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void leak_before_uexit(void) { void *p = malloc(55); memset(p, 1, 55); sink(p); }

int main(void) {
  leak_before_uexit();
  clobber_stack();
  _exit(5);
}
