/* A program that uses userfaultfd itself, under young scans (full_every=2,
 * interval=0.05): it maps 64 pages, waits until two scans have passed (the
 * shim has registered the mapping for written-page tracking by then), and
 * registers the mapping with a userfaultfd of its own. The kernel allows
 * one registration per mapping: the shim gives its own up before the
 * program's call, which succeeds as without the shim; the log says so,
 * and no later scan is young. Skipped where the kernel has no userfaultfd
 * for unprivileged users (UFFD_USER_MODE_ONLY).
 * run: direct
 * options: interval=0.05:full_every=2:min_age=1:born_lists=yes
 * timeout: 120
 * expect: stdout == 'register=0 scans=2\n'
 * expect: any('userfaultfd of its own' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 0
 */
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "testutil.h"

int main(void) {
  size_t len = 64 * 4096;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(m, 1, len);
  int scans = wait_for_scans(2) == 0 ? 2 : 0;
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api = {.api = UFFD_API};
  int rc = fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0 ? -2 : 0;
  struct uffdio_register reg = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (!rc) rc = ioctl(fd, UFFDIO_REGISTER, &reg);
  printf("register=%d scans=%d\n", rc, scans);
  return 0;
}
