/* collector/sys.h — the shim's window on the operating system: raw memory
 * mappings, whole-buffer writes, a small printf-like formatter, warnings on
 * stderr, clocks and thread ids. Everything here is async-signal-safe and
 * never touches stdio or the traced malloc: the shim's code may run inside a
 * malloc hook, in a forked child or in a signal handler. */
#ifndef LG_SYS_H
#define LG_SYS_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define LG_LIKELY(x) __builtin_expect(!!(x), 1)
#define LG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LG_INTERNAL __attribute__((visibility("hidden")))

/* lg_sys_map returns `size` bytes of zeroed anonymous memory, or NULL. */
void *lg_sys_map(size_t size);
/* lg_sys_map_populated is lg_sys_map with the pages faulted in at once
 * (one kernel pass instead of a fault per page: for big scan arrays). */
void *lg_sys_map_populated(size_t size);
/* lg_sys_unmap returns memory from lg_sys_map. */
void lg_sys_unmap(void *p, size_t size);
/* lg_sys_remap grows or shrinks a mapping, possibly moving it; NULL on
 * failure (the old mapping is then untouched). */
void *lg_sys_remap(void *p, size_t old_size, size_t new_size);

/* lg_sys_write_all writes all `n` bytes, retrying on EINTR and short writes.
 * It returns 0, or -1 with errno set. */
int lg_sys_write_all(int fd, const void *buf, size_t n);

/* lg_sys_read_file reads a whole (small, /proc) file into a fresh mapping;
 * *len gets its length. The caller unmaps *cap bytes. NULL on error. */
char *lg_sys_read_file(const char *path, size_t *len, size_t *cap);

/* lg_fmt is a small vsnprintf: %s %c %d %u %x %p %%, with l, ll and z
 * length modifiers. Always NUL-terminates; returns the length written. */
size_t lg_vfmt(char *buf, size_t n, const char *fmt, va_list ap);
size_t lg_fmt(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* lg_warn writes "leakgraph: warning: ..." and a newline to stderr. */
void lg_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* lg_say writes "leakgraph: ..." and a newline to stderr. */
void lg_say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* lg_parse_hex reads lower-case hex digits (after an optional 0x) at *p,
 * advancing *p past them. */
uintptr_t lg_parse_hex(const char **p);

/* lg_now_ns is CLOCK_MONOTONIC in nanoseconds; lg_realtime_ns the wall. */
uint64_t lg_now_ns(void);
uint64_t lg_realtime_ns(void);
/* lg_gettid is the kernel thread id of the caller. */
pid_t lg_gettid(void);

/* lg_sys_sigaction is the C library's sigaction, past the shim's own
 * (preload/signals.c shows the program the dispositions it set, not the
 * shim's handlers): every action the shim installs for itself goes through
 * here. Async-signal-safe. */
struct sigaction;
int lg_sys_sigaction(int sig, const struct sigaction *act, struct sigaction *old);

#endif
