/* tools/escape.h — making strings from logs safe to print. Every string a
 * log carries (exe, argv, paths, notes, suppression patterns) and every
 * name a module's symbols give (functions, files) is hostile input: raw, a
 * control character reaches the terminal (escape sequences) and a newline
 * forges report lines. These functions show such bytes visibly instead,
 * the way `ls -b` does: a backslash, then `n`, `t`, `r`, `\` or `xHH` for
 * a byte (controls, DEL, bytes of invalid UTF-8), or `uHHHH` for a
 * character that steers a terminal or a line's layout (C1 controls,
 * U+2028/2029, the bidirectional overrides and isolates). Everything else
 * — printable ASCII and valid UTF-8 — is kept as it is. */
#ifndef LG_ESCAPE_H
#define LG_ESCAPE_H

#include <stdio.h>

#include "util.h"

/* lg_esc_sb appends `s` escaped for text to `sb`; NULL appends nothing. */
void lg_esc_sb(lg_sb_t *sb, const char *s);

/* lg_esc returns `s` escaped for text, in one of 16 buffers that are
 * reused in turn (so up to 16 results can be used in one printf call);
 * NULL gives NULL. The buffers are released at exit. */
const char *lg_esc(const char *s);

/* lg_esc_dot writes `s` as a quoted Graphviz DOT string: its bytes escaped
 * for text (lg_esc_sb), each newline of `s` as DOT's line break `\n`, and
 * `"` and `\` escaped for DOT. */
void lg_esc_dot(FILE *f, const char *s);

/* lg_esc_xml writes `s` escaped for text (lg_esc_sb), then for XML 1.0
 * character data and attribute values (`&`, `<`, `>`, `"`, `'`): the
 * result is always well-formed XML, which can hold no control character
 * even as a reference. NULL writes nothing. */
void lg_esc_xml(FILE *f, const char *s);

#endif
