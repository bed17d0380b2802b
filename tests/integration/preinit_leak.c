/* Track from the first allocation, before the C library is set up: a
 * function in the program's .preinit_array -- it runs before every
 * constructor, libc's own included, while `environ` is still NULL (the
 * program records that) -- leaks a 40-byte block. The shim boots in that
 * malloc, reads its options from /proc/self/environ (the log goes where
 * LEAKGRAPH_OPTIONS says: a log in logs/ proves it), and captures the
 * block's stack. Expected: the block is the one definite leak, with
 * preinit_leak in its stack.
 * run: direct
 * expect: out_int('early_environ_null') == 1
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 * expect: has_frame(clusters[0].entry, 'preinit_leak')
 * expect: len(processes) == 1 and processes[0].complete
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern char **environ;
static int early_environ_null;

static NOINLINE void preinit_leak(void) { void *p = malloc(40); memset(p, 6, 40); sink(p); }

static void early(void) {
  early_environ_null = environ == NULL;
  preinit_leak();
  clobber_stack();
}

__attribute__((section(".preinit_array"), used)) static void (*const run_early)(void) = early;

int main(void) {
  printf("early_environ_null=%d\n", early_environ_null);
  return 0;
}
