/* preload/dynsym.c — dynamic symbol lookup in one loaded module (see
 * dynsym.h). The loader has relocated the pointers of a module's dynamic
 * section by its load bias, except in the vdso: a pointer below the bias
 * is taken as relative. */
#include "dynsym.h"

#include <elf.h>
#include <string.h>

typedef struct dyn {
  const ElfW(Sym) *sym;
  const char *str;
  size_t strsz;
  const uint32_t *gnu, *sysv;
  const uint16_t *versym;
  int type; /* STT_FUNC or STT_OBJECT: what is looked for */
} dyn_t;

/* Reads the module's dynamic section; 0 when it has none usable. */
static int read_dyn(const struct dl_phdr_info *info, dyn_t *d) {
  memset(d, 0, sizeof *d);
  const ElfW(Dyn) *dyn = NULL;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_DYNAMIC) dyn = (const ElfW(Dyn) *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
  if (!dyn) return 0;
  uintptr_t bias = info->dlpi_addr;
  for (; dyn->d_tag != DT_NULL; dyn++) {
    uintptr_t v = dyn->d_un.d_ptr;
    uintptr_t a = v < bias ? v + bias : v;
    switch (dyn->d_tag) {
    case DT_SYMTAB: d->sym = (const ElfW(Sym) *)a; break;
    case DT_STRTAB: d->str = (const char *)a; break;
    case DT_STRSZ: d->strsz = dyn->d_un.d_val; break;
    case DT_GNU_HASH: d->gnu = (const uint32_t *)a; break;
    case DT_HASH: d->sysv = (const uint32_t *)a; break;
    case DT_VERSYM: d->versym = (const uint16_t *)a; break;
    }
  }
  return d->sym && d->str && (d->gnu || d->sysv);
}

/* Is symbol i the default-version definition of `name`, of d->type? */
static int matches(const dyn_t *d, uint32_t i, const char *name) {
  const ElfW(Sym) *s = &d->sym[i];
  if (s->st_shndx == SHN_UNDEF || !s->st_value || ELF64_ST_TYPE(s->st_info) != d->type) return 0;
  if (d->versym && (d->versym[i] & 0x8000)) return 0; /* a hidden, older version */
  return s->st_name < d->strsz && !strcmp(d->str + s->st_name, name);
}

static int64_t gnu_lookup(const dyn_t *d, const char *name) {
  uint32_t h = 5381;
  for (const unsigned char *c = (const unsigned char *)name; *c; c++) h = h * 33 + *c;
  uint32_t nbuckets = d->gnu[0], symoffset = d->gnu[1], bloom_size = d->gnu[2];
  const uint32_t *buckets = d->gnu + 4 + bloom_size * (sizeof(ElfW(Addr)) / 4);
  const uint32_t *chain = buckets + nbuckets;
  if (!nbuckets) return -1;
  uint32_t i = buckets[h % nbuckets];
  if (i < symoffset) return -1;
  for (;; i++) {
    uint32_t h2 = chain[i - symoffset];
    if ((h | 1) == (h2 | 1) && matches(d, i, name)) return i;
    if (h2 & 1) return -1;
  }
}

static int64_t sysv_lookup(const dyn_t *d, const char *name) {
  uint32_t h = 0;
  for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
    h = (h << 4) + *c;
    uint32_t g = h & 0xf0000000u;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  uint32_t nbucket = d->sysv[0], nchain = d->sysv[1];
  const uint32_t *bucket = d->sysv + 2, *chain = bucket + nbucket;
  if (!nbucket) return -1;
  for (uint32_t i = bucket[h % nbucket], k = 0; i && i < nchain && k < nchain; i = chain[i], k++)
    if (matches(d, i, name)) return i;
  return -1;
}

static int find(const struct dl_phdr_info *info, const char *name, int type, uintptr_t *addr, size_t *size) {
  dyn_t d;
  if (!read_dyn(info, &d)) return 0;
  d.type = type;
  int64_t i = d.gnu ? gnu_lookup(&d, name) : sysv_lookup(&d, name);
  if (i < 0) return 0;
  *addr = info->dlpi_addr + d.sym[i].st_value;
  *size = d.sym[i].st_size;
  return 1;
}

int lg_dynsym_find(const struct dl_phdr_info *info, const char *name, uintptr_t *addr, size_t *size) {
  return find(info, name, STT_FUNC, addr, size);
}

int lg_dynsym_find_object(const struct dl_phdr_info *info, const char *name, uintptr_t *addr, size_t *size) {
  return find(info, name, STT_OBJECT, addr, size);
}
