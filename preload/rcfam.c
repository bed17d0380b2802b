/* preload/rcfam.c — the refcount families' common ground (see rcfam.h):
 * the enabled set, stack capture for events, the walk over loaded modules
 * at start and after dlopen, planning and installing a family's patches,
 * notes. Each family's hooks live in a file of its own (rc_gobject.c,
 * rc_gstreamer.c, rc_openssl.c, rc_python.c; the api family in api.c). */
#include "rcfam.h"

#include <stdarg.h>
#include <string.h>
#include <sys/mman.h>

#include "collector.h"
#include "dynsym.h"
#include "lock.h"
#include "shim.h"
#include "unwind.h"

unsigned lg_rc_enabled;

uint32_t lg_rc_intern(const uintptr_t *frames, uint32_t n) {
  uint32_t id = lg_collector_intern_stack(frames, n);
  lg_unwind_interned(id);
  return id;
}

void lg_rc_note(uint32_t code, const char *fmt, ...) {
  char text[512];
  va_list ap;
  va_start(ap, fmt);
  lg_vfmt(text, sizeof text, fmt, ap);
  va_end(ap);
  lg_collector_note(code, text);
}

const char *lg_rc_module_name(const struct dl_phdr_info *info) {
  return info->dlpi_name && info->dlpi_name[0] ? info->dlpi_name : "the program";
}

/* ---- symbols and plans ------------------------------------------------- */

uintptr_t lg_rc_symbol(const struct dl_phdr_info *info, const char *name) {
  uintptr_t a;
  size_t size;
  return lg_dynsym_find(info, name, &a, &size) ? a : 0;
}

typedef struct anywhere { const char *name; uintptr_t found; } anywhere_t;

static int look_anywhere(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  anywhere_t *a = arg;
  return (a->found = lg_rc_symbol(info, a->name)) != 0;
}

uintptr_t lg_rc_anywhere(const char *name) {
  anywhere_t a = {name, 0};
  dl_iterate_phdr(look_anywhere, &a);
  return a.found;
}

int lg_rc_plan(const struct dl_phdr_info *info, const char *name, void *hook, void **orig, lg_patch_t *p) {
  uintptr_t a;
  size_t size;
  if (!lg_dynsym_find(info, name, &a, &size)) return 0;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || a < lo || a >= lo + ph->p_memsz) continue;
    int prot = PROT_EXEC | (ph->p_flags & PF_R ? PROT_READ : 0) | (ph->p_flags & PF_W ? PROT_WRITE : 0);
    *p = (lg_patch_t){name, a, size, lo + ph->p_memsz, prot, hook, orig, 0};
    return 1;
  }
  return 0;
}

int lg_rc_install(int family, const struct dl_phdr_info *info, lg_patch_t *p, size_t n) {
  char why[300];
  const char *fam = lg_rc_family_name((uint32_t)family), *mod = lg_rc_module_name(info);
  if (lg_patch_install(p, n, why, sizeof why) < 0) {
    lg_rc_note(LG_NOTE_WARNING, "refcount %s: %s in %s; the family is off for it, the program runs unchanged", fam,
               why, mod);
    return -1;
  }
  for (size_t i = 0; i < n; i++)
    if (p[i].chained)
      lg_rc_note(LG_NOTE_INFO, "refcount %s: %s in %s already started with a jump (another tool's patch): chained "
                 "through it", fam, p[i].name, mod);
  lg_rc_note(LG_NOTE_INFO, "refcount %s: %zu functions patched in %s", fam, n, mod);
  lg_rc_family_active(family);
  return 0;
}

/* ---- the walk over modules ------------------------------------------------ */

/* Modules already looked at, by the address of their dynamic section
 * (unique while loaded); a module unloaded and loaded again is new. The
 * families look at new modules after dl_iterate_phdr returned: patching
 * takes the modules lock, which comes before the loader's in the lock
 * order (collector.h). The families' libraries are never unloaded (GLib,
 * GStreamer and OpenSSL are linked -z nodelete). */
#define MAX_SEEN 4096
#define MAX_NEW 256
static uintptr_t seen[MAX_SEEN], present[MAX_SEEN];
static uint32_t nseen, npresent, nnew;
static struct dl_phdr_info fresh[MAX_NEW];
static lg_lock_t walk_lock = LG_LOCK_INIT;

static uintptr_t module_key(const struct dl_phdr_info *info) {
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) return info->dlpi_addr + info->dlpi_phdr[i].p_vaddr;
  return 0; /* no dynamic section: a static part, nothing to look up */
}

static int was_seen(uintptr_t key) {
  for (uint32_t i = 0; i < nseen; i++)
    if (seen[i] == key) return 1;
  return 0;
}

/* Notes one module: present, and new if not seen before. */
static int visit(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)arg;
  uintptr_t key = module_key(info);
  if (!key) return 0;
  if (npresent < MAX_SEEN) present[npresent++] = key;
  if (was_seen(key) || nseen == MAX_SEEN || nnew == MAX_NEW) return 0;
  seen[nseen++] = key;
  memset(&fresh[nnew], 0, sizeof fresh[nnew]);
  memcpy(&fresh[nnew], info, size < sizeof fresh[nnew] ? size : sizeof fresh[nnew]);
  nnew++;
  return 0;
}

/* Each enabled family may install itself in a new module. */
static void look_at(const struct dl_phdr_info *info) {
  if (lg_rc_wants(LG_RC_GOBJECT)) lg_rc_gobject_module(info);
  if (lg_rc_wants(LG_RC_GSTREAMER)) lg_rc_gstreamer_module(info);
  if (lg_rc_wants(LG_RC_OPENSSL)) lg_rc_openssl_module(info);
  if (lg_rc_wants(LG_RC_PYTHON)) lg_rc_python_module(info);
}

/* Visits the modules not seen yet, and forgets those that are gone. */
static void walk(void) {
  if (!(lg_rc_enabled & ~LG_RC_BIT(LG_RC_API))) return;
  lg_lock(&walk_lock);
  do { /* MAX_NEW at a time */
    npresent = nnew = 0;
    dl_iterate_phdr(visit, NULL);
    for (uint32_t i = 0; i < nnew; i++) look_at(&fresh[i]);
  } while (nnew == MAX_NEW);
  uint32_t keep = 0;
  for (uint32_t i = 0; i < nseen; i++) {
    int here = 0;
    for (uint32_t k = 0; k < npresent && !here; k++) here = present[k] == seen[i];
    if (here) seen[keep++] = seen[i];
  }
  nseen = keep;
  lg_patch_idle();
  lg_unlock(&walk_lock);
}

void lg_rc_start(void) {
  if (lg_rc_wants(LG_RC_API)) lg_rc_family_active(LG_RC_API);
  walk();
}

void lg_rc_after_dlopen(void) { walk(); }

void lg_rc_fork_child(void) { lg_lock_reset(&walk_lock); }
