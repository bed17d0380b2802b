/* tools/suppress.h — LeakSanitizer-style suppressions: parsing `leak:PATTERN`
 * lines and matching patterns against the frames of an allocation stack.
 *
 * A file or text holds one suppression per line; blank lines and lines
 * starting with `#` are ignored, and lines of other LSan/ASan types
 * (`interceptor_via_fun:`, ...) are accepted and ignored so existing files
 * work. A PATTERN matches a string when it occurs in it, with `*` standing
 * for any run of characters; `^` at its start anchors it to the start of the
 * string and `$` at its end to the end. A stack is suppressed when some
 * pattern matches the function (a C++ function in its demangled form, as
 * LeakSanitizer matches it, or its mangled symbol), the source file or the
 * module path of any of its frames. */
#ifndef LG_SUPPRESS_H
#define LG_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "symbolize.h"

typedef struct lg_supp {
  char *pattern;
  char *origin; /* "FILE:LINE" for messages */
  uint64_t hits, bytes, blocks; /* what it suppressed, for the report */
} lg_supp_t;

/* The first suppression that matches a string (by its content), found
 * once: a stack is then matched in one probe per string of its frames. */
typedef struct lg_suppmemo lg_suppmemo_t;

typedef struct lg_supps {
  lg_supp_t *v;
  size_t n, cap;
  lg_suppmemo_t *memo;
  uint64_t work;  /* pattern-matching steps taken, against LG_SUPP_BUDGET */
  int exhausted;  /* the budget ran out: later strings matched nothing */
} lg_supps_t;

/* The most pattern-matching steps (pattern and string bytes compared) one
 * set of suppressions may take: far above real use (thousands of
 * suppressions over every symbol of a program), low enough that a hostile
 * log of many suppressions and many distinct frames cannot make the
 * report run for minutes. Past it nothing more is suppressed (a leak is
 * shown rather than hidden) and the report says so. */
#define LG_SUPP_BUDGET (1ull << 31)

/* lg_supp_pattern_match says whether `pattern` matches `str` (see above).
 * A NULL or empty `str` never matches. Runs in O(len(pattern)*len(str)). */
int lg_supp_pattern_match(const char *pattern, const char *str);

/* lg_supp_parse adds the suppressions of `text` (named `origin` in
 * messages) to `s`. Returns 0, or -1 with a message in `err` for a line
 * that is not `TYPE:PATTERN`; the lines before it are kept. */
int lg_supp_parse(lg_supps_t *s, const char *text, const char *origin,
                  char *err, size_t errlen);

/* The largest suppression file --suppressions reads. */
#define LG_SUPP_FILE_MAX (16u << 20)

/* lg_supp_load_file reads the file at `path` (a regular file of at most
 * LG_SUPP_FILE_MAX bytes) and parses it. Returns 0, or -1 with a message
 * in `err` when it cannot be read or parsed. */
int lg_supp_load_file(lg_supps_t *s, const char *path, char *err,
                      size_t errlen);

/* lg_supp_match_stack returns the first suppression of `s` that matches a
 * frame of the stack, or NULL. Each distinct string is matched against the
 * suppressions once (memoized in `s`). */
lg_supp_t *lg_supp_match_stack(const lg_supps_t *s, const lg_symframe_t *f,
                               size_t n);

/* lg_supp_free releases the suppressions and zeroes `s`. */
void lg_supp_free(lg_supps_t *s);

#endif
