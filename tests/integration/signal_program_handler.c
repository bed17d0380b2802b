/* A program's own signal handlers win, and every call that sets or reads a
 * disposition answers as without the shim. The program installs a SIGTERM
 * handler with sigaction (SA_RESTART, SIGUSR1 in its mask) and raises
 * SIGTERM twice (its handler runs, the process lives on); it sets SIGINT
 * with signal() and then siginterrupt(), SIGHUP with sysv_signal (a
 * one-shot handler: after one SIGHUP the disposition is the default again)
 * and SIGUSR1 through sigset (handler, SIG_HOLD, SIG_DFL), printing every
 * return value and every disposition it reads back. Last, as a crash
 * handler does, it puts back the SIGTERM action it replaced (SIG_DFL) and
 * raises SIGTERM: the shim's check is back in place and the default action
 * kills the process. Expected: the output and status of a plain run (143,
 * killed by SIGTERM); END signal 15 after one exit scan, which reports the
 * program's one leak.
 * run: direct
 * compare: plain
 * exit: 143
 * expect: stdout == plain.stdout and plain.exit_code == 143
 * expect: out_int('term_handled') == 2 and out_int('hup_handled') == 1
 * expect: [(e.how, e.status) for e in log_ends()] == [('signal', 15)]
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 1 and has_frame(clusters[0].entry, 'leak_one')
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern sighandler_t bsd_signal(int sig, sighandler_t handler); /* not declared under _GNU_SOURCE */

static volatile int term_handled, hup_handled, int_handled, usr1_handled;
static void on_term(int s) { (void)s; term_handled++; }
static void on_hup(int s) { (void)s; hup_handled++; }
static void on_int(int s) { (void)s; int_handled++; }
static void on_usr1(int s) { (void)s; usr1_handled++; }

static const char *name(sighandler_t h) {
  if (h == SIG_DFL) return "DFL";
  if (h == SIG_IGN) return "IGN";
  if (h == SIG_ERR) return "ERR";
  if (h == SIG_HOLD) return "HOLD";
  if (h == on_term) return "on_term";
  if (h == on_hup) return "on_hup";
  if (h == on_int) return "on_int";
  if (h == on_usr1) return "on_usr1";
  return "other";
}

/* Prints the disposition of sig as sigaction reports it. */
static void show(const char *label, int sig) {
  struct sigaction a;
  memset(&a, 0, sizeof a);
  int rc = sigaction(sig, NULL, &a);
  printf("%s: rc=%d handler=%s flags=%#x mask_usr1=%d mask_self=%d restorer=%d\n", label, rc, name(a.sa_handler),
         (unsigned)a.sa_flags, sigismember(&a.sa_mask, SIGUSR1), sigismember(&a.sa_mask, sig), a.sa_restorer != NULL);
}

static NOINLINE void leak_one(void) { void *p = malloc(29); memset(p, 1, 29); sink(p); }

int main(void) {
  leak_one();
  clobber_stack();
  struct sigaction a, old;
  memset(&a, 0, sizeof a);
  a.sa_handler = on_term;
  a.sa_flags = SA_RESTART;
  sigemptyset(&a.sa_mask);
  sigaddset(&a.sa_mask, SIGUSR1);
  int rc = sigaction(SIGTERM, &a, &old);
  printf("sigaction TERM: rc=%d old=%s old_flags=%#x\n", rc, name(old.sa_handler), (unsigned)old.sa_flags);
  show("TERM", SIGTERM);
  raise(SIGTERM);
  raise(SIGTERM);
  printf("term_handled=%d\n", term_handled);

  printf("signal INT: old=%s\n", name(signal(SIGINT, on_int)));
  show("INT", SIGINT);
  printf("siginterrupt INT: rc=%d\n", siginterrupt(SIGINT, 1));
  show("INT after siginterrupt", SIGINT);
  printf("signal INT again: old=%s\n", name(signal(SIGINT, SIG_DFL)));
  show("INT back to default", SIGINT);

  printf("sysv_signal HUP: old=%s\n", name(sysv_signal(SIGHUP, on_hup)));
  show("HUP", SIGHUP);
  raise(SIGHUP);
  printf("hup_handled=%d\n", hup_handled);
  show("HUP after one signal", SIGHUP);

  printf("sigset USR1: old=%s\n", name(sigset(SIGUSR1, on_usr1)));
  printf("sigset USR1 hold: old=%s\n", name(sigset(SIGUSR1, SIG_HOLD)));
  printf("sigset USR1 default: old=%s\n", name(sigset(SIGUSR1, SIG_DFL)));
  show("USR1", SIGUSR1);
  printf("bsd_signal USR2: old=%s\n", name(bsd_signal(SIGUSR2, SIG_IGN)));
  show("USR2", SIGUSR2);
  /* A crash handler's way out: put back the action it replaced (SIG_DFL)
   * and raise the signal again; the default action ends the process. */
  rc = sigaction(SIGTERM, &old, NULL);
  show("TERM restored", SIGTERM);
  fflush(stdout);
  raise(SIGTERM);
  return 0;
}
