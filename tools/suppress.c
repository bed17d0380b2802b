/* tools/suppress.c — parsing and matching of LeakSanitizer suppressions
 * (see suppress.h for the syntax). The matcher is the classic iterative
 * wildcard algorithm with one backtrack point, so no pattern can make it
 * recurse or run in exponential time. */
#include "suppress.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(err, errlen, "cannot read suppression file %s: %s", path,
             strerror(errno));
    return -1;
  }
  lg_sb_t sb = {0};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0)
    lg_sb_append(&sb, buf, n);
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    snprintf(err, errlen, "cannot read suppression file %s", path);
    lg_sb_free(&sb);
    return -1;
  }
  int rc = lg_supp_parse(s, sb.s ? sb.s : "", path, err, errlen);
  lg_sb_free(&sb);
  return rc;
}

/* Says whether suppression `sp` matches frame `f`: its function (a C++
 * one demangled, as LeakSanitizer matches it, or as mangled), file or
 * module. */
static int lg_supp_match_frame(const lg_supp_t *sp, const lg_symframe_t *f) {
  return lg_supp_pattern_match(sp->pattern, f->function) ||
         lg_supp_pattern_match(sp->pattern, f->linkage) ||
         lg_supp_pattern_match(sp->pattern, f->file) ||
         lg_supp_pattern_match(sp->pattern, f->module);
}

lg_supp_t *lg_supp_match_stack(const lg_supps_t *s, const lg_symframe_t *f,
                               size_t n) {
  for (size_t k = 0; k < s->n; k++)
    for (size_t i = 0; i < n; i++)
      if (lg_supp_match_frame(&s->v[k], &f[i]))
        return &s->v[k];
  return NULL;
}

void lg_supp_free(lg_supps_t *s) {
  for (size_t i = 0; i < s->n; i++)
    free(s->v[i].pattern), free(s->v[i].origin);
  free(s->v);
  memset(s, 0, sizeof *s);
}
