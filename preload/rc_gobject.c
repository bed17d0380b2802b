/* preload/rc_gobject.c — the gobject refcount family: GObject instances,
 * their refs and unrefs, births and deaths, by patching the entries of
 * libgobject's own functions (it is linked with -Bsymbolic-functions, so
 * its internal calls — properties, signals, notify, GValue, GWeakRef —
 * never go through the PLT):
 *
 *   g_type_create_instance  birth, after it returned (ref_count is 1)
 *   g_object_ref            a ref, before it runs
 *   g_object_unref          an unref, before it runs (it may free)
 *   g_type_free_instance    death, before it frees
 *
 * g_object_ref_sink and g_weak_ref_get call g_object_ref and
 * g_object_unref themselves (GLib 2.74), so their refs are seen there; a
 * sink of a floating object is a ref followed by an unref: the count is
 * unchanged, and the pair balances in the history.
 *
 * A GObject's count is the guint at offset 8 (after the GTypeClass
 * pointer). Only instances whose fundamental type is G_TYPE_OBJECT are
 * objects of this family (g_type_create_instance also makes GParamSpecs,
 * whose count lives elsewhere). The instance may lie inside its heap
 * block: the private data of the type and its ancestors comes first. How
 * far is learnt from the first instance of each type whose block the
 * table finds (g_type_class_get_instance_private_offset cannot be asked:
 * it aborts for a type that adds no private data of its own), then tried
 * first for the next ones. The type name (g_type_name) and the
 * fundamental type are read in the hook, once per type per thread (a
 * small thread-local cache): GLib's type lookups take no lock and
 * allocate nothing. */
#include <stdint.h>
#include <string.h>

#include "guard.h"
#include "rcfam.h"

#define G_TYPE_OBJECT ((uintptr_t)20 << 2)
#define COUNT_OFF 8

static void *(*o_ref)(void *);
static void (*o_unref)(void *);
static void *(*o_create)(uintptr_t);
static void (*o_free)(void *);
static uintptr_t (*type_fundamental)(uintptr_t);
static const char *(*type_name)(uintptr_t);
static int installed;

/* ---- types ----------------------------------------------------------------- */

/* back: how far before the instance its block started, last time (-1:
 * not known). */
typedef struct tinfo { uintptr_t gtype; uint32_t id; int32_t back; uint32_t is_object; } tinfo_t;
#define TCACHE 256
static __thread tinfo_t tcache[TCACHE] __attribute__((tls_model("initial-exec")));

/* What the family needs to know of inst's type; NULL when inst has no
 * class. The guard is held. */
static tinfo_t *type_of(const void *inst) {
  void *klass = *(void *const *)inst;
  if (!klass) return NULL;
  uintptr_t t = *(const uintptr_t *)klass;
  tinfo_t *e = &tcache[(t * 0x9E3779B97F4A7C15ull) >> 56];
  if (e->gtype != t) {
    e->gtype = 0; /* a signal handler meeting it half-filled recomputes */
    e->is_object = type_fundamental(t) == G_TYPE_OBJECT;
    e->id = e->is_object ? lg_rc_type_intern(LG_RC_GOBJECT, type_name(t)) : 0;
    e->back = -1;
    e->gtype = t;
  }
  return e;
}

/* ---- events ------------------------------------------------------------------ */

/* The block guess for an instance of type t. */
static uintptr_t guess(const void *inst, const tinfo_t *t) {
  return t->back >= 0 ? (uintptr_t)inst - (uintptr_t)t->back : 0;
}

/* Adopts obj, an object the table does not know, with its first event. */
static __attribute__((noinline)) void adopt(void *obj, uint32_t st, int delta) {
  const tinfo_t *t = type_of(obj);
  if (t && t->is_object) lg_rc_adopt((uintptr_t)obj, guess(obj, t), LG_RC_GOBJECT, COUNT_OFF, 4, t->id, st, delta);
}

/* Records a ref (+1) or unref (-1) of obj; the guard is held. Inlined
 * into the hook: the unwinder steps over one shim frame only. */
static inline __attribute__((always_inline)) void event(void *obj, int delta) {
  uint32_t st = lg_rc_capture();
  if (!(delta > 0 ? lg_rc_ref((uintptr_t)obj, st) : lg_rc_unref((uintptr_t)obj, st))) adopt(obj, st, delta);
}

static void *h_ref(void *obj) {
  if (obj && LG_RC_TRACE) {
    LG_GUARDED;
    event(obj, +1);
  }
  return o_ref(obj);
}

static void h_unref(void *obj) {
  if (obj && LG_RC_TRACE) {
    LG_GUARDED;
    event(obj, -1);
  }
  o_unref(obj);
}

static void *h_create(uintptr_t type) {
  void *inst = o_create(type);
  if (inst && LG_RC_TRACE) {
    LG_GUARDED;
    tinfo_t *t = type_of(inst);
    if (t && t->is_object) {
      uintptr_t b = lg_rc_birth_in((uintptr_t)inst, guess(inst, t), LG_RC_GOBJECT, COUNT_OFF, 4, t->id, lg_rc_capture());
      if (b) t->back = (int32_t)((uintptr_t)inst - b);
    }
  }
  return inst;
}

static void h_free(void *inst) {
  if (inst && LG_RC_TRACE) {
    LG_GUARDED;
    lg_rc_death((uintptr_t)inst);
  }
  o_free(inst);
}

/* ---- installation --------------------------------------------------------------- */

void lg_rc_gobject_module(const struct dl_phdr_info *info) {
  if (!lg_rc_symbol(info, "g_object_ref") || !lg_rc_symbol(info, "g_type_create_instance")) return;
  if (installed) {
    lg_rc_note(LG_NOTE_WARNING, "refcount gobject: %s defines GObject too; only the first one is hooked",
               lg_rc_module_name(info));
    return;
  }
  installed = 1;
  type_fundamental = (uintptr_t(*)(uintptr_t))lg_rc_symbol(info, "g_type_fundamental");
  type_name = (const char *(*)(uintptr_t))lg_rc_symbol(info, "g_type_name");
  if (!type_fundamental || !type_name) {
    lg_rc_note(LG_NOTE_WARNING, "refcount gobject: %s lacks g_type_fundamental or g_type_name; the family is off "
               "for it", lg_rc_module_name(info));
    return;
  }
  lg_patch_t p[4];
  int ok = lg_rc_plan(info, "g_type_create_instance", (void *)h_create, (void **)&o_create, &p[0]) &&
           lg_rc_plan(info, "g_type_free_instance", (void *)h_free, (void **)&o_free, &p[1]) &&
           lg_rc_plan(info, "g_object_ref", (void *)h_ref, (void **)&o_ref, &p[2]) &&
           lg_rc_plan(info, "g_object_unref", (void *)h_unref, (void **)&o_unref, &p[3]);
  if (!ok) {
    lg_rc_note(LG_NOTE_WARNING, "refcount gobject: %s does not define all of g_type_create_instance, "
               "g_type_free_instance, g_object_ref, g_object_unref; the family is off for it", lg_rc_module_name(info));
    return;
  }
  lg_rc_install(LG_RC_GOBJECT, info, p, 4);
}
