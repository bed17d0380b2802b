/* tools/escape.c — escaping of hostile strings for text, DOT and XML (see
 * escape.h). One scanner decides byte by byte what is shown as is and what
 * as an escape; the three outputs only differ in what they wrap around it. */
#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Returns the length (2..4) of the valid UTF-8 sequence at `s`, its code
 * point in `*cp`, or 0 when `s` does not start one. */
static int lg_esc_utf8(const unsigned char *s, uint32_t *cp) {
  int n = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
  if (s[0] < 0xC2 || s[0] > 0xF4)
    return 0;
  uint32_t c = s[0] & (0x7F >> n);
  for (int i = 1; i < n; i++) {
    if ((s[i] & 0xC0) != 0x80)
      return 0;
    c = c << 6 | (s[i] & 0x3F);
  }
  if ((n == 3 && c < 0x800) || (n == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF))
    return 0;
  *cp = c;
  return n;
}

/* Says whether code point `c` steers a terminal or the layout of lines. */
static int lg_esc_steers(uint32_t c) {
  return (c >= 0x80 && c <= 0x9F) || c == 0x2028 || c == 0x2029 ||
         (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

void lg_esc_sb(lg_sb_t *sb, const char *str) {
  const unsigned char *s = (const unsigned char *)str;
  while (s && *s) {
    uint32_t cp = 0;
    int n;
    if (*s == '\\')
      lg_sb_append(sb, "\\\\", 2), s++;
    else if (*s == '\n')
      lg_sb_append(sb, "\\n", 2), s++;
    else if (*s == '\t')
      lg_sb_append(sb, "\\t", 2), s++;
    else if (*s == '\r')
      lg_sb_append(sb, "\\r", 2), s++;
    else if (*s < 0x20 || *s == 0x7F)
      lg_sb_printf(sb, "\\x%02x", *s++);
    else if (*s < 0x80)
      lg_sb_append(sb, (const char *)s++, 1);
    else if ((n = lg_esc_utf8(s, &cp)) == 0)
      lg_sb_printf(sb, "\\x%02x", *s++);
    else if (lg_esc_steers(cp))
      lg_sb_printf(sb, "\\u%04x", cp), s += n;
    else
      lg_sb_append(sb, (const char *)s, (size_t)n), s += n;
  }
}

#define LG_ESC_RING 16
static lg_sb_t lg_esc_ring[LG_ESC_RING];
static unsigned lg_esc_next;

/* Releases the ring's buffers (at exit, for leak checkers). */
static void lg_esc_release(void) {
  for (int i = 0; i < LG_ESC_RING; i++)
    lg_sb_free(&lg_esc_ring[i]);
}

const char *lg_esc(const char *s) {
  if (!s)
    return NULL;
  static int registered;
  if (!registered) {
    registered = 1;
    atexit(lg_esc_release);
  }
  lg_sb_t *sb = &lg_esc_ring[lg_esc_next++ % LG_ESC_RING];
  sb->len = 0;
  lg_sb_append(sb, "", 0);
  lg_esc_sb(sb, s);
  return sb->s;
}

void lg_esc_dot(FILE *f, const char *s) {
  lg_sb_t sb = {0};
  const char *line = s;
  while (line) { /* the caller's newlines are line breaks, nothing else */
    const char *nl = strchr(line, '\n');
    char *part = lg_util_xmemdup_str(line, nl ? (size_t)(nl - line)
                                              : strlen(line));
    lg_esc_sb(&sb, part);
    free(part);
    if (nl)
      lg_sb_append(&sb, "\n", 1);
    line = nl ? nl + 1 : NULL;
  }
  fputc('"', f);
  for (size_t i = 0; i < sb.len; i++) {
    char c = sb.s[i];
    if (c == '\n')
      fputs("\\n", f);
    else if (c == '"' || c == '\\')
      fputc('\\', f), fputc(c, f);
    else
      fputc(c, f);
  }
  fputc('"', f);
  lg_sb_free(&sb);
}

void lg_esc_xml(FILE *f, const char *s) {
  if (!s)
    return;
  lg_sb_t sb = {0};
  lg_esc_sb(&sb, s);
  for (size_t i = 0; i < sb.len; i++) {
    char c = sb.s[i];
    switch (c) {
    case '&': fputs("&amp;", f); break;
    case '<': fputs("&lt;", f); break;
    case '>': fputs("&gt;", f); break;
    case '"': fputs("&quot;", f); break;
    case '\'': fputs("&apos;", f); break;
    default: fputc(c, f);
    }
  }
  lg_sb_free(&sb);
}
