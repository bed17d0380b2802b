/* scan_signal=USR2, and the program installs its own USR2 handler: the
 * program's handler wins. Before installing it the program reads USR2's
 * disposition (the default: the shim's scan handler stays hidden); then it
 * raises USR2 three times and its handler runs each time. Expected: the
 * output of a plain run; the log and stderr say once that signal scans are
 * off; no scan of kind signal, only the exit scan, which reports the leak.
 * run: direct
 * options: scan_signal=USR2:quiet=0
 * compare: plain
 * expect: stdout == plain.stdout and out_int('handled') == 3
 * expect: count_lines(stderr, 'signal scans are off') == 1
 * expect: len([n for n in log_notes() if 'signal scans are off' in n]) == 1
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_one')
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static volatile sig_atomic_t handled;
static void on_usr2(int sig) { (void)sig; handled++; }

static NOINLINE void leak_one(void) { void *p = malloc(23); memset(p, 1, 23); sink(p); }

int main(void) {
  leak_one();
  clobber_stack();
  struct sigaction a, old;
  sigaction(SIGUSR2, NULL, &old);
  printf("before: %s flags=%#x\n", old.sa_handler == SIG_DFL ? "DFL" : "other", (unsigned)old.sa_flags);
  memset(&a, 0, sizeof a);
  a.sa_handler = on_usr2;
  sigemptyset(&a.sa_mask);
  sigaction(SIGUSR2, &a, &old);
  printf("replaced: %s\n", old.sa_handler == SIG_DFL ? "DFL" : "other");
  for (int i = 0; i < 3; i++) raise(SIGUSR2);
  printf("handled=%d\n", (int)handled);
  return 0;
}
