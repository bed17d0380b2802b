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
 * as the symbol table spells it stays beside it for suppressions. */
#include "symbolize.h"

#include <elfutils/libdwelf.h>
#include <elfutils/libdwfl.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uthash.h>

#include "escape.h"
#include "util.h"

/* A cached lookup result within one module. For a data address,
 * `function` holds the object's name and `symoff` the offset into it.
 * `linkage` is the mangled symbol when `function` is its demangled form. */
typedef struct lg_symaddr {
  uint64_t offset;
  char *function, *linkage, *file;
  int line;
  uint64_t symoff; /* data: offset into the object; code: into the function */
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
  return sym;
}

/* Releases a cache of lookup results. */
static void lg_sym_free_cache(lg_symaddr_t **cache) {
  lg_symaddr_t *a, *at;
  HASH_ITER(hh, *cache, a, at) {
    HASH_DEL(*cache, a);
    free(a->function), free(a->linkage), free(a->file), free(a);
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

/* Looks up function, file and line at link-time address `pc` of `sm`. */
static void lg_sym_lookup(lg_symmod_t *sm, uint64_t pc, lg_symaddr_t *a) {
  if (!sm->mod)
    return;
  GElf_Off off;
  GElf_Sym s;
  const char *fn = dwfl_module_addrinfo(sm->mod, pc, &off, &s, NULL, NULL,
                                        NULL);
  if (fn && fn[0]) {
    lg_sym_name(a, fn);
    a->symoff = off + 1; /* of the return address, not the call */
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
}

/* Returns the cached result at module offset `offset`, computing it once. */
static lg_symaddr_t *lg_sym_addr(lg_symmod_t *sm, uint64_t offset) {
  lg_symaddr_t *a;
  HASH_FIND(hh, sm->addrs, &offset, sizeof offset, a);
  if (a)
    return a;
  a = lg_util_xcalloc(1, sizeof *a);
  a->offset = offset;
  lg_sym_lookup(sm, offset ? offset - 1 : 0, a);
  HASH_ADD(hh, sm->addrs, offset, sizeof a->offset, a);
  return a;
}

void lg_sym_frame(lg_sym_t *sym, const lg_process_t *p, const lg_frame_t *f,
                  lg_symframe_t *out) {
  memset(out, 0, sizeof *out);
  out->address = f->address;
  out->offset = f->address;
  if (f->module < 0 || (size_t)f->module >= p->nmodules)
    return;
  const lg_module_t *m = &p->modules[f->module];
  out->module = lg_reader_module_path(p, m);
  out->offset = f->address - m->load_bias;
  lg_symmod_t *sm = lg_sym_module(sym, p, m);
  lg_symaddr_t *a = lg_sym_addr(sm, out->offset);
  out->function = a->function;
  out->fn_offset = a->function ? a->symoff : 0;
  out->linkage = a->linkage;
  out->file = a->file;
  out->line = a->line;
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
