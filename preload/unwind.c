/* preload/unwind.c — stack capture with libunwind (see unwind.h). */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <libunwind.h>
#include <link.h>
#include <stdlib.h>

#include "fastunwind.h"
#include "format.h"
#include "sys.h"

/* The shim's own executable segment: frames in it (the main wrapper, the
 * hooks) are never part of a program's stack. */
static uintptr_t self_lo, self_hi;
/* LEAKGRAPH_SLOW_UNWIND=1 turns the fast unwinder off (for comparisons). */
int lg_unwind_slow_only;

static int find_self(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  (void)arg;
  uintptr_t me = (uintptr_t)&lg_unwind;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && me >= lo && me < lo + ph->p_memsz) {
      self_lo = lo;
      self_hi = lo + ph->p_memsz;
      return 1;
    }
  }
  return 0;
}

void lg_unwind_init(void) {
  unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD);
  dl_iterate_phdr(find_self, NULL);
  lg_fast_unwind_init(self_lo, self_hi);
  const char *e = getenv("LEAKGRAPH_SLOW_UNWIND");
  lg_unwind_slow_only = e && *e == '1';
}

uint32_t lg_unwind_slow(uintptr_t *frames, uint32_t depth, uint32_t skip) {
  void *buf[LG_MAX_FRAMES + 16];
  /* The shim's frames above, and any of its frames in between (the main
   * wrapper, between main and __libc_start_call_main), are dropped: room
   * for them, so that `depth` program frames remain. */
  uint32_t want = depth + skip + 1 + 4;
  if (want > LG_MAX_FRAMES + 16) want = LG_MAX_FRAMES + 16;
  int n = unw_backtrace(buf, (int)want);
  uint32_t out = 0;
  /* buf[0] is in this function, buf[1] in its caller: both are the shim's. */
  for (int i = (int)skip + 1; i < n && out < depth; i++)
    if ((uintptr_t)buf[i] - 1 - self_lo >= self_hi - self_lo) frames[out++] = (uintptr_t)buf[i];
  return out;
}
