/* collector/clone.h — the clone phase of a periodic, signal or API scan: a
 * copy-on-write snapshot child of the whole process, taken while the world
 * is stopped, in which the rest of the pipeline runs while the program
 * runs on (clone.c's header says how it stays invisible to the program). */
#ifndef LG_CLONE_H
#define LG_CLONE_H

#include <sys/types.h>

#include "history.h"
#include "scan.h"

/* A periodic scan the exit overtakes is abandoned, never waited for: the
 * exit scan supersedes it. One word shared with every snapshot child (a
 * MAP_SHARED mapping made before the first clone) decides who may touch
 * the log and the shared scan history, by compare-and-swap:
 *
 *   RUNNING    set by the parent before the clone (with the scan's kind);
 *              the child works on private copies of everything shared it
 *              writes (logwriter.h's hold, history.h's private mode)
 *   WRITING    the child won RUNNING -> WRITING when its work was done: it
 *              writes its records to the log in one go and publishes the
 *              history; the parent waits for it (the write is short)
 *   DONE       the child has written and published everything
 *   ABANDONED  the exit path won RUNNING -> ABANDONED (periodic scans only):
 *              the child's CAS fails and it exits without writing a byte,
 *              if the SIGKILL the parent sends it has not ended it first;
 *              its SCAN_BEGIN stays in the log without a SCAN_END
 *
 * A child that cannot make its private copies claims WRITING at once (it
 * is then waited for, as every child was before). The child's exit signal
 * is 0: only a __WCLONE wait sees it; an abandoned child is reaped by the
 * scanner thread after it dropped the scan lock (lg_clone_reap_pending). */
enum lg_clone_state { LG_CLONE_IDLE, LG_CLONE_RUNNING, LG_CLONE_WRITING, LG_CLONE_DONE, LG_CLONE_ABANDONED };
/* lg_clone_reap's result for an abandoned scan. */
#define LG_CLONE_LOST_ABANDONED (-2l)

/* lg_clone_start clones the snapshot child, which runs work(s), hands its
 * results back in *r and exits; it never returns in the child. Returns the
 * child's id, or -1 when the clone failed (the caller then runs work in
 * process). */
pid_t lg_clone_start(lg_scan_t *s, lg_scan_result_t *r, long (*work)(lg_scan_t *s));
/* lg_clone_reap waits for the child `pid` until it is done or abandoned
 * and takes its results (totals, cluster ids); returns the bytes it found
 * lost, -1 when it failed (said in a NOTE), or LG_CLONE_LOST_ABANDONED
 * (nothing of it is in the log: the caller acts as if the scan never ran).
 * The caller holds no shim lock. */
long lg_clone_reap(pid_t pid, lg_scan_result_t *r);
/* lg_clone_abandon is the exit path's: a periodic scan's child now in
 * flight, or cloned from now on, is abandoned unless it has already won
 * the right to write. Async-signal-safe; returns at once. */
void lg_clone_abandon(void);
/* lg_clone_exit_pending tells whether lg_clone_abandon was called: the
 * exit scan is coming, and no periodic or signal scan should start. */
int lg_clone_exit_pending(void);
/* lg_clone_reap_pending reaps a child a scan left behind (abandoned, or
 * done and exiting); the caller holds no shim lock. It waits only for
 * the child's end, which a SIGKILL or its own exit has already begun. */
void lg_clone_reap_pending(void);
/* lg_clone_release_tables is the snapshot child's, right after the
 * snapshot phase copied the block table: it drops its view of the
 * table's arrays (MADV_DONTNEED, then PROT_NONE, every page but a
 * mapping's first, which holds the tag the roots phase reads), so that
 * the program's writes there while the child lives find pages of their
 * own to write in place (a reuse fault, not a copy). No later phase
 * reads the table: one that did would fault, and the scan would be
 * abandoned with a NOTE. In process (an exit scan, a failed clone) it
 * does nothing. */
void lg_clone_release_tables(void);
/* lg_clone_fork_child forgets the parent's shared word in a forked
 * program child (its scans get their own). */
void lg_clone_fork_child(void);
/* lg_clone_test_init reads LEAKGRAPH_TEST_SCAN_GATE, a test-only knob: a
 * path for which every snapshot child waits (at most 60 s) before it
 * claims the right to write, so a test can hold a periodic scan in flight
 * without guessing how long it takes. Called once, at init. */
void lg_clone_test_init(void);

#endif
