/* collector/blocks.h — the block table: every live heap block the program
 * allocated through the hooks, by address.
 *
 * A block is 16 bytes of table: its address, requested size and allocation
 * stack id. glibc returns 16-byte aligned blocks on x86_64, so the low four
 * bits of the address word are free and carry the block's state:
 *
 *   bit 0  IGNORED   leakgraph_ignore / __lsan_ignore_object / allocated
 *                    between __lsan_disable and __lsan_enable: a root, never
 *                    reported
 *   bits 1-2  GEN    scans survived, saturating at 2 (0 new, 1, 2 old)
 *   bit 3  PARITY    the table's epoch parity when the block was inserted or
 *                    last aged. A scan flips the epoch while the world is
 *                    stopped; afterwards lg_blocks_age ages, while the
 *                    program runs, exactly the blocks whose parity differs:
 *                    those that existed at the snapshot.
 *
 * Bits 56-63 of the word are free for more flags (no user-space address on
 * x86_64 reaches them, with five-level page tables either): lg_slot_addr
 * and LG_BLK_ADDR_MASK leave them out. None is used yet.
 *
 * The table has two parts. Blocks below LG_BLOCKS_LARGE live in the table
 * of the thread that allocated them (ttab.h): that thread inserts and
 * removes without a lock or an atomic instruction, and any other thread
 * that frees, looks up or flags one of them does so with a lock-free
 * protocol. Larger blocks — those realloc hands to glibc, which may move
 * them with mremap — and the blocks of a thread that has ended live in a
 * shared table: 256 shards by address hash, each an open-addressing array
 * with linear probing and backward-shift deletion, under its own spinlock.
 * Shard locks and the registry lock of the thread tables are leaves:
 * nothing else is taken while one is held. A scan takes all of them
 * (lg_blocks_lock_all) before it stops the world, and reads every thread's
 * table with the world stopped: every block recorded is in the table a
 * scan reads, whichever thread recorded it.
 *
 * Sizes of 4 GiB and more are stored as LG_SIZE_BIG; the scan asks the real
 * malloc_usable_size for those.
 *
 * The top bit of the stack word, LG_BLK_STACK_RC, says that a refcounted
 * object lives in the block (refcount.h): freeing it must forget the
 * object, and a free of any other block pays nothing for refcounts. Stack
 * ids never reach it; read the id with lg_slot_stack. */
#ifndef LG_BLOCKS_H
#define LG_BLOCKS_H

#include <stddef.h>
#include <stdint.h>

#define LG_BLK_IGNORED 1u
#define LG_BLK_GEN_SHIFT 1
#define LG_BLK_GEN_MASK 6u
#define LG_BLK_PARITY 8u
#define LG_BLK_FLAGS 15u
#define LG_BLK_ADDR_MASK (~(uintptr_t)LG_BLK_FLAGS & (((uintptr_t)1 << 56) - 1))
#define LG_SIZE_BIG 0xFFFFFFFFu
#define LG_BLK_STACK_RC 0x80000000u
/* Blocks from this size up live in the shared table: realloc gives blocks
 * of 128 KiB and more to glibc (preload/hooks.c), and glibc's usable size
 * exceeds the requested one by less than 32 bytes below its mmap range. */
#define LG_BLOCKS_LARGE ((128u << 10) - 32)

typedef struct lg_slot {
  uintptr_t key; /* address | flags; 0 = empty */
  uint32_t size;
  uint32_t stack;
} lg_slot_t;

int lg_blocks_init(void);
/* lg_blocks_insert records a new block (replacing a stale entry at the same
 * address in the same part of the table, whose LG_BLK_STACK_RC it keeps).
 * It returns 0, or -1 when the table cannot grow. */
int lg_blocks_insert(uintptr_t addr, size_t size, uint32_t stack, unsigned flags);
/* lg_blocks_replace records the block at addr anew (a realloc that kept
 * it in place): its one entry, wherever it was, is now this, and keeps
 * its LG_BLK_STACK_RC (a realloc in place keeps its objects). 0 or -1. */
int lg_blocks_replace(uintptr_t addr, size_t size, uint32_t stack, unsigned flags);
/* lg_blocks_remove forgets a block, wherever it is; returns 1 if it was
 * known. A block that held a refcounted object (LG_BLK_STACK_RC) is then
 * handed to lg_blocks_on_rc_free, after any shard lock is released. */
int lg_blocks_remove(uintptr_t addr);
/* lg_blocks_remove_if forgets the block only if its size and stack are still
 * `size` and `stack` (realloc: another thread may have reused the address);
 * as lg_blocks_remove, it hands on a block that held a refcounted object. */
int lg_blocks_remove_if(uintptr_t addr, uint32_t size, uint32_t stack);
/* lg_blocks_lookup copies a block's entry; returns 1 if found. */
int lg_blocks_lookup(uintptr_t addr, lg_slot_t *out);
/* lg_blocks_set_flags ors `set` into a known block's flags. */
int lg_blocks_set_flags(uintptr_t addr, unsigned set);
/* lg_blocks_mark_rc sets LG_BLK_STACK_RC on the block starting at addr if
 * it is known and covers [addr + off, addr + off + len); returns 1 if so.
 * lg_blocks_on_rc_free, set by the object table before it marks a block,
 * is called with every removed block so marked (the objects inside die
 * with it); the table never calls into the object table itself. */
int lg_blocks_mark_rc(uintptr_t addr, uintptr_t off, uintptr_t len);
extern void (*lg_blocks_on_rc_free)(uintptr_t addr);

/* lg_blocks_thread_end is called by a thread that ends: its table is
 * given up for a later thread; its allocations from then on (a late
 * thread-specific destructor's) go to the shared table. */
void lg_blocks_thread_end(void);

/* With all shards locked (scan or fork): */
/* lg_blocks_flip_epoch starts a new epoch (a scan's snapshot). */
void lg_blocks_flip_epoch(void);
void lg_blocks_lock_all(void);
void lg_blocks_unlock_all(void);
/* lg_blocks_reset_locks, in a forked child: the locks are free again and
 * the tables of the parent's other threads belong to nobody. */
void lg_blocks_reset_locks(void);
/* lg_blocks_count is the number of live blocks (a count kept on the side:
 * exact with the world stopped and nobody in the middle of a removal,
 * else within a few of it). */
size_t lg_blocks_count(void);
size_t lg_blocks_table_bytes(void);
/* lg_blocks_age ages the blocks that existed at the last snapshot; it
 * takes the shard locks one at a time. */
void lg_blocks_age(void);
/* lg_blocks_each calls fn for every slot, the shared table's first, then
 * each thread table's; fn may rewrite the flag bits of slot->key (nothing
 * else). The world must be stopped. The order is no address order: the
 * scan sorts its copy. */
void lg_blocks_each(void (*fn)(lg_slot_t *slot, void *arg), void *arg);
/* lg_blocks_each_array calls fn with every array of the table (start,
 * bytes), the shared part's and each thread table's: the snapshot child
 * releases its view of them once copied (clone.h). */
void lg_blocks_each_array(void (*fn)(void *p, size_t n, void *arg), void *arg);
/* lg_blocks_each_live calls fn with a copy of every entry while the
 * program runs (the concurrent mark, concmark.h): the shared part shard by
 * shard under its lock, each thread table through its readers' protocol
 * (ttab.h), so that an entry present during the whole walk is seen at
 * least once (an entry may be seen twice: a table rehashed meanwhile is
 * walked again). fn takes no shim lock. */
void lg_blocks_each_live(void (*fn)(const lg_slot_t *slot, void *arg), void *arg);
/* lg_blocks_each_slots calls fn with every slot array of the table that
 * may hold a live entry (its first slot and count; an entry is live when
 * its key is above 1): the shared part's shards that hold any, and each
 * thread table's arrays; the world stopped with every shard lock held by
 * the scan. */
void lg_blocks_each_slots(void (*fn)(const lg_slot_t *slots, size_t n, void *arg), void *arg);
/* lg_blocks_each_slots_read is lg_blocks_each_slots while the program
 * runs (the concurrent mark's pre-cleaning, concmark.h): each shard of the
 * shared part under its lock, each thread table as a reader
 * (lg_ttab_each_slots_read: an array may be given twice). fn takes no shim
 * lock and must not fault (it holds a shard lock). */
void lg_blocks_each_slots_read(void (*fn)(const lg_slot_t *slots, size_t n, void *arg), void *arg);
/* lg_blocks_shared_find returns the shared part's entry of addr, or NULL;
 * the world stopped with every shard lock held by the scan (no lock). */
lg_slot_t *lg_blocks_shared_find(uintptr_t addr);
/* lg_blocks_shared_copy copies the shared part's entry of addr into *out
 * under its shard's lock (the world running: born.c's running reads); 1,
 * or 0 when the shared part does not hold addr. */
int lg_blocks_shared_copy(uintptr_t addr, lg_slot_t *out);

static inline uintptr_t lg_slot_addr(const lg_slot_t *s) { return s->key & LG_BLK_ADDR_MASK; }
static inline uint32_t lg_slot_stack(const lg_slot_t *s) { return s->stack & ~LG_BLK_STACK_RC; }

#endif
