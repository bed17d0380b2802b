/* collector/rset.h — the remembered set of young scans: which pages of the
 * malloc heap ([heap] and glibc's arena heaps, and the chunks glibc
 * mapped for one block each) stayed unwritten since the previous scan's
 * snapshot.
 *
 * The parent keeps a registry of the address ranges of heap mappings
 * (lg_rset_heap) it tracks with dirty.h (sorted, disjoint; by range, not
 * by mapping: glibc grows the brk heap and its arena heaps in place, and
 * the kernel splits and merges the mappings that hold them). At every
 * periodic, signal or API scan, with the world stopped and before the
 * snapshot is taken, lg_rset_collect walks the maps: in each heap mapping
 * it collects and re-protects the written pages of the parts the
 * registry holds (their complement becomes the scan's clean runs) and
 * tracks the parts it does not (a mapping that grew or is new: no clean
 * page there yet); it untracks what the registry holds outside every heap
 * mapping. The snapshot child reads the clean runs through its copy of
 * this module's memory (lg_rset_clean).
 *
 * A clean run is a page that no thread and no kernel write touched since
 * the previous snapshot: its words hold what they held then. Anything
 * uncertain is not clean: a range the kernel cannot answer for (refused,
 * moved by mremap, unmapped and made anew at the same place: dirty.h
 * fails for it, and it is tracked afresh), a page dropped by
 * MADV_DONTNEED, every page of a range tracked since the previous
 * snapshot only.
 *
 * Parent calls run under the scan lock; lg_rset_collect with the world
 * stopped, or by a concurrent scan at its start with the world running
 * (concmark.h: every step there is a system call that a thread changing
 * its mappings meanwhile can only make fail, and a failed part is tracked
 * afresh, none of it clean; raw system calls, memory from lg_sys_map). */
#ifndef LG_RSET_H
#define LG_RSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_rset_run { uintptr_t lo, hi; } lg_rset_run_t;

/* lg_rset_open starts written-page tracking (dirty.h); 0, or -1 when the
 * kernel cannot (young scans are then full scans). */
int lg_rset_open(void);
/* lg_rset_available tells whether tracking could start (the kernel has
 * the features): it opens the descriptor and closes it again, so the
 * program sees no descriptor of the shim's before the first scan that
 * tracks. */
int lg_rset_available(void);
/* lg_rset_ready tells whether tracking is on. */
int lg_rset_ready(void);
/* lg_rset_collect refreshes the registry and gathers the clean runs (see
 * above); the world is stopped. */
void lg_rset_collect(void);
/* lg_rset_each_range calls fn with every range the registry tracks (the
 * heap mappings' parts and the chunks, by address, disjoint), under the
 * scan lock. lg_rset_covers tells how much of [lo, hi) the registry
 * tracks: 0 nothing, 1 a part, 2 all of it. A concurrent scan
 * (concmark.h) borrows these ranges instead of tracking them itself: it
 * collects their written pages without protecting them again, so that
 * they stay written for the next collection. */
void lg_rset_each_range(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg);
int lg_rset_covers(uintptr_t lo, uintptr_t hi);
/* lg_rset_note_written(lo, hi) says that the pages of [lo, hi), of a
 * range the registry tracks, were written since the last collection
 * although a collection of the caller's protected them again (a
 * concurrent scan's pre-cleaning round, concmark.h): the next collection
 * counts them written, none of them clean. Any thread holding the scan
 * lock, world running; a note that finds no room makes the next
 * collection's clean runs none at all. */
void lg_rset_note_written(uintptr_t lo, uintptr_t hi);
/* lg_rset_clean returns the clean runs of the last collection, sorted and
 * disjoint (*n of them; none when tracking is off). */
const lg_rset_run_t *lg_rset_clean(size_t *n);
/* lg_rset_close ends tracking for good in this process (the program uses
 * a userfaultfd of its own): every registration goes; young scans become
 * full scans. */
void lg_rset_close(void);
/* lg_rset_fork_child forgets everything in a forked child. */
void lg_rset_fork_child(void);
/* lg_rset_heap tells whether mapping maps[i] (of the sorted list maps[0..n))
 * holds malloc heap: the brk heap, or a piece of one of glibc's arena
 * heaps (the 64 MiB-aligned window it lies in starts with a heap_info;
 * the test is looser than the roots phase's, so that every heap the roots
 * phase leaves out is one). Only there do old blocks lie that no root read
 * covers: everything else a young scan reads whole as roots (roots.h),
 * the mmap'd chunks of old blocks included, as it has no old block in its
 * snapshot to leave out. Memory is read through process_vm_readv. */
struct lg_map;
int lg_rset_heap(const struct lg_map *maps, size_t n, size_t i);
/* The chunks glibc mapped for one block each (a block of
 * LG_BLOCKS_LARGE bytes or more, in a private anonymous mapping; the
 * kernel may merge such a chunk's mapping with its neighbours, so the
 * maps alone do not show it): the remembered set covers them as it covers
 * the heap, so that a young scan, which has no old block in its snapshot,
 * reads the written pages of an old block's chunk instead of all of it.
 * lg_rset_keep_chunks starts keeping candidates (at init, when young
 * scans may run); lg_rset_note_chunk(block) notes that a block just
 * recorded may start a chunk of its own (any thread, lock-free: a
 * candidate lost to a race or to the cap is read whole, as a root);
 * lg_rset_collect keeps the candidates that still start such a chunk
 * (the header read after mincore: prev_size 0, IS_MMAPPED and no other
 * flag, a page-multiple size inside the mapping) and lg_rset_chunks
 * returns them, by address and disjoint (*n). A program mapping taken for
 * a chunk wrongly is still read where written (and where clean in the
 * sweep): nothing a young block needs is missed (young.h). */
void lg_rset_keep_chunks(void);
void lg_rset_note_chunk(uintptr_t block);
const lg_rset_run_t *lg_rset_chunks(size_t *n);

#endif
