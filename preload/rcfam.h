/* preload/rcfam.h — what the refcount hook families share (preload/rc_*.c
 * and the api family in api.c): which families the `refcount` option
 * enables, stack capture for a refcount event, and the families' set-up,
 * at start for the libraries already loaded and after every dlopen for
 * the ones that came since. The object table they feed is the collector's
 * (collector/refcount.h). */
#ifndef LG_RCFAM_H
#define LG_RCFAM_H

#include <stdint.h>

#include "format.h"
#include "options.h"
#include "refcount.h"

/* The families the options enable (LG_RC_BIT of each); set at boot. */
extern unsigned lg_rc_enabled;
static inline int lg_rc_wants(int family) { return (lg_rc_enabled & LG_RC_BIT(family)) != 0; }

/* lg_rc_capture returns the interned stack of the program's code that
 * called the hook (the shim's own frames are left out), or 0. Called by a
 * hook with the guard held. */
uint32_t lg_rc_capture(void) __attribute__((noinline));

/* lg_rc_start installs the enabled families for the libraries the process
 * has loaded (the shim's constructor, before main); lg_rc_after_dlopen for
 * those a dlopen brought in. Both run with the guard held, while no other
 * thread can run a function they patch (see patch.h). */
void lg_rc_start(void);
void lg_rc_after_dlopen(void);

/* lg_rc_note writes a NOTE record (LG_NOTE_INFO or LG_NOTE_WARNING) with
 * a formatted text; the caller holds no shim lock. */
void lg_rc_note(uint32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
