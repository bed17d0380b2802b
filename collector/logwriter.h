/* collector/logwriter.h — writes the log (tools/LOGFORMAT.md) from a fixed
 * buffer with write(2). Records are streamed: the caller announces a
 * record's type and payload length, writes exactly that many payload bytes
 * with the put functions, and ends it; the checksum is computed on the way.
 * All calls except lg_log_open are made with the log lock held
 * (lg_log_lock), which is a leaf lock. If writing fails, the writer says so
 * once on stderr and turns into a sink: the program is never affected. */
#ifndef LG_LOGWRITER_H
#define LG_LOGWRITER_H

#include <stddef.h>
#include <stdint.h>

/* lg_log_open expands `pattern` (%p pid, %e executable name, %t start time
 * in seconds, %% a percent sign), creates the file with mode 0600 — never
 * over an existing file (it tries NAME.1.log ... NAME.99.log instead for a
 * NAME.log, NAME.1 ... NAME.99 for any other name) and never through a
 * symbolic link as the last component — and makes it the log.
 * The absolute path goes to `path`. The file is written in append mode:
 * a scan's snapshot child, which keeps none of the process's descriptors,
 * reopens it by path and writes its records while the process waits.
 * Returns 0, or -1 after one warning. */
int lg_log_open(const char *pattern, const char *exe_name, char *path, size_t n);
/* lg_log_forget drops the current log without writing to it (a forked
 * child: the buffer holds the parent's unwritten bytes). */
void lg_log_forget(void);
int lg_log_active(void);
/* lg_log_epoch counts the logs this process has opened (stack bookkeeping). */
uint32_t lg_log_epoch(void);

void lg_log_lock(void);
void lg_log_unlock(void);
void lg_log_reset_lock(void);

void lg_log_begin(uint16_t type, uint32_t len);
void lg_log_raw(const void *p, size_t n);
void lg_log_u8(uint8_t v);
void lg_log_u16(uint16_t v);
void lg_log_u32(uint32_t v);
void lg_log_u64(uint64_t v);
/* lg_log_str writes a `str` field: u32 length and the bytes. */
void lg_log_str(const char *s, uint32_t len);
void lg_log_end(void);
/* lg_log_flush writes the buffer out; after it every ended record is on disk
 * (in the kernel's page cache: a killed process loses nothing). */
void lg_log_flush(void);

/* lg_log_hold is the snapshot child's (clone.h): from now on flushes
 * keep the records in memory of the writer's own (a growing lg_sys_map
 * buffer) instead of writing them, so that a child that loses the right
 * to write leaves no byte in the log. lg_log_release writes everything
 * held (and the buffer) in one write and ends the hold; 0, or -1 when
 * the held records could not be kept (out of memory) or written. */
void lg_log_hold(void);
int lg_log_release(void);

/* Size of a str field holding `len` bytes. */
static inline uint32_t lg_log_str_size(uint32_t len) { return 4 + len; }

#endif
