/* The scan never faults in a page the program did not touch. A 64-page
 * mapping is registered with userfaultfd (missing-page mode, with
 * UFFD_FEATURE_SIGBUS: touching a missing page raises SIGBUS instead of
 * waiting for a handler); two of its pages are filled with UFFDIO_COPY and
 * hold the only pointers to two blocks. Were the exit scan (in process) to
 * read any other page, it would take a SIGBUS and be abandoned. Expected:
 * the API scan and the exit scan both complete, both blocks are reachable,
 * the 40-byte control block is the one leak.
 * require: {prog} --probe
 * run: direct
 * expect: stdout == 'scan=40\n'
 * expect: not any('abandoned' in n for n in processes[0].notes)
 * expect: processes[0].complete and processes[0].scans == 2
 * expect: cluster_with('held_in_page') is None and cluster_with('held_far') is None
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

#ifndef UFFD_USER_MODE_ONLY
#define UFFD_USER_MODE_ONLY 1
#endif
#define PAGE 4096
#define NPAGES 64

static char *region;
static int uffd = -1;

static NOINLINE void *held_in_page(void) { void *p = malloc(48); memset(p, 1, 48); return p; }
static NOINLINE void *held_far(void) { void *p = malloc(56); memset(p, 2, 56); return p; }
static NOINLINE void control_leak(void) { void *p = malloc(40); memset(p, 3, 40); sink(p); }

/* Opens a userfaultfd that raises SIGBUS on missing pages; -1 if the
 * kernel or the permissions do not allow it. */
static int open_uffd(void) {
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  if (fd < 0) fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_SIGBUS};
  if (ioctl(fd, UFFDIO_API, &api) < 0) { close(fd); return -1; }
  return fd;
}

/* Fills page `i` of the region with a page holding `p` at word `w`. */
static int fill_page(int i, void *p, int w) {
  static void *src[PAGE / sizeof(void *)] __attribute__((aligned(PAGE)));
  memset(src, 0, sizeof src);
  src[w] = p;
  struct uffdio_copy c = {.dst = (uintptr_t)(region + i * PAGE), .src = (uintptr_t)src, .len = PAGE};
  int r = ioctl(uffd, UFFDIO_COPY, &c);
  memset(src, 0, sizeof src); /* the source page holds no copy */
  return r;
}

static NOINLINE int setup(void) {
  if ((uffd = open_uffd()) < 0) return -1;
  region = mmap(NULL, NPAGES * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (region == MAP_FAILED) return -1;
  struct uffdio_register reg = {.range = {(uintptr_t)region, NPAGES * PAGE}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) return -1;
  if (fill_page(10, held_in_page(), 3) < 0 || fill_page(50, held_far(), 500) < 0) return -1;
  return 0;
}

int main(int argc, char **argv) {
  if (argc > 1 && !strcmp(argv[1], "--probe")) {
    if (setup() < 0) { printf("userfaultfd with UFFD_FEATURE_SIGBUS is not available\n"); return 1; }
    return 0;
  }
  if (setup() < 0) { perror("userfaultfd"); return 2; }
  control_leak();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 40;
  printf("scan=%ld\n", lost);
  return 0; /* the exit scan runs with the region still registered */
}
