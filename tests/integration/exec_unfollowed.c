/* follow_children=no: a program the process execs runs untraced, whether
 * it inherits the environment (the shim took itself out of LD_PRELOAD at
 * start) or gets one of its own (nothing is added). The program execs
 * itself twice over: with its environment, then with an empty one; the
 * last image leaks. Expected: one log (the first image's, ending in
 * exec), no leak reported, the last image printing that it saw no
 * LD_PRELOAD naming the shim.
 * run: direct
 * options: follow_children=no
 * expect: stdout == 'last shim_preloaded=0\n'
 * expect: len(logs) == 1 and [(e.how) for e in log_ends()] == ['exec']
 * expect: summary.definitely_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "testutil.h"

static NOINLINE void last_leak(void) { void *p = malloc(55); memset(p, 1, 55); sink(p); }

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "second")) {
    char *args[] = {argv[0], "last", NULL}, *empty[] = {NULL};
    execve("/proc/self/exe", args, empty);
    return 127;
  }
  if (argc > 1) {
    const char *pre = getenv("LD_PRELOAD");
    printf("last shim_preloaded=%d\n", pre && strstr(pre, "libleakgraph.so") != NULL);
    last_leak();
    clobber_stack();
    return 0;
  }
  execl("/proc/self/exe", argv[0], "second", (char *)NULL);
  return 127;
}
