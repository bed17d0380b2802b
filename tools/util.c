/* tools/util.c — checked allocation and the growable string buffer of the
 * report tool (see util.h). Allocation failure prints one line and exits 3:
 * the report cannot be produced, just as when a log cannot be read. */
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void lg_util_oom(void) {
  fputs("leakgraph-report: out of memory\n", stderr);
  exit(3);
}

void *lg_util_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p)
    lg_util_oom();
  return p;
}

void *lg_util_xcalloc(size_t n, size_t size) {
  void *p = calloc(n ? n : 1, size ? size : 1);
  if (!p)
    lg_util_oom();
  return p;
}

void *lg_util_xrealloc(void *p, size_t n, size_t size) {
  if (size && n > SIZE_MAX / size)
    lg_util_oom();
  size_t bytes = n * size;
  void *q = realloc(p, bytes ? bytes : 1);
  if (!q)
    lg_util_oom();
  return q;
}

char *lg_util_xstrdup(const char *s) {
  return lg_util_xmemdup_str(s, strlen(s));
}

char *lg_util_xmemdup_str(const void *p, size_t n) {
  char *s = lg_util_xmalloc(n + 1);
  if (n)
    memcpy(s, p, n);
  s[n] = '\0';
  return s;
}

void *lg_util_grow(void *arr, size_t len, size_t *cap, size_t size) {
  if (len < *cap)
    return arr;
  *cap = *cap ? *cap * 2 : 8;
  return lg_util_xrealloc(arr, *cap, size);
}

static void lg_sb_reserve(lg_sb_t *sb, size_t more) {
  if (sb->len + more + 1 <= sb->cap)
    return;
  size_t cap = sb->cap ? sb->cap : 64;
  while (cap < sb->len + more + 1)
    cap *= 2;
  sb->s = lg_util_xrealloc(sb->s, cap, 1);
  sb->cap = cap;
}

void lg_sb_append(lg_sb_t *sb, const char *p, size_t n) {
  lg_sb_reserve(sb, n);
  memcpy(sb->s + sb->len, p, n);
  sb->len += n;
  sb->s[sb->len] = '\0';
}

void lg_sb_printf(lg_sb_t *sb, const char *fmt, ...) {
  char tmp[256];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof tmp) {
    lg_sb_append(sb, tmp, (size_t)n);
    return;
  }
  lg_sb_reserve(sb, (size_t)n);
  va_start(ap, fmt);
  vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  sb->len += (size_t)n;
}

void lg_sb_free(lg_sb_t *sb) {
  free(sb->s);
  sb->s = NULL;
  sb->len = sb->cap = 0;
}

/* Says whether `st` is a regular file of at most `max` bytes (0: any),
 * setting errno when it is not. */
static int lg_util_regular_ok(const struct stat *st, uint64_t max) {
  if (!S_ISREG(st->st_mode)) {
    errno = EINVAL;
    return 0;
  }
  if (max && (uint64_t)st->st_size > max) {
    errno = EFBIG;
    return 0;
  }
  return 1;
}

int lg_util_open_regular(const char *path, uint64_t max_size) {
  struct stat st;
  if (stat(path, &st) < 0 || !lg_util_regular_ok(&st, max_size))
    return -1;
  int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0 || !lg_util_regular_ok(&st, max_size)) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

FILE *lg_util_fopen_regular(const char *path, uint64_t max_size) {
  int fd = lg_util_open_regular(path, max_size);
  if (fd < 0)
    return NULL;
  FILE *f = fdopen(fd, "rb");
  if (!f)
    close(fd);
  return f;
}

char *lg_util_read_regular(const char *path, uint64_t max_size, size_t *len) {
  int fd = lg_util_open_regular(path, max_size);
  if (fd < 0)
    return NULL;
  lg_sb_t sb = {0};
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    lg_sb_append(&sb, buf, (size_t)n);
    if (max_size && sb.len > max_size) { /* it grew after the check */
      n = -1;
      errno = EFBIG;
      break;
    }
  }
  int e = errno;
  close(fd);
  if (n < 0) {
    lg_sb_free(&sb);
    errno = e;
    return NULL;
  }
  *len = sb.len;
  return sb.s ? sb.s : lg_util_xstrdup("");
}
