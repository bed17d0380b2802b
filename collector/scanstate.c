/* collector/scanstate.c — the scan's shared state and the lock-taking of
 * scans and forks (see scanstate.h). */
#include "scanstate.h"

#include <string.h>

#include "annot.h"
#include "arena.h"
#include "blocks.h"
#include "format.h"
#include "logwriter.h"
#include "modules.h"
#include "refcount.h"
#include "stacks.h"

static uint64_t start_ns;
static uint32_t cluster_ids;
static lg_totals_t last;
static pid_t scanner;
static uint32_t periodic;

uint64_t lg_start_ns(void) { return start_ns; }

void lg_scanstate_started(uint64_t ns) {
  start_ns = ns;
  cluster_ids = 0;
  periodic = 0;
}

uint32_t lg_scanstate_next_periodic(void) { return ++periodic; }

uint32_t lg_next_cluster_id(void) { return ++cluster_ids; }
void lg_set_next_cluster_id(uint32_t next) { cluster_ids = next - 1; }

void lg_last_totals_set(const uint64_t *bytes, const uint64_t *blocks, uint32_t clusters, uint32_t cyclic) {
  memcpy(last.bytes, bytes, sizeof last.bytes);
  memcpy(last.blocks, blocks, sizeof last.blocks);
  last.clusters = clusters;
  last.cyclic = cyclic;
}

void lg_collector_last_totals(lg_totals_t *t) { *t = last; }

pid_t lg_scanner_tid(void) { return __atomic_load_n(&scanner, __ATOMIC_ACQUIRE); }
void lg_scanner_tid_set(pid_t tid) { __atomic_store_n(&scanner, tid, __ATOMIC_RELEASE); }

void lg_note_locked(uint32_t code, const char *text) {
  uint32_t n = (uint32_t)strlen(text);
  lg_log_begin(LG_REC_NOTE, 4 + lg_log_str_size(n));
  lg_log_u32(code);
  lg_log_str(text, n);
  lg_log_end();
}

void lg_locks_take(int refresh_modules) {
  lg_modules_lock();
  if (refresh_modules) lg_modules_refresh(); /* before the loader's lock is out of reach */
  lg_stacks_lock();
  lg_rc_lock_all();
  lg_arena_lock_all();
  lg_log_lock();
  lg_roots_lock();
  lg_blocks_lock_all();
}

void lg_locks_release(void) {
  lg_blocks_unlock_all();
  lg_roots_unlock();
  lg_log_unlock();
  lg_arena_unlock_all();
  lg_rc_unlock_all();
  lg_stacks_unlock();
  lg_modules_unlock();
}
