/* A coroutine (makecontext/swapcontext) on a stack the program allocated
 * with malloc holds the only pointer to a block in one of its locals, and
 * main, below the swapcontext call on the real stack, holds the only
 * pointer to another. The coroutine itself calls leakgraph_scan(): the
 * scanning thread's stack pointer is on the coroutine's stack, so its own
 * stack ([stack]) is scanned whole and the coroutine's stack from the
 * stack pointer up; neither block is lost. The control leak is 200 blocks
 * of 40 bytes: the scan returns exactly 8000, since the scan's own frames
 * and state, which hold block addresses, are not on the coroutine's stack
 * (a reachable block, read whole: the scan runs on a stack of the shim's).
 * Then the coroutine is suspended and main scans: the suspended
 * coroutine's stack is a reachable heap block, read as a block. A second coroutine runs on an mmap'd stack and is suspended for
 * both scans and the exit: its block is reachable through the mapping. At
 * exit (main calls exit) both coroutines are suspended and main's frame
 * still holds its block.
 * run: direct
 * expect: stdout == 'running=8000 suspended=8000\n'
 * expect: any('ran on another stack' in n for n in processes[0].notes)
 * expect: [f for f in ('held_by_main', 'held_by_coroutine', 'held_on_mmap_stack') if cluster_with(f)] == []
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 200 and summary.definitely_lost.bytes == 8000
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include "leakgraph.h"
#include "testutil.h"

#define STACK (256 * 1024)

static ucontext_t main_ctx, co_ctx, mmap_ctx;
static long running_scan;

static NOINLINE void *held_by_main(void) { void *p = malloc(24); memset(p, 1, 24); return p; }
static NOINLINE void *held_by_coroutine(void) { void *p = malloc(56); memset(p, 2, 56); return p; }
static NOINLINE void *held_on_mmap_stack(void) { void *p = malloc(64); memset(p, 3, 64); return p; }
static NOINLINE void control_leak(void) {
  for (int i = 0; i < 200; i++) { void *p = malloc(40); memset(p, 4, 40); sink(p); }
}

static void coroutine(void) {
  void *volatile mine = held_by_coroutine();
  clobber_stack_only();
  running_scan = leakgraph_scan();
  swapcontext(&co_ctx, &main_ctx); /* suspended here for good */
  sink(mine);
}

static void mmap_coroutine(void) {
  void *volatile mine = held_on_mmap_stack();
  clobber_stack_only();
  swapcontext(&mmap_ctx, &main_ctx);
  sink(mine);
}

static void start(ucontext_t *c, void *stack, void (*fn)(void)) {
  getcontext(c);
  c->uc_stack.ss_sp = stack;
  c->uc_stack.ss_size = STACK;
  c->uc_link = &main_ctx;
  makecontext(c, fn, 0);
  swapcontext(&main_ctx, c);
}

int main(void) {
  void *volatile kept = held_by_main(); /* main's frame, on the real stack */
  control_leak();
  clobber_stack();
  start(&mmap_ctx, mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mmap_coroutine);
  start(&co_ctx, malloc(STACK), coroutine);
  clobber_stack_only();
  long suspended = leakgraph_scan();
  if (!leakgraph_active()) running_scan = suspended = 8000;
  printf("running=%ld suspended=%ld\n", running_scan, suspended);
  sink(kept);
  exit(0); /* main's frame stays live for the exit scan */
}
