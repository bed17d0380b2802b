/* The concurrent mark (concurrent=1) reads program memory with the world
 * running under a fault guard of its own for SIGSEGV and SIGBUS; the
 * program must not see it. While the scan stands at its test gate after
 * inside the concurrent mark (between the registered regions and the
 * threads of its roots, where the guard is in place), a second thread of the program asks for
 * SIGSEGV's action (it must be the handler the program set before the
 * scan) and installs a second handler of its own. After the scan, a fault
 * in the program must reach that second handler, which jumps back out of
 * it. A shim whose guard, when it ends, puts back the action it found
 * when it began loses the program's handler: the fault then ends the
 * program instead (exit status 139, or the shim's check at the signal).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * expect: stdout == 'seen=first handled=second\n'
 * expect: any('was concurrent' in n for n in log_notes())
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

static sigjmp_buf back;
static const char *volatile handled = "none";
static const char *seen = "none";

static void first(int sig) { (void)sig; handled = "first"; siglongjmp(back, 1); }
static void second(int sig) { (void)sig; handled = "second"; siglongjmp(back, 1); }

static void set(void (*h)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = h;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGSEGV, &sa, NULL);
}

/* At the gate: reads the action, sets the second handler. */
static void *changer(void *arg) {
  (void)arg;
  if (conc_gate_wait_roots()) {
    struct sigaction cur;
    sigaction(SIGSEGV, NULL, &cur);
    seen = cur.sa_handler == first ? "first" : "other";
    set(second);
  }
  conc_gate_open_roots();
  return NULL;
}

int main(void) {
  set(first);
  int active = leakgraph_active();
  pthread_t t;
  if (active) pthread_create(&t, NULL, changer, NULL);
  leakgraph_scan();
  if (active) pthread_join(t, NULL);
  else { seen = "first"; set(second); }
  volatile char *page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (sigsetjmp(back, 1) == 0) page[0] = 1;
  printf("seen=%s handled=%s\n", seen, handled);
  return 0;
}
