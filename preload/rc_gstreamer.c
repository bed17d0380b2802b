/* preload/rc_gstreamer.c — the gstreamer refcount family: GstMiniObjects
 * (buffers, events, messages, queries, caps, memory, samples...), by
 * patching the entries of libgstreamer's own functions (the GStreamer core
 * is linked with -Bsymbolic-functions too):
 *
 *   gst_mini_object_init   birth, after it returned (refcount is 1)
 *   gst_mini_object_ref    a ref, before it runs
 *   gst_mini_object_unref  an unref, before it runs; after it returned, an
 *                          object whose count the hooks saw reach 0 and
 *                          that its dispose did not take back (a buffer
 *                          pool's ref) is dead (looked at only when this
 *                          unref took the count to 0)
 *
 * gst_mini_object_replace, _take and the inline gst_buffer_ref & co. call
 * these. A mini object's death is normally the free of its block (the
 * free hook; G_SLICE=always-malloc makes GLib 2.74's g_slice memory malloc
 * blocks); the check after the unref covers memory the shim does not
 * track. GstObjects (elements, pads, bins) are GObjects: their
 * gst_object_ref/unref call g_object_ref/unref, which the gobject family
 * sees.
 *
 * A mini object's count is the gint at offset 8 (after its GType, which
 * names it through g_type_name: read in the hook, once per type per
 * thread). */
#include <stdint.h>

#include "guard.h"
#include "rcfam.h"

#define COUNT_OFF 8

static void (*o_init)(void *, unsigned, uintptr_t, void *, void *, void *);
static void *(*o_ref)(void *);
static void (*o_unref)(void *);
static const char *(*type_name)(uintptr_t);
static int installed;

typedef struct tinfo { uintptr_t gtype; uint32_t id; } tinfo_t;
#define TCACHE 64
static __thread tinfo_t tcache[TCACHE] __attribute__((tls_model("initial-exec")));

/* The type id of the mini object's GType; the guard is held. */
static uint32_t type_id(const void *mini) {
  uintptr_t t = *(const uintptr_t *)mini;
  if (!t) return 0;
  tinfo_t *e = &tcache[(t * 0x9E3779B97F4A7C15ull) >> 58];
  if (e->gtype != t) {
    e->gtype = 0;
    e->id = lg_rc_type_intern(LG_RC_GSTREAMER, type_name(t));
    e->gtype = t;
  }
  return e->id;
}

/* Adopts mini, an object the table does not know, with its first event. */
static __attribute__((noinline)) void adopt(void *mini, uint32_t st, int delta) {
  lg_rc_adopt((uintptr_t)mini, 0, LG_RC_GSTREAMER, COUNT_OFF, 4, type_id(mini), st, delta);
}

/* Records a ref (+1) or unref (-1) of mini (inlined into the hook: the
 * unwinder steps over one shim frame only); the guard is held. Returns
 * whether the count the hooks account for may now be 0 (always so for an
 * object adopted here): only then may the unref that follows end it. */
static inline __attribute__((always_inline)) int event(void *mini, int delta) {
  uint32_t st = lg_rc_capture();
  int spent = 0;
  if (delta > 0 ? lg_rc_ref((uintptr_t)mini, st) : lg_rc_unref_spent((uintptr_t)mini, st, &spent)) return spent;
  adopt(mini, st, delta);
  return 1;
}

static void h_init(void *mini, unsigned flags, uintptr_t type, void *copy, void *dispose, void *free_fn) {
  o_init(mini, flags, type, copy, dispose, free_fn);
  if (mini && LG_RC_TRACE) {
    LG_GUARDED;
    lg_rc_birth((uintptr_t)mini, LG_RC_GSTREAMER, COUNT_OFF, 4, type_id(mini), lg_rc_capture());
  }
}

static void *h_ref(void *mini) {
  if (mini && LG_RC_TRACE) {
    LG_GUARDED;
    event(mini, +1);
  }
  return o_ref(mini);
}

static void h_unref(void *mini) {
  if (!mini || !LG_RC_TRACE) { o_unref(mini); return; }
  int spent;
  {
    LG_GUARDED;
    spent = event(mini, -1);
  }
  o_unref(mini);
  if (!spent) return; /* another ref remains: this unref cannot end it */
  LG_GUARDED;
  lg_rc_death_if_spent((uintptr_t)mini, LG_RC_GSTREAMER);
}

void lg_rc_gstreamer_module(const struct dl_phdr_info *info) {
  if (!lg_rc_symbol(info, "gst_mini_object_init") || !lg_rc_symbol(info, "gst_mini_object_ref")) return;
  if (installed) {
    lg_rc_note(LG_NOTE_WARNING, "refcount gstreamer: %s defines GstMiniObject too; only the first one is hooked",
               lg_rc_module_name(info));
    return;
  }
  installed = 1;
  type_name = (const char *(*)(uintptr_t))lg_rc_anywhere("g_type_name");
  lg_patch_t p[3];
  int ok = type_name && lg_rc_plan(info, "gst_mini_object_init", (void *)h_init, (void **)&o_init, &p[0]) &&
           lg_rc_plan(info, "gst_mini_object_ref", (void *)h_ref, (void **)&o_ref, &p[1]) &&
           lg_rc_plan(info, "gst_mini_object_unref", (void *)h_unref, (void **)&o_unref, &p[2]);
  if (!ok) {
    lg_rc_note(LG_NOTE_WARNING, "refcount gstreamer: %s lacks gst_mini_object_init, _ref, _unref or GLib's "
               "g_type_name; the family is off for it", lg_rc_module_name(info));
    return;
  }
  lg_rc_install(LG_RC_GSTREAMER, info, p, 3);
}
