/* testutil.h — small helpers shared by the integration test programs.
 *
 * A leak test is only deterministic when no stale copy of a "lost" pointer
 * survives anywhere the shim scans: in a dead stack slot that a later call
 * happens not to overwrite, in a callee-saved register, in a local of main.
 * Valgrind's and LeakSanitizer's own tests follow the same recipe we do:
 *   - allocate in NOINLINE helper functions that return nothing (or return
 *     the pointer only to store it where the test wants it);
 *   - after the helpers returned, call clobber_stack() to overwrite the dead
 *     stack below the caller with zeros (and to move glibc's top chunk away
 *     from the last leaked block, see below);
 *   - never keep a pointer that must be lost in a local of main.
 * This header is for test programs only; it is not part of leakgraph. */
#ifndef LG_TESTUTIL_H
#define LG_TESTUTIL_H

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline))

/* Blocks that stay reachable (from this global): one per clobber_stack. */
static void *volatile testutil_heap_guard[16];
static volatile int testutil_heap_guards;

/* testutil_heap_guard_alloc allocates one reachable 4000-byte block (beyond
 * glibc's tcache, so it comes from the top chunk of the calling thread's
 * arena). glibc's main_arena.top, in libc's data, holds the address of the
 * top chunk, which lies inside the last 8 bytes of the block allocated just
 * before it when that block's size is 1..8 modulo 16: without the guard, the
 * last block a test leaks would carry a pointer that only the allocator's
 * bookkeeping holds. last_block_definite.c tests exactly that case; the
 * other tests stay independent of it. */
static NOINLINE void testutil_heap_guard_alloc(void) {
  int i = __atomic_fetch_add(&testutil_heap_guards, 1, __ATOMIC_RELAXED);
  if (i < 16) testutil_heap_guard[i] = malloc(4000);
}

/* testutil_zero_below clears the 64 KiB of stack just below its caller's
 * stack pointer: every dead frame of the helpers the caller called before,
 * padding slots included (a C function with a big local array leaves the
 * slots between its array and its frame header untouched, and a helper's
 * pointer can sit exactly there). It is written in assembly so that it has
 * no frame of its own: it clears [rsp - 65536, rsp) and returns. */
__asm__(".text\n"
        ".type testutil_zero_below, @function\n"
        "testutil_zero_below:\n"
        "  lea -65536(%rsp), %rdi\n"
        "  mov $65536, %ecx\n"
        "  xor %eax, %eax\n"
        "  cld\n"
        "  rep stosb\n"
        "  ret\n"
        ".size testutil_zero_below, .-testutil_zero_below\n");
#ifdef __cplusplus
extern "C"
#endif
void testutil_zero_below(void) __asm__("testutil_zero_below");

/* clobber_stack() allocates a heap guard, then clears the dead stack below
 * the caller; clobber_stack_only() only clears the stack. Macros, so that
 * both calls are made from the caller's own frame (the guard first: the
 * allocator's dead frames could hold the address of the chunk after the
 * last leaked block). */
#define clobber_stack() (testutil_heap_guard_alloc(), testutil_zero_below())
#define clobber_stack_only() testutil_zero_below()

/* sink makes the compiler believe that `p` escapes, so it cannot drop the
 * allocation or the stores into it. It keeps no copy of `p`. */
static inline void sink(const void *p) { __asm__ volatile("" : : "r"(p) : "memory"); }


/* now is CLOCK_MONOTONIC in seconds, for the periodic-scan tests. */
static inline double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* sleep_for sleeps `seconds` in steps of at most 50 ms, whatever
 * interrupts a step. */
static inline void sleep_for(double seconds) {
  double end = now() + seconds;
  for (double t = now(); t < end; t = now()) {
    struct timespec ts = {0, (long)((end - t < 0.05 ? end - t : 0.05) * 1e9)};
    nanosleep(&ts, NULL);
  }
}

/* map_own_log maps the file at `path` (a process's own leakgraph log)
 * read-only and returns it, its length in *n; the mapping of the previous
 * call is dropped. A log holds the addresses of the blocks it lists: a copy
 * of it in writable memory (a buffer in bss, a private mapping) would be a
 * root of the next scan and keep a "lost" block reachable, so a test reads
 * its own log only through this read-only mapping, which no scan reads.
 * Returns "" (and *n = 0) when there is nothing to map. */
static inline const unsigned char *map_own_log(const char *path, size_t *n) {
  static const unsigned char *map;
  static size_t len;
  struct stat st;
  if (map) munmap((void *)map, len);
  map = NULL;
  len = *n = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return (const unsigned char *)"";
  if (fstat(fd, &st) == 0 && st.st_size > 0) {
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) { map = (const unsigned char *)m; len = *n = (size_t)st.st_size; }
  }
  close(fd);
  return map ? map : (const unsigned char *)"";
}

/* own_log_path is this process's log under the runner's default log
 * pattern (LG_TEST_TMP/logs/lg.PID.log). */
static inline const char *own_log_path(void) {
  static char path[4096];
  const char *t = getenv("LG_TEST_TMP");
  snprintf(path, sizeof path, "%s/logs/lg.%d.log", t ? t : ".", (int)getpid());
  return path;
}

/* records_in_own_log counts the records of `type` (tools/LOGFORMAT.md:
 * 5 SCAN_BEGIN, 7 SCAN_END, ...) among the complete records of this
 * process's log (through map_own_log). */
static inline int records_in_own_log(unsigned want) {
  size_t have, off = 0;
  const unsigned char *b = map_own_log(own_log_path(), &have);
  int n = 0;
  while (have - off >= 12) {
    unsigned type = b[off + 2] | b[off + 3] << 8;
    size_t len = b[off + 4] | b[off + 5] << 8 | b[off + 6] << 16 | (size_t)b[off + 7] << 24;
    if (have - off < len + 12) break;
    n += type == want;
    off += len + 12;
  }
  return n;
}

/* scans_in_own_log counts the SCAN_END records (type 7) among the complete
 * records of this process's log (through map_own_log). */
static inline int scans_in_own_log(void) { return records_in_own_log(7); }

/* wait_for_scans waits (polling every 10 ms, for at most about 60 s) until
 * this process's log holds at least `n` complete scans; it returns 0, or -1
 * when they never came. Without the shim (--plain) there is no log: it
 * returns 0 at once. */
static inline int wait_for_scans(int n) {
  if (!getenv("LD_PRELOAD")) return 0;
  for (int i = 0; i < 6000; i++) {
    if (scans_in_own_log() >= n) return 0;
    struct timespec ts = {0, 10 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
  return -1;
}

#endif
