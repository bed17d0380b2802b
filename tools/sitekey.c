/* tools/sitekey.c — allocation-site keys (see sitekey.h). */
#include "sitekey.h"

#include <inttypes.h>
#include <string.h>

#include "util.h"

/* Returns the file name part of a module path. */
static const char *lg_sitekey_base(const char *module) {
  const char *slash = strrchr(module, '/');
  return slash ? slash + 1 : module;
}

/* Appends the key of one frame. */
static void lg_sitekey_frame(lg_sb_t *sb, const lg_symframe_t *fr) {
  if (fr->function && fr->module)
    lg_sb_printf(sb, "%s+0x%" PRIx64 "@%s", fr->function, fr->fn_offset,
                 lg_sitekey_base(fr->module));
  else if (fr->module)
    lg_sb_printf(sb, "@%s+0x%" PRIx64, lg_sitekey_base(fr->module),
                 fr->offset);
  else if (fr->function)
    lg_sb_printf(sb, "%s+0x%" PRIx64, fr->function, fr->fn_offset);
  else
    lg_sb_append(sb, "?", 1);
}

char *lg_sitekey_make(const lg_symframe_t *f, size_t n) {
  lg_sb_t sb = {0};
  for (size_t i = 0; i < n; i++) {
    if (i)
      lg_sb_append(&sb, ";", 1);
    lg_sitekey_frame(&sb, &f[i]);
  }
  return sb.s ? sb.s : lg_util_xstrdup("");
}
