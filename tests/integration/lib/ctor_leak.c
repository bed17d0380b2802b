/* ctor_leak.c — a library that ctor_lib_leak.c is linked against, so the
 * loader runs its constructor before the shim's: the constructor drops one
 * 48-byte block (definitely lost) and keeps a 64-byte one in a global;
 * lib_attach, called from main, hangs a 32-byte block off the kept one
 * (reachable only through a block the constructor allocated). */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct kept { void *child; char pad[56]; };
static struct kept *lib_kept;

static NOINLINE void lib_ctor_leak(void) { void *p = malloc(48); memset(p, 4, 48); sink(p); }

static NOINLINE void lib_ctor_keep(void) {
  lib_kept = malloc(sizeof *lib_kept);
  memset(lib_kept, 0, sizeof *lib_kept);
}

__attribute__((constructor)) static void lib_ctor(void) {
  lib_ctor_leak();
  lib_ctor_keep();
  clobber_stack(); /* no stale copy of the dropped pointer in a dead frame */
}

NOINLINE void lib_attach(void) {
  lib_kept->child = malloc(32);
  memset(lib_kept->child, 5, 32);
}
