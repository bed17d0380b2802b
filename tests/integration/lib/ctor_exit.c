/* ctor_exit.c — a library that ctor_exit.c is linked against: its
 * constructor, which runs before the shim's, leaks a 43-byte block and
 * calls exit(3) (as a library that checks its configuration might). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void lib_ctor_exit_leak(void) { void *p = malloc(43); memset(p, 4, 43); sink(p); }

__attribute__((constructor)) static void lib_ctor(void) {
  lib_ctor_exit_leak();
  clobber_stack();
  exit(3);
}

void lib_never_called(void) {}
