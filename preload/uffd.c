/* preload/uffd.c — the program's own userfaultfd beside the shim's.
 *
 * Young scans track written pages with a userfaultfd of the shim's
 * (collector/dirty.h), registered over the program's private anonymous
 * mappings. The kernel lets one userfaultfd register a mapping: a program
 * that registers memory of its own (a live-migration or checkpointing
 * tool, a garbage collector, a lazy loader) would get EBUSY where the
 * shim's registration lies. So the shim interposes ioctl: before the
 * program's first UFFDIO_REGISTER, written-page tracking ends for good in
 * this process (the shim's descriptor is closed, which drops every
 * registration of its own; young scans become full scans), and the
 * program's call runs as without the shim. Every other ioctl costs one
 * compare. The call itself is the system call, as the C library's ioctl
 * makes it on x86_64 (no dlsym: ioctl runs early, isatty in a
 * constructor, and the loader's lock may be held). A program that issues the system call without the C library's
 * ioctl is not seen (README's limits). */
#include <linux/userfaultfd.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "collector.h"
#include "shim.h"

LG_PUBLIC int ioctl(int fd, unsigned long request, ...) {
  va_list ap;
  va_start(ap, request);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  if (__builtin_expect(request == UFFDIO_REGISTER, 0)) lg_collector_foreign_uffd();
  return (int)syscall(SYS_ioctl, fd, request, arg);
}
