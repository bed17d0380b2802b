/* collector/exesym.h — look up a function of the main program by name in
 * its ELF symbol tables (see exesym.c). */
#ifndef LG_EXESYM_H
#define LG_EXESYM_H

#include <stdint.h>

/* lg_exe_symbol returns the run-time address of function `name` defined by
 * the main executable, or 0. */
uintptr_t lg_exe_symbol(const char *name);

#endif
