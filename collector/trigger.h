/* collector/trigger.h — what starts scans while the program runs (the
 * scanner thread of trigger.c). */
#ifndef LG_TRIGGER_H
#define LG_TRIGGER_H

#include <stddef.h>
#include <stdint.h>

#include "options.h"

/* lg_trigger_start starts the scanner thread when the options call for
 * it; `fresh` (process start, not a forked child) also takes the scan
 * signal if its disposition is the default. Returns 0, or -1. */
int lg_trigger_start(const lg_options_t *o, int fresh);
/* lg_trigger_stop asks the scanner thread to end (it ends after any scan
 * it is running). */
void lg_trigger_stop(void);

/* Allocation triggers (scan_blocks, scan_bytes): each thread counts its
 * allocations in a thread-local batch and adds the batch to the process's
 * count every LG_TRIGGER_BATCH blocks or bytes; the addition that crosses
 * a threshold wakes the scanner for a periodic scan. So an idle program is
 * never scanned by them and a busy one is, and the hot path costs a test,
 * two adds and a compare. Up to a batch per thread is counted late.
 * lg_trigger_scan_begins restarts the count (any scan, whatever started
 * it: the thresholds count from the last scan). */
#define LG_TRIGGER_BATCH 256u
#define LG_TRIGGER_BATCH_BYTES (1u << 20)
typedef struct lg_alloc_batch { uint64_t blocks, bytes; } lg_alloc_batch_t;
extern int lg_trigger_counting __attribute__((visibility("hidden"))); /* read in one instruction */
extern __thread lg_alloc_batch_t lg_trigger_batch;
void lg_trigger_add_batch(void);
void lg_trigger_scan_begins(void);

/* lg_trigger_count counts one allocation of `size` bytes. */
static inline void lg_trigger_count(size_t size) {
  if (__builtin_expect(!lg_trigger_counting, 1)) return;
  lg_alloc_batch_t *b = &lg_trigger_batch;
  b->blocks++;
  b->bytes += size;
  if (b->blocks >= LG_TRIGGER_BATCH || b->bytes >= LG_TRIGGER_BATCH_BYTES) lg_trigger_add_batch();
}

#endif
