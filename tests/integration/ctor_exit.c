/* A library constructor that calls exit() before the shim's own
 * constructor has run: the loader never calls the destructor of an object
 * whose constructor did not run, so the shim checks the process in exit()
 * itself. Expected: status 3 as in a plain run, main never reached, a
 * complete log (END exit 3) whose exit scan reports the constructor's
 * leak.
 * lib: ctor_exit.c
 * build: -L{tmp} -lctor_exit -Wl,-rpath,{tmp}
 * run: direct
 * compare: plain
 * exit: 3
 * expect: plain.exit_code == 3 and stdout == plain.stdout == ''
 * expect: [(e.how, e.status) for e in log_ends()] == [('exit', 3)]
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'lib_ctor_exit_leak')
 */
#include <stdio.h>

void lib_never_called(void);

int main(void) {
  lib_never_called();
  printf("main ran\n");
  return 0;
}
