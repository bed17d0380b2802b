/* A program that closes the descriptors it did not open and then uses a
 * userfaultfd of its own, under young scans (full_every=2,
 * interval=0.05): after two scans (the shim's userfaultfd is open by
 * then) it closes that descriptor, as a daemon's closefrom() or
 * close_range() over descriptors it did not open would, so its own
 * userfaultfd gets the number the shim's had. The shim must tell the program's descriptor from
 * its old one: it must neither close it nor use it (a write-protect
 * registration of the shim's on the program's descriptor would make the
 * program's next write to the heap wait forever for a handler), so the
 * heap it grows meanwhile can be written, and registering and
 * unregistering a mapping on the descriptor succeed as without the shim. Skipped where
 * the kernel has no userfaultfd for unprivileged users.
 * run: direct
 * options: interval=0.05:full_every=2:min_age=1:born_lists=yes
 * timeout: 60
 * expect: stdout == 'same=1 register=0 unregister=0 scans=4\n'
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

/* The number of the (shim's) userfaultfd descriptor, or -1. */
static int uffd_number(void) {
  char path[64], link[64];
  for (int fd = 3; fd < 1024; fd++) {
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n < 0) continue;
    link[n] = 0;
    if (!strcmp(link, "anon_inode:[userfaultfd]")) return fd;
  }
  return -1;
}

int main(void) {
  size_t len = 64 * 4096;
  char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(m, 1, len);
  int scans = wait_for_scans(2) == 0 ? 2 : 0;
  int old = uffd_number();
  if (old >= 0) close(old);
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api = {.api = UFFD_API};
  int rc = fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0 ? -2 : 0;
  /* The heap grows (new mappings for the shim to track), and scans run
   * while the program's descriptor holds the shim's old number. */
  enum { NB = 32 };
  static char *grown[NB];
  for (int i = 0; i < NB; i++) grown[i] = malloc(64 << 10);
  if (wait_for_scans(4) == 0) scans = 4;
  for (int i = 0; i < NB; i++) memset(grown[i], 2, 64 << 10);
  for (int i = 0; i < NB; i++) free(grown[i]);
  struct uffdio_register reg = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  if (!rc) rc = ioctl(fd, UFFDIO_REGISTER, &reg);
  struct uffdio_range r = {(uintptr_t)m, len};
  int un = rc ? -3 : ioctl(fd, UFFDIO_UNREGISTER, &r);
  printf("same=%d register=%d unregister=%d scans=%d\n", !getenv("LD_PRELOAD") || fd == old, rc, un, scans);
  return 0;
}
