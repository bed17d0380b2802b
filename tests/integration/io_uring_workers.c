/* io_uring's worker threads (iou-wrk-*, PF_IO_WORKER in their
 * /proc/self/task/TID/stat flags) belong to the process but run no user
 * code: the scan must not signal them and wait, nor call its scans
 * conservative because they do not answer. The program forces eight reads
 * of a pipe into io_uring's worker pool (IOSQE_ASYNC) and, while the
 * workers wait on the empty pipe, runs three API scans; then it writes the
 * pipe, reaps the reads and exits. It counts the workers it saw in
 * /proc/self/task (at least one). Expected: no scan is conservative, no
 * "did not stop" note, one note that io_uring workers are left alone; each
 * scan returns exactly the 40-byte control leak. The API scans, concurrent
 * by default, take the snapshot: the ring's mapping is a kernel object's
 * (a NOTE each).
 * require: test -e /usr/include/liburing.h
 * build: -luring
 * run: direct
 * timeout: 30
 * expect: stdout == 'workers=yes scans=40,40,40 reaped=8\n'
 * expect: [s.conservative for s in log_scans()] == [False, False, False, False]
 * expect: not any('did not stop' in n for n in processes[0].notes)
 * expect: len([n for n in processes[0].notes if n.startswith('io_uring worker threads')]) == 1
 * expect: len([n for n in processes[0].notes if 'could not mark concurrently (a device or kernel-object mapping' in n]) == 3
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <dirent.h>
#include <fcntl.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

#define READS 8

static NOINLINE void control_leak(void) { void *p = malloc(40); memset(p, 1, 40); sink(p); }

/* Counts the threads named iou-wrk-* of this process. */
static int io_workers(void) {
  DIR *d = opendir("/proc/self/task");
  int n = 0;
  for (struct dirent *e; d && (e = readdir(d));) {
    char path[300], comm[64] = "";
    snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
    FILE *f = e->d_name[0] != '.' ? fopen(path, "r") : NULL;
    if (f) { if (fgets(comm, sizeof comm, f)) n += !strncmp(comm, "iou-wrk", 7); fclose(f); }
  }
  if (d) closedir(d);
  return n;
}

int main(void) {
  struct io_uring ring;
  int p[2];
  static char buf[READS][16];
  if (pipe(p) < 0 || io_uring_queue_init(16, &ring, 0) < 0) { perror("io_uring"); return 2; }
  for (int i = 0; i < READS; i++) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
    io_uring_prep_read(sqe, p[0], buf[i], 1, 0);
    sqe->flags |= IOSQE_ASYNC; /* to the worker pool, which blocks on the pipe */
  }
  io_uring_submit(&ring);
  int seen = 0;
  for (int tries = 0; tries < 2000 && !(seen = io_workers()); tries++) sleep_for(0.005);
  control_leak();
  clobber_stack();
  long s[3];
  for (int i = 0; i < 3; i++) s[i] = leakgraph_active() ? leakgraph_scan() : 40;
  if (write(p[1], "abcdefgh", READS) != READS) return 2;
  int reaped = 0;
  struct io_uring_cqe *cqe;
  while (reaped < READS && io_uring_wait_cqe(&ring, &cqe) == 0) { io_uring_cqe_seen(&ring, cqe); reaped++; }
  printf("workers=%s scans=%ld,%ld,%ld reaped=%d\n", seen ? "yes" : "no", s[0], s[1], s[2], reaped);
  fflush(stdout);
  io_uring_queue_exit(&ring);
  exit(0);
}
