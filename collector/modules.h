/* collector/modules.h — the module map: which objects are loaded where.
 * lg_modules_refresh compares dl_iterate_phdr's view with what the log has
 * seen and writes MODULE and UNLOAD records for the differences; it runs at
 * start, after dlopen/dlclose, and at the start of every scan (modules can
 * also appear through libc's own dlopen, e.g. NSS). The writable segments of
 * the loaded modules, except the shim's own, are roots of every scan.
 *
 * Lock order: the modules lock is taken first (before the loader's lock,
 * which dl_iterate_phdr takes, and before every other shim lock). */
#ifndef LG_MODULES_H
#define LG_MODULES_H

#include <stdint.h>

typedef void (*lg_range_fn)(uintptr_t lo, uintptr_t hi, void *arg);

void lg_modules_lock(void);
void lg_modules_unlock(void);
void lg_modules_reset_lock(void);
/* lg_modules_refresh updates the map and logs the changes; modules lock held. */
void lg_modules_refresh(void);
/* lg_modules_relog forgets what the log has seen (a new log after fork). */
void lg_modules_relog(void);
/* lg_modules_each_writable calls fn for every writable segment of every
 * module but the shim's own. */
void lg_modules_each_writable(lg_range_fn fn, void *arg);
/* lg_modules_each_segment calls fn for every PT_LOAD segment of every
 * module, the shim's own included, with its LG_SEG_* flags (format.h). */
typedef void (*lg_segment_fn)(uintptr_t lo, uintptr_t hi, uint32_t flags, void *arg);
void lg_modules_each_segment(lg_segment_fn fn, void *arg);

/* lg_modules_in_loader tells whether `ip` lies in the dynamic loader's
 * executable code (ld-linux*.so). Blocks the loader allocates for itself
 * (thread DTVs, link maps) are kept alive through pointers we cannot see,
 * such as the DTV pointer stored one slot past the block start, or glibc's
 * cache of exited threads' stacks; like LeakSanitizer, the scan treats them
 * as roots. */
int lg_modules_in_loader(uintptr_t ip);

/* lg_modules_cover tells whether every address lies in a known module's
 * executable segment. A new stack that leaves the map means a library was
 * loaded since the last refresh: the caller refreshes, so the MODULE record
 * precedes the STACK record that needs it. Modules lock held. */
int lg_modules_cover(const uintptr_t *ips, uint32_t n);

/* The static TLS blocks of the shim and its unwinder, as offsets from the
 * thread pointer: the scan skips them in every thread's TLS. */
#define LG_MAX_TLS_HOLES 4
typedef struct lg_tls_hole { intptr_t offset; uintptr_t size; } lg_tls_hole_t;
uint32_t lg_modules_tls_holes(const lg_tls_hole_t **out);

#endif
