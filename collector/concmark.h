/* collector/concmark.h — DESIGN ONLY, nothing implements it yet: a
 * mostly-concurrent mark (Boehm, Demers and Shenker, "Mostly Parallel
 * Garbage Collection", PLDI 1991), the route to an API or periodic scan
 * that pauses a 1 GB program for well under 10 ms. No code includes this
 * header; it states the design, its soundness argument and what building
 * it needs, so that whoever builds it starts from a checked plan.
 *
 * Why the snapshot clone cannot get there
 * ---------------------------------------
 * The clone's pause is the kernel copying the page tables of every
 * private writable page the process has resident: about 20-26 ms per GB
 * on this 2-core machine (a 1 GB-resident process that only clones: 25 ms
 * median; the bigheap scan's clone is 99% of its pause, measured by the
 * "scan N pause (us)" NOTE). The shim's own big arrays now cost it one
 * entry per 2 MiB (sys.c's huge mappings); the program's own memory is not
 * ours to change. After the resume every first write to a page while the
 * child lives is a copy-on-write fault (about 3 us of CPU each). So the
 * clone's pause grows with the program's resident memory, not with what
 * the scan needs; the only way under 10 ms is not to copy.
 *
 * The scheme
 * ----------
 *   1. arm       (world running) every private writable mapping the scan
 *                reads as a root or as heap is write-tracked with dirty.h
 *                (userfaultfd WP-async: registered, then all pages
 *                protected, PAGEMAP_SCAN with PM_SCAN_WP_MATCHING). From
 *                here on, the first write to each page unprotects it and
 *                PAGEMAP_SCAN reports it as written. Nothing is stopped.
 *   2. table     (world running, under the block locks one shard or one
 *                thread table at a time, as lg_blocks_each does) the
 *                block table is copied into the scan's sorted heap index.
 *                Blocks allocated after their table was copied are not in
 *                the index: they are judged by the next scan (allocate
 *                black: a block born during the scan is never reported by
 *                it), but their words are read as roots in step 4 (they
 *                may hold the only pointer to an old block); the born
 *                lists (born.h) or a pass over the table in step 4, by
 *                the scan's epoch (blocks.h's parity), name them. Blocks
 *                freed after the copy stay in the index and may be marked
 *                or not; step 5 drops them.
 *   3. mark      (world running) the flood fill of mark.c from the module
 *                data, registered regions and mappings, reading memory
 *                through a fault guard (below); stacks and registers are
 *                not read here (they change too fast to be worth it).
 *   4. finish    (world stopped: the short pause) collect the written
 *                pages of every armed range (PAGEMAP_SCAN, no re-protect),
 *                then mark again from: the registers, stacks and TLS of
 *                every stopped thread (as today), every written page of a
 *                root mapping, every already-marked block that lies
 *                on a written page (its words may now hold pointers the
 *                concurrent pass never saw), and every block born since
 *                its table was copied (step 2); the flood fill then runs
 *                to its end. Mappings that appeared, moved or were refused
 *                since step 1 are read whole now (all written).
 *   5. sweep     (world running again) what stayed unmarked and is still
 *                in the block table as the same block (checked under its
 *                lock, with its birth epoch: a block freed during the scan
 *                is no leak, and a new block at a freed one's address is
 *                not judged) is lost; analyse and log run
 *                on the scan's own arrays, as in the snapshot child today.
 *
 * Soundness: no false leak
 * ------------------------
 * Claim: a block B that is reachable at the moment of step 4's stop (the
 * scan's instant) is marked by the end of step 4.
 * Take a path root -> ... -> P -> B of pointers that holds at that
 * instant. Induction along the path: suppose the holder H of the pointer
 * to B (a root word, or a word of block P) was marked or is a root.
 *   - If the word holding the pointer was written after step 1, its page
 *     is reported written (WP-async cannot miss a write: the protection is
 *     dropped by the kernel inside the faulting write, before it lands),
 *     and step 4 re-reads every written root page and every marked block
 *     on a written page: B is found. (P marked concurrently and then
 *     written is exactly the case the third source of step 4 covers.)
 *   - If it was not written after step 1, it held the same value during
 *     the whole concurrent pass, so reading H in step 3 or step 4 found B.
 *   - If H is a register or stack word, step 4 reads it with the world
 *     stopped, as the snapshot scan does today.
 *   - If H is a block born during the scan (not in the index), step 4
 *     reads all of it as a root.
 * So every block on the path is marked. B was in the index unless it was
 * born after its table was copied, and then it is not judged (allocate
 * black). The case the 1991 paper calls out — a pointer moved from a not
 * yet scanned place into an already scanned one and erased at the old —
 * is a write to the new place, which step 4 re-reads. A pointer held only
 * in a register across the whole concurrent pass is read in step 4.
 * Kernel writes (read(2) into a buffer, io_uring completions) also drop
 * the WP-async protection (they go through the same page-table checks),
 * so they count as written; DMA into pinned pages does not — such
 * mappings (VM_PFNMAP, VM_IO, devices) are read in step 4 whole, as the
 * roots pass already refuses most of them.
 * A leak is never lost either: a block unreachable at the instant stays
 * unreachable (nothing can make a lost block reachable again without a
 * pointer to it), so step 4 leaves it unmarked unless a stale pointer in
 * a written page or a register marks it — the same conservative error the
 * snapshot scan has.
 *
 * Reading memory the program may unmap
 * ------------------------------------
 * Step 3 runs while the program munmaps and mprotects. Every read of
 * program memory goes through the scan's fault guard (scan.c's
 * sigsetjmp handler, per read batch, not per word) or process_vm_readv
 * of the page into a buffer (no fault possible, about 1 us per page, a
 * cost only worth paying for mappings the maps walk did not see at step
 * 1). A guarded fault abandons the range, not the scan: the range is then
 * read in step 4 if it is still mapped. Pages that are not resident are
 * skipped as today (mincore or PAGEMAP_SCAN's PAGE_IS_PRESENT), so the
 * scan never faults memory in; a page that becomes resident after the
 * check was written (or swapped in: then unchanged) — a page first
 * touched by a write is reported written, with UFFD_FEATURE_WP_UNPOPULATED
 * also for pages never populated before step 1.
 * Blocks: the index copies addresses and sizes; a block read in step 3
 * may be freed and its memory returned to the kernel (glibc trims the top
 * of the heap, munmaps big chunks): the same guard covers it, and its
 * words are no evidence (step 5 drops it anyway).
 *
 * What it costs and what it needs
 * -------------------------------
 *   - Pause: stop + PAGEMAP_SCAN over the armed ranges (a page-table walk
 *     with no copy; on 1 GiB, README's measurement of dirty.h: 0.5 ms when
 *     nothing was written, 0.7 ms after 10 MB of scattered writes, 5 ms
 *     when all of it was) + re-marking what the program wrote during
 *     the pass (proportional to its write rate, not its heap) + resume.
 *     Under 10 ms for a 1 GB heap unless the program rewrites a large part
 *     of it during the scan; a deadline can bound it (below).
 *   - Throughput: one WP fault per first write to a page per scan (0.8-0.9
 *     us, no copy, README's measurement — cheaper than the clone's 3 us
 *     copy-on-write fault), and arming: registering 1 GiB costs 11-17 ms
 *     once (world running), protecting it again at each scan is part of
 *     the collection above.
 *   - Memory: no copy-on-write duplicates, so the scan's extra memory is
 *     its own arrays only.
 *   - Needs: (a) the in-process scan to run with the world running: mark.c
 *     and roots.c reading through the fault guard, in the scan thread
 *     (today the in-process scan runs only at exit, with the world
 *     stopped); (b) lg_blocks_each safe against concurrent malloc/free
 *     (shard by shard under its lock — it is, for the shared part; the
 *     per-thread tables need the owner's protocol of ttab.h) and a
 *     membership check at step 5; (c) dirty.h arming of every root and heap
 *     mapping, not only the heaps rset.h tracks today, and a rule for the
 *     program's own userfaultfd (then: fall back to the clone); (d) the
 *     analysis, refcount and log phases run on the scan's arrays in the
 *     scanning thread, with no shim lock held for long (the log lock only
 *     to write); (e) a fallback: when step 4's written set is too big (more
 *     than a budget of pages, e.g. 2 ms of re-marking), take the clone
 *     snapshot instead at that same stop — the pause is then no worse
 *     than today's; (f) the stress tests (pointers in flight between
 *     threads, 20 scans/s) run with it on, and a test that moves the only
 *     pointer to a block from an unscanned page to a scanned one during
 *     step 3 (a hook in the scan to pause between root ranges) and expects
 *     no leak.
 *   - Young scans fit: the remembered set is the armed ranges' written
 *     pages between two scans; a concurrent young scan marks from the
 *     roots and the written pages only.
 */
#ifndef LG_CONCMARK_H
#define LG_CONCMARK_H
#endif
