/* collector/born.h — the born-since-last-scan lists: what a young scan's
 * snapshot needs from the block table without walking it (young.h).
 *
 * Kept only when young scans may run (full_every > 1, lg_born_on). Each
 * thread that changes the table appends to a list of its own, with plain
 * stores (no lock, no atomic instruction), one record per change:
 *
 *   new    a block was recorded (its address and the thread table it went
 *          to, or the shared part): a candidate, looked up by the scan,
 *          which takes the entry the table holds at its stop only if it is
 *          still a generation-0 entry. A block freed or reused since is
 *          found gone, or found with the metadata of the reuse.
 *   gone   a block that was in the previous scan's snapshot left the table
 *          (freed, or replaced by a realloc in place): its site, size and
 *          the generation it would have had now.
 *
 * A list belongs to an epoch (one per scan: lg_born_flip, world stopped,
 * starts the next). A thread whose list is of an older epoch empties it
 * before it appends, so the lists a scan reads are those of the epoch its
 * stop ended: the changes since the previous scan's snapshot. The previous
 * scan saved its per-site counts of every live block (lg_born_sites_save,
 * in a shared mapping the parent reserves); a young scan then gets its
 * young blocks from the new records and its older blocks' per-site counts
 * from the saved ones, aged by one scan, less the gone records: O(young +
 * gone), not O(table).
 *
 A change and its record must not fall on two sides of a stop. The
 * common changes — a thread's malloc and free of its own table's blocks —
 * never do: a stop signal that comes during one is put off to its end
 * (LG_BORN_OWN below; such a change takes no lock and waits for no
 * thread, so the stop is only late by the change). Any other change is
 * marked LG_BORN_WIDE, and a stop inside one makes the epoch it ends and
 * the next (where the change finishes) untrusted.
 *
 * A concurrent scan (concmark.h) flips the epoch with the world running
 * and settles it (lg_born_settle): each thread keeps two lists, by the
 * epoch's parity, so that the scan reads the ended epoch's while the
 * thread appends to the next one's; a change in flight at the flip may
 * put its record in either, and the scan reads both where they meet.
 *
 * When the lists cannot be trusted for an epoch, its scan walks the table
 * as before (lg_born_whole says so, lg_born_why why): a list that could
 * not grow, a change whose old entry is unknown (a free the shim never
 * saw, replaced at insert; a block of 4 GiB and more), a fork, a thread
 * stopped inside an LG_BORN_WIDE change. A scan that did not save its
 * counts (abandoned) also makes the next one walk.
 *
 * Appends run in the program's threads; lg_born_flip in the scanning
 * thread with the world stopped; the readers in the snapshot child or in
 * process with the world stopped: no lock, no malloc. */
#ifndef LG_BORN_H
#define LG_BORN_H

#include <stddef.h>
#include <stdint.h>

#include "blocks.h"
#include "scan.h"

/* Set once at start when young scans may run: the lists are kept. */
extern int lg_born_on;

/* A list: chunks of records, the head never unmapped. A record is the
 * word (address | GONE | gen << 1) and, for a new one, the thread table
 * and the slot its entry went to (NULL: the shared part), for a gone one
 * its stack | size << 32. */
typedef struct lg_born_rec { uintptr_t word, aux; const lg_slot_t *slot; } lg_born_rec_t;
typedef struct lg_born_chunk { struct lg_born_chunk *next; uint32_t n, cap; lg_born_rec_t r[]; } lg_born_chunk_t;
/* One epoch's list of a thread: a thread keeps two, by the epoch's parity,
 * so that a scan that flipped the epoch with the world running reads the
 * ended epoch's list while the thread appends to the other (born.c). */
typedef struct lg_born_list { uint32_t epoch, nchunks; lg_born_chunk_t *head, *tail; } lg_born_list_t;
typedef struct lg_born_log {
  uint32_t epoch;              /* the epoch its appends go to: list[epoch & 1] */
  volatile int busy;           /* its thread is inside a table change: LG_BORN_OWN or LG_BORN_WIDE */
  volatile int stop_pending;   /* a stop came during an LG_BORN_OWN change: taken at its end */
  lg_born_chunk_t *tail;       /* list[epoch & 1]'s last chunk */
  lg_born_list_t list[2];
  int owned;
  struct lg_born_log *next_free;
} lg_born_log_t;

extern uint32_t lg_born_epoch; /* the current epoch (lg_born_flip) */
extern __thread lg_born_log_t *lg_born_self __attribute__((tls_model("initial-exec")));

/* lg_born_enable starts keeping the lists (at start, before any thread). */
void lg_born_enable(void);

/* What a thread is inside (busy). LG_BORN_OWN: a change of its own thread
 * table's that neither takes a lock nor waits for another thread (no
 * shard, no registry, no other table): a stop that comes meanwhile waits
 * for its end (lg_born_defer_stop), so no scan ever sees one half done.
 * LG_BORN_WIDE: any other change; a stop inside one makes the epoch it
 * ends and the next untrusted (born.h's top). */
#define LG_BORN_OWN 1
#define LG_BORN_WIDE 2

/* lg_born_enter marks the calling thread as inside a table change of kind
 * `busy` and returns the list its records go to (NULL when it has none:
 * the epoch's lists are then not trusted; never for LG_BORN_OWN, which
 * needs the thread's own list and table). Pair with lg_born_leave, which
 * takes a stop put off meanwhile. */
lg_born_log_t *lg_born_enter_slow(void);
static inline lg_born_log_t *lg_born_enter(int busy) {
  lg_born_log_t *l = lg_born_self;
  if (__builtin_expect(!l, 0)) return lg_born_enter_slow();
  l->busy = busy;
  __atomic_signal_fence(__ATOMIC_SEQ_CST); /* marked before the table changes */
  return l;
}
void lg_born_leave_slow(lg_born_log_t *l);
static inline void lg_born_leave(lg_born_log_t *l) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the change and its record first */
  if (__builtin_expect(l == lg_born_self && l != NULL && !l->stop_pending, 1)) l->busy = 0;
  else lg_born_leave_slow(l);
}
/* lg_born_leave_own is lg_born_leave for the calling thread's own list
 * (l is lg_born_self, not NULL: the fast paths of hot.h). */
static inline void lg_born_leave_own(lg_born_log_t *l) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  if (__builtin_expect(!l->stop_pending, 1)) l->busy = 0;
  else lg_born_leave_slow(l);
}
/* lg_born_defer_stop, in the stop signal's handler: when the thread is
 * inside an LG_BORN_OWN change, notes the stop as pending and returns 1
 * (the handler returns at once; lg_born_leave raises the signal again),
 * else 0. Async-signal-safe. */
int lg_born_defer_stop(void);
/* lg_born_append adds a record to list l (NULL: nothing); the record is
 * written before the count that shows it. */
void lg_born_append_slow(lg_born_log_t *l, uintptr_t word, uintptr_t aux, const lg_slot_t *slot);
static inline void lg_born_append(lg_born_log_t *l, uintptr_t word, uintptr_t aux, const lg_slot_t *slot) {
  __atomic_signal_fence(__ATOMIC_SEQ_CST); /* the epoch read after the change (born.c: a running flip) */
  if (__builtin_expect(!l || l->epoch != __atomic_load_n(&lg_born_epoch, __ATOMIC_RELAXED) || l->tail->n == l->tail->cap,
                       0)) {
    lg_born_append_slow(l, word, aux, slot);
    return;
  }
  lg_born_chunk_t *c = l->tail;
  lg_born_rec_t *r = &c->r[c->n];
  r->word = word;
  r->aux = aux;
  r->slot = slot;
  __atomic_signal_fence(__ATOMIC_SEQ_CST);
  c->n++;
}
/* lg_born_new records that a block at addr went to slot `slot` of thread
 * table `table` (both NULL: the shared part). */
static inline void lg_born_new(lg_born_log_t *l, uintptr_t addr, const void *table, const lg_slot_t *slot) {
  lg_born_append(l, addr, (uintptr_t)table, slot);
}
/* lg_born_gone records that a block of the previous snapshot left the
 * table; gen is the generation it would have had now (1 or 2). */
static inline void lg_born_gone(lg_born_log_t *l, uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen) {
  lg_born_append(l, addr | 1u | (uintptr_t)gen << 1, stack | (uintptr_t)size << 32, NULL);
}
/* lg_born_note_gone records in list l that table entry `old` left the
 * table, if it was in the previous scan's snapshot: with the generation
 * it would have now (aged already when its parity is the epoch's,
 * `parity`: blocks.h's LG_BLK_PARITY or 0). A block born since the
 * snapshot needs no record. */
void lg_born_lose(void);
static inline void lg_born_note_gone(lg_born_log_t *l, const lg_slot_t *old, uintptr_t parity) {
  uintptr_t k = old->key;
  unsigned gen = (unsigned)((k & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  if ((k & LG_BLK_PARITY) != parity) gen = gen < 2 ? gen + 1 : 2;
  else if (!gen) return; /* born since the snapshot */
  if (__builtin_expect(old->size == LG_SIZE_BIG, 0)) { lg_born_lose(); return; } /* its bytes were malloc_usable_size's */
  lg_born_gone(l, lg_slot_addr(old), lg_slot_stack(old), old->size, gen);
}
/* lg_born_lose says that this epoch's lists miss a change. */
void lg_born_lose(void);
/* lg_born_thread_end gives the calling thread's list up for a later thread. */
void lg_born_thread_end(void);
/* lg_born_fork_child, in a forked child: the lists are not the child's
 * (and the saved counts are the parent's mapping): forget them. */
void lg_born_fork_child(void);

/* lg_born_flip starts a new epoch, in the scanning thread of the traced
 * process, with the world stopped or (a concurrent scan) running; then
 * lg_born_settle follows. lg_born_mark, just before the epoch's parity
 * flips (blocks.c), notes where each list stands: the records after that
 * point are those lg_born_settle looks at. */
void lg_born_mark(void);
void lg_born_flip(void);
/* lg_born_reserve makes room for the counts of `stacks` sites (parent,
 * before the snapshot child exists); 0 or -1. */
int lg_born_reserve(uint32_t stacks);
/* lg_born_whole tells a scan whether the lists of the epoch its stop ended
 * are whole and the previous scan saved its counts: then lg_born_each and
 * lg_born_sites may stand for a walk of the table. lg_born_why says why
 * not (LG_BORN_*; the last epoch's, in the order checked), and
 * lg_born_why_text how the snapshot was taken, for its NOTE. */
enum { LG_BORN_WHOLE, LG_BORN_OFF, LG_BORN_BUSY, LG_BORN_LOST, LG_BORN_UNSAVED, LG_BORN_AGAIN };
/* (LG_BORN_AGAIN is the snapshot's own: the lists were whole, but the
 * scan judges again older blocks the previous one found lost, which the
 * lists do not name: young.h.) */
int lg_born_whole(void);
int lg_born_why(void);
const char *lg_born_why_text(int why);
/* lg_born_each calls on_gone with every gone record, in each list's
 * order, then on_new with every generation-0 entry a new record names
 * (an address may come more than once), in the order of the entries'
 * slots (fewer cache and page-table misses; in list order when out of
 * memory). */
void lg_born_each(void (*on_new)(lg_slot_t *slot, void *arg),
                  void (*on_gone)(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg), void *arg);
/* lg_born_settle, in the scanning thread right after a flip made with the
 * world running (a concurrent scan's copy: concmark.h) and with no block
 * lock held: waits until every change that was in flight at the flip has
 * ended (a membarrier makes each thread's stores seen), so that the ended
 * epoch's lists are whole and stay as they are, and notes the blocks
 * whose record fell on the wrong side of the flip for the next scan
 * (born.c). Lists it cannot settle (a thread inside a change for too
 * long, no membarrier) are untrusted, the ended epoch's and the next. */
void lg_born_settle(void);
/* lg_born_abandoned says that the scan which flipped last gave up and a
 * snapshot follows (its parity flipped back, concmark.c): the blocks born
 * in between are not named by the lists of the epoch the snapshot starts,
 * so the scan after it walks the table. */
void lg_born_abandoned(void);
/* lg_born_each_running is lg_born_each for a scan that flipped with the
 * world running and settled: the records of the ended epoch and those
 * the next one holds so far (a change that straddled the flip), each
 * generation-0 entry passed to on_new as a copy taken whole from the
 * live table (an owner may be rehashing: ttab.h's reader protocol; an
 * address may come more than once). 0, or -1 when out of memory (then
 * nothing was called). */
int lg_born_each_running(void (*on_new)(const lg_slot_t *copy, void *arg),
                         void (*on_gone)(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg), void *arg);
/* lg_born_sites_aged writes into sites[0..n) the older blocks' counts a
 * young scan starts from: the previous scan's saved ones, one scan older
 * (generations 0 and 1 move up, 2 stays); lg_born_sites_gone takes one
 * gone record's block out of them. */
void lg_born_sites_aged(lg_site_gen_t *sites, uint32_t n);
void lg_born_sites_gone(lg_site_gen_t *sites, uint32_t n, uint32_t stack, uint32_t size, unsigned gen);
/* lg_born_sites_room returns where a scan writes its own per-site counts
 * of every live block (n sites), or NULL when the reserved room is short;
 * lg_born_sites_commit then tags them as this scan's. */
lg_site_gen_t *lg_born_sites_room(uint32_t n);
void lg_born_sites_commit(uint32_t n);

#endif
