/* tools/baseline.c — reading a baseline report (see baseline.h): a small
 * JSON parser that walks the whole document, depth-limited, and keeps only
 * the site keys at the paths the baseline needs. Each value is parsed in a
 * context (where it sits: the top object, a cluster, a site, ...) that
 * says which of its members matter. */
#include "baseline.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define LG_JP_MAX_DEPTH 64

/* Where a value sits in a report. */
enum lg_jctx {
  LG_J_ANY,      /* somewhere that does not matter */
  LG_J_ROOT,     /* the top object */
  LG_J_CLUSTERS, /* "clusters" */
  LG_J_CLUSTER,  /* one of them */
  LG_J_SITES,    /* its "sites" */
  LG_J_SITE,     /* one of them: "key", "category" */
  LG_J_GROWTHS,  /* "growth" */
  LG_J_GROWTH,   /* one of them */
  LG_J_GSITE,    /* its "site": "stack" */
  LG_J_STACKS,   /* "stacks" */
  LG_J_STACK,    /* one of them: "id", "key" */
};

/* A site read before the table of stacks that names its key. */
typedef struct lg_jpend {
  unsigned long stack;
  char *category;
} lg_jpend_t;

/* A stack of the table: its number and key. */
typedef struct lg_jstack {
  unsigned long id;
  char *key;
  UT_hash_handle hh;
} lg_jstack_t;

typedef struct lg_jp {
  const char *s;
  size_t n, i;
  const char *why; /* set on the first error */
  lg_baseline_t *b;
  int is_report; /* the top object has "leakgraph_report" */
  lg_jpend_t *pend; /* sites, in file order */
  size_t npend, pend_cap;
  lg_jstack_t *stacks; /* the table, by id */
} lg_jp_t;

/* Records an error (the first one wins). */
static void lg_jp_fail(lg_jp_t *jp, const char *why) {
  if (!jp->why)
    jp->why = why;
}

/* Skips white space. */
static void lg_jp_ws(lg_jp_t *jp) {
  while (jp->i < jp->n && strchr(" \t\r\n", jp->s[jp->i]) && jp->s[jp->i])
    jp->i++;
}

/* Returns the next byte (after white space), or 0 at the end. */
static char lg_jp_peek(lg_jp_t *jp) {
  lg_jp_ws(jp);
  return jp->i < jp->n ? jp->s[jp->i] : 0;
}

/* Reads 4 hex digits; -1 when they are not. */
static long lg_jp_hex4(lg_jp_t *jp) {
  long v = 0;
  for (int k = 0; k < 4; k++, jp->i++) {
    char c = jp->i < jp->n ? jp->s[jp->i] : 0;
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (d < 0)
      return -1;
    v = v * 16 + d;
  }
  return v;
}

/* Appends code point `cp` as UTF-8 (below 0x100: the byte itself). */
static void lg_jp_put(lg_sb_t *sb, unsigned long cp) {
  char u[4];
  size_t k = 0;
  if (cp < 0x100)
    u[k++] = (char)cp;
  else if (cp < 0x800)
    u[k++] = (char)(0xC0 | cp >> 6), u[k++] = (char)(0x80 | (cp & 0x3F));
  else if (cp < 0x10000)
    u[k++] = (char)(0xE0 | cp >> 12), u[k++] = (char)(0x80 | (cp >> 6 & 0x3F)),
    u[k++] = (char)(0x80 | (cp & 0x3F));
  else
    u[k++] = (char)(0xF0 | cp >> 18), u[k++] = (char)(0x80 | (cp >> 12 & 0x3F)),
    u[k++] = (char)(0x80 | (cp >> 6 & 0x3F)), u[k++] = (char)(0x80 | (cp & 0x3F));
  lg_sb_append(sb, u, k);
}

/* Decodes a \u escape (after the "\u"), a surrogate pair included. */
static void lg_jp_unicode(lg_jp_t *jp, lg_sb_t *sb) {
  long cp = lg_jp_hex4(jp);
  if (cp >= 0xD800 && cp <= 0xDBFF && jp->i + 1 < jp->n &&
      jp->s[jp->i] == '\\' && jp->s[jp->i + 1] == 'u') {
    jp->i += 2;
    long lo = lg_jp_hex4(jp);
    if (lo >= 0xDC00 && lo <= 0xDFFF)
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    else
      cp = -1;
  }
  if (cp < 0)
    lg_jp_fail(jp, "a bad \\u escape");
  else
    lg_jp_put(sb, (unsigned long)cp);
}

/* Parses a string (at its opening quote) into `sb`. */
static void lg_jp_string(lg_jp_t *jp, lg_sb_t *sb) {
  static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
  jp->i++;
  lg_sb_append(sb, "", 0);
  while (!jp->why) {
    if (jp->i >= jp->n)
      return lg_jp_fail(jp, "a string that does not end");
    char c = jp->s[jp->i++];
    if (c == '"')
      return;
    if (c != '\\') {
      lg_sb_append(sb, &c, 1);
      continue;
    }
    char e = jp->i < jp->n ? jp->s[jp->i++] : 0;
    const char *k = e ? strchr(from, e) : NULL;
    if (e == 'u')
      lg_jp_unicode(jp, sb);
    else if (k)
      lg_sb_append(sb, &to[k - from], 1);
    else
      lg_jp_fail(jp, "a bad escape in a string");
  }
}

/* Parses a number, true, false or null; its text goes to `sb` if given. */
static void lg_jp_scalar(lg_jp_t *jp, lg_sb_t *sb) {
  size_t start = jp->i;
  while (jp->i < jp->n && strchr("+-.0123456789eEtruefalsn", jp->s[jp->i]) &&
         jp->s[jp->i])
    jp->i++;
  if (jp->i == start)
    lg_jp_fail(jp, "an unexpected character");
  else if (sb)
    lg_sb_append(sb, jp->s + start, jp->i - start);
}

/* Reads a stack number ("stack", "id"): a decimal integer, else 0. */
static unsigned long lg_jp_num(const lg_sb_t *sb) {
  if (!sb->s || !sb->s[0] || strspn(sb->s, "0123456789") != strlen(sb->s) ||
      strlen(sb->s) > 9)
    return 0;
  return strtoul(sb->s, NULL, 10);
}

/* Adds a site of the baseline, unless its key is there already. */
static void lg_jp_add(lg_baseline_t *b, const char *key, const char *cat) {
  if (lg_baseline_find(b, key))
    return;
  lg_bsite_t *s = lg_util_xcalloc(1, sizeof *s);
  s->key = lg_util_xstrdup(key);
  s->category = lg_util_xstrdup(cat ? cat : "unknown");
  HASH_ADD_KEYPTR(hh, b->index, s->key, strlen(s->key), s);
  b->sites = lg_util_grow(b->sites, b->nsites, &b->cap, sizeof *b->sites);
  b->sites[b->nsites++] = s;
}

static void lg_jp_value(lg_jp_t *jp, enum lg_jctx ctx, int depth,
                        lg_sb_t *str);

/* The context of member `key` of an object in context `ctx`. */
static enum lg_jctx lg_jp_member(lg_jp_t *jp, enum lg_jctx ctx,
                                 const char *key) {
  if (ctx == LG_J_ROOT && strcmp(key, "leakgraph_report") == 0)
    jp->is_report = 1;
  if (ctx == LG_J_ROOT)
    return strcmp(key, "clusters") == 0 ? LG_J_CLUSTERS
           : strcmp(key, "growth") == 0 ? LG_J_GROWTHS
           : strcmp(key, "stacks") == 0 ? LG_J_STACKS
                                        : LG_J_ANY;
  if (ctx == LG_J_CLUSTER && strcmp(key, "sites") == 0)
    return LG_J_SITES;
  if (ctx == LG_J_GROWTH && strcmp(key, "site") == 0)
    return LG_J_GSITE;
  return LG_J_ANY;
}

/* Keeps what a site's or a stack's object said, once it is read: a site
 * waits for the table of stacks (lg_jp_resolve). */
static void lg_jp_keep(lg_jp_t *jp, enum lg_jctx ctx, const lg_sb_t *num,
                       const lg_sb_t *key, const lg_sb_t *cat) {
  unsigned long n = lg_jp_num(num);
  if (!n)
    return;
  if (ctx == LG_J_STACK && key->s) {
    lg_jstack_t *e;
    HASH_FIND(hh, jp->stacks, &n, sizeof n, e);
    if (e)
      return;
    e = lg_util_xcalloc(1, sizeof *e);
    e->id = n;
    e->key = lg_util_xstrdup(key->s);
    HASH_ADD(hh, jp->stacks, id, sizeof e->id, e);
    return;
  }
  jp->pend = lg_util_grow(jp->pend, jp->npend, &jp->pend_cap, sizeof *jp->pend);
  jp->pend[jp->npend].stack = n;
  jp->pend[jp->npend++].category =
      lg_util_xstrdup(ctx == LG_J_GSITE ? "growth" : cat->s ? cat->s : "unknown");
}

/* Says which member of an object in context `ctx` is kept: 1 its number
 * ("stack_id" of a site — its "stack" is the frames themselves — or a
 * stack's "id"; an integer "stack", as older reports wrote it), 2 its key,
 * 3 its category; 0 none. */
static int lg_jp_wanted(enum lg_jctx ctx, const char *key) {
  if ((ctx == LG_J_SITE || ctx == LG_J_GSITE) &&
      (strcmp(key, "stack_id") == 0 || strcmp(key, "stack") == 0))
    return 1;
  if (ctx == LG_J_STACK && strcmp(key, "id") == 0)
    return 1;
  if (ctx == LG_J_STACK && strcmp(key, "key") == 0)
    return 2;
  if (ctx == LG_J_SITE && strcmp(key, "category") == 0)
    return 3;
  return 0;
}

/* Parses an object (at its brace) in context `ctx`; a site's or a stack's
 * object keeps what it says. */
static void lg_jp_object(lg_jp_t *jp, enum lg_jctx ctx, int depth) {
  lg_sb_t key = {0}, val = {0}, num = {0}, site = {0}, cat = {0};
  jp->i++;
  if (lg_jp_peek(jp) == '}')
    jp->i++;
  else
    while (!jp->why) {
      if (lg_jp_peek(jp) != '"') {
        lg_jp_fail(jp, "an object key that is not a string");
        break;
      }
      key.len = 0;
      lg_jp_string(jp, &key);
      if (lg_jp_peek(jp) != ':') {
        lg_jp_fail(jp, "a missing ':'");
        break;
      }
      jp->i++;
      int wanted = lg_jp_wanted(ctx, key.s);
      lg_sb_t *into = wanted == 1 ? &num : wanted == 2 ? &site : &cat;
      val.len = 0;
      lg_sb_append(&val, "", 0);
      lg_jp_value(jp, lg_jp_member(jp, ctx, key.s), depth + 1,
                  wanted ? &val : NULL);
      if (wanted && (wanted != 1 || lg_jp_num(&val))) { /* frames: not a number */
        into->len = 0;
        lg_sb_append(into, val.s, val.len);
      }
      char c = lg_jp_peek(jp);
      jp->i++;
      if (c == '}')
        break;
      if (c != ',')
        lg_jp_fail(jp, "a missing ',' or '}'");
    }
  if (!jp->why &&
      (ctx == LG_J_SITE || ctx == LG_J_GSITE || ctx == LG_J_STACK))
    lg_jp_keep(jp, ctx, &num, &site, &cat);
  lg_sb_free(&key), lg_sb_free(&val), lg_sb_free(&num), lg_sb_free(&site);
  lg_sb_free(&cat);
}

/* Parses an array (at its bracket) whose items sit in context `item`. */
static void lg_jp_array(lg_jp_t *jp, enum lg_jctx item, int depth) {
  jp->i++;
  if (lg_jp_peek(jp) == ']') {
    jp->i++;
    return;
  }
  while (!jp->why) {
    lg_jp_value(jp, item, depth + 1, NULL);
    char c = lg_jp_peek(jp);
    jp->i++;
    if (c == ']')
      return;
    if (c != ',')
      lg_jp_fail(jp, "a missing ',' or ']'");
  }
}

/* Parses one value in context `ctx`; a string goes to `str` if given. */
static void lg_jp_value(lg_jp_t *jp, enum lg_jctx ctx, int depth,
                        lg_sb_t *str) {
  if (depth > LG_JP_MAX_DEPTH)
    return lg_jp_fail(jp, "nesting deeper than 64");
  char c = lg_jp_peek(jp);
  enum lg_jctx item = ctx == LG_J_CLUSTERS ? LG_J_CLUSTER
                      : ctx == LG_J_SITES  ? LG_J_SITE
                      : ctx == LG_J_GROWTHS ? LG_J_GROWTH
                      : ctx == LG_J_STACKS ? LG_J_STACK
                                           : LG_J_ANY;
  if (c == '{')
    lg_jp_object(jp, ctx, depth);
  else if (c == '[')
    lg_jp_array(jp, item, depth);
  else if (c == '"') {
    lg_sb_t tmp = {0};
    lg_jp_string(jp, str ? str : &tmp);
    lg_sb_free(&tmp);
  } else
    lg_jp_scalar(jp, str);
}

/* Gives every site read its key from the table of stacks, then releases
 * the parser's own state. */
static void lg_jp_resolve(lg_jp_t *jp) {
  for (size_t i = 0; i < jp->npend; i++) {
    lg_jstack_t *e;
    HASH_FIND(hh, jp->stacks, &jp->pend[i].stack, sizeof(unsigned long), e);
    if (e && !jp->why)
      lg_jp_add(jp->b, e->key, jp->pend[i].category);
    free(jp->pend[i].category);
  }
  free(jp->pend);
  lg_jstack_t *e, *t;
  HASH_ITER(hh, jp->stacks, e, t) {
    HASH_DEL(jp->stacks, e);
    free(e->key), free(e);
  }
}

int lg_baseline_parse(lg_baseline_t *b, const char *text, size_t n,
                      const char *name, char *err, size_t errlen) {
  lg_jp_t jp = {.s = text, .n = n, .b = b};
  if (!b->path)
    b->path = lg_util_xstrdup(name);
  if (lg_jp_peek(&jp) != '{')
    lg_jp_fail(&jp, "it is not a JSON object");
  else
    lg_jp_value(&jp, LG_J_ROOT, 0, NULL);
  if (!jp.why && lg_jp_peek(&jp) != 0)
    lg_jp_fail(&jp, "text after the JSON object");
  if (!jp.why && !jp.is_report)
    lg_jp_fail(&jp, "it has no \"leakgraph_report\" key");
  lg_jp_resolve(&jp);
  if (jp.why) {
    snprintf(err, errlen,
             "--baseline %s is not a leakgraph JSON report (%s, near byte "
             "%zu)",
             name, jp.why, jp.i);
    return -1;
  }
  return 0;
}

int lg_baseline_load(lg_baseline_t *b, const char *path, char *err,
                     size_t errlen) {
  size_t n;
  char *text = lg_util_read_regular(path, LG_BASELINE_MAX, &n);
  if (!text) {
    snprintf(err, errlen, "cannot read --baseline %s: %s", path,
             errno == EINVAL ? "not a regular file"
             : errno == EFBIG ? "larger than 256 MiB"
                              : strerror(errno));
    return -1;
  }
  int rc = lg_baseline_parse(b, text, n, path, err, errlen);
  free(text);
  return rc;
}

lg_bsite_t *lg_baseline_find(const lg_baseline_t *b, const char *key) {
  lg_bsite_t *s;
  HASH_FIND_STR(b->index, key, s);
  return s;
}

void lg_baseline_free(lg_baseline_t *b) {
  HASH_CLEAR(hh, b->index);
  for (size_t i = 0; i < b->nsites; i++) {
    free(b->sites[i]->key), free(b->sites[i]->category);
    free(b->sites[i]);
  }
  free(b->sites);
  free(b->path);
  memset(b, 0, sizeof *b);
}
