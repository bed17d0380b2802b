/* collector/tdesc.c — glibc's thread descriptors (see tdesc.h). */
#include "tdesc.h"

#include <dlfcn.h>
#include <unistd.h>

#include "sys.h"

lg_tls_layout_t lg_tls = {4096, 2304, 64};
static long tid_off = -1;  /* offset of the tid field, -1 unknown */
static uintptr_t main_pd;  /* the main thread's descriptor */

/* glibc describes struct pthread's tid field for libthread_db as
 * {bits, count, offset}. Returns the offset, or -1. */
static long exported_tid_offset(void) {
  const uint32_t *d = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
  return d && d[0] == 32 && d[1] == 1 && d[2] + 4 <= lg_tls.pthread_size ? (long)d[2] : -1;
}

/* Looks for the calling thread's id in its own descriptor: the offset of
 * the first match, or -1. */
static long search_tid_offset(uintptr_t pd, pid_t me) {
  for (uintptr_t off = 3 * sizeof(void *); off + 4 <= lg_tls.pthread_size; off += 4)
    if (*(const pid_t *)(pd + off) == me) return (long)off;
  return -1;
}

/* Reads glibc's thread layout into lg_tls: the static TLS size and
 * alignment (ld.so) and the size of struct pthread (libc's export for
 * libthread_db). The defaults stay where they are missing. */
static void read_tls_layout(void) {
  void (*get)(size_t *, size_t *) = (void (*)(size_t *, size_t *))dlsym(RTLD_DEFAULT, "_dl_get_tls_static_info");
  if (get) {
    size_t size = 0, align = 0;
    get(&size, &align);
    if (size) lg_tls.static_size = size;
    if (align) lg_tls.align = align;
  }
  const uint32_t *sz = dlsym(RTLD_DEFAULT, "_thread_db_sizeof_pthread");
  if (sz && *sz) lg_tls.pthread_size = *sz;
}

void lg_tdesc_init(void) {
  read_tls_layout();
  uintptr_t pd = (uintptr_t)__builtin_thread_pointer();
  pid_t me = lg_gettid();
  if (!lg_tdesc_is(pd)) return; /* not glibc's layout: nothing is known */
  long off = exported_tid_offset();
  if (off < 0 || *(const pid_t *)(pd + off) != me) off = search_tid_offset(pd, me);
  tid_off = off;
  if (me == getpid()) main_pd = pd;
}

LG_READS_ANY int lg_tdesc_is(uintptr_t pd) {
  const uintptr_t *w = (const uintptr_t *)pd;
  return pd && !(pd & 7) && w[0] == pd && w[2] == pd;
}

uintptr_t lg_tdesc_at_top(uintptr_t hi) {
  uintptr_t align = lg_tls.align > 16 ? lg_tls.align : 16;
  return (hi - lg_tls.pthread_size) & ~(align - 1);
}

LG_READS_ANY int lg_tdesc_tid(uintptr_t pd, pid_t *tid) {
  if (tid_off < 0) return 0;
  *tid = *(const pid_t *)(pd + (uintptr_t)tid_off);
  return 1;
}

uintptr_t lg_tdesc_main(void) { return main_pd; }

uintptr_t lg_tdesc_tls_lo(uintptr_t tp) {
  uintptr_t below = lg_tls.static_size > lg_tls.pthread_size ? lg_tls.static_size - lg_tls.pthread_size : 0;
  return tp - below;
}

uintptr_t lg_tdesc_end(uintptr_t tp) { return tp + lg_tls.pthread_size; }
