/* LeakSanitizer's contract for __lsan_do_leak_check: after the program
 * called it, the exit check does not run. The program hides a 55-byte
 * block behind an XOR-ed pointer (no scan can see it), calls
 * __lsan_do_leak_check from an atexit handler, and frees the block in a
 * global destructor, which runs after atexit handlers. Expected: the
 * report is that check's -- the block is reported as the one definite
 * leak -- and the log holds no other scan (a later exit scan would find
 * the block freed and report nothing).
 * run: direct
 * expect: stdout == 'freed in destructor\n'
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 55
 * expect: has_frame(clusters[0].entry, 'make_hidden')
 * expect: len(processes) == 1 and processes[0].complete and processes[0].end == 'exit'
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern void __lsan_do_leak_check(void) __attribute__((weak));

#define KEY ((uintptr_t)0xA5A5A5A5A5A5A5A5ull)
static uintptr_t hidden;

static NOINLINE void make_hidden(void) {
  char *p = malloc(55);
  memset(p, 7, 55);
  hidden = (uintptr_t)p ^ KEY;
}

static void check_at_exit(void) {
  if (__lsan_do_leak_check) __lsan_do_leak_check();
}

__attribute__((destructor)) static void free_hidden(void) {
  free((void *)(hidden ^ KEY));
  printf("freed in destructor\n");
  fflush(stdout);
}

int main(void) {
  make_hidden();
  clobber_stack();
  atexit(check_at_exit);
  return 0;
}
