/* collector/modules.c — the module map and its log records (see modules.h). */
#include "modules.h"

#include <elf.h>
#include <link.h>
#include <string.h>
#include <unistd.h>

#include "arena.h"
#include "format.h"
#include "lock.h"
#include "logwriter.h"
#include "sys.h"

#define MAX_SEGS 16
#define MAX_BUILD_ID 64

typedef struct module {
  uint32_t id;
  int present, seen, self; /* self: the shim or its unwinder */
  uintptr_t bias;
  char *path;
  uint32_t build_id_len;
  uint8_t build_id[MAX_BUILD_ID];
  uint32_t nseg;
  struct { uintptr_t start, size; uint32_t flags; } seg[MAX_SEGS];
} module_t;

static lg_lock_t lock = LG_LOCK_INIT;
static uintptr_t loader_lo, loader_hi; /* the loader's executable segment */
static lg_tls_hole_t holes[LG_MAX_TLS_HOLES];
static uint32_t nholes;

/* Records the static TLS block of one of the shim's own modules, as an
 * offset from the thread pointer (the same in every thread). */
static void add_tls_hole(struct dl_phdr_info *info) {
  if (!info->dlpi_tls_data || nholes == LG_MAX_TLS_HOLES) return;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_TLS) {
      holes[nholes].offset = (intptr_t)((uintptr_t)info->dlpi_tls_data - (uintptr_t)__builtin_thread_pointer());
      holes[nholes].size = info->dlpi_phdr[i].p_memsz;
      nholes++;
    }
}

uint32_t lg_modules_tls_holes(const lg_tls_hole_t **out) {
  *out = holes;
  return nholes;
}
static module_t **mods;
static uint32_t nmods, capmods, next_id = 1;

void lg_modules_lock(void) { lg_lock(&lock); }
void lg_modules_unlock(void) { lg_unlock(&lock); }
void lg_modules_reset_lock(void) { lg_lock_reset(&lock); }

/* Finds the GNU build-id note among a module's PT_NOTE segments. */
static void read_build_id(module_t *m, struct dl_phdr_info *info) {
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_NOTE) continue;
    const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end = p + ph->p_memsz;
    while (p + sizeof(ElfW(Nhdr)) <= end) {
      const ElfW(Nhdr) *nh = (const ElfW(Nhdr) *)p;
      const char *name = p + sizeof *nh;
      const char *desc = name + ((nh->n_namesz + 3) & ~3u);
      if (desc + nh->n_descsz > end) break;
      if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 && !memcmp(name, "GNU", 4) &&
          nh->n_descsz <= MAX_BUILD_ID) {
        memcpy(m->build_id, desc, nh->n_descsz);
        m->build_id_len = nh->n_descsz;
        return;
      }
      p = desc + ((nh->n_descsz + 3) & ~3u);
    }
  }
}

/* Finds a known module with the same path, bias and first segment. */
static module_t *find(const char *path, uintptr_t bias, uintptr_t seg0) {
  for (uint32_t i = 0; i < nmods; i++) {
    module_t *m = mods[i];
    if (m->bias == bias && (m->nseg ? m->seg[0].start : 0) == seg0 && !strcmp(m->path, path))
      return m;
  }
  return NULL;
}

static int add_module(module_t *m) {
  if (nmods == capmods) {
    uint32_t nc = capmods ? capmods * 2 : 64;
    module_t **nm = lg_arena_realloc(mods, nc * sizeof *nm);
    if (!nm) return -1;
    mods = nm;
    capmods = nc;
  }
  mods[nmods++] = m;
  return 0;
}

static void log_module(const module_t *m) {
  uint32_t pl = (uint32_t)strlen(m->path);
  uint32_t len = 4 + 8 + lg_log_str_size(pl) + lg_log_str_size(m->build_id_len) + 4 + m->nseg * 20;
  lg_log_lock();
  lg_log_begin(LG_REC_MODULE, len);
  lg_log_u32(m->id);
  lg_log_u64(m->bias);
  lg_log_str(m->path, pl);
  lg_log_str((const char *)m->build_id, m->build_id_len);
  lg_log_u32(m->nseg);
  for (uint32_t i = 0; i < m->nseg; i++) {
    lg_log_u64(m->seg[i].start);
    lg_log_u64(m->seg[i].size);
    lg_log_u32(m->seg[i].flags);
  }
  lg_log_end();
  lg_log_unlock();
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  uintptr_t seg0 = 0;
  for (int i = 0; i < info->dlpi_phnum; i++)
    if (info->dlpi_phdr[i].p_type == PT_LOAD) { seg0 = info->dlpi_addr + info->dlpi_phdr[i].p_vaddr; break; }
  const char *path = info->dlpi_name ? info->dlpi_name : "";
  module_t *m = find(path, info->dlpi_addr, seg0);
  if (m) { m->present = 1; return 0; }
  m = lg_arena_alloc(sizeof *m);
  if (!m) return 0;
  m->path = lg_arena_alloc(strlen(path) + 1);
  if (!m->path || add_module(m) < 0) { lg_arena_free(m->path); lg_arena_free(m); return 0; }
  strcpy(m->path, path);
  m->id = next_id++;
  m->bias = info->dlpi_addr;
  m->present = 1;
  uintptr_t self = (uintptr_t)&lg_modules_refresh;
  for (int i = 0; i < info->dlpi_phnum && m->nseg < MAX_SEGS; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    if (ph->p_type != PT_LOAD) continue;
    uintptr_t start = info->dlpi_addr + ph->p_vaddr;
    m->seg[m->nseg].start = start;
    m->seg[m->nseg].size = ph->p_memsz;
    m->seg[m->nseg].flags = ((ph->p_flags & PF_X) ? LG_SEG_X : 0) |
                            ((ph->p_flags & PF_W) ? LG_SEG_W : 0) | ((ph->p_flags & PF_R) ? LG_SEG_R : 0);
    if (self >= start && self < start + ph->p_memsz) m->self = 1;
    m->nseg++;
  }
  read_build_id(m, info);
  const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
  /* libunwind is the shim's private helper: its caches hold addresses that
   * look like pointers but are not the program's. */
  if (!strncmp(base, "libunwind.so", 12) || !strncmp(base, "libunwind-x86_64.so", 19)) m->self = 1;
  if (m->self) add_tls_hole(info);
  if (!strncmp(base, "ld-linux", 8))
    for (uint32_t k = 0; k < m->nseg; k++)
      if (m->seg[k].flags & LG_SEG_X) { loader_lo = m->seg[k].start; loader_hi = m->seg[k].start + m->seg[k].size; }
  return 0;
}

void lg_modules_refresh(void) {
  for (uint32_t i = 0; i < nmods; i++) mods[i]->present = 0;
  dl_iterate_phdr(visit, NULL);
  uint32_t keep = 0;
  for (uint32_t i = 0; i < nmods; i++) {
    module_t *m = mods[i];
    if (!m->present) {
      if (m->seen) {
        lg_log_lock();
        lg_log_begin(LG_REC_UNLOAD, 4);
        lg_log_u32(m->id);
        lg_log_end();
        lg_log_unlock();
      }
      lg_arena_free(m->path);
      lg_arena_free(m);
      continue;
    }
    if (!m->seen) { log_module(m); m->seen = 1; }
    mods[keep++] = m;
  }
  nmods = keep;
}

void lg_modules_relog(void) {
  for (uint32_t i = 0; i < nmods; i++) mods[i]->seen = 0;
}

void lg_modules_each_writable(lg_range_fn fn, void *arg) {
  for (uint32_t i = 0; i < nmods; i++) {
    module_t *m = mods[i];
    if (m->self) continue;
    for (uint32_t s = 0; s < m->nseg; s++)
      if (m->seg[s].flags & LG_SEG_W) fn(m->seg[s].start, m->seg[s].start + m->seg[s].size, arg);
  }
}

void lg_modules_each_segment(lg_segment_fn fn, void *arg) {
  for (uint32_t i = 0; i < nmods; i++)
    for (uint32_t s = 0; s < mods[i]->nseg; s++)
      fn(mods[i]->seg[s].start, mods[i]->seg[s].start + mods[i]->seg[s].size, mods[i]->seg[s].flags, arg);
}

int lg_modules_in_loader(uintptr_t ip) { return ip - 1 >= loader_lo && ip - 1 < loader_hi; }

/* Whether ip's call lies in segment s of module i. */
static inline int seg_holds(uint32_t i, uint32_t s, uintptr_t ip) {
  return ip - 1 - mods[i]->seg[s].start < mods[i]->seg[s].size;
}

int lg_modules_cover(const uintptr_t *ips, uint32_t n) {
  uint32_t li = 0, ls = 0; /* the last frame's segment: its caller is often in it too */
  for (uint32_t k = 0; k < n; k++) {
    if (li < nmods && ls < mods[li]->nseg && seg_holds(li, ls, ips[k])) continue;
    int found = 0;
    for (uint32_t i = 0; i < nmods && !found; i++)
      for (uint32_t s = 0; s < mods[i]->nseg && !found; s++)
        if ((found = seg_holds(i, s, ips[k]))) { li = i; ls = s; }
    if (!found) return 0;
  }
  return 1;
}
