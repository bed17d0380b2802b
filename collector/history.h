/* collector/history.h — what scans remember about earlier scans: the lost
 * blocks of the previous scan (when each was first seen lost, for how many
 * scans in a row, and the signature and record id of the cluster last
 * logged with it as entry, so that a later scan can name it in LIVE), and
 * each site's old-generation bytes at the previous scan (to pick sites for
 * retention chains).
 *
 * It lives in shared anonymous memory so that a scan running in a snapshot
 * child (scan.c) can leave its results for the parent. Only the parent
 * creates or grows it, before a scan (lg_history_reserve); a forked
 * program child drops it (lg_history_forget) and starts afresh. */
#ifndef LG_HISTORY_H
#define LG_HISTORY_H

#include <stddef.h>
#include <stdint.h>

typedef struct lg_seen {
  uintptr_t addr;
  uint32_t first;  /* first scan that saw it lost */
  uint32_t streak; /* consecutive scans it has been lost */
  uint64_t sig;    /* signature of the cluster last logged with it as entry */
  uint32_t id;     /* that cluster's CLUSTER record id (0: none logged) */
} lg_seen_t;

/* lg_history_reserve makes room for `blocks` lost entries and `stacks`
 * sites; 0 or -1. Parent only. */
int lg_history_reserve(size_t blocks, uint32_t stacks);
/* lg_history_prev finds addr among the previous scan's lost blocks. */
const lg_seen_t *lg_history_prev(uintptr_t addr);
/* lg_history_next returns the list to fill for this scan (capacity as
 * reserved); lg_history_commit(n) makes it the previous list. */
lg_seen_t *lg_history_next(void);
void lg_history_commit(size_t n);
/* lg_history_prev_list returns the previous scan's whole list (*n
 * entries, by address), and lg_history_capacity the entries a list holds:
 * a young scan carries forward what it did not examine. */
const lg_seen_t *lg_history_prev_list(size_t *n);
size_t lg_history_capacity(void);
/* Old-generation bytes of site `stack` at the previous scan; updated by the
 * scan for every site. */
uint64_t *lg_history_old_bytes(uint32_t *nstacks);
/* lg_history_stack_needs_log returns 1 the first time it is asked about a
 * stack in the current log (a bitmap, reserved for `stacks` ids). */
int lg_history_stack_needs_log(uint32_t id);

/* What a scan that ran in a snapshot child hands back to its parent. */
typedef struct lg_scan_result {
  long lost;
  uint64_t bytes[5], blocks[5];
  uint32_t clusters, cyclic;
  uint32_t next_cluster_id;
  int done;
  uint64_t t_resumed; /* set by the parent: when the world ran again */
} lg_scan_result_t;
lg_scan_result_t *lg_history_result(void);

/* lg_history_private is the snapshot child's (clone.h): from now on the
 * scan writes private copies of the shared lists, site bytes and logged
 * stacks (the scan result stays shared), so that a child that loses the
 * right to write changes nothing the parent sees; 0, or -1 (out of
 * memory: nothing changed). lg_history_publish copies what the scan
 * wrote into the shared mappings, once the child has won that right. */
int lg_history_private(void);
void lg_history_publish(void);

/* lg_history_forget drops everything (a forked child's new log starts
 * over: scans number from 1 and every stack is logged anew). */
void lg_history_forget(void);

#endif
