/* tools/symbolize.c — offline symbolization with elfutils libdwfl (see
 * symbolize.h). Each distinct module file (path + logged build-id) gets its
 * own Dwfl with the ELF reported at bias 0, so lookups use link-time
 * addresses (run-time address minus the logged load bias) and modules that
 * were loaded at overlapping addresses over a process's life never clash.
 * Frames are return addresses: file, line and function are looked up at
 * address-1, inside the call instruction, and the original address is
 * what the report prints. Results are cached per module and address.
 * C++ names are demangled here, once per cached address, with libstdc++'s
 * __cxa_demangle, so every renderer prints `ns::Foo::bar(int)`; the symbol
 * as the symbol table spells it stays beside it for suppressions.
 *
 * Inlined calls: the DWARF scopes at the address (dwarf_getscopes, innermost
 * first) hold a DW_TAG_inlined_subroutine for each function the compiler
 * inlined there. The innermost inlined function is at the line table's
 * line; each inlined scope's DW_AT_call_file and DW_AT_call_line say where
 * its caller (the next scope out) called it, down to the real function,
 * whose name comes from the symbol table as before. */
#include "symbolize.h"

#include <elfutils/libdwelf.h>
#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "escape.h"
#include "util.h"

/* A function inlined at an address: its name, and where its code is (for
 * the innermost) or where it called the one inlined into it. */
typedef struct lg_syminl {
  char *function, *file, *short_file;
  int line;
} lg_syminl_t;

/* A cached lookup result within one module. For a data address,
 * `function` holds the object's name and `symoff` the offset into it; for
 * code, `symoff` is the address's offset into its function. `linkage` is
 * the mangled symbol when `function` is its demangled form. `inl` lists
 * the functions inlined at the address, innermost first; `file` and
 * `line` are then the call into the outermost of them. */
typedef struct lg_symaddr {
  uint64_t offset;
  char *function, *linkage, *file, *short_file;
  int line;
  uint64_t symoff; /* data: offset into the object; code: into the function */
  lg_syminl_t *inl;
  size_t ninl;
  UT_hash_handle hh;
} lg_symaddr_t;

/* A module file: its Dwfl (NULL when unusable) and its address cache. */
typedef struct lg_symmod {
  char *key; /* path, NUL, build-id in hex */
  size_t keylen;
  Dwfl *dwfl;
  Dwfl_Module *mod;
  lg_symaddr_t *addrs;
  lg_symaddr_t *data; /* data addresses, a cache of their own */
  UT_hash_handle hh;
} lg_symmod_t;

/* The module file of module `module` of process `proc`, found once: so
 * that a frame costs one hash probe, not a cache key built from the path
 * and the build-id (which a hostile log can make as long as itself). */
typedef struct lg_symref {
  struct {
    const lg_process_t *proc;
    size_t module;
  } key;
  lg_symmod_t *sm;
  UT_hash_handle hh;
} lg_symref_t;

struct lg_sym {
  int enabled;
  FILE *warn;
  lg_symmod_t *mods;
  lg_symref_t *refs;
  char *cwd; /* the working directory, for short paths; NULL if unknown */
};

/* ------------------------------------------------------- opening files */

/* The only directory where separate debug information is looked for. */
#define LG_SYM_DEBUG_DIR "/usr/lib/debug"

/* Says whether `path` is absolute and canonical: no empty, "." or ".."
 * component, so that no directory prefix can lead out of itself. */
static int lg_sym_canonical(const char *path) {
  if (path[0] != '/')
    return 0;
  for (const char *c = path + 1;; c++) {
    const char *e = strchr(c, '/');
    size_t n = e ? (size_t)(e - c) : strlen(c);
    if (n == 0 || (n == 1 && c[0] == '.') ||
        (n == 2 && c[0] == '.' && c[1] == '.'))
      return 0;
    if (!e)
      return 1;
    c = e;
  }
}

/* Says whether the ELF file open at `fd` carries the build-id of `mod`
 * (a module without one accepts any file). */
static int lg_sym_same_build_id(Dwfl_Module *mod, int fd) {
  const unsigned char *want;
  GElf_Addr vaddr;
  int n = dwfl_module_build_id(mod, &want, &vaddr);
  if (n <= 0)
    return 1;
  Elf *elf = elf_begin(fd, ELF_C_READ_MMAP, NULL);
  const void *have = NULL;
  ssize_t m = elf ? dwelf_elf_gnu_build_id(elf, &have) : -1;
  int same = m == n && memcmp(have, want, (size_t)n) == 0;
  if (elf)
    elf_end(elf);
  return same;
}

/* Opens the candidate debug file `path` for `mod`: a regular file with the
 * module's build-id. Returns the descriptor (its name in `*name`) or -1. */
static int lg_sym_try_debug(Dwfl_Module *mod, const char *path, char **name) {
  int fd = lg_util_open_regular(path, 0);
  if (fd < 0)
    return -1;
  if (!lg_sym_same_build_id(mod, fd)) {
    close(fd);
    return -1;
  }
  *name = lg_util_xstrdup(path);
  return fd;
}

/* libdwfl's find_debuginfo callback, in place of its standard one (which
 * opens whatever a module's directory or its .gnu_debuglink name, FIFOs
 * included): by build-id under /usr/lib/debug/.build-id, else by the
 * debuglink name (a plain file name) under /usr/lib/debug and the module's
 * own path, every candidate opened as a regular file and checked for the
 * module's build-id. */
static int lg_sym_find_debuginfo(Dwfl_Module *mod, void **userdata,
                                 const char *modname, Dwarf_Addr base,
                                 const char *file_name,
                                 const char *debuglink_file,
                                 GElf_Word debuglink_crc,
                                 char **debuginfo_file_name) {
  const unsigned char *id;
  GElf_Addr vaddr;
  int n = dwfl_module_build_id(mod, &id, &vaddr);
  lg_sb_t sb = {0};
  int fd = -1;
  if (n > 1) {
    lg_sb_printf(&sb, "%s/.build-id/%02x/", LG_SYM_DEBUG_DIR, id[0]);
    for (int i = 1; i < n; i++)
      lg_sb_printf(&sb, "%02x", id[i]);
    lg_sb_printf(&sb, ".debug");
    fd = lg_sym_try_debug(mod, sb.s, debuginfo_file_name);
  }
  const char *slash = file_name ? strrchr(file_name, '/') : NULL;
  if (fd < 0 && slash && debuglink_file && debuglink_file[0] &&
      !strchr(debuglink_file, '/') && strcmp(debuglink_file, ".") &&
      strcmp(debuglink_file, "..") && lg_sym_canonical(file_name)) {
    int dirlen = (int)(slash - file_name);
    lg_sb_free(&sb);
    lg_sb_printf(&sb, "%s%.*s/%s", LG_SYM_DEBUG_DIR, dirlen, file_name,
                 debuglink_file);
    fd = lg_sym_try_debug(mod, sb.s, debuginfo_file_name);
  }
  lg_sb_free(&sb);
  return fd;
}

static const Dwfl_Callbacks lg_sym_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = lg_sym_find_debuginfo,
    .section_address = dwfl_offline_section_address,
};

lg_sym_t *lg_sym_new(int enabled, FILE *warn) {
  lg_sym_t *sym = lg_util_xcalloc(1, sizeof *sym);
  sym->enabled = enabled;
  sym->warn = warn;
  sym->cwd = getcwd(NULL, 0);
  return sym;
}

/* Releases a cache of lookup results. */
static void lg_sym_free_cache(lg_symaddr_t **cache) {
  lg_symaddr_t *a, *at;
  HASH_ITER(hh, *cache, a, at) {
    HASH_DEL(*cache, a);
    for (size_t i = 0; i < a->ninl; i++)
      free(a->inl[i].function), free(a->inl[i].file),
          free(a->inl[i].short_file);
    free(a->inl);
    free(a->function), free(a->linkage), free(a->file), free(a->short_file);
    free(a);
  }
}

void lg_sym_free(lg_sym_t *sym) {
  if (!sym)
    return;
  lg_symmod_t *m, *mt;
  HASH_ITER(hh, sym->mods, m, mt) {
    lg_sym_free_cache(&m->addrs);
    lg_sym_free_cache(&m->data);
    HASH_DEL(sym->mods, m);
    if (m->dwfl)
      dwfl_end(m->dwfl);
    free(m->key), free(m);
  }
  lg_symref_t *r, *rt;
  HASH_ITER(hh, sym->refs, r, rt) {
    HASH_DEL(sym->refs, r);
    free(r);
  }
  free(sym->cwd);
  free(sym);
}

/* Builds the cache key of a module file: path, NUL, build-id in hex. */
static char *lg_sym_key(const char *path, const lg_module_t *m, size_t *len) {
  lg_sb_t sb = {0};
  lg_sb_append(&sb, path, strlen(path) + 1);
  for (size_t i = 0; i < m->build_id_len; i++)
    lg_sb_printf(&sb, "%02x", m->build_id[i]);
  *len = sb.len;
  return sb.s;
}

/* Says whether the file's build-id is the logged one (an empty logged
 * build-id cannot be checked and is trusted). */
static int lg_sym_build_id_ok(Dwfl_Module *mod, const lg_module_t *m) {
  const unsigned char *bits;
  GElf_Addr vaddr;
  if (m->build_id_len == 0)
    return 1;
  int n = dwfl_module_build_id(mod, &bits, &vaddr);
  return n > 0 && (size_t)n == m->build_id_len &&
         memcmp(bits, m->build_id, m->build_id_len) == 0;
}

/* Opens the module file at `path` in a Dwfl of its own; leaves `sm->dwfl`
 * NULL when the file is missing, not ELF, or built differently. */
static void lg_sym_open(lg_sym_t *sym, lg_symmod_t *sm, const char *path,
                        const lg_module_t *m) {
  if (!sym->enabled || !lg_sym_canonical(path))
    return;
  int fd = lg_util_open_regular(path, 0);
  if (fd < 0)
    return;
  Dwfl *dwfl = dwfl_begin(&lg_sym_callbacks);
  if (!dwfl) {
    close(fd);
    return;
  }
  dwfl_report_begin(dwfl);
  Dwfl_Module *mod = dwfl_report_elf(dwfl, path, path, fd, 0, false);
  if (!mod) /* libdwfl keeps the descriptor only of a module it reported */
    close(fd);
  dwfl_report_end(dwfl, NULL, NULL);
  if (mod && !lg_sym_build_id_ok(mod, m)) {
    if (sym->warn)
      fprintf(sym->warn,
              "leakgraph-report: warning: %s is not the file the process "
              "loaded (its build-id differs); its frames are shown without "
              "symbols\n",
              lg_esc(path));
    mod = NULL;
  }
  if (!mod) {
    dwfl_end(dwfl);
    return;
  }
  sm->dwfl = dwfl;
  sm->mod = mod;
}

/* Returns the cache entry of module `m` of process `p`, opening it once. */
static lg_symmod_t *lg_sym_module_file(lg_sym_t *sym, const lg_process_t *p,
                                       const lg_module_t *m) {
  const char *path = lg_reader_module_path(p, m);
  size_t len;
  char *key = lg_sym_key(path, m, &len);
  lg_symmod_t *sm;
  HASH_FIND(hh, sym->mods, key, len, sm);
  if (sm) {
    free(key);
    return sm;
  }
  sm = lg_util_xcalloc(1, sizeof *sm);
  sm->key = key;
  sm->keylen = len;
  lg_sym_open(sym, sm, path, m);
  HASH_ADD_KEYPTR(hh, sym->mods, sm->key, sm->keylen, sm);
  return sm;
}

/* Returns the module file of module `m` of process `p`, through the
 * per-process reference (found once per module). */
static lg_symmod_t *lg_sym_module(lg_sym_t *sym, const lg_process_t *p,
                                  const lg_module_t *m) {
  lg_symref_t probe, *r;
  memset(&probe, 0, sizeof probe);
  probe.key.proc = p;
  probe.key.module = (size_t)(m - p->modules);
  HASH_FIND(hh, sym->refs, &probe.key, sizeof probe.key, r);
  if (r)
    return r->sm;
  r = lg_util_xcalloc(1, sizeof *r);
  r->key = probe.key;
  r->sm = lg_sym_module_file(sym, p, m);
  HASH_ADD(hh, sym->refs, key, sizeof r->key, r);
  return r->sm;
}

/* libstdc++'s demangler, the C++ ABI's (<cxxabi.h> is C++ only): returns
 * a malloc'd string, or NULL with *status < 0 for a name it cannot read. */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len,
                            int *status);

/* Sets a->function to the symbol `fn` without its version ("f@@GLIBC_2.34"
 * -> "f"), demangled when it is a C++ name; a->linkage then keeps the
 * symbol as it was. */
static void lg_sym_name(lg_symaddr_t *a, const char *fn) {
  char *raw = lg_util_xmemdup_str(fn, strcspn(fn, "@"));
  int status = -1;
  char *d = raw[0] == '_' && raw[1] == 'Z'
                ? __cxa_demangle(raw, NULL, NULL, &status)
                : NULL;
  if (d && status == 0) {
    a->function = d;
    a->linkage = raw;
  } else {
    free(d);
    a->function = raw;
  }
}

/* Returns `file` relative to directory `dir` when it lies inside it (a
 * new string), else NULL. */
static char *lg_sym_inside(const char *file, const char *dir) {
  size_t n = dir ? strlen(dir) : 0;
  while (n > 1 && dir[n - 1] == '/')
    n--;
  if (n == 0 || file[0] != '/' || strncmp(file, dir, n) != 0 ||
      file[n] != '/' || file[n + 1] == '\0')
    return NULL;
  return lg_util_xstrdup(file + n + 1);
}

/* Returns the short form of source path `file` (a new string, or NULL to
 * use `file` itself): relative to the working directory, else to the
 * compilation directory `comp_dir`, when it lies inside one of them. */
static char *lg_sym_short(const lg_sym_t *sym, const char *file,
                          const char *comp_dir) {
  char *s = lg_sym_inside(file, sym->cwd);
  return s ? s : lg_sym_inside(file, comp_dir);
}

/* Returns the name of DWARF function `die` (the abstract origin's for an
 * inlined instance), demangled when it has a C++ linkage name; a new
 * string, or NULL. */
static char *lg_sym_die_name(Dwarf_Die *die) {
  Dwarf_Attribute attr;
  const char *ln = dwarf_formstring(
      dwarf_attr_integrate(die, DW_AT_linkage_name, &attr));
  if (!ln)
    ln = dwarf_formstring(
        dwarf_attr_integrate(die, DW_AT_MIPS_linkage_name, &attr));
  if (ln) {
    lg_symaddr_t a = {0};
    lg_sym_name(&a, ln);
    free(a.linkage);
    return a.function;
  }
  const char *n = dwarf_formstring(dwarf_attr_integrate(die, DW_AT_name,
                                                        &attr));
  return n ? lg_util_xstrdup(n) : NULL;
}

/* Returns the source file numbered `idx` in the file table of compilation
 * unit `cu` (a new string), or NULL. */
static char *lg_sym_cu_file(Dwarf_Die *cu, Dwarf_Word idx) {
  Dwarf_Files *files;
  size_t nfiles;
  if (dwarf_getsrcfiles(cu, &files, &nfiles) != 0 || idx >= nfiles)
    return NULL;
  const char *f = dwarf_filesrc(files, idx, NULL, NULL);
  return f && f[0] ? lg_util_xstrdup(f) : NULL;
}

/* Reads the call site of inlined scope `die` into `*file` (a new string or
 * NULL) and `*line` (0 when unknown). */
static void lg_sym_call_site(Dwarf_Die *cu, Dwarf_Die *die, char **file,
                             int *line) {
  Dwarf_Attribute attr;
  Dwarf_Word w = 0;
  *file = NULL;
  *line = 0;
  if (dwarf_formudata(dwarf_attr(die, DW_AT_call_file, &attr), &w) == 0)
    *file = lg_sym_cu_file(cu, w);
  if (dwarf_formudata(dwarf_attr(die, DW_AT_call_line, &attr), &w) == 0 &&
      w < 1u << 30)
    *line = (int)w;
}

/* Returns in `*out` the innermost inlined instance among the scopes at
 * address `addr` of compilation unit `cu`; 0, or -1 when there is none. */
static int lg_sym_innermost_inlined(Dwarf_Die *cu, Dwarf_Addr addr,
                                    Dwarf_Die *out) {
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes(cu, addr, &scopes), rc = -1;
  for (int i = 0; i < n && dwarf_tag(&scopes[i]) != DW_TAG_subprogram; i++)
    if (dwarf_tag(&scopes[i]) == DW_TAG_inlined_subroutine) {
      *out = scopes[i];
      rc = 0;
      break;
    }
  free(scopes);
  return rc;
}

/* Fills a->inl with the functions inlined at link-time address `pc` of
 * `sm`, innermost first, and moves the line table's file and line (in
 * a->file, a->line) to the innermost of them, leaving a->file and a->line
 * at the call into the outermost. dwarf_getscopes continues an inlined
 * instance's chain in its abstract definition, so the chain of the places
 * it was inlined into comes from dwarf_getscopes_die on the instance. */
static void lg_sym_inlined(const lg_sym_t *sym, lg_symmod_t *sm, uint64_t pc,
                           lg_symaddr_t *a, const char *comp_dir) {
  Dwarf_Addr bias = 0;
  Dwarf_Die *cu = dwfl_module_addrdie(sm->mod, pc, &bias), inner;
  if (!cu || lg_sym_innermost_inlined(cu, pc - bias, &inner) < 0)
    return;
  Dwarf_Die *scopes = NULL;
  int n = dwarf_getscopes_die(&inner, &scopes);
  for (int i = 0; i < n && a->ninl < LG_SYM_MAX_INLINED - 1; i++) {
    if (dwarf_tag(&scopes[i]) == DW_TAG_subprogram)
      break;
    if (dwarf_tag(&scopes[i]) != DW_TAG_inlined_subroutine)
      continue;
    a->inl = lg_util_xrealloc(a->inl, a->ninl + 1, sizeof *a->inl);
    lg_syminl_t *in = &a->inl[a->ninl++];
    in->function = lg_sym_die_name(&scopes[i]);
    in->file = a->file, in->line = a->line; /* where its own code is */
    in->short_file = in->file ? lg_sym_short(sym, in->file, comp_dir) : NULL;
    lg_sym_call_site(cu, &scopes[i], &a->file, &a->line);
  }
  free(scopes);
}

/* Looks up function, file and line at link-time address `pc` of `sm`, and
 * the functions inlined there. */
static void lg_sym_lookup(const lg_sym_t *sym, lg_symmod_t *sm, uint64_t pc,
                          lg_symaddr_t *a) {
  if (!sm->mod)
    return;
  GElf_Off off = 0;
  GElf_Sym s;
  const char *fn = dwfl_module_addrinfo(sm->mod, pc, &off, &s, NULL, NULL,
                                        NULL);
  if (fn && fn[0]) {
    lg_sym_name(a, fn);
    a->symoff = off + 1; /* of the return address, not of pc */
  }
  Dwfl_Line *line = dwfl_module_getsrc(sm->mod, pc);
  if (!line)
    return;
  Dwarf_Addr la;
  int lineno = 0;
  const char *file = dwfl_lineinfo(line, &la, &lineno, NULL, NULL, NULL);
  if (file && file[0]) {
    a->file = lg_util_xstrdup(file);
    a->line = lineno > 0 ? lineno : 0;
  }
  const char *comp_dir = dwfl_line_comp_dir(line);
  lg_sym_inlined(sym, sm, pc, a, comp_dir);
  if (a->file)
    a->short_file = lg_sym_short(sym, a->file, comp_dir);
}

/* Returns the cached result at module offset `offset`, computing it once. */
static lg_symaddr_t *lg_sym_addr(const lg_sym_t *sym, lg_symmod_t *sm,
                                 uint64_t offset) {
  lg_symaddr_t *a;
  HASH_FIND(hh, sm->addrs, &offset, sizeof offset, a);
  if (a)
    return a;
  a = lg_util_xcalloc(1, sizeof *a);
  a->offset = offset;
  lg_sym_lookup(sym, sm, offset ? offset - 1 : 0, a);
  HASH_ADD(hh, sm->addrs, offset, sizeof a->offset, a);
  return a;
}

/* Returns the cached lookup of frame `f` of `p` with `out` holding its
 * address, offset and module, or NULL (then `out` is all there is). */
static const lg_symaddr_t *lg_sym_cached(lg_sym_t *sym, const lg_process_t *p,
                                         const lg_frame_t *f,
                                         lg_symframe_t *out) {
  memset(out, 0, sizeof *out);
  out->address = f->address;
  out->offset = f->address;
  if (f->module < 0 || (size_t)f->module >= p->nmodules)
    return NULL;
  const lg_module_t *m = &p->modules[f->module];
  out->module = lg_reader_module_path(p, m);
  out->offset = f->address - m->load_bias;
  return lg_sym_addr(sym, lg_sym_module(sym, p, m), out->offset);
}

/* Sets the physical frame's fields of `out` from lookup `a`. */
static void lg_sym_fill(lg_symframe_t *out, const lg_symaddr_t *a) {
  out->function = a->function;
  out->fn_offset = a->function ? a->symoff : 0;
  out->linkage = a->linkage;
  out->file = a->file;
  out->short_file = a->short_file ? a->short_file : a->file;
  out->line = a->line;
}

void lg_sym_frame(lg_sym_t *sym, const lg_process_t *p, const lg_frame_t *f,
                  lg_symframe_t *out) {
  const lg_symaddr_t *a = lg_sym_cached(sym, p, f, out);
  if (a)
    lg_sym_fill(out, a);
}

size_t lg_sym_frames(lg_sym_t *sym, const lg_process_t *p,
                     const lg_frame_t *f, lg_symframe_t *out, size_t max) {
  if (max == 0)
    return 0;
  lg_symframe_t base;
  const lg_symaddr_t *a = lg_sym_cached(sym, p, f, &base);
  size_t ninl = a ? a->ninl : 0, skip = ninl >= max ? ninl - max + 1 : 0;
  size_t n = 0;
  for (size_t i = skip; i < ninl; i++, n++) {
    out[n] = base;
    out[n].function = a->inl[i].function;
    out[n].file = a->inl[i].file;
    out[n].short_file = a->inl[i].short_file ? a->inl[i].short_file
                                              : a->inl[i].file;
    out[n].line = a->inl[i].line;
    out[n].inlined = 1;
  }
  out[n] = base;
  if (a)
    lg_sym_fill(&out[n], a);
  return n + 1;
}

/* Returns the cached name of the data object at module offset `offset`,
 * looking it up once. */
static lg_symaddr_t *lg_sym_data_addr(lg_symmod_t *sm, uint64_t offset) {
  lg_symaddr_t *a;
  HASH_FIND(hh, sm->data, &offset, sizeof offset, a);
  if (a)
    return a;
  a = lg_util_xcalloc(1, sizeof *a);
  a->offset = offset;
  GElf_Off off = 0;
  GElf_Sym s;
  const char *name = sm->mod ? dwfl_module_addrinfo(sm->mod, offset, &off, &s,
                                                    NULL, NULL, NULL)
                             : NULL;
  if (name && name[0]) {
    lg_sym_name(a, name);
    a->symoff = off;
  }
  HASH_ADD(hh, sm->data, offset, sizeof a->offset, a);
  return a;
}

void lg_sym_data(lg_sym_t *sym, const lg_process_t *p, int module,
                 uint64_t addr, lg_symdata_t *out) {
  memset(out, 0, sizeof *out);
  if (module < 0 || (size_t)module >= p->nmodules)
    return;
  const lg_module_t *m = &p->modules[module];
  out->module = lg_reader_module_path(p, m);
  lg_symaddr_t *a = lg_sym_data_addr(lg_sym_module(sym, p, m),
                                     addr - m->load_bias);
  out->symbol = a->function;
  out->offset = a->symoff;
}
