/* The program leaks a block and calls abort(): the wrapper exits 134
 * (128 + SIGABRT), the log is still written and read (end "abort").
 * exit: 134
 * expect: len(processes) == 1 and processes[0].end == 'abort'
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void leak_before_abort(void) { void *p = malloc(66); memset(p, 1, 66); sink(p); }

int main(void) {
  leak_before_abort();
  clobber_stack();
  abort();
}
