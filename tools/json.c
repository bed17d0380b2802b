/* tools/json.c — the streaming JSON writer of the report tool (see json.h).
 * Invalid UTF-8 bytes are written as \u00XX (their Latin-1 reading), so the
 * output always parses and no byte of a path or argument is lost. */
#include "json.h"

#include <inttypes.h>
#include <string.h>

void lg_json_init(lg_json_t *j, FILE *f) {
  memset(j, 0, sizeof *j);
  j->f = f;
}

static void lg_json_indent(lg_json_t *j) {
  fputc('\n', j->f);
  for (int i = 0; i < j->depth; i++)
    fputs("  ", j->f);
}

/* Writes what goes before a value: a comma and a new line, unless the value
 * follows its key. */
static void lg_json_pre(lg_json_t *j) {
  if (j->after_key) {
    j->after_key = 0;
    return;
  }
  if (j->depth > 0) {
    if (j->count[j->depth - 1]++ > 0)
      fputc(',', j->f);
    lg_json_indent(j);
  }
}

static void lg_json_open(lg_json_t *j, char c) {
  lg_json_pre(j);
  fputc(c, j->f);
  if (j->depth < LG_JSON_MAX_DEPTH)
    j->count[j->depth++] = 0;
}

static void lg_json_close(lg_json_t *j, char c) {
  if (j->depth > 0 && j->count[--j->depth] > 0)
    lg_json_indent(j);
  fputc(c, j->f);
  if (j->depth == 0)
    fputc('\n', j->f);
}

void lg_json_obj(lg_json_t *j) { lg_json_open(j, '{'); }
void lg_json_obj_end(lg_json_t *j) { lg_json_close(j, '}'); }
void lg_json_arr(lg_json_t *j) { lg_json_open(j, '['); }
void lg_json_arr_end(lg_json_t *j) { lg_json_close(j, ']'); }

void lg_json_key(lg_json_t *j, const char *k) {
  lg_json_pre(j);
  lg_json_escape(j->f, k);
  fputs(": ", j->f);
  j->after_key = 1;
}

/* Returns the length of the valid UTF-8 sequence at `s` (2..4), or 0. */
static int lg_json_utf8_len(const unsigned char *s) {
  int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
  if (s[0] < 0xC2 || s[0] > 0xF4)
    return 0;
  for (int i = 1; i < n; i++)
    if ((s[i] & 0xC0) != 0x80)
      return 0;
  if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
      (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
    return 0;
  return n;
}

void lg_json_escape(FILE *f, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  fputc('"', f);
  while (*s) {
    int n;
    if (*s == '"' || *s == '\\')
      fprintf(f, "\\%c", *s++);
    else if (*s == '\n')
      fputs("\\n", f), s++;
    else if (*s == '\t')
      fputs("\\t", f), s++;
    else if (*s < 0x20 || *s == 0x7F)
      fprintf(f, "\\u%04x", *s++);
    else if (*s < 0x80)
      fputc(*s++, f);
    else if ((n = lg_json_utf8_len(s)) > 0)
      fwrite(s, 1, (size_t)n, f), s += n;
    else
      fprintf(f, "\\u%04x", *s++);
  }
  fputc('"', f);
}

void lg_json_str(lg_json_t *j, const char *s) {
  lg_json_pre(j);
  if (s)
    lg_json_escape(j->f, s);
  else
    fputs("null", j->f);
}

void lg_json_u64(lg_json_t *j, uint64_t v) {
  lg_json_pre(j);
  fprintf(j->f, "%" PRIu64, v);
}

void lg_json_decimal(lg_json_t *j, uint64_t v, unsigned digits) {
  uint64_t scale = 1;
  for (unsigned i = 0; i < digits && i < 18; i++)
    scale *= 10;
  char frac[24];
  snprintf(frac, sizeof frac, "%0*" PRIu64, (int)(digits < 18 ? digits : 18),
           v % scale);
  size_t n = strlen(frac);
  while (n > 1 && frac[n - 1] == '0')
    frac[--n] = '\0';
  lg_json_pre(j);
  fprintf(j->f, "%" PRIu64 ".%s", v / scale, n ? frac : "0");
}

void lg_json_i64(lg_json_t *j, int64_t v) {
  lg_json_pre(j);
  fprintf(j->f, "%" PRId64, v);
}

void lg_json_bool(lg_json_t *j, int v) {
  lg_json_pre(j);
  fputs(v ? "true" : "false", j->f);
}

void lg_json_null(lg_json_t *j) {
  lg_json_pre(j);
  fputs("null", j->f);
}

void lg_json_hex(lg_json_t *j, uint64_t v) {
  lg_json_pre(j);
  fprintf(j->f, "\"0x%" PRIx64 "\"", v);
}

void lg_json_location(lg_json_t *j, const char *function, const char *file, int line,
                      const char *module, uint64_t address) {
  lg_json_key(j, "function");
  lg_json_str(j, function);
  lg_json_key(j, "file");
  lg_json_str(j, file);
  lg_json_key(j, "line");
  if (file && line > 0)
    lg_json_u64(j, (uint64_t)line);
  else
    lg_json_null(j);
  lg_json_key(j, "module");
  lg_json_str(j, module);
  lg_json_key(j, "address");
  lg_json_hex(j, address);
}
