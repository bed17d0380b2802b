/* collector/scanstate.h — the state the scan's phases share with the rest
 * of the collector, owned here and nowhere else: when the log started, the
 * cluster id counter, the last scan's totals, which thread is the shim's
 * scanner, NOTE records, and taking every shim lock for a scan or a fork.
 *
 * The include graph of the scan is a DAG with this module at its bottom:
 * the phases (snapshot.c, clone.c, roots.c, mark.c, analyse.c, rcscan.c,
 * scanlog.c) include scan.h and scanstate.h; scan.c, the pipeline, includes
 * the phases; trigger.c and collector.c call the pipeline through
 * lg_collector_scan and lg_scan_run. Nothing here includes a phase, and no
 * phase calls back into collector.c or trigger.c. */
#ifndef LG_SCANSTATE_H
#define LG_SCANSTATE_H

#include <stdint.h>
#include <sys/types.h>

#include "collector.h"

/* When this process's log started (CLOCK_MONOTONIC ns): scan times in the
 * log count from here. lg_scanstate_started sets it and restarts the
 * cluster ids (a new log: the process's start, or a forked child's). */
uint64_t lg_start_ns(void);
void lg_scanstate_started(uint64_t ns);

/* Cluster ids: lg_next_cluster_id hands out the next one; a snapshot child
 * hands its counter back with lg_set_next_cluster_id. */
uint32_t lg_next_cluster_id(void);
void lg_set_next_cluster_id(uint32_t next);

/* lg_last_totals_set keeps the totals of the scan that just ended, for the
 * exit summary (lg_collector_last_totals). */
void lg_last_totals_set(const uint64_t *bytes, const uint64_t *blocks, uint32_t clusters, uint32_t cyclic);

/* The shim's scanner thread (trigger.c publishes it): its id, or 0 when
 * none. A scan neither stops nor scans it. */
pid_t lg_scanner_tid(void);
void lg_scanner_tid_set(pid_t tid);

/* lg_scanstate_next_periodic counts a periodic scan and returns how many
 * this log has had, this one included. */
uint32_t lg_scanstate_next_periodic(void);

/* lg_note_locked writes a NOTE record; the caller holds the log lock. */
void lg_note_locked(uint32_t code, const char *text);

/* lg_locks_take takes every shim lock in the order of collector.h (a scan
 * first refreshes the module map); lg_locks_release lets them go. */
void lg_locks_take(int refresh_modules);
void lg_locks_release(void);

#endif
