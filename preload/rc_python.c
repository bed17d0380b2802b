/* preload/rc_python.c — the python refcount family: no hooks. CPython's
 * objects carry their counts (ob_refcnt at offset 0, ob_type at 8) and are
 * found in the heap at scan time by their type: the scan recognises an
 * object by an ob_type whose own type is PyType_Type. This file finds
 * PyType_Type, in the executable (Debian's python3 links libpython in) or
 * in a libpython loaded at start or by dlopen, and hands its address to
 * the collector (lg_rc_set_python_type). CPython's objects are malloc
 * blocks only with PYTHONMALLOC=malloc (the wrapper sets it): without it,
 * a NOTE says that the scan will find few of them. */
#include <stdlib.h>
#include <string.h>

#include "dynsym.h"
#include "rcfam.h"

static int found;

void lg_rc_python_module(const struct dl_phdr_info *info) {
  uintptr_t addr;
  size_t size;
  if (found || !lg_dynsym_find_object(info, "PyType_Type", &addr, &size)) return;
  found = 1;
  lg_rc_set_python_type(addr);
  lg_rc_family_active(LG_RC_PYTHON);
  const char *pm = getenv("PYTHONMALLOC");
  int plain = pm && (!strcmp(pm, "malloc") || !strcmp(pm, "malloc_debug"));
  lg_rc_note(plain ? LG_NOTE_INFO : LG_NOTE_WARNING,
             "refcount python: CPython in %s (PyType_Type at %p); its objects are read from the heap at scans%s",
             lg_rc_module_name(info), (void *)addr,
             plain ? "" : ", but PYTHONMALLOC is not malloc: objects in CPython's own pools are not heap blocks and "
                          "are not seen (python3 -I or -E also ignore PYTHONMALLOC)");
}
