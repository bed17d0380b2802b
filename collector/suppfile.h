/* collector/suppfile.h — reading the `suppressions` file once at start, so
 * that its text goes into the log (SUPPRESSIONS source 3) and the report
 * tool never opens a path a log names. No stdio, no traced malloc: the text
 * lives in a mapping of the shim's own (lg_sys_map). */
#ifndef LG_SUPPFILE_H
#define LG_SUPPFILE_H

#include <stddef.h>

/* The largest suppressions file the shim copies into the log. */
#define LG_SUPPFILE_MAX (1u << 20)

/* lg_suppfile_read reads the regular file at `path` (at most
 * LG_SUPPFILE_MAX bytes) into a new mapping: returns it (unmap `*cap`
 * bytes), its length in `*len`; or returns NULL with the reason in `*why`
 * (not a regular file, too big, cannot be opened or read). It opens with
 * O_NONBLOCK|O_NOCTTY, so a FIFO or a terminal never blocks the program. */
char *lg_suppfile_read(const char *path, size_t *len, size_t *cap,
                       const char **why);

#endif
