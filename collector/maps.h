/* collector/maps.h — the process's mappings, as a scan needs to know them
 * to read memory safely, and which of their pages are in memory.
 *
 * Mappings: /proc/self/maps, sorted by address, each with its permissions
 * and what its name says it holds: anonymous memory, a file, the brk heap,
 * the main thread's stack, one of the kernel's special mappings ([vdso],
 * [vvar], ...), or a device or kernel object that is not plain memory
 * (/dev/... other than /dev/zero and /dev/shm, anon_inode:..., DMA
 * buffers). The list leaves out the buffer it was read into, so that the
 * buffer, unmapped at once, is never a hole inside a listed range that a
 * later mapping could fill.
 *
 * Residency: lg_resid_next returns the runs of pages of a mapping that are
 * present in memory or swapped out, so a scan reads only memory the
 * program touched and never faults in a page it did not (MAP_NORESERVE
 * holes, untouched reservations, a userfaultfd region's missing pages). It
 * asks the page tables: the PAGEMAP_SCAN ioctl (Linux 6.7 and later: runs
 * of pages, the shared zero page left out), else /proc/self/pagemap
 * entries, else mincore(). One exception: in the scan's snapshot child
 * (a fork without CLONE_VM) the kernel did not copy the page tables of
 * shared mappings, so there a shared mapping's residency is mincore()'s
 * answer (its pages in the page cache).
 *
 * Everything here runs in the scan: no malloc, no lock, memory from
 * lg_sys_map. */
#ifndef LG_MAPS_H
#define LG_MAPS_H

#include <stddef.h>
#include <stdint.h>

enum lg_map_kind {
  LG_MAP_ANON = 1, /* anonymous, private or shared (/dev/zero, [anon:...]) */
  LG_MAP_FILE,     /* a file: regular, memfd, /dev/shm, SysV segment */
  LG_MAP_HEAP,     /* [heap]: the brk area, glibc's main arena */
  LG_MAP_STACK,    /* [stack]: the main thread's stack */
  LG_MAP_SPECIAL,  /* [vdso], [vvar], [vsyscall] and other kernel names */
  LG_MAP_DEVICE,   /* a device or kernel object: not plain memory */
};

typedef struct lg_map {
  uintptr_t lo, hi;
  int readable;
  uint8_t writable, shared, kind; /* kind: enum lg_map_kind */
} lg_map_t;

/* lg_maps_read reads /proc/self/maps into a fresh array (*out, *n
 * entries; the caller unmaps it with lg_sys_unmap(*out, *bytes)).
 * Returns 0, or -1. */
int lg_maps_read(lg_map_t **out, size_t *n, size_t *bytes);
/* lg_maps_parse parses maps text into out[] (room for `cap`); returns the
 * number of entries. For lg_maps_read and the unit tests. */
size_t lg_maps_parse(const char *text, size_t len, lg_map_t *out, size_t cap);
/* lg_maps_find returns the mapping containing address a, or NULL. */
const lg_map_t *lg_maps_find(const lg_map_t *maps, size_t n, uintptr_t a);
/* lg_maps_cursor_t is lg_maps_readable's place in a sorted maps array:
 * the mapping reached, and the last readable run found, [lo, end)
 * (readable mappings with no gap), which answers for the addresses that
 * start in it. Start it at {0, 0, 0}. */
typedef struct lg_maps_cursor { size_t m; uintptr_t lo, end; } lg_maps_cursor_t;
/* lg_maps_readable tells whether [a, a + len) lies in readable memory of
 * maps[0..n) (sorted), a run of readable mappings with no gap allowed (the
 * brk heap grown past a VMA the kernel will not merge with); addresses
 * are asked in increasing order through cursor c. */
int lg_maps_readable(const lg_map_t *maps, size_t n, uintptr_t a, uintptr_t len, lg_maps_cursor_t *c);

/* Residency. `how` picks the source: LG_RESID_AUTO (the best the kernel
 * offers), or one of the fallbacks, forced (for the unit tests). */
enum { LG_RESID_AUTO = 0, LG_RESID_PAGEMAP = 1, LG_RESID_MINCORE = 2 };
#define LG_RESID_RUNS 2048
typedef struct lg_resid {
  int fd;          /* /proc/self/pagemap, or -1 */
  int how;         /* LG_RESID_* in use */
  int in_child;    /* a snapshot child: shared mappings by mincore */
  const lg_map_t *q_map;       /* the cached answer: runs of q_map */
  uintptr_t q_lo, q_hi;        /* ... found in [q_lo, q_hi) */
  size_t nruns, irun;
  uintptr_t (*runs)[2];        /* [LG_RESID_RUNS] */
  void *raw;                   /* the kernel's answer, before runs */
} lg_resid_t;

/* lg_resid_open prepares residency queries; in_child says the caller is a
 * snapshot child. Returns 0, or -1 (out of memory). */
int lg_resid_open(lg_resid_t *r, int how, int in_child);
void lg_resid_close(lg_resid_t *r);
/* lg_resid_next finds the first run [*a, *b) of resident pages of mapping
 * m at or above `from` and below `to` (page-aligned, inside m). Returns 1,
 * or 0 when there is none. Calls for one mapping should ask in rising
 * order: the kernel's answer is read ahead and reused. */
int lg_resid_next(lg_resid_t *r, const lg_map_t *m, uintptr_t from, uintptr_t to, uintptr_t *a, uintptr_t *b);
/* lg_resid_page tells whether the page at `page` of mapping m is resident. */
int lg_resid_page(lg_resid_t *r, const lg_map_t *m, uintptr_t page);

#endif
