/* tools/sites.c — folding recursion out of symbolized stacks and the site
 * key (see sites.h). Folding is one pass over the stack, trying the
 * periods 1..LG_SITE_MAX_PERIOD at each position: O(n) comparisons per
 * frame for a constant period bound. */
#include "sites.h"

#include <inttypes.h>
#include <string.h>

#include "util.h"

/* Says whether two strings are equal, NULL equal only to NULL. */
static int lg_site_streq(const char *a, const char *b) {
  return a == b || (a && b && strcmp(a, b) == 0);
}

/* Says whether two frames are the same function (see sites.h). */
static int lg_site_same_fn(const lg_symframe_t *a, const lg_symframe_t *b) {
  if (!lg_site_streq(a->module, b->module))
    return 0;
  if (a->function || b->function)
    return lg_site_streq(a->function, b->function);
  return a->address == b->address;
}

/* Returns the length of the recursion of period `p` that starts at frame
 * `i` of `f[0..n)`: 0 unless its p functions repeat at once, else the
 * frames from `i` for as long as each is the function p frames before. */
static size_t lg_site_run(const lg_symframe_t *f, size_t n, size_t i,
                          size_t p) {
  if (i + 2 * p > n)
    return 0;
  for (size_t k = 0; k < p; k++)
    if (!lg_site_same_fn(&f[i + k], &f[i + p + k]))
      return 0;
  size_t j = i + 2 * p;
  while (j < n && lg_site_same_fn(&f[j], &f[j - p]))
    j++;
  return j - i;
}

/* Appends segment `s` to `out`. */
static void lg_site_push(lg_fstack_t *out, size_t *cap, lg_fseg_t s) {
  out->segs = lg_util_grow(out->segs, out->nsegs, cap, sizeof *out->segs);
  out->segs[out->nsegs++] = s;
}

/* Returns the key of the shown frames of `f`'s segments. */
static char *lg_site_fold_key(const lg_fstack_t *f) {
  size_t n = 0;
  for (size_t s = 0; s < f->nsegs; s++)
    n += f->segs[s].period;
  lg_symframe_t *shown = lg_util_xcalloc(n, sizeof *shown);
  n = 0;
  for (size_t s = 0; s < f->nsegs; s++)
    for (uint32_t k = 0; k < f->segs[s].period; k++)
      shown[n++] = f->frames[f->segs[s].first + k];
  char *key = lg_site_frames_key(shown, n);
  free(shown);
  return key;
}

void lg_site_fold(const lg_symframe_t *frames, size_t n, lg_fstack_t *out) {
  memset(out, 0, sizeof *out);
  out->frames = frames;
  out->nframes = n;
  size_t cap = 0;
  for (size_t i = 0; i < n;) {
    lg_fseg_t s = {(uint32_t)i, 1, 1, 1};
    for (size_t p = 1; p <= LG_SITE_MAX_PERIOD; p++) {
      size_t len = lg_site_run(frames, n, i, p);
      if (len) {
        s.len = (uint32_t)len, s.period = (uint32_t)p;
        s.depth = (uint32_t)((len + p - 1) / p);
        break;
      }
    }
    lg_site_push(out, &cap, s);
    i += s.len;
  }
  out->key = lg_site_fold_key(out);
}

void lg_site_fold_copy(const lg_fstack_t *in, lg_fstack_t *out) {
  *out = *in;
  out->segs = lg_util_xcalloc(in->nsegs, sizeof *out->segs);
  if (in->nsegs)
    memcpy(out->segs, in->segs, in->nsegs * sizeof *in->segs);
  out->key = lg_util_xstrdup(in->key ? in->key : "");
}

void lg_site_fold_max(lg_fstack_t *acc, const lg_fstack_t *other) {
  for (size_t s = 0; s < acc->nsegs && s < other->nsegs; s++)
    if (other->segs[s].depth > acc->segs[s].depth)
      acc->segs[s].depth = other->segs[s].depth;
}

void lg_site_fold_free(lg_fstack_t *f) {
  free(f->segs);
  free(f->key);
  memset(f, 0, sizeof *f);
}

uint32_t lg_site_max_depth(const lg_fstack_t *f) {
  uint32_t d = 1;
  for (size_t s = 0; s < f->nsegs; s++)
    if (f->segs[s].depth > d)
      d = f->segs[s].depth;
  return d;
}

/* Says whether `fn` is one of the C library's frames below main. */
static int lg_site_startup(const char *fn) {
  return fn && (strcmp(fn, "__libc_start_call_main") == 0 ||
                strcmp(fn, "__libc_start_main") == 0 ||
                strcmp(fn, "_start") == 0);
}

size_t lg_site_compact_len(const lg_fstack_t *f) {
  size_t n = 0;
  for (size_t s = 0; s < f->nsegs; s++)
    for (uint32_t k = 0; k < f->segs[s].period; k++) {
      const char *fn = f->frames[f->segs[s].first + k].function;
      if (lg_site_startup(fn))
        return n;
      n++;
      if (fn && strcmp(fn, "main") == 0)
        return n;
    }
  return n;
}

/* Returns the file name part of a module path. */
static const char *lg_site_module_name(const char *module) {
  const char *slash = strrchr(module, '/');
  return slash ? slash + 1 : module;
}

/* Appends the key of frame `f` to `sb`. */
static void lg_site_put_frame(lg_sb_t *sb, const lg_symframe_t *f) {
  if (f->function && f->module)
    lg_sb_printf(sb, "%s+0x%" PRIx64 "@%s", f->function, f->fn_offset,
                 lg_site_module_name(f->module));
  else if (f->module)
    lg_sb_printf(sb, "@%s+0x%" PRIx64, lg_site_module_name(f->module),
                 f->offset);
  else if (f->function)
    lg_sb_printf(sb, "%s+0x%" PRIx64, f->function, f->fn_offset);
  else
    lg_sb_append(sb, "?", 1);
}

char *lg_site_frame_key(const lg_symframe_t *f) {
  lg_sb_t sb = {0};
  lg_site_put_frame(&sb, f);
  return sb.s;
}

char *lg_site_frames_key(const lg_symframe_t *frames, size_t n) {
  lg_sb_t sb = {0};
  lg_sb_append(&sb, "", 0);
  for (size_t i = 0; i < n; i++) {
    if (i)
      lg_sb_append(&sb, ";", 1);
    lg_site_put_frame(&sb, &frames[i]);
  }
  return sb.s;
}

char *lg_site_key(const lg_symframe_t *frames, size_t n) {
  lg_fstack_t f;
  lg_site_fold(frames, n, &f);
  char *key = f.key;
  f.key = NULL;
  lg_site_fold_free(&f);
  return key;
}
