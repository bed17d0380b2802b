/* preload/dynsym.h — finds a function a loaded module defines, by name, in
 * the module's own dynamic symbol table (DT_GNU_HASH or DT_HASH), with its
 * size: what entry patching needs to know where a function ends. Unlike
 * dlsym it takes no loader lock, needs no handle (the main program too)
 * and never finds a definition in another module. */
#ifndef LG_DYNSYM_H
#define LG_DYNSYM_H

#include <link.h>
#include <stddef.h>
#include <stdint.h>

/* lg_dynsym_find looks up the default version of function `name` that
 * module `info` defines; on success it sets *addr (the run-time address)
 * and *size (the symbol's size, 0 when unknown) and returns 1, else 0. */
int lg_dynsym_find(const struct dl_phdr_info *info, const char *name, uintptr_t *addr, size_t *size);
/* lg_dynsym_find_object is the same for a data object (STT_OBJECT), such
 * as CPython's PyType_Type. */
int lg_dynsym_find_object(const struct dl_phdr_info *info, const char *name, uintptr_t *addr, size_t *size);

#endif
