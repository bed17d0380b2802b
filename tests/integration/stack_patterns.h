/* stack_patterns.h — the program of stack_fast_equals_slow.c (built -O0:
 * every frame's CFA from RBP) and stack_fast_equals_slow_o2.c (-O2 without
 * frame pointers: CFAs from RSP, RBP a general register): allocation stacks
 * that share more or less of their outer frames with the stack of the
 * allocation before, which is what the fast unwinder reuses, and a few it
 * must not reuse. Each leaked block has a size of its own (1000 + its
 * number), so the two runs of a test (fast unwinder, and libunwind with
 * LEAKGRAPH_SLOW_UNWIND=1) can be paired block by block; every other block
 * is freed. The patterns:
 *   - a loop allocating from one site (the same stack again and again);
 *   - recursion to depths 1..44 and back, up and down, allocating at each
 *     level (the depth of 32 frames cuts most of them: the window moves);
 *   - one function reached from two call sites of its caller at the same
 *     stack depth (the frames inside are at the same slots with the same
 *     return addresses; only the caller's return address differs);
 *   - alloca of changing sizes in a middle frame (frames outside it move);
 *   - calls through a function pointer that changes;
 *   - malloc, calloc, realloc and posix_memalign from the same frames;
 *   - a longjmp out of a deep recursion, then a shallower one;
 *   - an allocation in a signal handler (a signal frame: the fallback);
 *   - all of it again in a second thread.
 * Prints "leaks=N" (blocks leaked per run). */
#include <alloca.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static int nleaks;
static volatile int sp_guard;

/* Leaks one block of a size of its own (the allocation is in the caller's
 * frame: this is inlined). */
#define LEAK() do { void *p_ = malloc(1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED)); sink(p_); } while (0)
/* Allocates and frees (a stack the next capture shares frames with). */
#define CHURN(n) do { void *q_ = malloc(n); sink(q_); free(q_); } while (0)

NOINLINE void site_loop(void) {
  for (int i = 0; i < 50; i++) CHURN(16 + i);
  LEAK();
  for (int i = 0; i < 50; i++) CHURN(16 + i);
  LEAK();
}

NOINLINE void recurse(int depth, int leak_at) {
  CHURN(24);
  if (depth == leak_at) LEAK();
  if (depth > 0) recurse(depth - 1, leak_at);
  CHURN(40);
  sp_guard++;
}

NOINLINE void deep_and_shallow(void) {
  for (int d = 1; d <= 44; d += 3) recurse(d, d / 2);
  for (int d = 44; d >= 1; d -= 5) recurse(d, 0);
}

NOINLINE void inner_f(void) { CHURN(8); LEAK(); CHURN(8); }
NOINLINE void middle_g(void) { inner_f(); sp_guard++; }
NOINLINE void two_sites(void) {
  middle_g(); /* site 1 */
  sp_guard++;
  middle_g(); /* site 2: the same frames inside, another return address here */
  sp_guard++;
}

NOINLINE void with_alloca(int n) {
  char *buf = alloca((size_t)n);
  memset(buf, 1, (size_t)n);
  inner_f();
  sp_guard += buf[n / 2];
}
NOINLINE void alloca_sizes(void) {
  for (int n = 16; n < 4096; n = n * 2 + 8) with_alloca(n);
}

NOINLINE void via_a(void) { CHURN(32); LEAK(); }
NOINLINE void via_b(void) { LEAK(); CHURN(32); }
NOINLINE void pointers(void) {
  void (*volatile fn)(void);
  for (int i = 0; i < 6; i++) {
    fn = (i & 1) ? via_b : via_a;
    fn();
  }
}

NOINLINE void families(void) {
  for (int i = 0; i < 3; i++) {
    void *a = malloc(1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED));
    void *b = calloc(1, 1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED));
    void *c = malloc(10);
    c = realloc(c, 1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED));
    void *d = NULL;
    if (posix_memalign(&d, 64, 1000 + (size_t)__atomic_fetch_add(&nleaks, 1, __ATOMIC_RELAXED))) abort();
    sink(a); sink(b); sink(c); sink(d);
  }
}

static jmp_buf jb;
NOINLINE void dive(int depth) {
  CHURN(48);
  if (!depth) { LEAK(); longjmp(jb, 1); }
  dive(depth - 1);
  sp_guard++;
}
NOINLINE void jumps(void) {
  for (int d = 30; d > 0; d -= 7)
    if (!setjmp(jb)) dive(d);
  LEAK(); /* right after the jumps: the last stack's frames are gone */
}

static void on_usr1(int sig) { (void)sig; LEAK(); }
NOINLINE void in_handler(void) {
  signal(SIGUSR1, on_usr1);
  raise(SIGUSR1);
  LEAK(); /* after the fallback */
}

NOINLINE void all_patterns(void) {
  site_loop();
  deep_and_shallow();
  two_sites();
  alloca_sizes();
  pointers();
  families();
  jumps();
  in_handler();
  site_loop();
}

static void *thread_main(void *arg) {
  (void)arg;
  all_patterns();
  return NULL;
}

static int patterns_main(void) {
  all_patterns();
  pthread_t t;
  if (pthread_create(&t, NULL, thread_main, NULL)) return 1;
  pthread_join(t, NULL);
  clobber_stack();
  printf("leaks=%d\n", nleaks);
  return 0;
}
