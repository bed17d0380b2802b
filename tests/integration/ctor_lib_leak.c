/* Track from the first allocation: the program is linked against a library
 * (lib/ctor_leak.c) whose constructor runs before the shim's. It drops one
 * 48-byte block and keeps a 64-byte one in its global; main hangs a 32-byte
 * block off the kept one. Expected: exactly one definite leak -- the
 * constructor's 48 bytes, with the constructor's helper in its stack -- and
 * nothing else lost: the 32-byte block is reachable through the kept block,
 * which the shim knows although it was allocated before the shim's own
 * constructor ran.
 * lib: ctor_leak.c
 * build: -L{tmp} -lctor_leak -Wl,-rpath,{tmp}
 * run: direct
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 48
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: len(clusters) == 1 and has_frame(clusters[0].entry, 'lib_ctor_leak')
 * expect: cluster_with('lib_attach') is None
 */
#include "testutil.h"

void lib_attach(void);

int main(void) {
  lib_attach();
  clobber_stack();
  return 0;
}
