/* collector/logwriter.c — the log writer (see logwriter.h and
 * tools/LOGFORMAT.md). The file descriptor is moved above 100 so programs
 * that close or reuse low descriptors are unlikely to hit it, and before
 * every write the writer checks that the descriptor still names the file it
 * opened; if the program closed it, the writer reopens the file by path (no
 * O_CREAT) or gives up. It never writes into a file that is not its log. */
#include "logwriter.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "format.h"
#include "lock.h"
#include "sys.h"

/* The records not yet written: 64 KiB. Every page of it the writer ever
 * filled stays resident, and an exit scan fills it (a 1 MiB buffer kept
 * 272 KiB of a small GStreamer pipeline's 10 MB resident); a write(2) of
 * 64 KiB costs little beside making its records. */
#define BUF_SIZE (64u << 10)

static lg_lock_t lock = LG_LOCK_INIT;
static int fd = -1;
static int failed;
static dev_t dev;
static ino_t ino;
static char path_buf[4096];
static uint32_t epoch;
static char buf[BUF_SIZE];
static size_t used;
static uint32_t crc;        /* running CRC of the current record */
static uint64_t rec_left;   /* payload bytes still owed by the caller */
static int holding;         /* flushes keep the records (lg_log_hold) */
static int hold_failed;     /* some held records were lost */
static char *held;          /* the records kept, an lg_sys_map buffer */
static size_t held_len, held_cap;

void lg_log_lock(void) { lg_lock(&lock); }
void lg_log_unlock(void) { lg_unlock(&lock); }
void lg_log_reset_lock(void) { lg_lock_reset(&lock); }
int lg_log_active(void) { return fd >= 0 && !failed; }
uint32_t lg_log_epoch(void) { return epoch; }

/* Expands the %-escapes of `pattern` into out; 0 or -1 if too long. */
static int expand(const char *pattern, const char *exe, char *out, size_t n) {
  size_t o = 0;
  char num[32];
  for (const char *p = pattern; *p; p++) {
    const char *add = num;
    if (*p == '%' && p[1]) {
      p++;
      if (*p == 'p') lg_fmt(num, sizeof num, "%d", (int)getpid());
      else if (*p == 't') lg_fmt(num, sizeof num, "%llu", (unsigned long long)(lg_realtime_ns() / 1000000000u));
      else if (*p == 'e') add = exe;
      else lg_fmt(num, sizeof num, "%c", *p);
    } else {
      lg_fmt(num, sizeof num, "%c", *p);
    }
    size_t l = strlen(add);
    if (o + l + 1 >= n) return -1;
    memcpy(out + o, add, l);
    o += l;
  }
  out[o] = 0;
  return 0;
}

/* Makes `p` absolute against the working directory, in place. */
static int absolutize(char *p, size_t n) {
  if (p[0] == '/') return 0;
  char cwd[4096];
  if (!getcwd(cwd, sizeof cwd)) return -1;
  size_t lc = strlen(cwd), lp = strlen(p);
  if (lc + 1 + lp + 1 > n) return -1;
  memmove(p + lc + 1, p, lp + 1);
  memcpy(p, cwd, lc);
  p[lc] = '/';
  return 0;
}

/* Writes the i-th name to try for the log `base` into out (n bytes): base
 * itself for i 0; then, for a base whose file name ends in ".log", the
 * number goes before the extension (NAME.1.log, so that a `*.log` glob still
 * picks every log); any other base gets ".i" appended. */
static void candidate(const char *base, int i, char *out, size_t n) {
  const char *slash = strrchr(base, '/'), *name = slash ? slash + 1 : base;
  size_t l = strlen(base), ln = strlen(name);
  if (i == 0) { lg_fmt(out, n, "%s", base); return; }
  if (ln <= 4 || strcmp(base + l - 4, ".log") != 0 || l - 4 >= n) { lg_fmt(out, n, "%s.%d", base, i); return; }
  memcpy(out, base, l - 4);
  lg_fmt(out + (l - 4), n - (l - 4), ".%d.log", i);
}

int lg_log_open(const char *pattern, const char *exe, char *out, size_t n) {
  char base[4096], cand[4200];
  if (expand(pattern, exe, base, sizeof base) < 0 || absolutize(base, sizeof base) < 0) {
    lg_warn("log path '%s' is too long or the working directory is unknown; not tracing", pattern);
    return -1;
  }
  int f = -1, err = 0;
  for (int i = 0; i < 100 && f < 0; i++) {
    candidate(base, i, cand, sizeof cand);
    f = open(cand, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    err = errno;
    if (f < 0 && err != EEXIST) break;
  }
  if (f < 0) {
    lg_warn("cannot create log file '%s' (%s); not tracing", base,
            err == EEXIST ? "it and 99 numbered variants exist" : strerrorname_np(err));
    return -1;
  }
  int hi = fcntl(f, F_DUPFD_CLOEXEC, 100);
  if (hi >= 0) { close(f); f = hi; }
  struct stat st;
  fstat(f, &st);
  fd = f;
  dev = st.st_dev;
  ino = st.st_ino;
  failed = 0;
  used = 0;
  epoch++;
  lg_fmt(path_buf, sizeof path_buf, "%s", cand);
  lg_fmt(out, n, "%s", cand);
  return 0;
}

void lg_log_forget(void) {
  if (fd >= 0) close(fd);
  fd = -1;
  used = 0;
}

/* Checks the descriptor still names our file; reopens it by path if not. */
static int check_fd(void) {
  struct stat st;
  if (fstat(fd, &st) == 0 && st.st_dev == dev && st.st_ino == ino) return 0;
  int f = open(path_buf, O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (f < 0) return -1;
  if (fstat(f, &st) < 0 || st.st_dev != dev || st.st_ino != ino) { close(f); return -1; }
  int hi = fcntl(f, F_DUPFD_CLOEXEC, 100);
  if (hi >= 0) { close(f); f = hi; }
  fd = f;
  return 0;
}

/* Appends the buffer to the held records, growing them; a failure to
 * grow loses them all (said by lg_log_release). */
static void hold_buffer(void) {
  if (held_len + used > held_cap && !hold_failed) {
    size_t cap = held_cap ? held_cap : BUF_SIZE;
    while (cap < held_len + used) cap *= 2;
    char *n = held ? lg_sys_remap(held, held_cap, cap) : lg_sys_map(cap);
    if (n) { held = n; held_cap = cap; } else hold_failed = 1;
  }
  if (!hold_failed) { memcpy(held + held_len, buf, used); held_len += used; }
  used = 0;
}

void lg_log_hold(void) {
  holding = 1;
  hold_failed = 0;
  held = NULL;
  held_len = held_cap = 0;
}

int lg_log_release(void) {
  if (used) hold_buffer();
  holding = 0;
  int r = hold_failed || failed || fd < 0 ? -1 : 0;
  if (r == 0 && held_len && (check_fd() < 0 || lg_sys_write_all(fd, held, held_len) < 0)) {
    failed = 1;
    r = -1;
  }
  if (held) lg_sys_unmap(held, held_cap);
  held = NULL;
  held_len = held_cap = 0;
  return r;
}

void lg_log_flush(void) {
  if (holding && used) { hold_buffer(); return; }
  if (!used || fd < 0 || failed) { used = 0; return; }
  if (check_fd() < 0 || lg_sys_write_all(fd, buf, used) < 0) {
    failed = 1;
    lg_warn("writing the log '%s' failed (%s); the log ends here", path_buf, strerrorname_np(errno));
  }
  used = 0;
}

void lg_log_raw(const void *p, size_t n) {
  const char *b = p;
  crc = lg_crc32(crc, b, n);
  rec_left -= n;
  while (n) {
    if (used == BUF_SIZE) lg_log_flush();
    size_t k = BUF_SIZE - used < n ? BUF_SIZE - used : n;
    memcpy(buf + used, b, k);
    used += k;
    b += k;
    n -= k;
  }
}

void lg_log_begin(uint16_t type, uint32_t len) {
  uint16_t sync = LG_SYNC;
  uint8_t hdr[8];
  memcpy(hdr, &sync, 2);
  memcpy(hdr + 2, &type, 2);
  memcpy(hdr + 4, &len, 4);
  if (used + sizeof hdr > BUF_SIZE) lg_log_flush();
  memcpy(buf + used, hdr, sizeof hdr);
  used += sizeof hdr;
  crc = lg_crc32(0, hdr + 2, 6);
  rec_left = len;
}

void lg_log_u8(uint8_t v) { lg_log_raw(&v, 1); }
void lg_log_u16(uint16_t v) { lg_log_raw(&v, 2); }
void lg_log_u32(uint32_t v) { lg_log_raw(&v, 4); }
void lg_log_u64(uint64_t v) { lg_log_raw(&v, 8); }

void lg_log_str(const char *s, uint32_t len) {
  lg_log_u32(len);
  lg_log_raw(s, len);
}

void lg_log_end(void) {
  if (rec_left != 0) {
    /* A caller announced the wrong length: the record would be corrupt.
     * Pad or stop so the reader sees a bad checksum at worst. */
    lg_warn("internal error: log record length mismatch (%lld bytes)", (long long)rec_left);
    failed = 1;
  }
  uint32_t c = crc;
  rec_left = 4;
  if (used + 4 > BUF_SIZE) lg_log_flush();
  memcpy(buf + used, &c, 4);
  used += 4;
  rec_left = 0;
}
