/* collector/clone.h — the clone phase of a periodic, signal or API scan: a
 * copy-on-write snapshot child of the whole process, taken while the world
 * is stopped, in which the rest of the pipeline runs while the program
 * runs on (clone.c's header says how it stays invisible to the program). */
#ifndef LG_CLONE_H
#define LG_CLONE_H

#include <sys/types.h>

#include "history.h"
#include "scan.h"

/* lg_clone_start clones the snapshot child, which runs work(s), hands its
 * results back in *r and exits; it never returns in the child. Returns the
 * child's id, or -1 when the clone failed (the caller then runs work in
 * process). */
pid_t lg_clone_start(lg_scan_t *s, lg_scan_result_t *r, long (*work)(lg_scan_t *s));
/* lg_clone_reap waits for the child `pid` and takes its results (totals,
 * cluster ids); returns the bytes it found lost, or -1 when it failed
 * (said in a NOTE). The caller holds no shim lock. */
long lg_clone_reap(pid_t pid, lg_scan_result_t *r);

#endif
