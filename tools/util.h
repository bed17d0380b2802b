/* tools/util.h — small helpers shared by the report tool's files: memory
 * allocation that never returns NULL (the report tool is a batch program; out
 * of memory ends it with a message), and a growable string buffer. Nothing
 * here is used by the shim. */
#ifndef LG_UTIL_H
#define LG_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* lg_util_xmalloc allocates `n` bytes (at least 1) or ends the program with
 * "out of memory" and exit status 3. */
void *lg_util_xmalloc(size_t n);

/* lg_util_xcalloc allocates a zeroed array of `n` items of `size` bytes, with
 * the multiplication checked, or ends the program like lg_util_xmalloc. */
void *lg_util_xcalloc(size_t n, size_t size);

/* lg_util_xrealloc resizes `p` to `n` items of `size` bytes, checked. */
void *lg_util_xrealloc(void *p, size_t n, size_t size);

/* lg_util_xstrdup copies a NUL-terminated string. */
char *lg_util_xstrdup(const char *s);

/* lg_util_xmemdup_str copies `n` bytes and adds a terminating NUL. */
char *lg_util_xmemdup_str(const void *p, size_t n);

/* lg_util_grow makes room for one more item in a growable array: `*cap` is
 * doubled when `len` reached it. Returns the (possibly moved) array. */
void *lg_util_grow(void *arr, size_t len, size_t *cap, size_t size);

/* A growable, always NUL-terminated string. Zero-initialise to start. */
typedef struct lg_sb {
  char *s;
  size_t len, cap;
} lg_sb_t;

/* lg_sb_printf appends formatted text. */
void lg_sb_printf(lg_sb_t *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* lg_sb_append appends `n` raw bytes. */
void lg_sb_append(lg_sb_t *sb, const char *p, size_t n);

/* lg_sb_free releases the buffer and zeroes the struct. */
void lg_sb_free(lg_sb_t *sb);

/* lg_util_sat_add adds `b` to `*a`, saturating at UINT64_MAX instead of
 * wrapping: a hostile log's totals can make a sum large, never small. */
static inline void lg_util_sat_add(uint64_t *a, uint64_t b) {
  *a = *a > UINT64_MAX - b ? UINT64_MAX : *a + b;
}

/* lg_util_open_regular opens `path` for reading only if it is a regular
 * file of at most `max_size` bytes (0: any size): it checks with stat, opens
 * with O_RDONLY|O_NONBLOCK|O_NOCTTY|O_CLOEXEC (so a FIFO or a terminal put
 * there meanwhile cannot block it) and checks again with fstat. Returns the
 * descriptor, or -1 with errno set (EINVAL: not a regular file; EFBIG: too
 * big). */
int lg_util_open_regular(const char *path, uint64_t max_size);

/* lg_util_fopen_regular is lg_util_open_regular as a stdio stream ("rb"),
 * or NULL. */
FILE *lg_util_fopen_regular(const char *path, uint64_t max_size);

/* lg_util_read_regular reads the whole regular file at `path` (at most
 * `max_size` bytes, else it fails with EFBIG) into a new NUL-terminated
 * string, its length in `*len`; NULL with errno set on failure. */
char *lg_util_read_regular(const char *path, uint64_t max_size, size_t *len);

#endif
