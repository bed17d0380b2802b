/* A program that uses userfaultfd itself, with concurrent=1: before an API
 * scan it registers the pages of a 1 MiB heap block (glibc maps it alone)
 * with its own userfaultfd, through the raw system call (so the shim's
 * ioctl hook, preload/uffd.c, does not see it). The concurrent mark must
 * write-track every mapping that holds blocks, and cannot track that one
 * (the kernel allows one registration per mapping: EBUSY), so it undoes
 * its arming and the scan takes the snapshot instead (its NOTE says so) and finds the leak made before it; the program's
 * registration is untouched (a second userfaultfd of the program's still
 * finds the mapping taken: EBUSY), and the program sees no difference.
 * run: direct
 * options: concurrent=1:min_age=0
 * expect: stdout == 'register=0 lost=40 still_ours=1\n'
 * expect: any('could not mark concurrently (a mapping could not be write-tracked' in n for n in log_notes())
 * expect: not any('was concurrent' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

static NOINLINE void leak_one(void) { void *p = malloc(40); memset(p, 1, 40); sink(p); }

int main(void) {
  size_t len = 16 * 4096;
  char *block = malloc(1 << 20);
  memset(block, 1, 1 << 20);
  char *m = (char *)(((uintptr_t)block + 8192) & ~(uintptr_t)4095);
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api = {.api = UFFD_API};
  int rc = fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0 ? -2 : 0;
  struct uffdio_register reg = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (!rc) rc = (int)syscall(SYS_ioctl, fd, UFFDIO_REGISTER, &reg);
  leak_one();
  clobber_stack();
  long lost = leakgraph_scan();
  int fd2 = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api2 = {.api = UFFD_API};
  struct uffdio_register reg2 = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  int ours = fd2 >= 0 && ioctl(fd2, UFFDIO_API, &api2) == 0 && ioctl(fd2, UFFDIO_REGISTER, &reg2) < 0 && errno == EBUSY;
  printf("register=%d lost=%ld still_ours=%d\n", rc, leakgraph_active() ? lost : 40, ours);
  free(block);
  return 0;
}
