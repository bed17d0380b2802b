/* collector/dirty.h — written-page tracking: which pages of a memory range
 * the program wrote since the last time the shim asked.
 *
 * The kernel's soft-dirty bits are not available everywhere (not here);
 * userfaultfd's asynchronous write protection (Linux 6.7+,
 * UFFD_FEATURE_WP_ASYNC, with UFFD_FEATURE_WP_UNPOPULATED for pages never
 * touched) is: a range registered in that mode and write-protected takes,
 * at the first write to each protected page, a minor fault that the
 * kernel resolves itself by dropping the page's protection — no thread of
 * the shim's is involved and the program never waits on us. The
 * PAGEMAP_SCAN ioctl on /proc/self/pagemap (category PAGE_IS_WRITTEN:
 * not write-protected) then reports the pages written since, and with
 * PM_SCAN_WP_MATCHING protects them again in the same walk; with
 * PM_SCAN_CHECK_WPASYNC it fails instead of answering for a range not
 * registered in that mode (CRIU and bdwgc-style collectors work so).
 *
 * Whatever cannot be tracked counts as all written: a kernel without the
 * features (lg_dirty_open fails and nothing changes), a range the kernel
 * refuses (a mapping the program registered with a userfaultfd of its own,
 * VM_PFNMAP devices), a mapping moved by mremap or unmapped (the kernel
 * drops its registration; lg_dirty_written fails and the caller tracks it
 * afresh from the next maps walk), a descriptor the program closed or
 * replaced (checked before every use: never an ioctl on a file of the
 * program's).
 *
 * Fork: the userfaultfd is made without UFFD_FEATURE_EVENT_FORK, so the
 * kernel gives a child's copies of the registered mappings no userfaultfd
 * context and clears the write-protect bits and markers of their pages
 * (copy_page_range: !userfaultfd_wp(dst_vma)) — the child's writes never
 * fault on our account. The child's copy of the descriptor is closed by
 * lg_dirty_fork_child, so the program's child holds nothing of ours.
 *
 * Cost: the first write to a protected page after each collection is one
 * minor fault (measured in README's performance section); reads cost
 * nothing; a collection walks the page tables of the range.
 *
 * All calls are raw system calls with no lock and no malloc: safe with the
 * world stopped. One caller at a time (the scan lock). */
#ifndef LG_DIRTY_H
#define LG_DIRTY_H

#include <stddef.h>
#include <stdint.h>

/* lg_dirty_open creates the shim's userfaultfd in asynchronous
 * write-protect mode. Returns 0, or -1 when the kernel lacks the features
 * (nothing is tracked then; every range counts as all written). */
int lg_dirty_open(void);
/* lg_dirty_ready tells whether lg_dirty_open succeeded and the descriptor
 * is still the shim's userfaultfd. */
int lg_dirty_ready(void);
/* lg_dirty_close closes it (every registration goes with it). */
void lg_dirty_close(void);
/* lg_dirty_fork_child closes a forked child's copy of the descriptor. */
void lg_dirty_fork_child(void);

/* lg_dirty_track registers the page-aligned range [lo, hi) and
 * write-protects all of it, so that from now on writes are seen. The range
 * counts as all written until this call. Returns 0, or -1 when the kernel
 * refuses it (it stays untracked: all written). */
int lg_dirty_track(uintptr_t lo, uintptr_t hi);
/* lg_dirty_untrack unregisters [lo, hi) (pending faults end at once). */
void lg_dirty_untrack(uintptr_t lo, uintptr_t hi);

/* lg_dirty_written calls fn(a, b, arg) for each run [a, b) of pages of
 * [lo, hi) written since the range was tracked or last collected, in
 * rising order, and (when `reset`) write-protects them again. Returns the
 * number of written pages, or -1 when a mapping in the range is not
 * tracked (then the caller must take all of the range as written; pages
 * before that mapping may have been reset). Parts of the range where
 * nothing is mapped have nothing written. */
long lg_dirty_written(uintptr_t lo, uintptr_t hi, int reset,
                      void (*fn)(uintptr_t a, uintptr_t b, void *arg), void *arg);

/* lg_dirty_pagemap opens /proc/self/pagemap for lg_dirty_written_in
 * (the caller closes it); -1 on failure. lg_dirty_written_in is
 * lg_dirty_written through that descriptor: for a caller that asks about
 * many ranges at once (the concurrent mark's finish, concmark.h). */
int lg_dirty_pagemap(void);
long lg_dirty_written_in(int pm, uintptr_t lo, uintptr_t hi, int reset,
                         void (*fn)(uintptr_t a, uintptr_t b, void *arg), void *arg);

#endif
