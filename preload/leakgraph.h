/* leakgraph.h — the public interface between a program and the leakgraph
 * shim (libleakgraph.so). This is the only header a program includes.
 *
 * Every call is a no-op costing one predictable branch when the shim is not
 * preloaded: the functions below are inline wrappers around weak references
 * to symbols that only libleakgraph.so defines. A program can therefore keep
 * these calls in release builds and link without leakgraph.
 *
 * The LeakSanitizer interface (__lsan_ignore_object, __lsan_disable,
 * __lsan_enable, __lsan_register_root_region, __lsan_unregister_root_region,
 * __lsan_do_leak_check, __lsan_do_recoverable_leak_check) is implemented by
 * the shim too, so code already annotated for LSan works unchanged; the shim
 * also honours __lsan_is_turned_off() and __lsan_default_suppressions() when
 * the program defines them.
 *
 * The refcount calls (leakgraph_refcounted, leakgraph_refcounted_type,
 * leakgraph_ref, leakgraph_unref) are the `api` refcount family: they
 * record the program's own refcounted objects, with the stack of every
 * ref and unref, for the scan's refcount analysis (SPEC section 4), unless
 * the `refcount` option leaves `api` out. */
#ifndef LEAKGRAPH_H
#define LEAKGRAPH_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Defined by libleakgraph.so only. Do not call these directly. */
extern long leakgraph__scan(void) __attribute__((weak));
extern void leakgraph__ignore(const void *p) __attribute__((weak));
extern void leakgraph__register_root(const void *p, size_t n) __attribute__((weak));
extern void leakgraph__unregister_root(const void *p, size_t n) __attribute__((weak));
extern void leakgraph__refcounted(const void *obj, const void *count,
                                  size_t width) __attribute__((weak));
extern void leakgraph__refcounted_type(const void *obj, const void *count, size_t width,
                                       const char *type) __attribute__((weak));
extern void leakgraph__ref(const void *obj) __attribute__((weak));
extern void leakgraph__unref(const void *obj) __attribute__((weak));

/* leakgraph_active tells whether the program runs under leakgraph. */
static inline int leakgraph_active(void) { return leakgraph__scan != 0; }

/* leakgraph_scan runs a leak scan now, from the calling thread, and writes
 * its results to the log. It returns the bytes found lost (definitely and
 * indirectly), or -1 when the shim is not loaded or tracing is off. */
static inline long leakgraph_scan(void) {
  return leakgraph__scan ? leakgraph__scan() : -1;
}

/* leakgraph_ignore marks the heap block that contains `p`, and everything
 * reachable from it, as not a leak. */
static inline void leakgraph_ignore(const void *p) {
  if (leakgraph__ignore) leakgraph__ignore(p);
}

/* leakgraph_register_root makes [p, p+n) a root region: it is scanned for
 * pointers like a global, although the shim would not see it otherwise
 * (memory from mmap, a custom allocator's pool). */
static inline void leakgraph_register_root(const void *p, size_t n) {
  if (leakgraph__register_root) leakgraph__register_root(p, n);
}

/* leakgraph_unregister_root removes a region given to register_root with
 * the same bounds. */
static inline void leakgraph_unregister_root(const void *p, size_t n) {
  if (leakgraph__unregister_root) leakgraph__unregister_root(p, n);
}

/* leakgraph_refcounted declares `obj` a refcounted object whose count is the
 * `width`-byte integer at `count` (width 4 or 8), with the caller's stack as
 * its birth. Call it once the count holds its first value (usually 1): the
 * shim takes that value as the count the object starts with. The object is
 * forgotten when the heap block holding it (one starting at `obj`, or at
 * most 256 bytes before it) is freed, or when `obj` is declared again. */
static inline void leakgraph_refcounted(const void *obj, const void *count,
                                        size_t width) {
  if (leakgraph__refcounted) leakgraph__refcounted(obj, count, width);
}

/* leakgraph_refcounted_type is leakgraph_refcounted with a type name for
 * the report (e.g. "Node"); the name is copied. */
static inline void leakgraph_refcounted_type(const void *obj, const void *count,
                                             size_t width, const char *type) {
  if (leakgraph__refcounted_type) leakgraph__refcounted_type(obj, count, width, type);
}

/* leakgraph_ref and leakgraph_unref report one ref and one unref of a
 * declared `obj`, with the caller's stack; each call counts as one change
 * of the count by one. Call leakgraph_unref before the count is lowered
 * (the object may be freed right after). Calls on an object that was not
 * declared are not recorded. */
static inline void leakgraph_ref(const void *obj) {
  if (leakgraph__ref) leakgraph__ref(obj);
}
static inline void leakgraph_unref(const void *obj) {
  if (leakgraph__unref) leakgraph__unref(obj);
}

#ifdef __cplusplus
}
#endif
#endif
