/* preload/unwind.c — stack capture with libunwind (see unwind.h). */
#define UNW_LOCAL_ONLY
#include "unwind.h"

#include <libunwind.h>

#include "format.h"

void lg_unwind_init(void) { unw_set_caching_policy(unw_local_addr_space, UNW_CACHE_PER_THREAD); }

uint32_t lg_unwind(uintptr_t *frames, uint32_t depth, uint32_t skip) {
  void *buf[LG_MAX_FRAMES + 8];
  uint32_t want = depth + skip + 1;
  if (want > LG_MAX_FRAMES + 8) want = LG_MAX_FRAMES + 8;
  int n = unw_backtrace(buf, (int)want);
  uint32_t out = 0;
  /* buf[0] is in this function, buf[1] in its caller: both are the shim's. */
  for (int i = (int)skip + 1; i < n && out < depth; i++) frames[out++] = (uintptr_t)buf[i];
  return out;
}
