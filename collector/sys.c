/* collector/sys.c — raw system helpers for the shim (see sys.h). No stdio,
 * no malloc: memory comes from mmap, text goes out through write(2), and the
 * formatter works in a caller's buffer.
 *
 * Every mapping the shim makes starts with a 64-byte header: the process's
 * random 128-bit tag and the mapping's length. The scan's root pass finds
 * the shim's memory by it, page by page, even where the kernel merged a
 * shim mapping with the program's into one VMA (see roots.h). The tag
 * lives in the shim's data, which is never a root. */
#include "sys.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A mapping's header: the tag, the length, and the accounting generation
 * of the thread that mapped it while counting (lg_sys_count_begin; 0:
 * not counted). */
typedef struct own_header { uint64_t tag[2]; size_t len; uint64_t counted; } own_header_t;

/* The calling thread's accounting of its own mappings (lg_sys_count_*):
 * the generation of the current count (0: off), the bytes it maps now
 * net of what it gave back, and their peak. */
static __thread struct { uint64_t gen; ptrdiff_t live, peak; } counting __attribute__((tls_model("initial-exec")));
static uint64_t counting_gens;

/* The pages a mapping of `len` bytes takes. */
static inline size_t pages_of(size_t len) { return (len + 4095) & ~(size_t)4095; }

/* Counts a fresh mapping of len bytes (header h) when the thread counts. */
static inline void count_map(own_header_t *h, size_t len) {
  h->counted = counting.gen;
  if (!counting.gen) return;
  counting.live += (ptrdiff_t)pages_of(len);
  if (counting.live > counting.peak) counting.peak = counting.live;
}

/* Counts the end of the mapping with header h, when this count made it. */
static inline void count_unmap(const own_header_t *h) {
  if (counting.gen && h->counted == counting.gen) counting.live -= (ptrdiff_t)pages_of(h->len);
}

void lg_sys_count_begin(void) {
  counting.gen = __atomic_add_fetch(&counting_gens, 1, __ATOMIC_RELAXED);
  counting.live = counting.peak = 0;
}

size_t lg_sys_count_peak(void) { return counting.gen ? (size_t)counting.peak : 0; }

void lg_sys_count_end(void) { counting.gen = 0; }

static uint64_t own_tag[2];
static int tag_state; /* 0 none, 1 being made, 2 ready */

/* Mixes a 64-bit value (splitmix64's finaliser). */
static uint64_t mix(uint64_t x) {
  x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 27; x *= 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

/* Makes the tag once: from getrandom, else from the kernel's AT_RANDOM
 * bytes mixed with addresses and the clock (the program may read AT_RANDOM
 * itself, so the raw bytes are never the tag). Never zero. */
static void make_tag(void) {
  uint64_t t[2] = {0, 0};
  if (syscall(SYS_getrandom, t, sizeof t, 1 /* GRND_NONBLOCK */) != (long)sizeof t) {
    const uint64_t *r = (const uint64_t *)getauxval(AT_RANDOM);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    t[0] = mix((r ? r[0] : 0) ^ (uintptr_t)&own_tag ^ (uint64_t)ts.tv_nsec);
    t[1] = mix((r ? r[1] : 0) ^ (uintptr_t)&ts ^ (uint64_t)ts.tv_sec);
  }
  own_tag[0] = t[0] | 1;
  own_tag[1] = t[1];
}

static void tag_ready(void) {
  if (LG_LIKELY(__atomic_load_n(&tag_state, __ATOMIC_ACQUIRE) == 2)) return;
  int expect = 0;
  if (__atomic_compare_exchange_n(&tag_state, &expect, 1, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    make_tag();
    __atomic_store_n(&tag_state, 2, __ATOMIC_RELEASE);
  }
  while (__atomic_load_n(&tag_state, __ATOMIC_ACQUIRE) != 2) {}
}

/* Writes the header at the start of a fresh mapping of `len` bytes and
 * returns the memory after it. */
static void *stamp(void *base, size_t len) {
  own_header_t *h = base;
  h->tag[0] = own_tag[0];
  h->tag[1] = own_tag[1];
  h->len = len;
  count_map(h, len);
  return (char *)base + LG_SYS_HEADER;
}

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/* Maps len bytes of private memory at a 2 MiB boundary, with transparent
 * huge pages asked for (MADV_HUGEPAGE; THP is often in `madvise` mode):
 * a big array then costs the scan's snapshot clone one page-table entry
 * per 2 MiB instead of 512, and the scan fewer TLB misses. Only the whole
 * 2 MiB pieces inside the mapping can be huge; the rest stays in small
 * pages, so the memory made resident is what was asked for, rounded to
 * 2 MiB only where the caller touches a piece. `populate`: faulted in at
 * once, after the advice (so in huge pages). MAP_FAILED on failure. */
static void *map_huge(size_t len, int populate) {
  len = (len + 4095) & ~(size_t)4095;
  size_t slack = LG_SYS_HUGE_PAGE;
  char *p = mmap(NULL, len + slack, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return MAP_FAILED;
  char *a = (char *)(((uintptr_t)p + slack - 1) & ~(uintptr_t)(slack - 1));
  if (a > p) munmap(p, (size_t)(a - p));
  if (a + len < p + len + slack) munmap(a + len, (size_t)(p + len + slack - (a + len)));
  madvise(a, len, MADV_HUGEPAGE);
  if (populate) madvise(a, len, MADV_POPULATE_WRITE); /* a kernel before 5.14: faults as it goes */
  return a;
}

/* Maps `size` usable bytes with `flags`, headed; big private mappings at
 * a 2 MiB boundary with huge pages (map_huge). */
static void *map_headed(size_t size, int flags) {
  tag_ready();
  size_t len = size + LG_SYS_HEADER;
  void *p;
  if (len >= LG_SYS_HUGE_MIN && !(flags & MAP_SHARED)) p = map_huge(len, (flags & MAP_POPULATE) != 0);
  else p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags, -1, 0);
  return p == MAP_FAILED ? NULL : stamp(p, len);
}

void *lg_sys_map(size_t size) { return map_headed(size, MAP_PRIVATE | MAP_ANONYMOUS); }

void *lg_sys_map_populated(size_t size) {
  return map_headed(size, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE);
}

void *lg_sys_map_shared(size_t size) {
  return map_headed(size, MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE);
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif
#define NEAR_STEP (16ull << 20)
#define NEAR_REACH ((2ull << 30) - NEAR_STEP)

/* Tries to map len bytes exactly at `at`; the mapping or NULL. A kernel
 * without MAP_FIXED_NOREPLACE takes it as a hint: a mapping elsewhere is
 * given back. */
static void *map_exactly(uintptr_t at, size_t len) {
  void *p = mmap((void *)at, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p == MAP_FAILED) return NULL;
  if ((uintptr_t)p != at) { munmap(p, len); return NULL; }
  return p;
}

void *lg_sys_map_near(uintptr_t near, size_t size) {
  tag_ready();
  size_t len = (size + LG_SYS_HEADER + 4095) & ~(size_t)4095;
  uintptr_t base = near & ~(uintptr_t)(NEAR_STEP - 1);
  /* Below first (libraries are mapped top-down, the gap under them is
   * usually free), then above; 16 MiB steps. */
  for (uint64_t d = NEAR_STEP; d + len < NEAR_REACH; d += NEAR_STEP) {
    void *p = NULL;
    if (base > d + (1u << 20)) p = map_exactly(base - d, len);
    if (!p && base + d + len < (1ull << 47)) p = map_exactly(base + d, len);
    if (p) return stamp(p, len);
  }
  return NULL;
}

int lg_sys_seal(void *p, size_t size) {
  (void)size;
  own_header_t *h = (own_header_t *)((char *)p - LG_SYS_HEADER);
  return mprotect(h, h->len, PROT_READ | PROT_EXEC);
}

void lg_sys_unmap(void *p, size_t size) {
  (void)size; /* the header knows */
  if (p) {
    own_header_t *h = (own_header_t *)((char *)p - LG_SYS_HEADER);
    count_unmap(h);
    munmap(h, h->len);
  }
}

void lg_sys_discard(void *p, size_t len) {
  uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)p + len) & ~(uintptr_t)4095;
  if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
}

void *lg_sys_grab(size_t n, size_t sz) {
  if (sz && n > (SIZE_MAX - 16) / sz) return NULL;
  size_t total = n * sz + 16;
  char *p = lg_sys_map(total);
  if (!p) return NULL;
  *(size_t *)p = total;
  return p + 16;
}

void lg_sys_drop(void *q) {
  if (q) lg_sys_unmap((char *)q - 16, *(size_t *)((char *)q - 16));
}

int lg_sys_grow(void **v, size_t *cap, size_t n, size_t sz, size_t first) {
  if (n < *cap) return 0;
  size_t nc = *cap ? *cap * 2 : first;
  void *nv = lg_sys_grab(nc, sz);
  if (!nv) return -1;
  if (*v) memcpy(nv, *v, n * sz);
  lg_sys_drop(*v);
  *v = nv;
  *cap = nc;
  return 0;
}

void *lg_sys_remap(void *p, size_t old_size, size_t new_size) {
  (void)old_size;
  own_header_t *h = (own_header_t *)((char *)p - LG_SYS_HEADER);
  size_t len = new_size + LG_SYS_HEADER;
  own_header_t old = *h;
  void *q = mremap(h, h->len, len, MREMAP_MAYMOVE);
  if (q == MAP_FAILED) return NULL;
  count_unmap(&old);
  count_map(q, len);
  ((own_header_t *)q)->len = len;
  return (char *)q + LG_SYS_HEADER;
}

LG_READS_ANY size_t lg_sys_own_mapping(const void *page) {
  const own_header_t *h = page;
  if (__atomic_load_n(&tag_state, __ATOMIC_ACQUIRE) != 2) return 0;
  if (h->tag[0] != own_tag[0] || h->tag[1] != own_tag[1]) return 0;
  return h->len ? h->len : 1;
}

/* x86_64: keep the caller's stack pointer in rbp (callee-saved), switch,
 * call, switch back. */
__asm__(".text\n"
        ".globl lg_sys_on_stack\n"
        ".hidden lg_sys_on_stack\n"
        ".type lg_sys_on_stack, @function\n"
        "lg_sys_on_stack:\n"
        "  pushq %rbp\n"
        "  movq %rsp, %rbp\n"
        "  andq $-16, %rdx\n"
        "  movq %rdx, %rsp\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rdi\n"
        "  callq *%rax\n"
        "  movq %rbp, %rsp\n"
        "  popq %rbp\n"
        "  retq\n"
        ".size lg_sys_on_stack, .-lg_sys_on_stack\n");

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
  lg_sys_sigmask(SIG_BLOCK, &pipe_only, &saved);
  sigpending(&pending);
  int was_pending = sigismember(&pending, SIGPIPE);
  if (lg_sys_write_all(2, msg, n) < 0 && errno == EPIPE && !was_pending) {
    struct timespec zero = {0, 0};
    sigtimedwait(&pipe_only, NULL, &zero);
  }
  lg_sys_sigmask(SIG_SETMASK, &saved, NULL);
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

/* glibc's two internal signals (thread cancellation and set*id across
 * threads: 32 and 33, bits 31 and 32 of the first word), which its own
 * sigprocmask never blocks. */
#define GLIBC_INTERNAL_SIGNALS (3ul << 31)

int lg_sys_sigmask(int how, const sigset_t *set, sigset_t *old) {
  sigset_t copy;
  if (set && how != SIG_UNBLOCK) {
    copy = *set;
    copy.__val[0] &= ~GLIBC_INTERNAL_SIGNALS;
    set = &copy;
  }
  return syscall(SYS_rt_sigprocmask, how, set, old, _NSIG / 8) == 0 ? 0 : -1;
}
