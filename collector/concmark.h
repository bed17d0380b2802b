/* collector/concmark.h — the mostly-concurrent mark of an API scan.
 *
 *
 * A mostly-concurrent mark (Boehm, Demers and Shenker, "Mostly Parallel
 * Garbage Collection", PLDI 1991): an API scan (leakgraph_scan) of a big
 * heap that pauses the program for the finish only, not for a snapshot.
 * The option concurrent: `api` (the default) for API scans, `all` for
 * periodic scans too (full and young), `no` for none; signal and exit
 * scans keep the clone (or the in-process exit scan). The design, its soundness
 * argument and what it needs follow; "As built" at the end says where the
 * code departs from or narrows the plan.
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
 *                through a fault guard (below); registers are not read
 *                here, running threads' stacks are (As built).
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
 *
 * As built
 * --------
 *   - Which scans: API scans (concurrent=api, the default) and periodic
 *     scans too, full and young, with concurrent=all (signal and exit
 *     scans keep theirs), when no refcounted object is known (rcscan.c
 *     reads the object table with the world stopped). A young scan marks
 *     concurrently when the born lists are off (its copy walks the table:
 *     the lists' epochs flip with the world stopped) and the previous scan
 *     found nothing lost (it judges no older block again: that needs
 *     snapshot.c's lost-list bookkeeping); else it takes the clone.
 *   - The remembered set (rset.h), when young scans are on: collected and
 *     protected again at the start of every concurrent scan (world
 *     running, before the epoch flips), not at its stop; its ranges are
 *     borrowed by the arm (collected at the finish without protecting
 *     them again, never untracked here), so the pages written during the
 *     pass are both the finish's written set and, still written, part of
 *     the next scan's collection. A concurrent young scan marks, in the
 *     pass, from the roots and the pages that collection found written
 *     (young.h), and at the finish reads the written pages of the
 *     remembered set's ranges whole but for the young blocks (an old block
 *     written during the pass may hold the only pointer to a young one:
 *     lg_young_mark_written), besides the marked blocks there; the sweep
 *     of the clean pages runs after the resume (a page clean at the
 *     collection and not written since holds what it held at the previous
 *     scan). Its older blocks' per-site counts come from the walk and are
 *     not exact (an entry seen twice, its table rehashed, counts twice).
 *     A concurrent scan that falls back to the clone after that collection
 *     is a full scan (a young clone would take the pages written before
 *     it for clean), and collects at its stop as a clone scan does.
 *   - Threads: the concurrent pass reads every live thread's stack and TLS
 *     but the scanning thread's (roots.c's mark_running: from the stack
 *     pointer the kernel shows while the thread is blocked, else from the
 *     one of the last stop, else from where the thread's last capture
 *     stood (the unwinder keeps it: lg_world_recent_sp_from), else the
 *     whole resident stack, whose dead frames would keep what they point
 *     to marked in this scan (conc_running_dead_frame): a dead frame's
 *     stale word can only over-mark, floating garbage a later scan
 *     reports), so that a live set hanging off a running thread's stack is
 *     marked before the stop; the finish reads them again stopped.
 *   - Exit: the concurrent flood gives up when the program exits meanwhile
 *     (the exit scan supersedes a periodic scan in flight, clone.h), and
 *     no concurrent scan starts once the exit is pending.
 *     Anything refused at the arm (a mapping the kernel will not register:
 *     the program's own userfaultfd, a kernel without WP-async) or a failure
 *     of the copy or of the concurrent mark (a fault, out of memory) undoes
 *     everything and the clone scan runs as before.
 *   - Arm, in two steps: before the copy, the block table's arrays (the
 *     shim's own memory); after it, every writable mapping that holds a
 *     block of the index (the mark reads a block only after its mapping
 *     is armed, so a write before the arm is seen by the read; one after
 *     it, by the finish). A read-only mapping that holds blocks counts as
 *     all written (the program may make it writable again). Root
 *     mappings are not tracked: the finish reads
 *     every root again whole with the world stopped (a cost in the pause
 *     that grows with the program's root memory, not its heap: when the
 *     concurrent pass took more CPU time than ROOTS_BUDGET_NS to read them, it
 *     stops there and the scan takes the clone; after three such scans in
 *     a row the process's scans stop trying), and
 *     arming memory the program never touched (a reservation) would fill
 *     it with write-protect markers that look like swapped pages to the
 *     roots pass. A mapping that holds blocks and is registered with a
 *     userfaultfd of the program's own (EBUSY) sends the scan back to the
 *     snapshot; one refused for another reason (gone or changed since it
 *     was listed) counts as all written. All are unregistered again at
 *     the sweep, so the program never meets a registration of ours after
 *     the scan; a program whose thread registers memory of its own while
 *     a concurrent scan runs waits in the shim's ioctl hook for the
 *     scan's end (preload/uffd.c), and scans take the snapshot from then
 *     on.
 *   - Table: the epoch flips (all shard locks, a moment), then
 *     lg_blocks_each_live copies the shared part shard by shard under its
 *     lock and each thread table as a reader (ttab.h's protocol; a table
 *     rehashed meanwhile is walked again); the copy is sorted and indexed
 *     with the world running. An entry copied with the new parity was born
 *     during the copy: it is marked at once (black). Blocks born after
 *     their slot was copied are found at the finish on the table's written
 *     pages (the table's arrays are armed too; an array made after the arm,
 *     a table that grew, is read whole): every live entry there not in the
 *     index is read whole as a root, one in the index is marked.
 *   - Mark: lg_roots_mark with no thread stopped (the lists of modules and
 *     registered regions walked under their locks; the running threads'
 *     stacks as above), then the flood, under
 *     lg_concmark_guard: a fault abandons the concurrent scan (the clone
 *     runs), it does not abandon the range.
 *   - Finish: the written runs of every armed range (a range no longer
 *     tracked, unmapped or moved, counts whole), the maps read again, the
 *     roots marked again whole (the threads stopped this time), the marked
 *     blocks' words on the written runs read again, the born entries taken,
 *     the flood to its end. Over BUDGET_BYTES of marked blocks on written
 *     pages, the clone snapshot is taken at the same stop (e); so it is
 *     when the flood reads more than FLOOD_BUDGET_BYTES of blocks (about
 *     5 ms: the live data hangs off memory the concurrent pass did not
 *     read, a running thread's stack), and after three such scans in a row
 *     (either budget) the process's scans stop trying; a concurrent
 *     success starts the count anew, and a process that stopped tries
 *     again after ten scans that did not (one failure more stops it
 *     again). A fault there also ends in the clone at the same stop.
 *   - Pre-cleaning: after the concurrent mark, with the world running, up
 *     to three rounds (bdwgc's repeated dirty rounds): each reads the maps
 *     again, collects the written pages of every tracked range and
 *     protects them again (PAGEMAP_SCAN with PM_SCAN_WP_MATCHING), reads
 *     again the marked blocks on them (a young scan also the remembered
 *     set's memory there, as the finish does) and the blocks earlier
 *     rounds took as born there, then takes the born entries (below), and
 *     floods; another round follows while a round found more than 256
 *     written pages and fewer than the round before. The finish then sees
 *     only the pages written since the last round. Sound: a page protected
 *     again and then read was either not written after that read or
 *     written again (the next round or the finish reads it); roots,
 *     stacks and the last written set are read at the finish with the
 *     world stopped. The remembered set's borrowed ranges take part:
 *     every run a round protects again there is noted written
 *     (lg_rset_note_written), so the next collection counts it, none of it
 *     clean. A round's fault, more than MAX_RUNS runs (pages protected but
 *     not listed) or the program's exit sends the scan to the clone. The
 *     "was concurrent" NOTE gives the rounds and their pages, and the born
 *     entries the rounds took and how many of them the finish read whole.
 *   - Born entries, pre-cleaned: a round also collects and protects again
 *     the table's written pages (lg_blocks_each_slots_read: each shard
 *     under its lock, each thread table as a reader), all of them before
 *     it reads any entry (small arrays share pages), and reads the entries
 *     there with the owner's protocol (the key before and after the rest:
 *     an entry changed meanwhile was written after the protection, so the
 *     next round or the finish meets it). Each one born since the flip
 *     (or an old one the program asked to ignore) is taken as the finish
 *     takes it: an index record at its address marked, the block read
 *     whole as a root, and kept in the scan's list of born blocks (sorted
 *     by address). A born block is read in a round only when its memory
 *     is tracked: inside a range armed before the read (the round arms
 *     the brk heap's part that grew since the arm; no other mapping: the
 *     roots pass reads write-protect markers as swapped pages), so that a
 *     write to it after the read is on a written page; the rounds and the finish read the listed blocks again on
 *     every written run, as they do the marked blocks of the index. One
 *     they could not read (not readable in the round's maps, not
 *     trackable, a fault) is read whole at the finish. An array the arm
 *     did not track (a table that grew, a new thread's table) is tracked
 *     by the round and taken whole, and so is every array that shares a
 *     page with it (tracking protects the whole page again). The table's
 *     hash spreads new entries over all its pages, so the finish meets on
 *     the pages written since the last round mostly entries a round took:
 *     it passes over an entry whose key and size are what a round read at
 *     that place (the shadow of the table pages the rounds read, 32 MiB at
 *     most, one compare per slot) or that a round took at its address for
 *     no fewer bytes (a hash set), and takes the others as before. A table
 *     that rehashes during the pass (one growing fast) moves its entries
 *     to arrays the rounds never read: the finish takes those again.
 *   - Sweep: an unmarked block is judged only when the table still holds
 *     it with the old parity and the same stack (lg_blocks_lookup); any
 *     other is counted reachable. Then analysis and log run in the
 *     scanning thread with the world running, under the log lock.
 *   - Retention chains of blocks first reached at the finish through a
 *     written page name the mapping root kind, or the ignored kind for a
 *     block born during the scan.
 *
 */
#ifndef LG_CONCMARK_H
#define LG_CONCMARK_H

#include <setjmp.h>

#include "scan.h"

/* lg_concmark_wanted tells whether scan s may mark concurrently. */
int lg_concmark_wanted(const lg_scan_t *s);
/* lg_concmark_begin runs the arm, the table copy and the concurrent mark
 * with the world running (the caller holds the scan lock only). Returns 0
 * (lg_concmark_finish next), or -1: nothing of it is left, the clone scan
 * runs. */
int lg_concmark_begin(lg_scan_t *s);
/* lg_concmark_finish is the finish, every shim lock held and the world
 * stopped (s->world). Returns 0, or -1 (over the budget, or a fault): the
 * caller then calls lg_concmark_abandon(s, 1) and takes the clone at this
 * same stop. */
int lg_concmark_finish(lg_scan_t *s);
/* lg_concmark_abandon undoes a concurrent scan begun (the tracking, the
 * copy, the epoch's flip); `locked`: the caller holds the shard locks. */
void lg_concmark_abandon(lg_scan_t *s, int locked);
/* lg_concmark_sweep, with the world running and no shim lock held, ends
 * the tracking and counts reachable every unmarked block the program
 * freed during the scan (or replaced by a new one), with a NOTE of the
 * phases' times. */
void lg_concmark_sweep(lg_scan_t *s);
/* lg_concmark_free releases the scan's maps and heap. */
void lg_concmark_free(lg_scan_t *s);
/* lg_concmark_disarm unregisters every range the arm tracked. */
void lg_concmark_disarm(void);
/* lg_concmark_guard catches the calling thread's faults while it reads
 * program memory (a fault jumps to jb; SIGSEGV and SIGBUS are unblocked
 * in the calling thread meanwhile: the scanner thread blocks every
 * signal); any other thread's fault goes to the program's handler as
 * before. lg_concmark_unguard ends it and puts the thread's mask back. */
void lg_concmark_guard(sigjmp_buf *jb);
void lg_concmark_unguard(void);
/* While the guard is in place (with the world running) the program's
 * actions for SIGSEGV and SIGBUS live in the guard's saved copies, which
 * its end puts back: the program's sigaction (preload/signals.c) reads
 * and sets them there instead of the kernel's. lg_concmark_guard_hold
 * keeps the guard from starting or ending (the caller has every signal
 * blocked) until lg_concmark_guard_release; meanwhile
 * lg_concmark_guard_saved(sig) is the saved action of sig, or NULL when
 * no guard is in place for it (then the kernel's action is the
 * program's). */
void lg_concmark_guard_hold(void);
void lg_concmark_guard_release(void);
struct sigaction *lg_concmark_guard_saved(int sig);
/* lg_concmark_open tells whether scans may still mark concurrently.
 * lg_concmark_close ends that for good (the program
 * registers memory with a userfaultfd of its own: preload/uffd.c); the
 * caller holds the scan lock, so no concurrent scan is in flight, or is
 * a signal handler of the scanning thread, whose finish then finds the
 * descriptor gone and takes the snapshot. */
int lg_concmark_open(void);
void lg_concmark_close(void);
/* lg_concmark_test_init reads LEAKGRAPH_TEST_CONC_GATE, a test-only knob:
 * a path GATE; the concurrent pass then creates GATE.wait between the
 * registered regions and the threads of its roots and waits (at most
 * 60 s) until GATE exists. LEAKGRAPH_TEST_CONC_GATE_AT (a comma-separated
 * list of places; "roots" when unset) moves or adds gates: "roots" is the
 * one above; "armed" (after the table's arrays are armed, before the table's copy), "marked"
 * (after the concurrent mark, before the pre-cleaning rounds) and
 * "cleaned" (after the first pre-cleaning round's flood) create
 * GATE.PLACE.wait and wait until GATE.PLACE exists. Called once, at init. */
void lg_concmark_test_init(void);

#endif
