/* tools/suppress.c — parsing and matching of LeakSanitizer suppressions
 * (see suppress.h for the syntax). The matcher is the classic iterative
 * wildcard algorithm with one backtrack point, so no pattern can make it
 * recurse or run in exponential time. */
#include "suppress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

struct lg_suppmemo {
  char *str;
  size_t first; /* index of the first matching suppression, or n: none */
  UT_hash_handle hh;
};

/* Forgets every memoized string (the suppressions changed). */
static void lg_supp_forget(lg_supps_t *s) {
  lg_suppmemo_t *m, *t;
  HASH_ITER(hh, s->memo, m, t) {
    HASH_DEL(s->memo, m);
    free(m->str), free(m);
  }
}

/* Matches `p` (length `pn`, `*` wildcards only) against the whole of `s`. */
static int lg_supp_glob(const char *p, size_t pn, const char *s) {
  size_t pi = 0, si = 0, star = (size_t)-1, mark = 0;
  while (s[si]) {
    if (pi < pn && p[pi] == '*') {
      star = pi++;
      mark = si;
    } else if (pi < pn && p[pi] == s[si]) {
      pi++, si++;
    } else if (star != (size_t)-1) {
      pi = star + 1;
      si = ++mark;
    } else {
      return 0;
    }
  }
  while (pi < pn && p[pi] == '*')
    pi++;
  return pi == pn;
}

int lg_supp_pattern_match(const char *pattern, const char *str) {
  if (!str || !str[0])
    return 0;
  size_t n = strlen(pattern);
  int start = n > 0 && pattern[0] == '^';
  int end = n > (size_t)start && pattern[n - 1] == '$';
  const char *body = pattern + start;
  size_t bn = n - start - end;
  /* unanchored sides behave as if the pattern had a `*` there */
  char *glob = lg_util_xmalloc(bn + 3);
  size_t g = 0;
  if (!start)
    glob[g++] = '*';
  memcpy(glob + g, body, bn);
  g += bn;
  if (!end)
    glob[g++] = '*';
  int m = lg_supp_glob(glob, g, str);
  free(glob);
  return m;
}

/* Trims spaces and tabs (and a CR) from both ends of [*b, *e). */
static void lg_supp_trim(const char **b, const char **e) {
  while (*b < *e && (**b == ' ' || **b == '\t'))
    (*b)++;
  while (*e > *b && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
    (*e)--;
}

/* Parses the line [b, e); returns 0, or -1 when it is not TYPE:PATTERN. */
static int lg_supp_line(lg_supps_t *s, const char *b, const char *e,
                        const char *origin, unsigned lineno) {
  lg_supp_trim(&b, &e);
  if (b == e || *b == '#')
    return 0;
  const char *colon = memchr(b, ':', (size_t)(e - b));
  if (!colon || colon == b)
    return -1;
  if ((size_t)(colon - b) != 4 || memcmp(b, "leak", 4) != 0)
    return 0; /* another sanitizer's type */
  const char *pb = colon + 1, *pe = e;
  lg_supp_trim(&pb, &pe);
  if (pb == pe)
    return -1;
  s->v = lg_util_grow(s->v, s->n, &s->cap, sizeof *s->v);
  lg_supp_t *sp = &s->v[s->n++];
  memset(sp, 0, sizeof *sp);
  sp->pattern = lg_util_xmemdup_str(pb, (size_t)(pe - pb));
  lg_sb_t sb = {0};
  lg_sb_printf(&sb, "%s:%u", origin, lineno);
  sp->origin = sb.s;
  return 0;
}

int lg_supp_parse(lg_supps_t *s, const char *text, const char *origin,
                  char *err, size_t errlen) {
  unsigned lineno = 1;
  lg_supp_forget(s);
  for (const char *b = text; *b; lineno++) {
    const char *e = strchr(b, '\n');
    if (!e)
      e = b + strlen(b);
    if (lg_supp_line(s, b, e, origin, lineno) < 0) {
      snprintf(err, errlen,
               "%s:%u: not a suppression (expected leak:PATTERN): %.*s",
               origin, lineno, (int)(e - b > 80 ? 80 : e - b), b);
      return -1;
    }
    b = *e ? e + 1 : e;
  }
  return 0;
}

int lg_supp_load_file(lg_supps_t *s, const char *path, char *err,
                      size_t errlen) {
  size_t n;
  char *text = lg_util_read_regular(path, LG_SUPP_FILE_MAX, &n);
  if (!text) {
    snprintf(err, errlen, "cannot read suppression file %s: %s", path,
             errno == EINVAL  ? "not a regular file"
             : errno == EFBIG ? "larger than 16 MiB"
                              : strerror(errno));
    return -1;
  }
  int rc = lg_supp_parse(s, text, path, err, errlen);
  free(text);
  return rc;
}

/* Returns the index of the first suppression matching `str` (s->n: none),
 * computing it once per distinct string within the work budget. */
static size_t lg_supp_first(lg_supps_t *s, const char *str) {
  if (!str || !str[0])
    return s->n;
  lg_suppmemo_t *m;
  HASH_FIND_STR(s->memo, str, m);
  if (m)
    return m->first;
  size_t first = s->n, len = strlen(str);
  for (size_t k = 0; k < s->n && !s->exhausted; k++) {
    s->work += strlen(s->v[k].pattern) + len;
    if (s->work > LG_SUPP_BUDGET)
      s->exhausted = 1;
    else if (lg_supp_pattern_match(s->v[k].pattern, str)) {
      first = k;
      break;
    }
  }
  m = lg_util_xcalloc(1, sizeof *m);
  m->str = lg_util_xstrdup(str);
  m->first = first;
  HASH_ADD_KEYPTR(hh, s->memo, m->str, len, m);
  return first;
}

/* Lowers `*best` to the first suppression matching `str`. */
static void lg_supp_lower(lg_supps_t *s, const char *str, size_t *best) {
  size_t k = lg_supp_first(s, str);
  if (k < *best)
    *best = k;
}

lg_supp_t *lg_supp_match_stack(const lg_supps_t *cs, const lg_symframe_t *f,
                               size_t n) {
  lg_supps_t *s = (lg_supps_t *)cs; /* the memo is a cache, not a change */
  size_t best = s->n;
  for (size_t i = 0; i < n && best > 0; i++) {
    lg_supp_lower(s, f[i].function, &best);
    lg_supp_lower(s, f[i].linkage, &best);
    lg_supp_lower(s, f[i].file, &best);
    lg_supp_lower(s, f[i].module, &best);
  }
  return best < s->n ? &s->v[best] : NULL;
}

void lg_supp_free(lg_supps_t *s) {
  lg_supp_forget(s);
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].pattern), free(s->v[i].origin);
  free(s->v);
  memset(s, 0, sizeof *s);
}
