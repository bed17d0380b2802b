/* tools/symbolize.h — turns a frame of a process (a raw return address and
 * the module it fell in) into function, source file and line, offline, from
 * the modules' files on disk and their debug information (elfutils libdwfl),
 * C++ names demangled, with the functions inlined at that address as frames
 * of their own (libdw's scopes, as `eu-addr2line -i` shows them), and a
 * data address (a retention chain's root word) into the global variable
 * holding it. Source paths also come shortened for people: relative to the
 * working directory, or to the compilation directory, where they lie
 * inside it.
 * One symbolizer serves every process of a report: modules are cached by
 * path and build-id, results by module and address. A module whose file is
 * missing, or whose build-id differs from the logged one, gives module and
 * address only. */
#ifndef LG_SYMBOLIZE_H
#define LG_SYMBOLIZE_H

#include <stdint.h>
#include <stdio.h>

#include "reader.h"

/* A symbolized frame. Strings belong to the symbolizer (or to the process,
 * for `module`) and live until lg_sym_free; NULL or 0 means unknown.
 * `function` is demangled (`ns::Foo::bar(int)`); `linkage` is then the
 * symbol as the symbol table spells it (`_ZN2ns3Foo3barEi`), else NULL.
 * `file` is the source path as the debug information spells it;
 * `short_file` the same path for people (relative to the working
 * directory or to the compilation directory when inside one, else `file`).
 * An `inlined` frame is a function that the compiler inlined into the
 * frame that follows it in the stack: both share the return address. */
typedef struct lg_symframe {
  uint64_t address;   /* the original return address */
  uint64_t offset;    /* address minus the module's load bias */
  uint64_t fn_offset; /* address minus the function's start (0: unknown) */
  const char *function, *file, *module;
  const char *linkage;
  const char *short_file;
  int line;
  int inlined;
} lg_symframe_t;

typedef struct lg_sym lg_sym_t;

/* The symbolizer opens only the module files a log names that are regular
 * files (never a FIFO, a device or a directory: a hostile log must not make
 * it hang or read forever), each through lg_util_open_regular, and looks for
 * separate debug information only under /usr/lib/debug (by build-id or by
 * the module's path there), never beside a path the log names; a module path
 * that is not canonical (relative, or with "." or ".." components) is not
 * opened at all. */

/* lg_sym_new makes a symbolizer. With `enabled` 0 it only maps frames to
 * modules (fast; for tests). Warnings (a build-id mismatch) go to `warn`
 * once per module, or nowhere when `warn` is NULL. */
lg_sym_t *lg_sym_new(int enabled, FILE *warn);

/* lg_sym_free releases the symbolizer and every string it handed out. */
void lg_sym_free(lg_sym_t *sym);

/* lg_sym_frame symbolizes frame `f` of process `p` into `out`: the
 * function that holds the return address (the outermost of the functions
 * inlined there), its file and line those of the call it made. */
void lg_sym_frame(lg_sym_t *sym, const lg_process_t *p, const lg_frame_t *f,
                  lg_symframe_t *out);

/* The most frames one return address expands into (inlined calls). */
#define LG_SYM_MAX_INLINED 16

/* lg_sym_frames symbolizes frame `f` of process `p` into out[0..n), n at
 * most `max` (at least 1) and returned: first the functions inlined at the
 * address, innermost first (`inlined` set, each at the line of its own
 * code or of the call it made into the one before), then the frame
 * lg_sym_frame gives. With `max` too small the innermost are dropped. */
size_t lg_sym_frames(lg_sym_t *sym, const lg_process_t *p,
                     const lg_frame_t *f, lg_symframe_t *out, size_t max);

/* A data address named: the symbol (a global or static variable, its C++
 * name demangled) holding it and the offset into it, and the module's path. Strings live like
 * those of lg_symframe_t; NULL means unknown. */
typedef struct lg_symdata {
  const char *symbol, *module;
  uint64_t offset; /* address minus the symbol's start */
} lg_symdata_t;

/* lg_sym_data names the data word at run-time address `addr` of process
 * `p`, which the reader found in module `module` (an index into p->modules,
 * or -1): the object symbol containing it, as libdwfl's
 * dwfl_module_addrinfo finds it in the module's symbol table. */
void lg_sym_data(lg_sym_t *sym, const lg_process_t *p, int module,
                 uint64_t addr, lg_symdata_t *out);

#endif
