/* A program that registers memory with a userfaultfd of its own, passing
 * the request through an int, as wrappers of ioctl often do: the int is
 * negative (UFFDIO_REGISTER has its top bit set) and reaches ioctl
 * sign-extended, which the kernel reads as the same 32-bit command. The
 * shim must see it as UFFDIO_REGISTER too and give its own registration
 * up first, so the call succeeds as without the shim. The range is
 * pages of the malloc heap, which young scans (full_every=2,
 * interval=0.05) have registered for written-page tracking after two
 * scans. Skipped where the kernel has no userfaultfd for unprivileged
 * users.
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
#include <sys/syscall.h>
#include <unistd.h>
#include "testutil.h"

/* An ioctl wrapper of the common kind: the request as an int. */
static NOINLINE int do_ioctl(int fd, int request, void *arg) { return ioctl(fd, request, arg); }

int main(void) {
  size_t len = 16 * 4096;
  char *block = malloc(len + 4096); /* below the mmap threshold: in [heap] */
  memset(block, 1, len + 4096);
  char *m = (char *)(((uintptr_t)block + 4095) & ~(uintptr_t)4095);
  int scans = wait_for_scans(2) == 0 ? 2 : 0;
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api = {.api = UFFD_API};
  int rc = fd < 0 || do_ioctl(fd, (int)UFFDIO_API, &api) < 0 ? -2 : 0;
  struct uffdio_register reg = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (!rc) rc = do_ioctl(fd, (int)UFFDIO_REGISTER, &reg);
  struct uffdio_range r = {(uintptr_t)m, len};
  if (!rc) do_ioctl(fd, (int)UFFDIO_UNREGISTER, &r);
  printf("register=%d scans=%d\n", rc, scans);
  free(block);
  return 0;
}
