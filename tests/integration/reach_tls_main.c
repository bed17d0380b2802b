/* A block whose only pointer is in a static TLS variable (__thread) of the
 * main thread is reachable at exit (the main thread's TLS block is not on
 * its stack: ld.so allocates it).
 * expect: cluster_with('make_tls_kept') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.indirectly_lost.blocks == 0
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static __thread void *tls_keep;

static NOINLINE void *make_tls_kept(void) {
  void *p = malloc(112);
  memset(p, 9, 112);
  return p;
}

static NOINLINE void set_tls(void) { tls_keep = make_tls_kept(); }
static NOINLINE void control_leak(void) { sink(malloc(40)); }

int main(void) {
  set_tls();
  control_leak();
  clobber_stack();
  return 0;
}
