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

#include <elfutils/libdwfl.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

/* A cached lookup result within one module. For a data address,
 * `function` holds the object's name and `symoff` the offset into it.
 * `linkage` is the mangled symbol when `function` is its demangled form. */
typedef struct lg_symaddr {
  uint64_t offset;
  char *function, *linkage, *file;
  int line;
  uint64_t symoff;
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

struct lg_sym {
  int enabled;
  FILE *warn;
  lg_symmod_t *mods;
};

static const Dwfl_Callbacks lg_sym_callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
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
  if (!sym->enabled || path[0] != '/')
    return;
  Dwfl *dwfl = dwfl_begin(&lg_sym_callbacks);
  if (!dwfl)
    return;
  dwfl_report_begin(dwfl);
  Dwfl_Module *mod = dwfl_report_elf(dwfl, path, path, -1, 0, false);
  dwfl_report_end(dwfl, NULL, NULL);
  if (mod && !lg_sym_build_id_ok(mod, m)) {
    if (sym->warn)
      fprintf(sym->warn,
              "leakgraph-report: warning: %s is not the file the process "
              "loaded (its build-id differs); its frames are shown without "
              "symbols\n",
              path);
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
static lg_symmod_t *lg_sym_module(lg_sym_t *sym, const lg_process_t *p,
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
  if (fn && fn[0])
    lg_sym_name(a, fn);
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
