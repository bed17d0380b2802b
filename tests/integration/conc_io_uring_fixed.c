/* The concurrent mark (concurrent=1) and a write by the kernel that no
 * page table sees: an io_uring fixed buffer (IORING_REGISTER_BUFFERS pins
 * its pages once; the kernel writes into them later through its own
 * mapping, so userfaultfd's write protection never hears of it). The
 * buffer is a heap block B, kept in a global and registered before the
 * scan. Before the scan the only pointer to a block C is written into a
 * pipe and erased (the scan reads no pipe); at the scan's test gate after
 * the concurrent mark ("marked") a second thread has the kernel read it
 * into B (IORING_OP_READ_FIXED) and waits for the completion. At the scan's instant C is reachable from B;
 * a finish that trusts the written pages to name every change calls it
 * lost (64 bytes). The scan sees io_uring's ring mappings (a kernel
 * object's) and takes the snapshot instead (no gate then: the thread
 * reads the pointer back after the scan, which rightly finds C lost in
 * the pipe at its instant).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'no io_uring\n' or stdout.startswith('moved=1 ')
 * expect: stdout in ('no io_uring\n', 'moved=1 lost=0\n') or any('kernel-object mapping' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 0
 */
#include <linux/io_uring.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

void **volatile buf;           /* module data: the fixed buffer B */
void *volatile *volatile held; /* module data: a page holding C's pointer */
static int ring, pfd[2];
static unsigned char *sq, *cq;
static struct io_uring_sqe *sqes;
static struct io_uring_params par;

static int setup(void) {
  memset(&par, 0, sizeof par);
  ring = (int)syscall(SYS_io_uring_setup, 4, &par);
  if (ring < 0) return -1;
  sq = mmap(NULL, par.sq_off.array + par.sq_entries * 4, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
            IORING_OFF_SQ_RING);
  cq = mmap(NULL, par.cq_off.cqes + par.cq_entries * sizeof(struct io_uring_cqe), PROT_READ | PROT_WRITE,
            MAP_SHARED | MAP_POPULATE, ring, IORING_OFF_CQ_RING);
  sqes = mmap(NULL, par.sq_entries * sizeof *sqes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, ring,
              IORING_OFF_SQES);
  if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) return -1;
  struct iovec iov = {buf, 4096};
  return (int)syscall(SYS_io_uring_register, ring, IORING_REGISTER_BUFFERS, &iov, 1);
}

/* Reads 8 bytes from the pipe into buf[7] through the fixed buffer. */
static int read_fixed(void) {
  unsigned tail = *(unsigned *)(sq + par.sq_off.tail), mask = *(unsigned *)(sq + par.sq_off.ring_mask);
  struct io_uring_sqe *e = &sqes[tail & mask];
  memset(e, 0, sizeof *e);
  e->opcode = IORING_OP_READ_FIXED;
  e->fd = pfd[0];
  e->addr = (uintptr_t)&buf[7];
  e->len = sizeof(void *);
  e->buf_index = 0;
  ((unsigned *)(sq + par.sq_off.array))[tail & mask] = tail & mask;
  __atomic_store_n((unsigned *)(sq + par.sq_off.tail), tail + 1, __ATOMIC_RELEASE);
  if (syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0) < 0) return -1;
  unsigned head = *(unsigned *)(cq + par.cq_off.head);
  struct io_uring_cqe *c = (struct io_uring_cqe *)(cq + par.cq_off.cqes) + (head & *(unsigned *)(cq + par.cq_off.ring_mask));
  int res = c->res;
  __atomic_store_n((unsigned *)(cq + par.cq_off.head), head + 1, __ATOMIC_RELEASE);
  return res == sizeof(void *) ? 0 : -1;
}

static NOINLINE void place(void) {
  void *c = malloc(64);
  memset(c, 7, 64);
  held[0] = c;
}

static NOINLINE int to_pipe(void) {
  void *p = held[0];
  if (write(pfd[1], &p, sizeof p) != sizeof p) return -1;
  p = NULL;
  held[0] = NULL;
  return 0;
}

static NOINLINE int move_pointer(void) { return read_fixed(); }

static volatile int moved_ok = -1, scanned;

/* Reads the pointer back at the gate after the concurrent mark, or after
 * the scan when it took the snapshot (no gate came). */
static void *mover(void *arg) {
  (void)arg;
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  char w[4200];
  snprintf(w, sizeof w, "%s.marked.wait", g ? g : "gate");
  while (!scanned && access(w, F_OK) != 0) usleep(1000);
  moved_ok = move_pointer();
  clobber_stack_only();
  conc_gate_open("marked");
  return NULL;
}

int main(void) {
  buf = aligned_alloc(4096, 4096);
  memset(buf, 0, 4096);
  held = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (pipe(pfd) < 0 || setup() < 0) { printf("no io_uring\n"); return 0; }
  place();
  if (to_pipe() < 0) return 1;
  clobber_stack();
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, mover, NULL);
  long lost = leakgraph_scan();
  scanned = 1;
  if (active) pthread_join(t, NULL);
  else moved_ok = move_pointer();
  printf("moved=%d lost=%ld\n", moved_ok == 0 && buf[7] != NULL && held[0] == NULL, active ? lost : 0);
  free(buf[7]);
  free(buf);
  return 0;
}
