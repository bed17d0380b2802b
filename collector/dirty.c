/* collector/dirty.c — written-page tracking by userfaultfd's asynchronous
 * write protection and the PAGEMAP_SCAN ioctl (see dirty.h). */
#include "dirty.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pagemap.h"
#include "sys.h"

/* Linux 6.7's additions, for older headers. */
#define LG_UFFD_FEATURE_WP_UNPOPULATED (1ull << 13)
#define LG_UFFD_FEATURE_WP_ASYNC (1ull << 15)
#define RUNS 256 /* regions per ioctl, on the caller's stack */

static int uffd = -1;
static dev_t uffd_dev; /* its inode: every userfaultfd has one of its own */
static ino_t uffd_ino;

/* The ioctl system call itself: the shim interposes the C library's
 * ioctl (preload/uffd.c), which must not see the shim's own calls. */
static long sys_ioctl(int fd, unsigned long req, void *arg) { return syscall(SYS_ioctl, fd, req, arg); }

/* Is `fd` still the shim's userfaultfd? The program may have closed it
 * (close_range over everything) and opened a file of its own there, even
 * a userfaultfd of its own: only the inode tells them apart. */
static int still_ours(int fd) {
  struct stat st;
  return fstat(fd, &st) == 0 && st.st_dev == uffd_dev && st.st_ino == uffd_ino;
}

int lg_dirty_open(void) {
  if (uffd >= 0) return 0;
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  if (fd < 0) return -1;
  struct uffdio_api api = {.api = UFFD_API, .features = LG_UFFD_FEATURE_WP_ASYNC | LG_UFFD_FEATURE_WP_UNPOPULATED};
  struct stat st;
  if (sys_ioctl(fd, UFFDIO_API, &api) < 0 || fstat(fd, &st) < 0) {
    close(fd);
    return -1;
  }
  uffd_dev = st.st_dev;
  uffd_ino = st.st_ino;
  uffd = fd;
  return 0;
}

int lg_dirty_ready(void) { return uffd >= 0 && still_ours(uffd); }

void lg_dirty_close(void) {
  if (uffd >= 0 && still_ours(uffd)) close(uffd);
  uffd = -1;
}

void lg_dirty_fork_child(void) { lg_dirty_close(); }

int lg_dirty_track(uintptr_t lo, uintptr_t hi) {
  if (!lg_dirty_ready() || lo >= hi) return -1;
  struct uffdio_register reg = {.range = {lo, hi - lo}, .mode = UFFDIO_REGISTER_MODE_WP};
  if (sys_ioctl(uffd, UFFDIO_REGISTER, &reg) < 0) return -1;
  struct uffdio_writeprotect wp = {.range = {lo, hi - lo}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
  if (sys_ioctl(uffd, UFFDIO_WRITEPROTECT, &wp) < 0) {
    lg_dirty_untrack(lo, hi);
    return -1;
  }
  return 0;
}

void lg_dirty_untrack(uintptr_t lo, uintptr_t hi) {
  if (!lg_dirty_ready() || lo >= hi) return;
  struct uffdio_range r = {lo, hi - lo};
  sys_ioctl(uffd, UFFDIO_UNREGISTER, &r);
}

/* One PAGEMAP_SCAN from `from`; returns the regions found (into reg) and
 * where the walk stopped in *next, or -1. */
static long scan_once(int pm, uintptr_t from, uintptr_t hi, int reset, struct lg_page_region *reg, uintptr_t *next) {
  struct lg_pm_scan_arg a;
  memset(&a, 0, sizeof a);
  a.size = sizeof a;
  a.flags = LG_PM_SCAN_CHECK_WPASYNC | (reset ? LG_PM_SCAN_WP_MATCHING : 0);
  a.start = from;
  a.end = hi;
  a.vec = (uintptr_t)reg;
  a.vec_len = RUNS;
  a.category_mask = LG_PAGE_IS_WRITTEN;
  a.return_mask = LG_PAGE_IS_WRITTEN;
  long k;
  while ((k = sys_ioctl(pm, LG_PAGEMAP_SCAN, &a)) < 0 && errno == EINTR) {}
  *next = (uintptr_t)a.walk_end;
  return k;
}

long lg_dirty_written(uintptr_t lo, uintptr_t hi, int reset,
                      void (*fn)(uintptr_t a, uintptr_t b, void *arg), void *arg) {
  if (!lg_dirty_ready() || lo >= hi) return -1;
  int pm = lg_dirty_pagemap();
  if (pm < 0) return -1;
  long pages = lg_dirty_written_in(pm, lo, hi, reset, fn, arg);
  close(pm);
  return pages;
}

int lg_dirty_pagemap(void) { return open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC); }

long lg_dirty_written_in(int pm, uintptr_t lo, uintptr_t hi, int reset,
                         void (*fn)(uintptr_t a, uintptr_t b, void *arg), void *arg) {
  if (!lg_dirty_ready() || lo >= hi) return -1;
  struct lg_page_region reg[RUNS];
  long pages = 0;
  for (uintptr_t at = lo; at < hi && pages >= 0;) {
    uintptr_t next = hi;
    long k = scan_once(pm, at, hi, reset, reg, &next);
    if (k < 0) { pages = -1; break; }
    for (long i = 0; i < k; i++) {
      pages += (long)((reg[i].end - reg[i].start) / 4096);
      if (fn) fn((uintptr_t)reg[i].start, (uintptr_t)reg[i].end, arg);
    }
    if (next <= at || next > hi) break; /* the kernel walked it all */
    at = next;
  }
  return pages;
}
