/* tools/util.h — small helpers shared by the report tool's files: memory
 * allocation that never returns NULL (the report tool is a batch program; out
 * of memory ends it with a message), and a growable string buffer. Nothing
 * here is used by the shim. */
#ifndef LG_UTIL_H
#define LG_UTIL_H

#include <stdarg.h>
#include <stddef.h>

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

#endif
