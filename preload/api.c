/* preload/api.c — the public interface of preload/leakgraph.h and the
 * LeakSanitizer interface, both thin calls into the collector. Each call
 * enters the guard, so allocations it causes are the shim's own. The
 * refcount calls are the `api` refcount family: the program declares its
 * own refcounted objects and reports their refs and unrefs. */
#include <stddef.h>
#include <stdint.h>

#include "format.h"
#include "guard.h"
#include "rcfam.h"
#include "shim.h"

static int lsan_checked; /* __lsan_do_leak_check ran: it runs once */

/* Zeroes the registers a call may leave behind (the ones the caller does
 * not keep: x86_64's caller-saved general registers but RAX). After a
 * scan they hold what the shim's last work did — addresses of blocks,
 * some of them lost — and a program that saves its registers next (a
 * coroutine switch, getcontext) would make those blocks reachable. */
static inline void scrub_registers(void) {
  __asm__ volatile("xor %%ecx, %%ecx\n\txor %%edx, %%edx\n\txor %%esi, %%esi\n\txor %%edi, %%edi\n\t"
                   "xor %%r8d, %%r8d\n\txor %%r9d, %%r9d\n\txor %%r10d, %%r10d\n\txor %%r11d, %%r11d"
                   ::: "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11");
}

/* A scan the program asked for; the guard is held. */
static long api_scan(const lg_self_t *self) {
  if (lg_lsan_turned_off()) return 0;
  lg_lsan_suppressions_once();
  long lost = lg_collector_scan(LG_SCAN_API, self);
  scrub_registers();
  return lost;
}

LG_PUBLIC long leakgraph__scan(void) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  if (!lg_on) return -1;
  LG_GUARDED;
  return api_scan(&self);
}

LG_PUBLIC void leakgraph__ignore(const void *p) { LG_GUARDED; lg_collector_ignore(p); }
LG_PUBLIC void leakgraph__register_root(const void *p, size_t n) { LG_GUARDED; lg_collector_add_root(p, n); }
LG_PUBLIC void leakgraph__unregister_root(const void *p, size_t n) { LG_GUARDED; lg_collector_remove_root(p, n); }

/* ---- the api refcount family --------------------------------------------- */

#define API_ON (lg_on && !lg_in_shim && lg_rc_wants(LG_RC_API))

/* Declares obj, with the caller's stack as its birth; the guard is held. */
static void api_birth(const void *obj, const void *count, size_t width, const char *type) {
  uint32_t id = type ? lg_rc_type_intern(LG_RC_API, type) : 0;
  lg_rc_birth((uintptr_t)obj, LG_RC_API, (intptr_t)((uintptr_t)count - (uintptr_t)obj), (unsigned)width, id,
              lg_rc_capture());
}

LG_PUBLIC void leakgraph__refcounted(const void *obj, const void *count, size_t width) {
  if (!API_ON || !obj) return;
  LG_GUARDED;
  api_birth(obj, count, width, NULL);
}

LG_PUBLIC void leakgraph__refcounted_type(const void *obj, const void *count, size_t width, const char *type) {
  if (!API_ON || !obj) return;
  LG_GUARDED;
  api_birth(obj, count, width, type);
}

/* A ref or unref of a declared object; others are not recorded. */
LG_PUBLIC void leakgraph__ref(const void *obj) {
  if (!API_ON || !obj) return;
  LG_GUARDED;
  lg_rc_ref((uintptr_t)obj, lg_rc_capture());
}

LG_PUBLIC void leakgraph__unref(const void *obj) {
  if (!API_ON || !obj) return;
  LG_GUARDED;
  lg_rc_unref((uintptr_t)obj, lg_rc_capture());
}

/* ---- LeakSanitizer's interface ------------------------------------------- */

LG_PUBLIC void __lsan_ignore_object(const void *p) { leakgraph__ignore(p); }
LG_PUBLIC void __lsan_disable(void) { lg_disabled++; }
LG_PUBLIC void __lsan_enable(void) { if (lg_disabled > 0) lg_disabled--; }
LG_PUBLIC void __lsan_register_root_region(const void *p, size_t n) { leakgraph__register_root(p, n); }
LG_PUBLIC void __lsan_unregister_root_region(const void *p, size_t n) { leakgraph__unregister_root(p, n); }

/* Like LSan: the end-of-process check, run now, once — the exit path then
 * runs no other (code written for LSan calls this from atexit, before
 * global destructors, or from a thread's TSD destructor while its
 * thread-local pointers are still roots); it ends the process when leaks
 * are found and exitcode is set. */
LG_PUBLIC void __lsan_do_leak_check(void) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  if (!lg_on || __atomic_exchange_n(&lsan_checked, 1, __ATOMIC_ACQ_REL)) return;
  lg_final_check_now(&self);
}

LG_PUBLIC int __lsan_do_recoverable_leak_check(void) {
  lg_self_t self = {0};
  LG_CAPTURE_SELF(&self);
  if (!lg_on) return 0;
  LG_GUARDED;
  return api_scan(&self) > 0;
}
