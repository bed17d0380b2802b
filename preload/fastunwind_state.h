/* preload/fastunwind_state.h — the fast unwinder's per-thread state (its
 * tree of recent frames, their rows of checks) and the first path of a
 * capture, which checks a known stack down its row: inline, so that a
 * hook checks a stack seen before without a call. Everything else about
 * the state is fastunwind.c's (the comment on the thread's recent stacks
 * there says how it works); only fastunwind.c and fastunwind.h include
 * this. */
#ifndef LG_FASTUNWIND_STATE_H
#define LG_FASTUNWIND_STATE_H

#include <stdint.h>

#include "sys.h"

enum { RF_SAVED = 1, RF_END = 2, RF_CFA_RBP = 8 }; /* rule flags of a frame */
enum { LG_UW_M_RBP = 2, M_END = 4 };                     /* marks of a frame */

typedef struct lg_uw_node {
  uintptr_t slot;          /* where the return address was read */
  uintptr_t ra;            /* the return address; 0: the end of the stack was read here */
  const struct lg_uw_node *out;  /* the frame outside, NULL: the outermost known */
  uintptr_t pchk;          /* where this frame saved the RBP its outer frame's position depends on, else 0 */
  uintptr_t rbp;           /* RBP as the unwinder held it on reaching the frame */
  uint32_t emit;           /* 1: a program frame (not the shim's), 0 */
  uint32_t id;             /* the stack id of a capture whose innermost frame this is, 0 unknown */
  int16_t rbp_off;
  uint8_t rflags;          /* RF_* */
  uint8_t mark;            /* M_RBP: the frames outside depend on rbp; M_END: the end of the stack */
  uint32_t chk;            /* with an id: its checks in the thread's check array (index + 1), 0 none */
  uint16_t nchk;           /* how many */
  uint16_t nframes;        /* the program frames of the capture, when they hold */
  uint32_t chk_gen;        /* the thread's check generation chk belongs to (an older one is gone), 0 no row */
} lg_uw_node_t;

/* One check of a capture's outside: the word at `at` must still be `want`. */
typedef struct lg_uw_chk {
  uintptr_t at, want;
} lg_uw_chk_t;

#define EXTRA 24   /* frames of a capture beyond its depth: the shim's in between, the end */
#define POOL 4096  /* frames per thread, at most */
#define INDEX 4096 /* buckets of WAYS, by slot and address, at most */
#define LG_UW_WAYS 4
#define WAYS LG_UW_WAYS
#define CHECKS 16384 /* checks of the captures with an id, per thread, at most */
/* A thread starts with an eighth of the pool, index and checks (the
 * arrays are there in full, but only what is used becomes resident:
 * frames and checks are used from the start, the index at random), and
 * doubles them when it forgets its tree, if the captures since had a
 * known stack more often than not: a thread whose stacks keep changing
 * (a program's start, loading its plugins) has little use for a bigger
 * tree, one that repeats its stacks (an interpreter's loop) much. */
#define LEVEL_MAX 3
#define TRY_FRAMES 32 /* frames of candidates' checks a capture unwound in part may try, per frame of the depth */

/* A thread's unwinder state, in a mapping of its own (not TLS: the static
 * TLS block is carved out of every thread's stack). Reused by later
 * threads after the thread ends. */
typedef struct lg_uw_thread {
  uint32_t nnodes;   /* nodes in use */
  uint32_t last;     /* the innermost frame of the last capture (index + 1), 0 none */
  uint32_t last_out; /* its number of program frames in the depth */
  int pending;       /* the last capture awaits its id (lg_fast_unwind_set_id) */
  uint32_t pending_depth; /* the depth it was made to */
  uint32_t nchecks;  /* checks in use */
  uint32_t chk_depth; /* the depth the checks were made to, 0 none yet */
  struct lg_uw_thread *next_free;
  struct rule *cache;       /* the rules, cache_mask + 1 of them (a mapping of their own) */
  uint32_t cache_mask;
  uint32_t cache_miss; /* misses since the cache last grew */
  uint32_t level;      /* the pool, index and checks in use: POOL >> (LEVEL_MAX - level) frames, ... */
  uint32_t pool, nindex, nchk_max; /* ... and as many buckets, four times as many checks */
  uint32_t caps, news; /* captures since the tree was last forgotten, and of them unwound in part */
  uint32_t chk_gen;    /* the generation of the checks in use: starting the array afresh takes the next */
  uint32_t chk_from;   /* caps when the checks were last started afresh */
  uint16_t index[INDEX][LG_UW_WAYS]; /* index + 1 of nodes with that slot and address, latest first */
  uint16_t kids[INDEX];        /* index + 1 of the latest node with that slot, address and frame outside */
  /* A frame is 64 bytes and a group of four checks too: aligned to a
   * cache line each (the state's mapping is: lg_sys_map's header is 64
   * bytes), a frame the index finds is one line, not two, and a row of
   * groups as many lines as groups. */
  lg_uw_node_t node[POOL] __attribute__((aligned(64)));
  lg_uw_chk_t checks[CHECKS] __attribute__((aligned(64)));
} lg_uw_thread_t;
_Static_assert(sizeof(lg_uw_node_t) == 64 && 4 * sizeof(lg_uw_chk_t) == 64 && LG_SYS_HEADER % 64 == 0,
               "a frame, a group of checks and the state's start are each a cache line");


/* The calling thread's state, NULL before its first capture; the shim's
 * own code range (its frames are skipped). */
extern __thread lg_uw_thread_t *lg_fast_uw __attribute__((tls_model("initial-exec")));
extern uintptr_t lg_fast_self_lo, lg_fast_self_hi;

/* lg_fast_unwind_rest is the capture's general path, for the frame the
 * shim's frames end at (its return address read from slot): what
 * lg_fast_unwind does when lg_fast_unwind_known declines. */
int lg_fast_unwind_rest(uintptr_t *frames, uint32_t depth, uint32_t *out, uint32_t *same, uintptr_t slot)
    __attribute__((noinline));
/* lg_fast_unwind_check is the debug build's check of a capture the fast
 * path made (see fastunwind.c). */
void lg_fast_unwind_check(uintptr_t slot, uint32_t n, uint32_t depth);

/* lg_uw_word reads the word at address a. */
static inline uintptr_t lg_uw_word(uintptr_t a) { return *(const uintptr_t *)a; }

/* lg_uw_index_of returns the bucket of t's index for a frame at slot with
 * return address ra. */
static inline uint32_t lg_uw_index_of(const lg_uw_thread_t *t, uintptr_t slot, uintptr_t ra) {
  uint64_t h = (slot ^ (ra * 0x9E3779B97F4A7C15ull)) * 0xff51afd7ed558ccdull;
  return (uint32_t)(h >> 52) & (t->nindex - 1);
}

/* lg_uw_row_holds tells whether the n checks of a row all hold (n a
 * multiple of four: make_checks pads rows). Four at a time, their
 * differences or-ed into one test: a row that fails reads a few slots
 * past the one that failed, which is harmless (every slot of a row lies
 * in the thread's stack, read when the row was made, and a thread's stack
 * is never unmapped under it), and the answer is the same. */
static inline __attribute__((always_inline)) int lg_uw_row_holds(const lg_uw_chk_t *k, uint32_t n) {
  for (const lg_uw_chk_t *end = k + n; k != end; k += 4)
    if ((lg_uw_word(k[0].at) ^ k[0].want) | (lg_uw_word(k[1].at) ^ k[1].want) | (lg_uw_word(k[2].at) ^ k[2].want) |
        (lg_uw_word(k[3].at) ^ k[3].want))
      return 0;
  return 1;
}

/* lg_uw_skip_shim walks the shim's own frames from fp (a frame of the
 * shim's) up to the first return address outside the shim: they are the
 * calls that led here from a hook, all compiled with frame pointers, so
 * their chain needs no checks. Returns the slot that return address is in
 * (the saved RBP of the last of the shim's frames is the word below it),
 * 0 when the chain is too long. */
static inline __attribute__((always_inline)) uintptr_t lg_uw_skip_shim(uintptr_t *fp) {
  uintptr_t self = lg_fast_self_lo, span = lg_fast_self_hi - lg_fast_self_lo;
  for (int k = 0; fp[1] - self < span; k++) {
    if (k == 16) return 0;
    fp = (uintptr_t *)fp[0];
  }
  return (uintptr_t)(fp + 1);
}

/* lg_uw_row_known tells whether c is a known stack (with an id and a row
 * of checks of the generation in use) whose innermost frame the unwinder
 * stands on, at ip read from slot with RBP rbp, and whether its row
 * holds. */
static inline __attribute__((always_inline)) int lg_uw_row_known(const lg_uw_thread_t *t, const lg_uw_node_t *c,
                                                                 uintptr_t ip, uintptr_t slot, uintptr_t rbp) {
  return c->slot == slot && c->ra == ip && c->chk_gen == t->chk_gen && (!(c->mark & LG_UW_M_RBP) || c->rbp == rbp) &&
         lg_uw_row_holds(&t->checks[c->chk - 1], c->nchk);
}

/* lg_fast_unwind_known is lg_fast_unwind (fastunwind.h) for the shim
 * frame fp, inlined into the function whose frame fp is: the capture's
 * common cases first, with nothing to save — the stack is the thread's
 * last one or one of its recent ones (found by the index), with an id and
 * a row of checks that holds; anything else goes on in
 * lg_fast_unwind_rest, which looks again (by the tree where a row is
 * missing) and unwinds. */
static inline __attribute__((always_inline)) int lg_fast_unwind_known(uintptr_t *fp, uintptr_t *frames, uint32_t depth,
                                                                      uint32_t *out, uint32_t *same) {
  uintptr_t slot = lg_uw_skip_shim(fp);
  if (LG_UNLIKELY(!slot)) return -1;
  lg_uw_thread_t *t = lg_fast_uw;
  if (LG_UNLIKELY(!t) || LG_UNLIKELY(depth != t->chk_depth)) return lg_fast_unwind_rest(frames, depth, out, same, slot);
  uintptr_t ip = lg_uw_word(slot), rbp = lg_uw_word(slot - 8);
  const lg_uw_node_t *c;
  if (LG_LIKELY(t->last) && lg_uw_row_known(t, c = &t->node[t->last - 1], ip, slot, rbp)) goto known;
  const uint16_t *ways = t->index[lg_uw_index_of(t, slot, ip)];
  for (int w = 0; w < LG_UW_WAYS && ways[w]; w++) {
    c = &t->node[ways[w] - 1];
    if (lg_uw_row_known(t, c, ip, slot, rbp)) {
      t->last = ways[w];
      t->pending = 0;
      goto known;
    }
  }
  return lg_fast_unwind_rest(frames, depth, out, same, slot);
known:
  t->caps++;
  *same = c->id;
  *out = c->nframes;
#ifdef LG_DEBUG
  lg_fast_unwind_check(slot, *out, depth);
#endif
  return 0;
}

#endif
