/* preload/rcfam.c — the refcount families' common ground (see rcfam.h):
 * the enabled set, stack capture for events, set-up at start and after
 * dlopen, notes. Each family's hooks live in a file of its own. */
#include "rcfam.h"

#include <stdarg.h>

#include "collector.h"
#include "shim.h"
#include "sys.h"
#include "unwind.h"

unsigned lg_rc_enabled;

uint32_t lg_rc_capture(void) {
  uintptr_t frames[LG_MAX_FRAMES];
  uint32_t n = lg_unwind(frames, (uint32_t)lg_depth, 2);
  return lg_collector_intern_stack(frames, n);
}

void lg_rc_note(uint32_t code, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  lg_vfmt(text, sizeof text, fmt, ap);
  va_end(ap);
  lg_collector_note(code, text);
}

void lg_rc_start(void) {
  if (lg_rc_wants(LG_RC_API)) lg_rc_family_active(LG_RC_API);
}

void lg_rc_after_dlopen(void) {}
