/* collector/collector_internal.h — what the collector's files share among
 * themselves and nothing outside the collector may use: the scan entry
 * point, thread-layout facts, root regions, ignored pointers and notes. */
#ifndef LG_COLLECTOR_INTERNAL_H
#define LG_COLLECTOR_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"
#include "graph.h"
#include "modules.h"

/* Thread layout, read once at init from glibc's exported facts: the static
 * TLS size (the descriptor included) and alignment, sizeof(struct pthread). */
typedef struct lg_tls_layout { uintptr_t static_size, pthread_size, align; } lg_tls_layout_t;
extern lg_tls_layout_t lg_tls;


/* lg_scan_run is the scan itself (scan.c); the caller holds no shim lock. */
long lg_scan_run(int kind, uint32_t number, const lg_self_t *self);
/* The shim's scanner thread (trigger.c): its id (0 when none), which the
 * scan neither stops nor scans; started at init and in a forked child. */
pid_t lg_scanner_tid(void);
/* lg_trigger_start starts the scanner thread when the options call for
 * it; `fresh` (process start, not a forked child) also takes the scan
 * signal if its disposition is the default. */
int lg_trigger_start(const lg_options_t *o, int fresh);
void lg_trigger_stop(void);

uint64_t lg_start_ns(void);
uint32_t lg_next_cluster_id(void);
void lg_set_next_cluster_id(uint32_t next);

void lg_last_totals_set(const uint64_t *bytes, const uint64_t *blocks, uint32_t clusters, uint32_t cyclic);

/* lg_locks_take takes every shim lock in the order of collector.h (a scan
 * first refreshes the module map); lg_locks_release lets them go. */
void lg_locks_take(int refresh_modules);
void lg_locks_release(void);

/* lg_note_locked writes a NOTE record; the caller holds the log lock. */
void lg_note_locked(uint32_t code, const char *text);

/* Root regions registered through the API (leaf lock). */
void lg_roots_lock(void);
void lg_roots_unlock(void);
void lg_roots_each(lg_range_fn fn, void *arg);

/* lg_ignored_resolve flags the blocks that contain pointers given to
 * leakgraph_ignore which were not block starts. Roots lock held. */
void lg_ignored_resolve(lg_heap_t *h);

#endif
