/* The concurrent mark (concurrent=1) and a write by another process
 * (concmove.h's shape): B, a heap block kept in a global, is read by the
 * concurrent pass; at the gate a child process (forked before the scan:
 * fork waits for a scan in flight) writes the only pointer to C into B
 * with process_vm_writev(2) (the kernel's write through the parent's
 * page tables) on the parent's word over a pipe. The page must count as written, or C
 * is called lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include "concmove.h"

#include <sys/uio.h>
#include <sys/wait.h>
static void **volatile b;
static int order[2], ack[2];
static pid_t child;

/* The child: reads one pointer value from the order pipe, writes it into
 * the parent's b[11], says so, exits. */
static void write_for_parent(pid_t parent) {
  void *c;
  char ok = 0;
  if (read(order[0], &c, sizeof c) == (ssize_t)sizeof c) {
    struct iovec local = {&c, sizeof c}, remote = {(void *)&b[11], sizeof c};
    ok = process_vm_writev(parent, &local, 1, &remote, 1, 0) == (ssize_t)sizeof c;
  }
  c = NULL;
  if (write(ack[1], &ok, 1) != 1) _exit(1);
  _exit(0);
}

static void prepare(void) {
  b = calloc(64, sizeof(void *));
  pid_t parent = getpid();
  if (pipe(order) < 0 || pipe(ack) < 0) exit(1);
  child = fork();
  if (child == 0) write_for_parent(parent);
}

static int store_at_gate(void *c) {
  char ok = 0;
  if (write(order[1], &c, sizeof c) != (ssize_t)sizeof c || read(ack[0], &ok, 1) != 1) return -1;
  return ok && b[11] == c ? 0 : -1;
}

static void *stored(void) {
  void *c = b[11];
  int st;
  free(b);
  if (waitpid(child, &st, 0) != child || !WIFEXITED(st) || WEXITSTATUS(st) != 0) return NULL;
  return c;
}
