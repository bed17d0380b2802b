/* collector/suppfile.c — the shim's one read of the suppressions file (see
 * suppfile.h). */
#include "suppfile.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sys.h"

/* Returns the open regular file's size, or -1 with the reason in `*why`. */
static long regular_size(int fd, const char **why) {
  struct stat st;
  if (fstat(fd, &st) < 0) return *why = "cannot be examined", -1;
  if (!S_ISREG(st.st_mode)) return *why = "not a regular file", -1;
  if (st.st_size > (off_t)LG_SUPPFILE_MAX) return *why = "larger than 1 MiB", -1;
  return (long)st.st_size;
}

char *lg_suppfile_read(const char *path, size_t *len, size_t *cap, const char **why) {
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return *why = "cannot be opened", NULL;
  long size = regular_size(fd, why);
  char *buf = size < 0 ? NULL : lg_sys_map((size_t)size + 1);
  if (size >= 0 && !buf) *why = "no memory for it";
  size_t got = 0;
  while (buf && got < (size_t)size) { /* a file that shrank ends early */
    ssize_t r = read(fd, buf + got, (size_t)size - got);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) { lg_sys_unmap(buf, (size_t)size + 1); buf = NULL; *why = "cannot be read"; }
    if (r <= 0) break;
    got += (size_t)r;
  }
  close(fd);
  if (!buf) return NULL;
  *len = got;
  *cap = (size_t)size + 1;
  return buf;
}
