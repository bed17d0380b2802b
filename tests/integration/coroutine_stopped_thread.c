/* Threads stopped by the scan while they run on coroutine stacks. A worker
 * thread switches to a coroutine on a malloc'd stack and spins there; main
 * switches to a coroutine on an mmap'd stack and spins there. Each holds
 * the only pointer to one block in a frame of its real stack (below the
 * swapcontext call) and to another in the coroutine's frame. A third
 * thread calls leakgraph_scan(): the two are stopped with their stack
 * pointers off their own stacks, so their own stacks are scanned whole and
 * the coroutine stacks from the stack pointer up. None of the four blocks
 * is lost; the scan returns exactly the 40-byte control leak and notes
 * two threads on another stack. Afterwards the threads free their blocks;
 * main's stays held by main's frame through the exit scan.
 * run: direct
 * timeout: 30
 * expect: stdout == 'scan=40\n'
 * expect: any(n.startswith('2 threads ran on another stack') for n in processes[0].notes)
 * expect: [f for f in ('worker_real', 'worker_co', 'main_real', 'main_co') if cluster_with(f)] == []
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "leakgraph.h"
#include "testutil.h"

#define STACK (256 * 1024)

static ucontext_t worker_ret, worker_ctx, main_ret, main_ctx;
static atomic_int on_coroutine, done;
static long lost = -2;

static NOINLINE void *block(size_t n) { void *p = malloc(n); memset(p, (int)n, n); return p; }
static NOINLINE void *worker_real(void) { return block(24); }
static NOINLINE void *worker_co(void) { return block(32); }
static NOINLINE void *main_real(void) { return block(48); }
static NOINLINE void *main_co(void) { return block(56); }
static NOINLINE void control_leak(void) { sink(block(40)); }

/* Runs on a coroutine stack until the scan is done. */
static void spin(void *(*make)(void), ucontext_t *self, ucontext_t *back) {
  void *volatile mine = make();
  clobber_stack_only();
  atomic_fetch_add(&on_coroutine, 1);
  while (!atomic_load(&done)) __asm__ volatile("" ::: "memory");
  free(mine);
  swapcontext(self, back);
}

static void worker_fn(void) { spin(worker_co, &worker_ctx, &worker_ret); }
static void main_fn(void) { spin(main_co, &main_ctx, &main_ret); }

static void run_on(ucontext_t *c, ucontext_t *back, void *stack, void (*fn)(void)) {
  getcontext(c);
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = STACK;
  c->uc_link = back;
  makecontext(c, fn, 0);
  swapcontext(back, c);
}

static void *worker(void *arg) {
  (void)arg;
  void *volatile kept = worker_real();
  clobber_stack_only();
  void *stack = malloc(STACK);
  run_on(&worker_ctx, &worker_ret, stack, worker_fn);
  free(kept);
  free(stack);
  return NULL;
}

static void *scanner(void *arg) {
  (void)arg;
  while (atomic_load(&on_coroutine) < 2) sched_yield();
  lost = leakgraph_active() ? leakgraph_scan() : 40;
  atomic_store(&done, 1);
  return NULL;
}

int main(void) {
  control_leak();
  void *volatile kept = main_real();
  clobber_stack();
  pthread_t w, s;
  pthread_create(&w, NULL, worker, NULL);
  pthread_create(&s, NULL, scanner, NULL);
  run_on(&main_ctx, &main_ret, mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), main_fn);
  pthread_join(w, NULL);
  pthread_join(s, NULL);
  sink(kept);
  printf("scan=%ld\n", lost);
  exit(0);
}
