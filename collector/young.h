/* collector/young.h — the young scan's own phases (CPython's generations
 * applied to a conservative scan).
 *
 * A young scan (a periodic scan that is not every full_every-th one) takes
 * into its snapshot only the young blocks — born since the previous scan's
 * snapshot (generation 0) — and treats every older block as live. It marks
 * from all the roots (roots.h: with no old block in its snapshot to leave
 * out, the roots phase reads the mmap'd chunks of old blocks whole, as
 * program mappings), from the remembered set — every page of the malloc
 * heap ([heap], glibc's arena heaps) that is not clean (rset.h: not
 * written since the previous snapshot, or not known to be) — and through
 * the young blocks it reaches; it analyses and reports only young blocks. Its cost follows
 * what was allocated and written since the previous scan, not the heap.
 *
 * Why an old block on a clean page cannot hold the only pointer to a young
 * block: a clean page's words are exactly what they were at the previous
 * snapshot, when the young block did not exist yet. A word there that
 * points into a young block was written before the block was born: it is
 * a stale value (a pointer to a block freed since, whose address the young
 * block reuses, or a dangling one already then), not a pointer the program
 * stored to the young block. A program may still rely on one such value:
 * realloc that grows a block in place makes the same address a new,
 * young block (the table re-inserts it), and code that keeps the old
 * pointer when realloc returned it unchanged stores nothing. So a young
 * scan that finds young blocks unreached does not report them yet: it
 * first reads the clean pages too (lg_young_sweep), looking only for words
 * inside those blocks' address span, and marks what they reach — exactly
 * as a full scan would count such a word. A young block is therefore
 * reported by a young scan only when a full scan at the same instant
 * would find it lost as well, or find it reachable only through memory a
 * full scan does not read (the unused parts of the malloc heap, a dead
 * stack frame); it is never reported lost through a word the full scan
 * reads. Most young scans find every young block reached and pay nothing
 * for the sweep.
 *
 * Blocks freed and reused between scans: a freed block is in neither
 * snapshot, so words pointing at its old address point at nothing, or at
 * the young block that reuses it (the case above). A block freed after
 * the snapshot is in the snapshot (the child's copy of memory is of that
 * instant).
 *
 * Which old blocks are judged again: those the previous scan found lost
 * with a streak still below min_age (history.h), each still in the table
 * as the same block (an entry of generation 1 or more at its address: a
 * free and a reuse, or a realloc in place, makes a young entry there).
 * They go into the snapshot as young blocks do, so min_age counts young
 * scans too: a block leaked before scan k is found lost by scan k and
 * again by scan k+1, which logs it, whether k+1 is young or full. Why the
 * remembered set needs nothing more for them: a block B found unreached
 * at scan k had no pointer to it in any place scan k read — the roots,
 * every page written in interval k, and (young k) every other page of the
 * malloc heap, swept for words into the unreached blocks, or (full k)
 * every reached block. A new pointer to B after k must be stored, so it
 * lies on a page written in interval k+1, which scan k+1 reads; a page
 * not written since holds what it held at k. So judging B again from the
 * roots and the written pages is exact, and B needs no sweep (its words
 * were swept, or read, at k): lg_young_sweep looks only for words into
 * the unreached young blocks. A page not written since may still hold a
 * word into B from a block lost at k too: that block is judged again as
 * well (its streak is below min_age), or was lost before k and is
 * treated as live, as every old block a young scan does not judge is —
 * then B may be found reached, never lost wrongly. Every other old block
 * is not judged: its loss is found by the next full scan, and a cluster
 * logged earlier is carried forward (history and LIVE) so a killed
 * process's report keeps it. The born lists name no old block: a young
 * scan that judges one again walks the table (born.h, LG_BORN_AGAIN).
 * A program with refcounted objects (CPython's, the object table's) has
 * no block judged again: a full scan's refcount phase judges its blocks
 * too, a young scan has none (snapshot.c).
 *
 * Where the young blocks come from: not from a walk of the whole block
 * table, but from the born-since-last-scan lists (born.h): each table
 * change since the previous snapshot left a record, and the snapshot
 * takes, for each address a record names, the entry the table holds at
 * the stop, if it is still of generation 0 — exactly the young blocks
 * alive at the stop, with their metadata of that instant (a block freed
 * since is not in the table; a reused address holds the reuse's entry).
 * The older blocks' per-site counts (SITES) are the previous scan's,
 * aged by one scan, less the blocks the gone records name. So the
 * snapshot costs what changed, not the table. Whenever the lists cannot
 * vouch for an epoch (born.h says when), the snapshot walks the table as
 * a full scan's does; nothing else about the scan changes.
 *
 * Both phases run in the snapshot child (or in process with the world
 * stopped): no lock, no malloc. */
#ifndef LG_YOUNG_H
#define LG_YOUNG_H

#include "scan.h"

/* lg_young_mark_remembered marks from the remembered set of scan s. */
void lg_young_mark_remembered(lg_scan_t *s);
/* lg_young_mark_written marks from [lo, hi) (readable, of the remembered
 * set) but the young blocks in it, which are read when reached: a
 * concurrent young scan's finish reading a page written during its pass
 * (concmark.h). */
void lg_young_mark_written(lg_scan_t *s, uintptr_t lo, uintptr_t hi);
/* lg_young_sweep reads the clean pages for words inside the young blocks
 * the marking left unreached, and marks from them; nothing when every
 * young block was reached. Returns the words it looked at. */
uint64_t lg_young_sweep(lg_scan_t *s);
/* lg_young_roots_skip is the roots phase's (roots.c): in a young scan, a
 * chunk glibc mapped for one block (rset.h) is read here, as remembered
 * set, not as a root. It returns where to jump when pos lies in one, else
 * 0 with *end lowered to where the next one starts. */
uintptr_t lg_young_roots_skip(const lg_scan_t *s, uintptr_t pos, uintptr_t *end);

#endif
