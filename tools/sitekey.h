/* tools/sitekey.h — the identity of an allocation site across runs: what a
 * baseline (--baseline) compares, and what groups identical stacks. A site
 * is its allocation stack; its key names every frame by what survives a
 * rebuild of the same sources and address-space randomisation — the
 * function, the offset of the return address within it and the module's
 * file name (not its directory: a CI checkout moves) — never by a raw
 * address. A frame without a function (no symbols) is named by its module
 * and the offset in it; one outside every module by "?". */
#ifndef LG_SITEKEY_H
#define LG_SITEKEY_H

#include <stddef.h>

#include "symbolize.h"

/* lg_sitekey_make returns the key of the stack of `n` frames `f` as a new
 * string (free it), e.g. "leak_one+0x1d@prog;main+0x12@prog;
 * __libc_start_call_main+0x7a@libc.so.6". An empty stack gives "". */
char *lg_sitekey_make(const lg_symframe_t *f, size_t n);

#endif
