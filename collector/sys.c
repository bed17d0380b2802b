/* collector/sys.c — raw system helpers for the shim (see sys.h). No stdio,
 * no malloc: memory comes from mmap, text goes out through write(2), and the
 * formatter works in a caller's buffer. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void *lg_sys_map(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void *lg_sys_map_populated(size_t size) {
  void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

void lg_sys_unmap(void *p, size_t size) {
  if (p) munmap(p, size);
}

void *lg_sys_remap(void *p, size_t old_size, size_t new_size) {
  void *q = mremap(p, old_size, new_size, MREMAP_MAYMOVE);
  return q == MAP_FAILED ? NULL : q;
}

int lg_sys_write_all(int fd, const void *buf, size_t n) {
  const char *b = buf;
  while (n > 0) {
    ssize_t w = write(fd, b, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    b += w;
    n -= (size_t)w;
  }
  return 0;
}

char *lg_sys_read_file(const char *path, size_t *len, size_t *cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t c = 1 << 16, n = 0;
  char *buf = lg_sys_map(c);
  while (buf) {
    if (n + 1 >= c) {
      char *nb = lg_sys_remap(buf, c, c * 2);
      if (!nb) { lg_sys_unmap(buf, c); buf = NULL; break; }
      buf = nb;
      c *= 2;
    }
    ssize_t r = read(fd, buf + n, c - n - 1);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    n += (size_t)r;
  }
  close(fd);
  if (!buf) return NULL;
  buf[n] = 0;
  *len = n;
  *cap = c;
  return buf;
}

/* Appends one character if there is room; `*o` counts what would be written. */
static void put(char *buf, size_t n, size_t *o, char c) {
  if (*o + 1 < n) buf[*o] = c;
  (*o)++;
}

static void put_num(char *buf, size_t n, size_t *o, unsigned long long v,
                    unsigned base, int neg) {
  char tmp[24];
  int i = 0;
  do {
    tmp[i++] = "0123456789abcdef"[v % base];
    v /= base;
  } while (v);
  if (neg) put(buf, n, o, '-');
  while (i) put(buf, n, o, tmp[--i]);
}

size_t lg_vfmt(char *buf, size_t n, const char *fmt, va_list ap) {
  size_t o = 0;
  for (const char *f = fmt; *f; f++) {
    if (*f != '%') { put(buf, n, &o, *f); continue; }
    f++;
    int l = 0;
    while (*f == 'l' || *f == 'z') { l++; f++; }
    switch (*f) {
    case 's': {
      const char *s = va_arg(ap, const char *);
      for (s = s ? s : "(null)"; *s; s++) put(buf, n, &o, *s);
      break;
    }
    case 'c': put(buf, n, &o, (char)va_arg(ap, int)); break;
    case 'd': {
      long long v = l ? va_arg(ap, long long) : va_arg(ap, int);
      put_num(buf, n, &o, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 10, v < 0);
      break;
    }
    case 'u': case 'x': {
      unsigned long long v = l ? va_arg(ap, unsigned long long) : va_arg(ap, unsigned);
      put_num(buf, n, &o, v, *f == 'x' ? 16 : 10, 0);
      break;
    }
    case 'p':
      put(buf, n, &o, '0'); put(buf, n, &o, 'x');
      put_num(buf, n, &o, (uintptr_t)va_arg(ap, void *), 16, 0);
      break;
    case '%': put(buf, n, &o, '%'); break;
    default: return o < n ? (buf[o] = 0, o) : (n ? (buf[n - 1] = 0) : 0, n ? n - 1 : 0);
    }
  }
  if (n) buf[o < n ? o : n - 1] = 0;
  return o < n ? o : (n ? n - 1 : 0);
}

size_t lg_fmt(char *buf, size_t n, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  size_t r = lg_vfmt(buf, n, fmt, ap);
  va_end(ap);
  return r;
}

/* Writes to stderr without raising SIGPIPE when stderr is a pipe whose
 * reader has gone (`prog 2>&1 | head -1`): the shim's own message must
 * not kill the program. A SIGPIPE that was pending before is left alone. */
static void write_stderr(const char *msg, size_t n) {
  sigset_t pipe_only, saved, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  sigprocmask(SIG_BLOCK, &pipe_only, &saved);
  sigpending(&pending);
  int was_pending = sigismember(&pending, SIGPIPE);
  if (lg_sys_write_all(2, msg, n) < 0 && errno == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_only, NULL, &zero);
  }
  sigprocmask(SIG_SETMASK, &saved, NULL);
}

static void say(const char *prefix, const char *fmt, va_list ap) {
  char msg[1024];
  size_t o = lg_fmt(msg, sizeof msg, "%s", prefix);
  o += lg_vfmt(msg + o, sizeof msg - o - 1, fmt, ap);
  msg[o++] = '\n';
  int saved = errno;
  write_stderr(msg, o);
  errno = saved;
}

void lg_warn(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("leakgraph: warning: ", fmt, ap);
  va_end(ap);
}

void lg_say(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  say("leakgraph: ", fmt, ap);
  va_end(ap);
}

uintptr_t lg_parse_hex(const char **p) {
  uintptr_t v = 0;
  if ((*p)[0] == '0' && (*p)[1] == 'x') *p += 2;
  for (;; (*p)++) {
    char c = **p;
    if (c >= '0' && c <= '9') v = v * 16 + (uintptr_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v = v * 16 + (uintptr_t)(c - 'a' + 10);
    else return v;
  }
}

uint64_t lg_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

uint64_t lg_realtime_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

pid_t lg_gettid(void) { return (pid_t)syscall(SYS_gettid); }

/* glibc exports its sigaction under this second name too; the shim does not
 * interpose it, so a call reaches the C library whatever the shim exports. */
extern int __sigaction(int sig, const struct sigaction *act, struct sigaction *old);

int lg_sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old) {
  return __sigaction(sig, act, old);
}
