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
/* For the scan's readers of memory the shim does not own (roots, blocks):
 * an AddressSanitizer build (make asan) must not check those loads, which
 * also meet the sanitizer's own memory. */
#define LG_READS_ANY __attribute__((no_sanitize("address")))

/* Every mapping below starts with a header of LG_SYS_HEADER bytes (the
 * process's random tag and the mapping's length) before the memory the
 * caller gets, which is 64-byte aligned: the scan skips the shim's own
 * memory by it (lg_sys_own_mapping). All the shim's writable memory comes
 * from here. */
#define LG_SYS_HEADER 64u

/* A private mapping of LG_SYS_HUGE_MIN bytes or more (header included)
 * starts at an LG_SYS_HUGE_PAGE boundary and asks for transparent huge
 * pages: the snapshot clone then copies one page-table entry for each
 * whole huge page of it instead of 512. */
#define LG_SYS_HUGE_PAGE (2u << 20)
#define LG_SYS_HUGE_MIN (4u << 20)

/* lg_sys_map returns `size` bytes of zeroed anonymous memory, or NULL. */
void *lg_sys_map(size_t size);
/* lg_sys_map_populated is lg_sys_map with the pages faulted in at once
 * (one kernel pass instead of a fault per page: for big scan arrays). */
void *lg_sys_map_populated(size_t size);
/* lg_sys_map_shared is lg_sys_map shared with the process's snapshot
 * children (MAP_SHARED, no swap reserved). */
void *lg_sys_map_shared(size_t size);
/* lg_sys_unmap returns memory from any of the above (the header knows the
 * length; `size` is what the caller asked for). */
void lg_sys_unmap(void *p, size_t size);
/* lg_sys_discard gives the whole pages inside [p, p + len) of one of the
 * shim's mappings back to the system (MADV_DONTNEED): they stay mapped and
 * read as zeros, resident again only where touched. Part pages at either
 * end are kept. */
void lg_sys_discard(void *p, size_t len);
/* lg_sys_grab maps zeroed memory for n elements of size sz, its size kept
 * in a 16-byte header so that lg_sys_drop needs only the pointer (the
 * scan's scratch arrays); NULL when it cannot or n * sz overflows.
 * lg_sys_drop returns it; NULL is fine. */
void *lg_sys_grab(size_t n, size_t sz);
void lg_sys_drop(void *q);
/* lg_sys_grow makes room for one more element in the lg_sys_grab array
 * *v of *cap elements of sz bytes, n of them used: when it is full, a new
 * array of twice the size (`first` elements the first time) takes the n
 * elements and the old one is dropped. 0, or -1 out of memory (*v and
 * *cap untouched). */
int lg_sys_grow(void **v, size_t *cap, size_t n, size_t sz, size_t first);
/* lg_sys_remap grows or shrinks a mapping, possibly moving it; NULL on
 * failure (the old mapping is then untouched). */
void *lg_sys_remap(void *p, size_t old_size, size_t new_size);
/* lg_sys_map_near maps `size` bytes like lg_sys_map, at an address from
 * which every byte of it is within ±2 GiB - 16 MiB of `near` (so that a
 * rel32 jump or displacement reaches from one to the other): for code
 * that must sit beside a library's. NULL when no free place is found.
 * lg_sys_seal makes such a mapping read-only and executable (W^X: the
 * caller writes the code first). 0 or -1. */
void *lg_sys_map_near(uintptr_t near, size_t size);
int lg_sys_seal(void *p, size_t size);
/* lg_sys_own_mapping tells whether the readable page at `page` starts a
 * mapping of the shim's: its length in bytes (header included), else 0. */
size_t lg_sys_own_mapping(const void *page);

/* Accounting of one thread's mappings, for the scan's extra memory:
 * lg_sys_count_begin starts counting the calling thread's mappings from
 * here (those made by it before are not counted, nor is their end);
 * lg_sys_count_peak returns the most bytes (whole pages, headers
 * included) the thread had mapped at once since, net of what it gave
 * back (0 when it does not count); lg_sys_count_end stops. A snapshot
 * child counts on in its copy of the thread. Mapped, not resident: an
 * array reserved and touched only in part counts whole. */
void lg_sys_count_begin(void);
size_t lg_sys_count_peak(void);
void lg_sys_count_end(void);

/* lg_sys_on_stack calls fn(arg) on the stack whose top (highest address)
 * is `top`, and returns when fn does: for code whose frames must not lie
 * in the caller's memory. */
void lg_sys_on_stack(void (*fn)(void *), void *arg, void *top);

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
/* lg_sys_sigmask changes this thread's signal mask for the shim itself,
 * past the shim's own interposers (preload/sigmask.c): what it blocks is
 * blocked, the shim's stop signal included; like the C library's, it
 * never blocks glibc's internal signals. 0 or -1 (errno). */
int lg_sys_sigmask(int how, const sigset_t *set, sigset_t *old);

#endif
