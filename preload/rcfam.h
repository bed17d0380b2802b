/* preload/rcfam.h — what the refcount hook families share (preload/rc_*.c
 * and the api family in api.c): which families the `refcount` option
 * enables, stack capture for a refcount event, and the families' set-up,
 * at start for the libraries already loaded and after every dlopen for
 * the ones that came since. The object table they feed is the collector's
 * (collector/refcount.h).
 *
 * A family's hooks follow one shape: the original function runs outside
 * the guard (it may call back into the program, which allocates as usual);
 * what the hook records runs inside it — before the original for a ref or
 * unref (an unref may free the object), after it for a birth. */
#ifndef LG_RCFAM_H
#define LG_RCFAM_H

#include <link.h>
#include <stdint.h>

#include "format.h"
#include "options.h"
#include "patch.h"
#include "refcount.h"
#include "shim.h"
#include "sys.h"
#include "unwind.h"

/* The families the options enable (LG_RC_BIT of each); set at boot. */
extern unsigned lg_rc_enabled;
static inline int lg_rc_wants(int family) { return (lg_rc_enabled & LG_RC_BIT(family)) != 0; }

/* A hook records only when tracing and not called from inside the shim. */
extern int lg_on;
extern __thread int lg_in_shim __attribute__((tls_model("initial-exec")));
#define LG_RC_TRACE (LG_LIKELY(lg_on) && !lg_in_shim)

/* lg_rc_capture returns the interned stack of the program's code that
 * called the hook (the shim's own frames are left out), or 0. Called by a
 * hook with the guard held. A stack the thread's unwinder already knows
 * the id of (unwind.h) is not interned again: that, the common case, is
 * inlined into the hook, so the unwinder has one shim frame to step over;
 * lg_rc_intern interns the frames of a stack it does not know. */
uint32_t lg_rc_intern(const uintptr_t *frames, uint32_t n) __attribute__((noinline));
static inline __attribute__((always_inline)) uint32_t lg_rc_capture(void) {
  uintptr_t frames[LG_MAX_FRAMES];
  uint32_t id, n = lg_unwind_id(frames, (uint32_t)lg_depth, 0, &id);
  return LG_LIKELY(id != 0) ? id : lg_rc_intern(frames, n);
}

/* lg_rc_start installs the enabled families for the libraries the process
 * has loaded (the shim's constructor, before main); lg_rc_after_dlopen for
 * those a dlopen brought in. Both run with the guard held and patch while
 * no other thread can run the functions they patch (patch.h). One at a
 * time: their lock is the outermost of the shim's, reset in a forked
 * child by lg_rc_fork_child. */
void lg_rc_start(void);
void lg_rc_after_dlopen(void);
void lg_rc_fork_child(void);

/* ---- for the families' files ------------------------------------------ */

/* lg_rc_plan fills *p to patch function `name` of module `info` with
 * `hook` (the trampoline goes to *orig); returns 1, or 0 when the module
 * does not define it in an executable segment. */
int lg_rc_plan(const struct dl_phdr_info *info, const char *name, void *hook, void **orig, lg_patch_t *p);
/* lg_rc_symbol is the address of function `name` defined in module info
 * (0: none); lg_rc_anywhere the same in the first loaded module defining
 * it. */
uintptr_t lg_rc_symbol(const struct dl_phdr_info *info, const char *name);
uintptr_t lg_rc_anywhere(const char *name);
/* lg_rc_install patches family's group p[0..n) in module info, all or
 * nothing, and says so in a NOTE either way; 0 or -1 (the family stays
 * off for that module, the program untouched). */
int lg_rc_install(int family, const struct dl_phdr_info *info, lg_patch_t *p, size_t n);
/* lg_rc_module_name is info's path ("the program" for the executable). */
const char *lg_rc_module_name(const struct dl_phdr_info *info);

/* Each family looks at every module once (the rcfam lock held) and
 * installs itself in the first that provides its library. */
void lg_rc_gobject_module(const struct dl_phdr_info *info);
void lg_rc_gstreamer_module(const struct dl_phdr_info *info);
void lg_rc_openssl_module(const struct dl_phdr_info *info);
void lg_rc_python_module(const struct dl_phdr_info *info);

/* lg_rc_note writes a NOTE record (LG_NOTE_INFO or LG_NOTE_WARNING) with
 * a formatted text; the caller holds no shim lock. */
void lg_rc_note(uint32_t code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
