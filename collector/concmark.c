/* collector/concmark.c — the mostly-concurrent mark (concmark.h: the
 * design, its soundness argument, and what each function here does in
 * it): arming the written-page tracking, the table copy and the first
 * mark with the world running, the finish with the world stopped, the
 * sweep of blocks freed meanwhile, and the fault guard those phases read
 * program memory under. */
#include "concmark.h"

#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "born.h"
#include "clone.h"
#include "collector.h"
#include "dirty.h"
#include "format.h"
#include "graph.h"
#include "history.h"
#include "hot.h"
#include "lock.h"
#include "logwriter.h"
#include "maps.h"
#include "modules.h"
#include "annot.h"
#include "refcount.h"
#include "roots.h"
#include "scanstate.h"
#include "rset.h"
#include "snapshot.h"
#include "stacks.h"
#include "sys.h"
#include "young.h"

#define PAGE 4096u
/* The finish reads again at most this many bytes of marked blocks on
 * written pages (at the mark's 1-2 GB/s, about what the clone of a 1 GB
 * program pauses it for); more, and the clone snapshot is taken at the
 * same stop instead (concmark.h, (e)). So are more written runs than
 * MAX_RUNS. */
#define BUDGET_BYTES ((uint64_t)32 << 20)
#define MAX_RUNS 65536
/* The finish's mark work is bounded twice: its flood reads at most
 * FLOOD_BUDGET_BYTES of blocks (about 5 ms of marking), and the whole
 * finish, its roots included, takes at most FINISH_BUDGET_NS of the
 * scanning thread's CPU time (checked after the roots, every MiB of the
 * flood and every few hundred entries of the other steps; CPU time, which
 * a loaded machine does not inflate). Past either, the live set hangs off memory the
 * concurrent pass did not read (a running thread's stack) or the program
 * allocated too much meanwhile: the clone snapshot is taken at the same
 * stop, and after SLOW_ROOTS_MAX such scans in a row, the following ones
 * do not try. */
#define FLOOD_BUDGET_BYTES ((uint64_t)8 << 20)
#define FINISH_BUDGET_NS 5000000ull
/* The finish reads every root again: when the concurrent pass took more
 * CPU time than this to read them (a program with a big root memory of its own,
 * such as a garbage-collected heap in its own mappings: cc1plus's take
 * 0.2-0.3 s), the clone is cheaper: the scan takes it, and after
 * SLOW_ROOTS_MAX such scans in a row, the following ones do not try. The
 * concurrent pass's roots cost far more than the finish's (they meet
 * every block the roots reach unmarked: the 1 GB bigheap's took 12-15 ms
 * there, 0.4 ms at the finish), so this only keeps out what would surely
 * pass FINISH_BUDGET_NS; the finish's own budget bounds the rest. */
#define ROOTS_BUDGET_NS 40000000ull
/* Pre-cleaning (concmark.h, As built): at most PRECLEAN_ROUNDS rounds
 * after the concurrent mark, each collecting (and protecting again) the
 * pages written since the previous one and reading again the marked
 * blocks on them; another round follows while a round found more than
 * PRECLEAN_COMFORT_PAGES written and fewer than the round before. */
#define PRECLEAN_ROUNDS 3
/* The shadow of the table (shadow_of): at most SHADOW_PAGES pages of slots
 * as the rounds read them (32 MiB, mapped once, resident as used), found
 * by page through a hash of SHADOW_HASH entries. */
#define SHADOW_PAGES 8192u
#define SHADOW_HASH 16384u
/* A round that meets more new born entries than BORN_ROUND_MAX (a program
 * allocating faster than the rounds take its blocks: a heap being built)
 * ends the concurrent scan: the finish would pass its budget on those born
 * after it (each costs about a microsecond), and taking them costs the
 * rounds more than the clone. It does not count toward the latch
 * (SLOW_ROOTS_MAX): a build ends, and the scans after it should try
 * again at once (youngheap's young scans follow its build). */
#define BORN_ROUND_MAX (1u << 17)
#define PRECLEAN_COMFORT_PAGES 256
/* A process whose scans stopped trying (SLOW_ROOTS_MAX failures in a
 * row) tries again after RETRY_AFTER scans that did not. */
#define RETRY_AFTER 10

/* A written run; `heap`: of a range the remembered set tracks (rset.h),
 * whose memory outside the index a young scan reads again too. */
typedef struct range { uintptr_t lo, hi; int heap; } range_t;
/* An armed range; `tracked` 0: the kernel refused it (gone meanwhile, or
 * memory it cannot track): all of it counts as written; BORROWED: a range
 * of the remembered set's registry (rset.h), tracked by it, collected
 * without being protected again and never untracked here. */
#define BORROWED 2
/* `table`: one of the block table's arrays (armed before the copy, or by
 * a pre-cleaning round when it was made after: a table that grew), whose
 * written pages name the blocks born since the copy (born_round). */
/* `lost`: a round's collection failed part way (the kernel met a mapping
 * made in the range since the arm), after it had protected some written
 * pages again; which, it does not say, so the finish counts the range
 * whole, whatever its own collection answers. */
typedef struct armed { uintptr_t lo, hi; int tracked, table, lost; } armed_t;
/* A table entry a pre-cleaning round took (born_round): a block born since
 * the copy, or an old one the program asked meanwhile to ignore that the
 * index lacks, read whole at addr for n bytes (its entry's size field:
 * `size`). `unread`: not read in the round (its memory not readable, not
 * write-tracked, or the read faulted): the finish reads it whole.
 * `dead`: nothing to keep (an old entry the index holds: marked). */
typedef struct bornrec { uintptr_t addr, n; uint32_t size; uint8_t born, unread, dead; } bornrec_t;
/* A table slot's key and size as a pre-cleaning round read them (the
 * shadow of the table's written pages: shadow_of). */
typedef struct shslot { uintptr_t key; uint32_t size, pad; } shslot_t;
/* A range of memory whose writes reach the finish's written runs. */
typedef struct span { uintptr_t lo, hi; } span_t;

/* One concurrent scan's own state (one at a time: the scan lock). */
static struct {
  armed_t *armed;           /* the ranges write-tracked at the arm */
  size_t narmed, armed_bytes;
  range_t *runs;            /* written runs collected at the finish */
  size_t nruns, runs_bytes;
  long written;             /* pages in runs, or -1: too many runs */
  uint64_t reread;          /* bytes of marked blocks on them */
  uintptr_t now;            /* the table's parity from the copy on */
  uint64_t t_arm, t_copy, t_mark, t_finish, t_clean;
  uint64_t t_roots;         /* CPU time the concurrent pass's roots took */
  int faulted;              /* a guarded read faulted */
  int device;               /* the arm met a device or kernel-object mapping */
  int pm;                   /* /proc/self/pagemap during the finish */
  uint64_t f[6];            /* the finish's steps' start times, then its end */
  uint64_t cpu0;            /* the finish's CPU clock at its start */
  int over;                 /* the finish passed FINISH_BUDGET_NS */
  size_t *unread;           /* the heap's blocks flagged unreadable, in order */
  size_t nunread, unread_bytes;
  int heap_run;             /* collect: the range being collected is BORROWED */
  unsigned rounds;          /* pre-cleaning rounds run */
  int round_fault;          /* the last round faulted: its runs are the finish's too */
  size_t unreadable;        /* written runs' parts remark_written met not readable */
  long round_pages[PRECLEAN_ROUNDS]; /* written pages each round re-read */
  bornrec_t *born;          /* entries the rounds took, [0, nsorted) by address */
  size_t nborn, nsorted, born_cap;
  uintptr_t born_max;       /* the largest n among them */
  int born_failed;          /* out of memory while a round took entries */
  int born_many;            /* a round met more than BORN_ROUND_MAX new ones */
  int born_pm;              /* the round's /proc/self/pagemap */
  long born_pages;          /* the table's written pages a round collected */
  size_t born_taken;        /* entries the rounds took in all */
  size_t born_left;         /* of those, left unread to the finish */
  span_t *known;            /* the entries read (address, n): born_known's hash set */
  uintptr_t *shpage;        /* the shadow's pages (SHADOW_HASH of them, hashed) */
  uint32_t *shidx;          /* each one's place in shdata */
  shslot_t *shdata;         /* SHADOW_PAGES pages of the table as the rounds read them */
  uint32_t nsh;             /* pages of shdata in use */
  uintptr_t sh_last;        /* the last page looked up, and its shadow */
  shslot_t *sh_last_at;
  size_t known_mask;
  span_t *truns;            /* the table's written runs this round collected */
  size_t ntruns, truns_cap;
  span_t *fresh;            /* the table's ranges this round tracked */
  size_t nfresh, fresh_cap;
  span_t *cover;            /* the armed ranges but the table's, sorted, merged */
  size_t ncover, cover_cap;
  int cover_made;
  int exiting;              /* the mark gave up: the program exits */
} cm;

static char gate[256];
static char gate_at[64]; /* LEAKGRAPH_TEST_CONC_GATE_AT: the gate's places */
static int foreign; /* the program registered a userfaultfd of its own */
/* Scans in a row whose roots took too long to read (ROOTS_BUDGET_NS): from
 * SLOW_ROOTS_MAX on, scans take the snapshot without trying. */
static int slow_roots;
static int heavy_floods; /* likewise, finishes in a row over their budget */
#define SLOW_ROOTS_MAX 3
static int skipped; /* scans that did not try since the process stopped trying */

/* ---- the fault guard ------------------------------------------------------ */

static sigjmp_buf *guard_jmp;
static pid_t guard_tid;
static struct sigaction old_segv, old_bus;
/* guard_lock keeps the guard's install and removal apart from the
 * program's sigaction calls for SIGSEGV and SIGBUS (lg_concmark_guard_hold):
 * while `guarding`, old_segv and old_bus are the program's actions. */
static lg_lock_t guard_lock = LG_LOCK_INIT;
static int guarding;
/* The guarded thread's mask before the guard unblocked SIGSEGV and SIGBUS
 * (the scanner thread blocks every signal: a fault there would kill). */
static sigset_t guard_mask;

/* A fault on the scanning thread abandons what it was reading; any other
 * thread's fault is the program's: its handler runs as it would have
 * (called from here), or, for the default action or SIG_IGN, the
 * program's disposition is put back and the instruction faults again. */
static void on_fault(int sig, siginfo_t *si, void *uc) {
  if (guard_jmp && lg_gettid() == guard_tid) siglongjmp(*guard_jmp, 1);
  const struct sigaction *old = sig == SIGSEGV ? &old_segv : &old_bus;
  if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) { old->sa_sigaction(sig, si, uc); return; }
  if (!(old->sa_flags & SA_SIGINFO) && old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
    old->sa_handler(sig);
    return;
  }
  lg_sys_sigaction(sig, old, NULL);
}

/* Installs the guard for one signal, on the alternate stack when the
 * program's own handler runs there (a stack overflow must still reach it). */
static void guard_one(int sig, struct sigaction *old) {
  struct sigaction sa;
  lg_sys_sigaction(sig, NULL, old);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | (old->sa_flags & SA_ONSTACK);
  sigemptyset(&sa.sa_mask);
  lg_sys_sigaction(sig, &sa, NULL);
}

/* Takes guard_lock with every signal blocked (into *saved). */
static void guard_lock_take(sigset_t *saved) {
  sigset_t all;
  sigfillset(&all);
  lg_sys_sigmask(SIG_BLOCK, &all, saved);
  lg_lock(&guard_lock);
}

static void guard_lock_drop(const sigset_t *saved) {
  lg_unlock(&guard_lock);
  lg_sys_sigmask(SIG_SETMASK, saved, NULL);
}

void lg_concmark_guard(sigjmp_buf *jb) {
  sigset_t saved;
  guard_lock_take(&saved);
  guard_tid = lg_gettid();
  guard_jmp = jb;
  guard_one(SIGSEGV, &old_segv);
  guard_one(SIGBUS, &old_bus);
  guarding = 1;
  guard_lock_drop(&saved);
  sigset_t faults;
  sigemptyset(&faults);
  sigaddset(&faults, SIGSEGV);
  sigaddset(&faults, SIGBUS);
  lg_sys_sigmask(SIG_UNBLOCK, &faults, &guard_mask);
}

void lg_concmark_unguard(void) {
  sigset_t saved;
  lg_sys_sigmask(SIG_SETMASK, &guard_mask, NULL);
  guard_lock_take(&saved);
  guard_jmp = NULL;
  guarding = 0;
  lg_sys_sigaction(SIGSEGV, &old_segv, NULL);
  lg_sys_sigaction(SIGBUS, &old_bus, NULL);
  guard_lock_drop(&saved);
}

void lg_concmark_guard_hold(void) { lg_lock(&guard_lock); }

void lg_concmark_guard_release(void) { lg_unlock(&guard_lock); }

struct sigaction *lg_concmark_guard_saved(int sig) {
  if (!guarding) return NULL;
  return sig == SIGSEGV ? &old_segv : sig == SIGBUS ? &old_bus : NULL;
}

/* ---- the test gate ----------------------------------------------------------- */

void lg_concmark_test_init(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  if (g) lg_fmt(gate, sizeof gate, "%s", g);
  g = getenv("LEAKGRAPH_TEST_CONC_GATE_AT");
  lg_fmt(gate_at, sizeof gate_at, ",%s,", g ? g : "roots");
}

/* Is `place` among the gate's places (LEAKGRAPH_TEST_CONC_GATE_AT, a
 * comma-separated list of roots, armed, marked; roots when unset)? */
static int gate_here(const char *place) {
  char w[72];
  lg_fmt(w, sizeof w, ",%s,", place);
  return gate[0] && strstr(gate_at, w) != NULL;
}

/* Creates GATE.PLACE.wait, then waits (at most 60 s) until GATE.PLACE
 * exists: the gate at a place of the concurrent pass where it holds no
 * lock (after the arm, after the concurrent mark). */
static void wait_at(const char *place) {
  char w[340], open_path[340];
  lg_fmt(open_path, sizeof open_path, "%s.%s", gate, place);
  lg_fmt(w, sizeof w, "%s.wait", open_path);
  int fd = open(w, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  for (int i = 0; i < 60000 && access(open_path, F_OK) != 0; i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

/* The gate (roots.h's hook, in the concurrent pass only): creates
 * GATE.wait, then waits (at most 60 s) until GATE exists, without the
 * locks the pass holds (the program's thread may allocate meanwhile). */
static void wait_at_gate(lg_scan_t *s) {
  (void)s;
  lg_roots_unlock();
  lg_log_unlock();
  lg_modules_unlock();
  char w[272];
  lg_fmt(w, sizeof w, "%s.wait", gate);
  int fd = open(w, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd >= 0) close(fd);
  for (int i = 0; i < 60000 && access(gate, F_OK) != 0; i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
  lg_modules_lock();
  lg_log_lock();
  lg_roots_lock();
}

/* ---- arm ---------------------------------------------------------------------- */

/* Is mapping m memory the scan reads (a root or a heap), which must then
 * be tracked? */
static int wants_tracking(const lg_map_t *m) {
  return m->writable && m->readable && m->kind != LG_MAP_SPECIAL && m->kind != LG_MAP_DEVICE;
}

void lg_concmark_disarm(void) {
  for (size_t i = 0; i < cm.narmed; i++)
    if (cm.armed[i].tracked == 1) lg_dirty_untrack(cm.armed[i].lo, cm.armed[i].hi);
  if (cm.armed) lg_sys_unmap(cm.armed, cm.armed_bytes);
  if (cm.runs) lg_sys_unmap(cm.runs, cm.runs_bytes);
  if (cm.unread) lg_sys_unmap(cm.unread, cm.unread_bytes);
  lg_sys_drop(cm.born);
  lg_sys_drop(cm.cover);
  lg_sys_drop(cm.fresh);
  lg_sys_drop(cm.truns);
  lg_sys_drop(cm.known);
  lg_sys_drop(cm.shpage);
  lg_sys_drop(cm.shidx);
  if (cm.shdata) lg_sys_unmap(cm.shdata, (size_t)SHADOW_PAGES * PAGE);
  cm.shpage = NULL;
  cm.shidx = NULL;
  cm.shdata = NULL;
  cm.nsh = 0;
  cm.sh_last = 0;
  cm.sh_last_at = NULL;
  cm.known = NULL;
  cm.known_mask = 0;
  cm.truns = NULL;
  cm.ntruns = cm.truns_cap = 0;
  cm.fresh = NULL;
  cm.nfresh = cm.fresh_cap = 0;
  cm.born = NULL;
  cm.cover = NULL;
  cm.nborn = cm.nsorted = cm.born_cap = cm.ncover = cm.cover_cap = 0;
  cm.armed = NULL;
  cm.runs = NULL;
  cm.unread = NULL;
  cm.nunread = 0;
  cm.narmed = cm.nruns = 0;
}

/* Makes room for one more armed entry; 0 or -1. */
static int armed_room(void) {
  if (cm.narmed < cm.armed_bytes / sizeof(armed_t)) return 0;
  size_t nb = cm.armed_bytes * 2;
  armed_t *a = lg_sys_remap(cm.armed, cm.armed_bytes, nb);
  if (!a) return -1;
  cm.armed = a;
  cm.armed_bytes = nb;
  return 0;
}

/* Records [lo, hi) as armed but not tracked: all written at the finish
 * (a mapping holding blocks that the program may make writable again). */
static int arm_untracked(uintptr_t lo, uintptr_t hi) {
  if (armed_room() < 0) return -1;
  cm.armed[cm.narmed++] = (armed_t){lo, hi, 0, 0, 0};
  return 0;
}

/* Write-tracks [lo, hi) as armed entry; 0, or -1 when the program's own
 * userfaultfd holds it (EBUSY) or the shim's is gone. A range refused for
 * another reason (unmapped or changed since it was listed, memory the
 * kernel cannot track) counts as all written at the finish. */
static int arm_range(uintptr_t lo, uintptr_t hi) {
  if (armed_room() < 0) return -1;
  errno = 0;
  int tracked = lg_dirty_track(lo, hi) == 0;
  if (!tracked && (errno == EBUSY || !lg_dirty_ready())) return -1;
  cm.armed[cm.narmed++] = (armed_t){lo, hi, tracked, 0, 0};
  return 0;
}

static void arm_array(void *p, size_t n, void *arg) {
  int *failed = arg;
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)(PAGE - 1), hi = ((uintptr_t)p + n + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  if (!*failed && arm_range(lo, hi) < 0) *failed = 1;
  else if (!*failed) cm.armed[cm.narmed - 1].table = 1;
}

/* Before the copy: write-tracks the block table's arrays (read without a
 * lock: an array replaced meanwhile is refused or tracked for nothing;
 * the finish reads whole every array that is not tracked). 0 or -1. */
static int arm_table(void) {
  if (lg_dirty_open() < 0) return -1;
  cm.armed_bytes = 4096 * sizeof(armed_t);
  if (!(cm.armed = lg_sys_map(cm.armed_bytes))) return -1;
  int failed = 0;
  lg_blocks_each_array(arm_array, &failed);
  return failed ? -1 : 0;
}

/* After the copy, before the mark: reads the maps and write-tracks every
 * mapping that holds a block of the index (roots are read again whole at
 * the finish: they need no tracking). 0 or -1; -1 with cm.device when the
 * program has a device or kernel-object mapping (io_uring's rings, a
 * driver's buffers): it may have pages pinned that the kernel or a device
 * writes through a mapping of its own (an io_uring fixed buffer, DMA); no
 * page table of the program's sees those writes, so no written page names
 * them, and such a program's scans take the snapshot. */
static void borrow_range(uintptr_t lo, uintptr_t hi, void *arg) {
  int *failed = arg;
  if (*failed || armed_room() < 0) { *failed = 1; return; }
  cm.armed[cm.narmed++] = (armed_t){lo, hi, BORROWED, 0, 0};
}

/* Arms mapping mp, which holds blocks of the index: nothing when the
 * remembered set tracks all of it (borrowed, young scans and all: see
 * arm_heaps), all written when it tracks a part of it; else tracked
 * (wants_tracking) or all written (read-only now). 0 or -1. */
static int arm_mapping(const lg_map_t *mp) {
  int covered = lg_rset_ready() ? lg_rset_covers(mp->lo, mp->hi) : 0;
  if (covered == 2) return 0;
  if (covered == 1 || !wants_tracking(mp)) return arm_untracked(mp->lo, mp->hi);
  return arm_range(mp->lo, mp->hi);
}

static int arm_heaps(lg_scan_t *s) {
  if (lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap) < 0) return -1;
  for (size_t m = 0; m < s->nmaps; m++)
    if (s->maps[m].kind == LG_MAP_DEVICE) { cm.device = 1; return -1; }
  /* Every range the remembered set tracks, borrowed: collected at the
   * finish without protecting it again, so that the pages written during
   * the scan stay written for the next young scan's collection. A young
   * scan needs all of them (an old block written during the pass may now
   * hold the only pointer to a young one), a full scan those that hold
   * blocks (taking all costs only their page-table walk). */
  int failed = 0;
  if (lg_rset_ready()) lg_rset_each_range(borrow_range, &failed);
  if (failed) return -1;
  size_t i = 0;
  for (size_t m = 0; m < s->nmaps; m++) {
    const lg_map_t *mp = &s->maps[m];
    while (i < s->heap.n && s->heap.blk[i].addr + lg_blk_size(&s->heap, &s->heap.blk[i]) <= mp->lo) i++;
    if (i == s->heap.n) break;
    if (s->heap.blk[i].addr >= mp->hi || !mp->readable) continue;
    if (arm_mapping(mp) < 0) return -1;
  }
  return 0;
}

/* ---- table ---------------------------------------------------------------------- */

/* The copy; for a young scan (`young`) only the generation-0 entries, the
 * others counted by site and generation in sites[0..nsites). `plan` (a
 * full scan's big table) sorts the records as they are copied, each
 * straight into its first digit's bucket, and a block the plan has no
 * room for (born after the count) goes to `over`, sorted and merged in
 * afterwards. */
typedef struct copy {
  lg_blk_t *b;
  size_t n, cap;
  int full;
  lg_heap_t *heap;
  int young;
  lg_site_gen_t *sites;
  uint32_t nsites;
  lg_heap_plan_t *plan;
  lg_blk_t *over;
  size_t nover, capover;
} copy_t;

/* A young scan's older entry: counted by site, not copied (an entry seen
 * twice, its table rehashed meanwhile, counts twice: the SITES counts of
 * a concurrent young scan are not exact). */
static void count_old(copy_t *c, const lg_slot_t *sl, unsigned gen) {
  uint32_t st = lg_slot_stack(sl);
  if (!c->sites || st >= c->nsites) return;
  unsigned g = gen > 2 ? 2 : gen;
  c->sites[st].blocks[g]++;
  c->sites[st].bytes[g] += sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)lg_slot_addr(sl)) : sl->size;
}
/* A record's mark between the copy and the mark: born during the copy. */
#define BORN LG_POSSIBLE
/* From this many blocks on the copy is sorted as it is made (as the clone
 * snapshot's is: snapshot.c). */
#define SORTED_COPY_MIN (1u << 18)

/* Fills record b from table entry sl. */
static void fill_record(copy_t *c, const lg_slot_t *sl, lg_blk_t *b) {
  memset(b, 0, sizeof *b);
  b->addr = lg_slot_addr(sl);
  if (lg_heap_set_size(c->heap, b, sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)b->addr) : sl->size) < 0)
    c->full = 1;
  b->stack = lg_slot_stack(sl);
  b->gen = (uint8_t)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  /* Born after the copy began: black. Until the mark begins the record's
   * mark field is free, so BORN (LG_POSSIBLE) says so, and it moves with
   * the record through the sort; mark_running turns it into a mark. */
  b->mark = (sl->key & LG_BLK_PARITY) == cm.now ? BORN : LG_UNREACHED;
  b->flags = sl->key & LG_BLK_IGNORED ? LG_BF_IGNORED : 0;
}

/* Doubles the room of records at *b (*cap of them, one more mapped); 0
 * or -1. */
static int grow_records(lg_blk_t **b, size_t *cap) {
  lg_blk_t *nb = *b ? lg_sys_remap(*b, (*cap + 1) * sizeof *nb, (2 * *cap + 1) * sizeof *nb)
                    : lg_sys_map((2 * *cap + 1) * sizeof *nb);
  if (!nb) return -1;
  *b = nb;
  *cap *= 2;
  return 0;
}

/* A block the plan has no room for: kept in c->over. */
static void copy_over(copy_t *c, const lg_slot_t *sl) {
  if (c->nover == c->capover && grow_records(&c->over, &c->capover) < 0) { c->full = 1; return; }
  fill_record(c, sl, &c->over[c->nover++]);
}

static void copy_entry(const lg_slot_t *sl, void *arg) {
  copy_t *c = arg;
  unsigned gen = (unsigned)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  if (c->young && gen) { count_old(c, sl, gen); return; }
  if (c->plan) {
    size_t k = lg_heap_plan_try(c->plan, c->b, lg_slot_addr(sl));
    if (k == LG_PLAN_NONE) copy_over(c, sl);
    else fill_record(c, sl, &c->b[k]);
    return;
  }
  if (c->n == c->cap && grow_records(&c->b, &c->cap) < 0) { c->full = 1; return; }
  fill_record(c, sl, &c->b[c->n++]);
}

static void live_note(const lg_slot_t *sl, void *arg) { lg_heap_plan_note(arg, lg_slot_addr(sl)); }
/* (A block born since the note may count in a bucket it will not go to:
 * lg_heap_plan_try turns it away, and the room is packed away.) */
static void live_count(const lg_slot_t *sl, void *arg) { lg_heap_plan_count(arg, lg_slot_addr(sl)); }

/* Keeps one entry per address (a table walked twice, a block seen in two
 * parts), preferring one born during the copy (judged by nobody). */
static size_t drop_duplicates(lg_blk_t *b, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k && b[k - 1].addr == b[i].addr) { if (b[i].mark == BORN) b[k - 1] = b[i]; continue; }
    b[k++] = b[i];
  }
  return k;
}

/* Does block b lie in readable memory of s->maps? Blocks asked in
 * address order, through cursor c. */
static int readable_block(const lg_scan_t *s, const lg_blk_t *b, lg_maps_cursor_t *c) {
  return lg_maps_readable(s->maps, s->nmaps, b->addr, lg_blk_size(&s->heap, b), c);
}

/* Flags the blocks outside readable memory at the arm (a free never seen:
 * see reread_unarmed) and lists them in cm.unread, so that the finish,
 * with the world stopped, looks at those few and not at every record.
 * 0, or -1 out of memory. */
static int flag_unreadable(lg_scan_t *s) {
  lg_maps_cursor_t m = {0, 0, 0};
  size_t n = 0;
  for (size_t i = 0; i < s->heap.n; i++)
    if (!readable_block(s, &s->heap.blk[i], &m)) { s->heap.blk[i].flags |= LG_BF_UNREADABLE; n++; }
  cm.unread_bytes = (n + 1) * sizeof *cm.unread;
  if (!(cm.unread = lg_sys_map(cm.unread_bytes))) return -1;
  for (size_t i = 0; i < s->heap.n && cm.nunread < n; i++)
    if (s->heap.blk[i].flags & LG_BF_UNREADABLE) cm.unread[cm.nunread++] = i;
  return 0;
}

/* The copy of a big table sorted as it is made: a walk for the addresses'
 * range and (for a heap in a few 1 GiB chunks) the first digit's counts,
 * else one more for the counts, then the copy walk, which alone
 * decides what is copied (the walks before only plan where records go).
 * c->b and c->cap are set here; 0, -1 out of memory (c->b may then hold
 * records: the caller unmaps it). */
static int copy_sorted(copy_t *c) {
  lg_heap_plan_t plan;
  memset(&plan, 0, sizeof plan);
  lg_blocks_each_live(live_note, &plan);
  if (lg_heap_plan_digits(&plan) < 0) return -1;
  if (!lg_heap_plan_binned(&plan)) lg_blocks_each_live(live_count, &plan);
  lg_heap_plan_place(&plan);
  size_t planned = plan.next[((size_t)2 << plan.d) - 1];
  c->cap = planned + planned / 64 + 1024;
  c->capover = 4096;
  if (!(c->b = lg_sys_map((c->cap + 1) * sizeof(lg_blk_t))) || !(c->over = lg_sys_map((c->capover + 1) * sizeof(lg_blk_t)))) {
    lg_sys_drop(plan.next);
    return -1;
  }
  c->plan = &plan;
  lg_blocks_each_live(copy_entry, c);
  c->plan = NULL;
  c->n = lg_heap_plan_pack(&plan, c->b);
  if (lg_heap_plan_sort(&plan, c->b) < 0 || c->full || lg_heap_sort(c->over, c->nover) < 0) return -1;
  while (c->n + c->nover > c->cap)
    if (grow_records(&c->b, &c->cap) < 0) return -1;
  lg_heap_merge(c->b, c->n, c->over, c->nover);
  c->n += c->nover;
  return 0;
}

/* Gives back the records' room past the last one (the copy reserved
 * some for blocks born while it ran), so that the scan's memory is what
 * it holds. */
static void give_back_slack(lg_scan_t *s) {
  size_t need = (s->heap.n + 1) * sizeof(lg_blk_t);
  if ((need + 4095) / 4096 >= (s->blk_bytes + 4095) / 4096) return;
  lg_blk_t *b = lg_sys_remap(s->heap.blk, s->blk_bytes, need); /* shrinking: in place */
  if (b) { s->heap.blk = b; s->blk_bytes = need; }
}

/* A gone record of the born lists: the block is no longer among the older
 * ones of its site. */
static void copy_gone(uintptr_t addr, uint32_t stack, uint32_t size, unsigned gen, void *arg) {
  (void)addr;
  copy_t *c = arg;
  lg_born_sites_gone(c->sites, c->nsites, stack, size, gen);
}

/* With the born lists kept, right after copy_table's flip (no block lock
 * held): settles the flip (lg_born_settle) and, for a young scan whose
 * lists are whole, copies its young blocks from them instead of walking
 * the table (the older blocks' per-site counts from the previous scan's,
 * aged, less the gone records), into s->heap sorted and indexed as
 * copy_table does. Returns 0 or -1 when it made the copy, 1 when
 * copy_table is to walk the table. */
static int copy_born(lg_scan_t *s) {
  lg_born_settle();
  if (!s->young || (s->young_why = lg_born_why()) != LG_BORN_WHOLE) return 1;
  copy_t c = {NULL, 0, 1024, 0, &s->heap, 1, NULL, lg_stacks_count() + 1, NULL, NULL, 0, 0};
  s->old_sites_bytes = (size_t)c.nsites * sizeof(lg_site_gen_t);
  if (!(c.sites = s->old_sites = lg_sys_map(s->old_sites_bytes)) || !(c.b = lg_sys_map((c.cap + 1) * sizeof(lg_blk_t)))) return -1;
  s->nold_sites = c.nsites;
  lg_born_sites_aged(c.sites, c.nsites);
  int r = lg_born_each_running(copy_entry, copy_gone, &c);
  s->heap.blk = c.b;
  s->blk_bytes = (c.cap + 1) * sizeof(lg_blk_t);
  if (r < 0 || c.full || lg_heap_sort(c.b, c.n) < 0) return -1;
  s->young_from_lists = 1;
  s->heap.n = drop_duplicates(c.b, c.n);
  give_back_slack(s);
  for (size_t i = 0; i < s->heap.n; i++)
    if (lg_snapshot_from_loader(c.b[i].stack)) c.b[i].flags |= LG_BF_IGNORED;
  return lg_heap_build(&s->heap) < 0 ? -1 : 0;
}

/* Copies the block table with the world running into s->heap (sorted,
 * indexed); the epoch flips first, so that every block born from then on
 * has the new parity. 0 or -1. */
static int copy_table(lg_scan_t *s) {
  lg_blocks_lock_all();
  lg_blocks_flip_epoch();
  cm.now = __atomic_load_n(&lg_blocks_parity, __ATOMIC_RELAXED);
  lg_blocks_unlock_all();
  if (lg_born_on) { int r = copy_born(s); if (r != 1) return r; }
  size_t cap = lg_blocks_count() + lg_blocks_count() / 16 + 1024;
  copy_t c = {NULL, 0, cap, 0, &s->heap, s->young, NULL, 0, NULL, NULL, 0, 0};
  if (s->young) {
    c.nsites = lg_stacks_count() + 1;
    s->old_sites_bytes = (size_t)c.nsites * sizeof(lg_site_gen_t);
    if (!(c.sites = s->old_sites = lg_sys_map(s->old_sites_bytes))) return -1;
    s->nold_sites = c.nsites;
    s->young_why = LG_BORN_OFF;
  }
  /* A young scan copies its few young blocks only: the plain copy. */
  int sorted = !s->young && cap >= SORTED_COPY_MIN && copy_sorted(&c) == 0;
  if (c.over) lg_sys_unmap(c.over, (c.capover + 1) * sizeof(lg_blk_t));
  if (!sorted) { /* a small table, a young scan, or out of memory: the plain copy, then the sort */
    if (c.b) lg_sys_unmap(c.b, (c.cap + 1) * sizeof(lg_blk_t));
    c.b = c.over = NULL;
    c.n = c.nover = c.capover = 0;
    c.cap = cap;
    c.full = 0;
    if (!(c.b = lg_sys_map((c.cap + 1) * sizeof(lg_blk_t)))) return -1;
    lg_blocks_each_live(copy_entry, &c);
  }
  s->heap.blk = c.b;
  s->blk_bytes = (c.cap + 1) * sizeof(lg_blk_t);
  if (c.full || (!sorted && lg_heap_sort(c.b, c.n) < 0)) return -1;
  s->heap.n = drop_duplicates(c.b, c.n);
  give_back_slack(s);
  for (size_t i = 0; i < s->heap.n; i++)
    if (lg_snapshot_from_loader(c.b[i].stack)) c.b[i].flags |= LG_BF_IGNORED;
  return lg_heap_build(&s->heap) < 0 ? -1 : 0;
}

/* ---- mark ------------------------------------------------------------------------ */

/* The calling thread's CPU time in ns: what reading the roots costs, which
 * a loaded machine's scheduling does not inflate as it does wall time. */
static uint64_t cpu_ns(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) < 0) return 0;
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Has the finish spent more than FINISH_BUDGET_NS of CPU time since it
 * began (cm.cpu0)? Once it has, it stays so. */
static int over_budget(void) {
  if (!cm.cpu0) return 0; /* a pre-cleaning round, with the world running: no budget */
  if (!cm.over && cpu_ns() - cm.cpu0 > FINISH_BUDGET_NS) cm.over = 1;
  return cm.over;
}

/* The concurrent pass: the blocks born during the copy made black, then
 * the roots but the threads (the world runs: s->world is empty) under the
 * locks of the lists they walk, then the flood. 0, -1 on a fault, or -2
 * when the roots took longer than ROOTS_BUDGET_NS (the finish, which
 * reads them again, would pause the program for longer than the clone). */
static int mark_running(lg_scan_t *s) {
  sigjmp_buf jb;
  volatile int locked = 0;
  if (sigsetjmp(jb, 1)) {
    lg_concmark_unguard();
    if (locked) { lg_roots_unlock(); lg_log_unlock(); lg_modules_unlock(); }
    s->running = 0;
    cm.faulted = 1;
    return -1;
  }
  lg_concmark_guard(&jb);
  for (size_t i = 0; i < s->heap.n; i++)
    if (s->heap.blk[i].mark == BORN) { s->heap.blk[i].mark = LG_UNREACHED; lg_mark_block(&s->heap, i); }
  lg_modules_lock();
  lg_log_lock();
  lg_roots_lock();
  locked = 1;
  lg_roots_gate = gate_here("roots") ? wait_at_gate : NULL;
  uint64_t t0 = cpu_ns();
  s->running = 1;
  lg_roots_mark(s);
  s->running = 0;
  cm.t_roots = gate[0] ? 0 : cpu_ns() - t0;
  lg_roots_gate = NULL;
  lg_roots_unlock();
  lg_log_unlock();
  lg_modules_unlock();
  locked = 0;
  if (cm.t_roots > ROOTS_BUDGET_NS) {
    lg_concmark_unguard();
    slow_roots++;
    return -2;
  }
  slow_roots = 0;
  if (s->young) lg_young_mark_remembered(s); /* the pages written since the previous scan: floods too */
  /* The flood gives up when the program exits meanwhile: the exit scan
   * supersedes a periodic scan in flight (clone.h), and must not wait for
   * a long concurrent mark. */
  int done = lg_mark_finish_within(&s->heap, UINT64_MAX, lg_clone_exit_pending);
  lg_concmark_unguard();
  if (done < 0) cm.exiting = 1;
  return s->young_fallback || done < 0 ? -1 : 0;
}

/* ---- born entries, pre-cleaned ------------------------------------------------- */

static size_t first_map_above(const lg_scan_t *s, uintptr_t a);

/* A walk of one slot array's written runs: the index, the array. */
typedef struct born_walk { lg_heap_t *h; const lg_slot_t *slots; size_t n; } born_walk_t;

/* Makes the cover list (once per scan): every armed range but the table's,
 * sorted and merged (a run of adjacent ranges is one). Writes to memory
 * there after its arm reach the finish's written runs (a range the kernel
 * refused counts whole). 0 or -1. */
static int cover_make(void) {
  if (cm.cover_made) return 0;
  cm.cover_made = 1;
  for (size_t i = 0; i < cm.narmed; i++) {
    if (cm.armed[i].table) continue;
    if (lg_sys_grow((void **)&cm.cover, &cm.cover_cap, cm.ncover, sizeof(span_t), 256) < 0) return -1;
    size_t k = cm.ncover++;
    while (k && cm.cover[k - 1].lo > cm.armed[i].lo) { cm.cover[k] = cm.cover[k - 1]; k--; }
    cm.cover[k] = (span_t){cm.armed[i].lo, cm.armed[i].hi};
  }
  size_t k = 0;
  for (size_t i = 0; i < cm.ncover; i++) {
    if (k && cm.cover[k - 1].hi >= cm.cover[i].lo) {
      if (cm.cover[i].hi > cm.cover[k - 1].hi) cm.cover[k - 1].hi = cm.cover[i].hi;
      continue;
    }
    cm.cover[k++] = cm.cover[i];
  }
  cm.ncover = k;
  return 0;
}

/* The cover range that ends above a (its index), or ncover. */
static size_t cover_at(uintptr_t a) {
  size_t lo = 0, hi = cm.ncover;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cm.cover[mid].hi <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Is [a, b) inside one cover range? */
static int covered(uintptr_t a, uintptr_t b) {
  size_t k = cover_at(a);
  return k < cm.ncover && cm.cover[k].lo <= a && b <= cm.cover[k].hi;
}

/* Arms mapping mp (a block born in it since the arm: the brk heap grew)
 * and adds it to the cover, when it is the brk heap, which the roots pass
 * does not read, and no part of it is armed or in the remembered set
 * already. Any other mapping is left alone: arming memory the program
 * never touched fills it with write-protect markers, which the roots pass
 * takes for swapped pages and would read (a new chunk's untouched pages;
 * arena heaps it skips, but they cannot be told apart here). 0, or -1
 * (not armed: the block it holds is read at the finish). */
static int cover_arm(const lg_map_t *mp) {
  if (mp->kind != LG_MAP_HEAP || !wants_tracking(mp) || (lg_rset_ready() && lg_rset_covers(mp->lo, mp->hi))) return -1;
  size_t k = cover_at(mp->lo);
  if (k < cm.ncover && cm.cover[k].lo < mp->hi) return -1;
  if (lg_sys_grow((void **)&cm.cover, &cm.cover_cap, cm.ncover, sizeof(span_t), 256) < 0) return -1;
  if (arm_range(mp->lo, mp->hi) < 0) return -1;
  memmove(&cm.cover[k + 1], &cm.cover[k], (cm.ncover - k) * sizeof(span_t));
  cm.cover[k] = (span_t){mp->lo, mp->hi};
  cm.ncover++;
  return 0;
}

/* May a round read [a, b) (a born block) now: inside readable mappings
 * of the round's maps and covered (its mapping armed here if need be: the
 * read then follows the arm, so a write after the read is written for
 * the finish)? */
static int born_readable(lg_scan_t *s, uintptr_t a, uintptr_t b) {
  size_t m = first_map_above(s, a);
  if (m >= s->nmaps || s->maps[m].lo > a || !s->maps[m].readable) return 0;
  uintptr_t end = s->maps[m].hi;
  for (size_t k = m + 1; end < b && k < s->nmaps && s->maps[k].lo == end && s->maps[k].readable; k++) end = s->maps[k].hi;
  if (end < b) return 0;
  if (covered(a, b)) return 1;
  return b <= s->maps[m].hi && cover_arm(&s->maps[m]) == 0 && covered(a, b);
}

/* The hash of a block's address in cm.known. */
static size_t known_slot(uintptr_t addr) { return (size_t)(((uint64_t)(addr >> 4) * 0x9E3779B97F4A7C15ull) >> 20); }

/* Did a round take and read the block at addr already, for at least
 * `size` bytes? Then an entry met again there (its table page written for
 * another entry's sake, or a new block of no greater size at the same
 * address) needs nothing more: a write to its memory since the read is on
 * a written page of covered memory, where remark_born reads it again. One
 * probe of cm.known mostly (the finish meets every born entry on a
 * written table page: a binary search each would cost it more). */
static int born_known(uintptr_t addr, uint32_t size) {
  if (!cm.known || size == LG_SIZE_BIG) return 0;
  for (size_t i = known_slot(addr) & cm.known_mask;; i = (i + 1) & cm.known_mask) {
    if (!cm.known[i].lo) return 0;
    if (cm.known[i].lo == addr) return cm.known[i].hi >= size;
  }
}

/* Makes cm.known anew from the sorted entries that were read (open
 * addressing, at most half full); without room, none (born_known then
 * says no: the entries are taken again, which costs time only). */
static void known_make(void) {
  size_t need = 1024;
  while (need < 2 * cm.nsorted) need *= 2;
  if (need > cm.known_mask + 1 || !cm.known) {
    lg_sys_drop(cm.known);
    cm.known_mask = 0;
    if (!(cm.known = lg_sys_grab(need, sizeof *cm.known))) return;
  }
  else memset(cm.known, 0, (cm.known_mask + 1) * sizeof *cm.known);
  if (need > cm.known_mask + 1) cm.known_mask = need - 1;
  for (size_t k = 0; k < cm.nsorted; k++) {
    const bornrec_t *r = &cm.born[k];
    if (r->unread || !r->n) continue;
    size_t i = known_slot(r->addr) & cm.known_mask;
    while (cm.known[i].lo) i = (i + 1) & cm.known_mask;
    cm.known[i] = (span_t){r->addr, r->n};
  }
}

/* The shadow of the table page at `page` (slots by their offset in it),
 * made when `make` and there is room; NULL when there is none. Every
 * live entry a round met on the page is in it as the round read it (or
 * with key SHADOW_CHANGED: changed while read); any other place holds
 * zeros or an entry of an earlier round. An entry the table holds as its
 * shadow does was met by a round (taken, read or left to the finish as
 * born_take decided: the same key and size at that address), so the
 * finish passes over it: one compare per slot, no lookup (the table's
 * hash spreads new entries over all its pages, so the finish meets, on
 * the pages written since the last round, mostly entries a round took). */
#define SHADOW_CHANGED UINTPTR_MAX
static shslot_t *shadow_of(uintptr_t page, int make) {
  if (page == cm.sh_last && cm.sh_last_at) return cm.sh_last_at;
  if (!cm.shpage) {
    if (!make) return NULL;
    cm.shpage = lg_sys_grab(SHADOW_HASH, sizeof *cm.shpage);
    cm.shidx = lg_sys_grab(SHADOW_HASH, sizeof *cm.shidx);
    cm.shdata = lg_sys_map((size_t)SHADOW_PAGES * PAGE);
    if (!cm.shpage || !cm.shidx || !cm.shdata) return NULL;
  }
  if (!cm.shdata) return NULL;
  size_t i = known_slot(page) & (SHADOW_HASH - 1);
  for (; cm.shpage[i]; i = (i + 1) & (SHADOW_HASH - 1))
    if (cm.shpage[i] == page) break;
  if (!cm.shpage[i]) {
    if (!make || cm.nsh == SHADOW_PAGES) return NULL;
    cm.shpage[i] = page;
    cm.shidx[i] = cm.nsh++;
  }
  cm.sh_last = page;
  cm.sh_last_at = (shslot_t *)((char *)cm.shdata + (size_t)cm.shidx[i] * PAGE);
  return cm.sh_last_at;
}

/* The shadow's place for the slot at p, or NULL. */
static shslot_t *shadow_at(uintptr_t p, int make) {
  shslot_t *sh = shadow_of(p & ~(uintptr_t)(PAGE - 1), make);
  return sh ? &sh[(p & (PAGE - 1)) / sizeof(lg_slot_t)] : NULL;
}

/* The entries of a written run [a, b) of one slot array, read with the
 * owner's protocol (ttab.h: the key before and after the rest; an entry
 * changed meanwhile was written after the run was protected again, so
 * the next round or the finish meets it): those born since the flip, and
 * old ones the program asked to ignore, go to cm.born. */
static void born_collect_run(uintptr_t a, uintptr_t b, void *arg) {
  const born_walk_t *w = arg;
  uintptr_t lo = (uintptr_t)w->slots, hi = lo + w->n * sizeof(lg_slot_t);
  if (a < lo) a = lo;
  if (b > hi) b = hi;
  for (uintptr_t p = lo + (a - lo) / sizeof(lg_slot_t) * sizeof(lg_slot_t); p < b && !cm.born_failed; p += sizeof(lg_slot_t)) {
    const lg_slot_t *sl = (const lg_slot_t *)p;
    uintptr_t key = __atomic_load_n(&sl->key, __ATOMIC_ACQUIRE);
    if (key <= 1) continue;
    uint32_t size = __atomic_load_n(&sl->size, __ATOMIC_RELAXED);
    __atomic_thread_fence(__ATOMIC_ACQUIRE);
    shslot_t *sh = shadow_at(p, 1);
    if (__atomic_load_n(&sl->key, __ATOMIC_RELAXED) != key) { if (sh) sh->key = SHADOW_CHANGED; continue; }
    /* met by a round before; a block of 4 GiB or more may have grown in
     * place since (the same key and size field): taken again */
    if (sh && sh->key == key && sh->size == size && size != LG_SIZE_BIG) continue;
    if (sh) *sh = (shslot_t){key, size, 0};
    int born = (key & LG_BLK_PARITY) == cm.now;
    if (!born && !(key & LG_BLK_IGNORED)) continue;
    if (born && born_known(key & LG_BLK_ADDR_MASK, size)) continue;
    if (lg_sys_grow((void **)&cm.born, &cm.born_cap, cm.nborn, sizeof(bornrec_t), 4096) < 0) { cm.born_failed = 1; return; }
    cm.born[cm.nborn++] = (bornrec_t){key & LG_BLK_ADDR_MASK, 0, size, (uint8_t)born, 1, 0};
  }
}

/* The page-aligned range of a slot array. */
static span_t slots_span(const lg_slot_t *slots, size_t n) {
  return (span_t){(uintptr_t)slots & ~(uintptr_t)(PAGE - 1), ((uintptr_t)(slots + n) + PAGE - 1) & ~(uintptr_t)(PAGE - 1)};
}

/* A written run of the table's pages a round collected (cm.truns). */
static void table_run(uintptr_t a, uintptr_t b, void *arg) {
  (void)arg;
  if (lg_sys_grow((void **)&cm.truns, &cm.truns_cap, cm.ntruns, sizeof(span_t), 1024) < 0) { cm.born_failed = 1; return; }
  cm.truns[cm.ntruns++] = (span_t){a, b};
  cm.born_pages += (long)((b - a) / PAGE);
}

/* A round's first walk of the table: every array's written pages
 * collected into cm.truns and protected again (small arrays share pages,
 * a new table's first ones: a page is collected once, for all the arrays
 * on it, and their entries are read by the second walk, after every
 * page's protection). An array the arm did not track (made after it: a
 * table that grew, a new thread's table) is tracked from now on and its
 * range noted in cm.fresh; tracking it protects again the pages it shares
 * with its neighbours, so every array on a fresh range is taken whole by
 * the second walk. */
static void born_reset_array(const lg_slot_t *slots, size_t n, void *arg) {
  (void)arg;
  span_t r = slots_span(slots, n);
  if (lg_dirty_written_in(cm.born_pm, r.lo, r.hi, 1, table_run, NULL) >= 0) return;
  if (lg_sys_grow((void **)&cm.fresh, &cm.fresh_cap, cm.nfresh, sizeof(span_t), 64) < 0 || armed_room() < 0) { cm.born_failed = 1; return; }
  cm.fresh[cm.nfresh++] = r; /* taken whole, tracked from now on if the kernel lets it */
  if (lg_dirty_track(r.lo, r.hi) == 0) cm.armed[cm.narmed++] = (armed_t){r.lo, r.hi, 1, 1, 0};
}

/* Does range r meet one of cm.fresh? */
static int on_fresh(span_t r) {
  for (size_t i = 0; i < cm.nfresh; i++)
    if (cm.fresh[i].lo < r.hi && r.lo < cm.fresh[i].hi) return 1;
  return 0;
}

/* Sorts cm.truns by address (a heap sort in place: no malloc). */
static void truns_sift(size_t i, size_t n) {
  span_t *b = cm.truns;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && b[c + 1].lo > b[c].lo) c++;
    if (b[c].lo <= b[i].lo) return;
    span_t t = b[i];
    b[i] = b[c];
    b[c] = t;
    i = c;
  }
}

static void truns_sort(void) {
  size_t n = cm.ntruns;
  for (size_t i = n / 2; i-- > 0;) truns_sift(i, n);
  for (size_t e = n; e > 1; e--) {
    span_t t = cm.truns[0];
    cm.truns[0] = cm.truns[e - 1];
    cm.truns[e - 1] = t;
    truns_sift(0, e - 1);
  }
}

/* A round's second walk: one slot array's entries on the pages the first
 * walk collected, or all of them when it is on a fresh range or not
 * tracked at all (made after the first walk: a rehash meanwhile). */
static void born_collect_array(const lg_slot_t *slots, size_t n, void *arg) {
  (void)arg;
  born_walk_t w = {NULL, slots, n};
  span_t r = slots_span(slots, n);
  if (on_fresh(r) || lg_dirty_written_in(cm.born_pm, r.lo, r.hi, 0, NULL, NULL) < 0) {
    born_collect_run(r.lo, r.hi, &w);
    return;
  }
  size_t lo = 0, hi = cm.ntruns;
  while (lo < hi) { /* the first run that ends above the array's start */
    size_t mid = lo + (hi - lo) / 2;
    if (cm.truns[mid].hi <= r.lo) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo; i < cm.ntruns && cm.truns[i].lo < r.hi; i++) born_collect_run(cm.truns[i].lo, cm.truns[i].hi, &w);
}

/* Takes entry r (under the fault guard): an index record at its address
 * marked; a born block (or an ignored one the index lacks) read whole as
 * a root when born_readable, else left to the finish. */
static void born_take(lg_scan_t *s, bornrec_t *r) {
  long i = lg_heap_find(&s->heap, r->addr);
  int in = i >= 0 && s->heap.blk[i].addr == r->addr;
  if (in) lg_mark_block(&s->heap, (size_t)i);
  if (in && !r->born) { r->dead = 1; return; }
  r->n = r->size;
  if (r->size == LG_SIZE_BIG) r->n = lg_real_usable_size ? lg_real_usable_size((void *)r->addr) : 0;
  if (!r->n || !born_readable(s, r->addr, r->addr + r->n)) return;
  lg_mark_range(&s->heap, r->addr, r->addr + r->n);
  r->unread = 0;
}

/* Takes cm.born[from..nborn): a fault leaves the entry it met unread (the
 * finish reads it) and goes on with the next. */
static size_t born_k;
static void born_take_all(lg_scan_t *s, size_t from) {
  sigjmp_buf jb;
  born_k = from;
  lg_mark_root_kind(&s->heap, LG_ROOT_IGNORED, 0);
  while (born_k < cm.nborn) {
    if (sigsetjmp(jb, 1)) {
      lg_concmark_unguard();
      born_k++;
      continue;
    }
    lg_concmark_guard(&jb);
    for (; born_k < cm.nborn; born_k++) born_take(s, &cm.born[born_k]);
    lg_concmark_unguard();
  }
}

/* Sift-down of a heap sort of cm.born[0..n) by address. */
static void born_sift(size_t i, size_t n) {
  bornrec_t *b = cm.born;
  for (;;) {
    size_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && b[c + 1].addr > b[c].addr) c++;
    if (b[c].addr <= b[i].addr) return;
    bornrec_t t = b[i];
    b[i] = b[c];
    b[c] = t;
    i = c;
  }
}

/* Drops the dead entries, sorts the rest by address (no malloc: a heap
 * sort in place) and keeps one per address (the largest, unread if any
 * was), so that remark_born finds them by binary search. */
static void born_sort(void) {
  size_t n = 0;
  for (size_t i = 0; i < cm.nborn; i++)
    if (!cm.born[i].dead) cm.born[n++] = cm.born[i];
  for (size_t i = n / 2; i-- > 0;) born_sift(i, n);
  for (size_t e = n; e > 1; e--) {
    bornrec_t t = cm.born[0];
    cm.born[0] = cm.born[e - 1];
    cm.born[e - 1] = t;
    born_sift(0, e - 1);
  }
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k && cm.born[k - 1].addr == cm.born[i].addr) {
      if (cm.born[i].n > cm.born[k - 1].n) cm.born[k - 1].n = cm.born[i].n;
      cm.born[k - 1].unread |= cm.born[i].unread;
      continue;
    }
    cm.born[k++] = cm.born[i];
  }
  cm.nborn = cm.nsorted = k;
  for (size_t i = 0; i < k; i++)
    if (cm.born[i].n > cm.born_max) cm.born_max = cm.born[i].n;
  known_make();
}

/* A round's share of the table (with the world running): the table's
 * written pages since the arm or the round before collected and protected
 * again, the entries on them taken (born_take), the list sorted. 0, or -1
 * out of memory (pages protected again whose entries were not all taken:
 * the scan must take the clone). */
static int born_round(lg_scan_t *s, int pm) {
  if (cover_make() < 0) return -1;
  size_t from = cm.nborn;
  cm.born_pm = pm;
  cm.born_pages = 0;
  cm.nfresh = cm.ntruns = 0;
  lg_blocks_each_slots_read(born_reset_array, NULL);
  truns_sort();
  if (!cm.born_failed) lg_blocks_each_slots_read(born_collect_array, NULL);
  if (cm.born_failed) return -1;
  if (cm.nborn - from > BORN_ROUND_MAX) {
    cm.born_many = 1;
    return -1;
  }
  cm.born_taken += cm.nborn - from;
  born_take_all(s, from);
  born_sort();
  return 0;
}

/* The rounds' born entries on [a, b) (a written run, readable) read again
 * there, or (`count`) their bytes added up in cm.reread; at the finish,
 * given up past its budget (over_budget: the scan then takes the clone). */
static void remark_born(lg_heap_t *h, uintptr_t a, uintptr_t b, int count) {
  uintptr_t from = a > cm.born_max ? a - cm.born_max : 0;
  size_t lo = 0, hi = cm.nsorted;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (cm.born[mid].addr < from) lo = mid + 1;
    else hi = mid;
  }
  for (size_t i = lo, j = 0; i < cm.nsorted && cm.born[i].addr < b; i++, j++) {
    if (!count && (j & 1023) == 1023 && over_budget()) return;
    const bornrec_t *r = &cm.born[i];
    uintptr_t x = r->addr > a ? r->addr : a, y = r->addr + r->n < b ? r->addr + r->n : b;
    if (r->unread || x >= y) continue;
    if (count) cm.reread += y - x;
    else lg_mark_range(h, x, y);
  }
}

/* At the finish: the rounds' born entries left unread, read whole where
 * the maps (read again at the stop) show them readable, or (`count`)
 * their bytes added up. */
static void born_unread(lg_scan_t *s, int count) {
  lg_mark_root_kind(&s->heap, LG_ROOT_IGNORED, 0);
  for (size_t i = 0; i < cm.nsorted; i++) {
    if (!count && (i & 1023) == 1023 && over_budget()) return;
    bornrec_t *r = &cm.born[i];
    if (!r->unread) continue;
    if (!count) cm.born_left++;
    if (!r->n) r->n = r->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)r->addr) : r->size;
    for (size_t m = first_map_above(s, r->addr); m < s->nmaps && s->maps[m].lo < r->addr + r->n; m++) {
      uintptr_t x = s->maps[m].lo > r->addr ? s->maps[m].lo : r->addr;
      uintptr_t y = s->maps[m].hi < r->addr + r->n ? s->maps[m].hi : r->addr + r->n;
      if (!s->maps[m].readable || x >= y) continue;
      if (count) cm.reread += y - x;
      else lg_mark_range(&s->heap, x, y);
    }
  }
}

/* ---- pre-cleaning ------------------------------------------------------------------ */

static void add_run(uintptr_t a, uintptr_t b, void *arg);
static void remark_written(lg_scan_t *s, int count);

/* A written run a pre-cleaning round collected (and protected again): one
 * of the remembered set's ranges is noted there as written, so that its
 * next collection counts it (rset.h). */
static void round_run(uintptr_t a, uintptr_t b, void *arg) {
  (void)arg;
  if (cm.heap_run) lg_rset_note_written(a, b);
  add_run(a, b, NULL);
}

/* Collects, protecting them again, the written pages of every tracked
 * range but the table's arrays (the finish finds the blocks born since the
 * copy on their written pages: they must stay written) into cm.runs. A
 * range the kernel no longer answers for is left to the finish (which
 * then counts it whole). 0, or -1: more runs than MAX_RUNS (pages
 * protected again but not listed: the scan must take the clone). */
static int round_collect(int pm) {
  if (!cm.runs) {
    cm.runs_bytes = MAX_RUNS * sizeof(range_t);
    if (!(cm.runs = lg_sys_map(cm.runs_bytes))) return -1;
  }
  cm.nruns = 0;
  cm.written = 0;
  cm.reread = 0;
  for (size_t i = 0; i < cm.narmed && cm.written >= 0; i++) {
    armed_t *r = &cm.armed[i];
    if (!r->tracked || r->table || r->lost) continue;
    cm.heap_run = r->tracked == BORROWED;
    if (lg_dirty_written_in(pm, r->lo, r->hi, 1, round_run, NULL) >= 0) continue;
    r->lost = 1;
    if (cm.heap_run) lg_rset_note_written(r->lo, r->hi); /* and the next young scan too */
  }
  return cm.written < 0 ? -1 : 0;
}

/* One round, with the world running: the maps read again, the written
 * pages collected, the marked blocks on them (and, for a young scan, the
 * remembered set's memory there) read again under the fault guard, the
 * flood to its end. Returns the pages it collected; -2 after a fault (the
 * program unmapped memory meanwhile) or a written run it could not read:
 * its runs stay in cm.runs, for the finish to read again with its own; or -1 (too many runs, out of memory,
 * the program exits): the scan takes the clone. */
static long round_once(lg_scan_t *s, int pm) {
  sigjmp_buf jb;
  /* The old array goes before the maps are read: unmapped after, it could
   * lie in a mapping they show readable (where a block of the index was
   * freed and unmapped) and fault the reads of that stale block. */
  if (s->maps) lg_sys_unmap(s->maps, s->maps_cap);
  s->maps = NULL;
  s->nmaps = s->maps_cap = 0;
  if (lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap) < 0 || round_collect(pm) < 0) return -1;
  if (sigsetjmp(jb, 1)) {
    lg_concmark_unguard();
    return -2;
  }
  lg_concmark_guard(&jb);
  cm.unreadable = 0;
  remark_written(s, 0);
  lg_concmark_unguard();
  /* A written page this round protected again but could not read (made
   * PROT_NONE meanwhile; mprotect keeps the protection): written since or
   * not, only the finish may read it, so the round's runs are its too. */
  if (cm.unreadable) return -2;
  if (born_round(s, pm) < 0) return -1;
  if (sigsetjmp(jb, 1)) {
    lg_concmark_unguard();
    return -2;
  }
  lg_concmark_guard(&jb);
  int done = lg_mark_finish_within(&s->heap, UINT64_MAX, lg_clone_exit_pending);
  lg_concmark_unguard();
  if (done < 0) cm.exiting = 1;
  return done < 0 ? -1 : cm.written + cm.born_pages;
}

/* Pre-cleaning (Boehm, Demers and Shenker's repeated dirty rounds): up to
 * PRECLEAN_ROUNDS rounds while the written set is big and shrinking, so
 * that the finish sees only the pages written since the last one. Why it
 * is sound: a page protected again by a round and then read is either
 * not written after that read (what the round read is what the finish
 * would) or written again (then the next round or the finish reads it
 * again); roots, stacks, the table's written pages and the last written
 * set are still read at the finish with the world stopped. 0 or -1. */
static int preclean(lg_scan_t *s) {
  int pm = lg_dirty_pagemap();
  if (pm < 0) return -1;
  long prev = -1;
  int ok = 1;
  for (unsigned r = 0; r < PRECLEAN_ROUNDS && ok; r++) {
    long pages = round_once(s, pm);
    if (pages != -1 && gate_here("cleaned") && r == 0) wait_at("cleaned");
    if (pages == -2) { cm.round_fault = 1; close(pm); return 0; } /* the finish reads its runs again */
    if (pages < 0) { ok = 0; break; }
    cm.round_pages[cm.rounds++] = pages;
    if (pages <= PRECLEAN_COMFORT_PAGES || (prev >= 0 && pages >= prev)) break;
    prev = pages;
  }
  close(pm);
  cm.nruns = 0;
  cm.written = 0;
  cm.reread = 0;
  return ok ? 0 : -1;
}

int lg_concmark_open(void) { return !foreign; }

void lg_concmark_close(void) {
  foreign = 1;
  lg_dirty_close();
}

/* Does the concurrent option ask scan s's kind to mark concurrently? */
static int wanted_kind(const lg_scan_t *s) {
  if (s->kind == LG_SCAN_API) return s->opts->concurrent != LG_CONC_OFF;
  return s->kind == LG_SCAN_PERIODIC && s->opts->concurrent == LG_CONC_ALL;
}

/* May young scan s mark concurrently? Its copy comes from the born lists
 * (copy_born) or a walk of the table, and it judges no older block again
 * (the previous scan found none lost: the copy would need snapshot.c's
 * lost-list bookkeeping). */
static int young_fits(const lg_scan_t *s) {
  size_t n;
  lg_history_prev_list(&n);
  return lg_rset_ready() && n == 0;
}

/* Have the process's scans stopped trying (SLOW_ROOTS_MAX failures in a
 * row, of the roots or of the finish)? Each scan asked counts as one that
 * did not try; after RETRY_AFTER of them the next one tries again, and
 * one failure more stops them again (a success starts the count anew). */
static int latched(void) {
  if (slow_roots < SLOW_ROOTS_MAX && heavy_floods < SLOW_ROOTS_MAX) return 0;
  if (++skipped <= RETRY_AFTER) return 1;
  skipped = 0;
  if (slow_roots >= SLOW_ROOTS_MAX) slow_roots = SLOW_ROOTS_MAX - 1;
  if (heavy_floods >= SLOW_ROOTS_MAX) heavy_floods = SLOW_ROOTS_MAX - 1;
  return 0;
}

/* The question counts the scan asking for the latch (latched): the scan
 * lock's holder asks once per scan. */
int lg_concmark_wanted(const lg_scan_t *s) {
  return !foreign && wanted_kind(s) && !lg_clone_exit_pending() && (!s->young || young_fits(s)) && !lg_rc_count() &&
         !lg_rc_python_type() && !latched();
}

/* Drops what the concurrent phases built, for the clone scan to run. */
static void drop(lg_scan_t *s) {
  if (s->old_sites) lg_sys_unmap(s->old_sites, s->old_sites_bytes);
  s->old_sites = NULL;
  s->nold_sites = 0;
  lg_heap_free(&s->heap);
  if (s->heap.blk) lg_sys_unmap(s->heap.blk, s->blk_bytes);
  if (s->maps) lg_sys_unmap(s->maps, s->maps_cap);
  memset(&s->heap, 0, sizeof s->heap);
  s->maps = NULL;
  s->nmaps = s->maps_cap = s->blk_bytes = 0;
}

void lg_concmark_abandon(lg_scan_t *s, int locked) {
  lg_concmark_disarm();
  drop(s);
  s->young_fallback = 0;
  s->young_words = 0;
  /* The epoch back as it was: the clone scan flips it itself. */
  if (!locked) lg_blocks_lock_all();
  lg_blocks_flip_epoch();
  if (!locked) lg_blocks_unlock_all();
  lg_born_abandoned(); /* the blocks born meanwhile are in no list the snapshot's epoch has */
}

/* Says why scan s takes the snapshot after all. */
static void note_fallback(const lg_scan_t *s, const char *why, int locked) {
  char msg[400];
  lg_fmt(msg, sizeof msg, "scan %u could not mark concurrently (%s): it took the snapshot", s->number, why);
  if (!locked) lg_log_lock();
  lg_note_locked(LG_NOTE_INFO, msg);
  lg_log_flush(); /* before a snapshot child could inherit it unwritten */
  if (!locked) lg_log_unlock();
}

/* The heuristics' setup, once the maps are read (the vtable segments of
 * multipleinheritance are clamped to them), under the module list's lock. */
static void heuristics(lg_scan_t *s) {
  lg_modules_lock();
  lg_snapshot_heuristics(s);
  lg_modules_unlock();
}

int lg_concmark_begin(lg_scan_t *s) {
  memset(&cm, 0, sizeof cm);
  const char *why = "a mapping could not be write-tracked: a userfaultfd of the program's own, or no WP-async";
  uint64_t t0 = lg_now_ns();
  /* The remembered set collected and protected again first, before the
   * epoch flips: every store after this is written for the finish and the
   * next collection, and a block born after the flip is young for the next
   * scan. A young scan marks from what it collected (rset.h). */
  if (lg_rset_ready()) {
    lg_rset_collect();
    s->t_collect = lg_now_ns() - t0;
    s->collected_early = 1;
  }
  int ok = arm_table() == 0;
  cm.t_arm = lg_now_ns() - t0;
  if (gate_here("armed")) wait_at("armed");
  t0 = lg_now_ns();
  if (ok && copy_table(s) < 0) { ok = 0; why = "out of memory"; }
  cm.t_copy = lg_now_ns() - t0;
  t0 = lg_now_ns();
  if (ok && arm_heaps(s) < 0) {
    ok = 0;
    if (cm.device) why = "a device or kernel-object mapping (io_uring, a driver) may have pages written unseen";
  }
  cm.t_arm += lg_now_ns() - t0;
  if (ok) heuristics(s);
  t0 = lg_now_ns();
  if (ok && flag_unreadable(s) < 0) { ok = 0; why = "out of memory"; }
  int marked = ok ? mark_running(s) : 0;
  if (marked < 0) {
    ok = 0;
    why = marked == -2 ? "its roots take too long to read again at the stop"
          : cm.faulted ? "memory unmapped while it was read"
          : cm.exiting ? "the program exits" : "out of memory";
  }
  cm.t_mark = lg_now_ns() - t0;
  if (ok && gate_here("marked")) wait_at("marked");
  t0 = lg_now_ns();
  if (ok && preclean(s) < 0) {
    ok = 0;
    why = cm.faulted ? "memory unmapped while it was read" : cm.exiting ? "the program exits"
          : cm.born_many ? "the program allocated faster than the pre-cleaning rounds took its new blocks"
          : "a pre-cleaning round failed (out of memory, too many written runs)";
  }
  cm.t_clean = lg_now_ns() - t0;
  if (ok) return 0;
  lg_concmark_abandon(s, 0);
  note_fallback(s, why, 0);
  return -1;
}

/* ---- finish -------------------------------------------------------------------- */

static void add_run(uintptr_t a, uintptr_t b, void *arg) {
  (void)arg;
  if (cm.written < 0) return;
  if (cm.nruns && cm.runs[cm.nruns - 1].hi == a && cm.runs[cm.nruns - 1].heap == cm.heap_run) { cm.runs[cm.nruns - 1].hi = b; }
  else if (cm.nruns == MAX_RUNS) { cm.written = -1; return; }
  else cm.runs[cm.nruns++] = (range_t){a, b, cm.heap_run};
  cm.written += (long)((b - a) / PAGE);
}

/* Collects the written pages of every armed range (a range no longer
 * tracked whole: all of it). 0, or -1 over the budget. */
static int collect(void) {
  if (!cm.runs) cm.runs_bytes = MAX_RUNS * sizeof(range_t);
  if (!cm.runs && !(cm.runs = lg_sys_map(cm.runs_bytes))) return -1;
  for (size_t i = 0; i < cm.narmed && cm.written >= 0; i++) {
    size_t before = cm.nruns;
    long saved = cm.written;
    cm.heap_run = cm.armed[i].tracked == BORROWED;
    if (cm.armed[i].tracked && !cm.armed[i].lost &&
        lg_dirty_written_in(cm.pm, cm.armed[i].lo, cm.armed[i].hi, 0, add_run, NULL) >= 0)
      continue;
    cm.nruns = before;
    cm.written = saved;
    add_run(cm.armed[i].lo, cm.armed[i].hi, NULL);
  }
  return cm.written < 0 ? -1 : 0;
}

/* The first block that ends above a, by binary search of the sorted heap. */
static size_t first_ending_above(const lg_heap_t *h, uintptr_t a) {
  size_t lo = 0, hi = h->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (h->blk[mid].addr + lg_blk_size(h, &h->blk[mid]) <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* Reads again the marked blocks' words on [a, b) (a written run,
 * readable), or (`count`) only adds up their bytes in cm.reread. */
static void remark_run(lg_heap_t *h, uintptr_t a, uintptr_t b, int count) {
  for (size_t i = first_ending_above(h, a), j = 0; i < h->n && h->blk[i].addr < b; i++, j++) {
    if (!count && (j & 1023) == 1023 && over_budget()) return;
    const lg_blk_t *k = &h->blk[i];
    if (k->mark == LG_UNREACHED || (k->flags & LG_BF_UNREADABLE)) continue;
    uintptr_t end = k->addr + lg_blk_size(h, k);
    uintptr_t lo = k->addr > a ? k->addr : a, hi = end < b ? end : b;
    if (count) cm.reread += hi - lo;
    else lg_mark_range(h, lo, hi);
  }
}

/* The first mapping of s that ends above a. */
static size_t first_map_above(const lg_scan_t *s, uintptr_t a) {
  size_t lo = 0, hi = s->nmaps;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (s->maps[mid].hi <= a) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/* A young scan's written run [a, b) of a range the remembered set tracks:
 * its memory outside the index read too (an old block there may now hold
 * the only pointer to a young one), or (`count`) its bytes added up. */
static void remark_heap_run(lg_scan_t *s, uintptr_t a, uintptr_t b, int count) {
  if (count) cm.reread += b - a;
  else lg_young_mark_written(s, a, b);
}

/* Every written run, clamped to the mappings readable now. */
static void remark_written(lg_scan_t *s, int count) {
  lg_mark_root_kind(&s->heap, LG_ROOT_MAPPING, 0);
  for (size_t r = 0; r < cm.nruns; r++)
    for (size_t m = first_map_above(s, cm.runs[r].lo); m < s->nmaps && s->maps[m].lo < cm.runs[r].hi; m++) {
      const lg_map_t *mp = &s->maps[m];
      uintptr_t a = mp->lo > cm.runs[r].lo ? mp->lo : cm.runs[r].lo, b = mp->hi < cm.runs[r].hi ? mp->hi : cm.runs[r].hi;
      if (a < b && !mp->readable) cm.unreadable++;
      if (a < b && mp->readable) remark_run(&s->heap, a, b, count);
      if (a < b && mp->readable && cm.nsorted) remark_born(&s->heap, a, b, count);
      if (a < b && mp->readable && s->young && cm.runs[r].heap) remark_heap_run(s, a, b, count);
    }
}

/* A live table entry met on a written table page. A block born since the
 * flip (the new parity) is read whole as a root, and is not judged when
 * the index has an entry at its address (a new block where an old one
 * was: its size may differ). An old block is judged as any other (the
 * copy saw every block that lived through it: lg_blocks_each_live),
 * unless the program asked meanwhile to ignore it; one of those the
 * index lacks is read whole as a root. */
static void take_entry(lg_heap_t *h, uintptr_t key, uint32_t size) {
  int born = (key & LG_BLK_PARITY) == cm.now;
  /* An old entry the program did not ask to ignore: the copy saw it (a
   * block that lived through the copy), so it is judged; no lookup. */
  if (!born && !(key & LG_BLK_IGNORED)) return;
  uintptr_t addr = key & LG_BLK_ADDR_MASK;
  if (born && born_known(addr, size)) return; /* a pre-cleaning round read it */
  long i = lg_heap_find(h, addr);
  int in = i >= 0 && h->blk[i].addr == addr;
  if (in && (born || (key & LG_BLK_IGNORED))) lg_mark_block(h, (size_t)i);
  if (in && !born) return;
  uintptr_t n = size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)addr) : size;
  lg_mark_range(h, addr, addr + n);
}

/* The entries of a written run [a, b) of one slot array. */
static void born_run(uintptr_t a, uintptr_t b, void *arg) {
  born_walk_t *w = arg;
  uintptr_t lo = (uintptr_t)w->slots, hi = lo + w->n * sizeof(lg_slot_t);
  if (a < lo) a = lo;
  if (b > hi) b = hi;
  size_t j = 0;
  for (uintptr_t p = lo + (a - lo) / sizeof(lg_slot_t) * sizeof(lg_slot_t); p < b; p += sizeof(lg_slot_t), j++) {
    if ((j & 255) == 255 && over_budget()) return;
    const lg_slot_t *sl = (const lg_slot_t *)p;
    if (sl->key <= 1) continue;
    const shslot_t *sh = cm.shdata ? shadow_at(p, 0) : NULL;
    if (!sh || sh->key != sl->key || sh->size != sl->size || sl->size == LG_SIZE_BIG) take_entry(w->h, sl->key, sl->size);
  }
}

/* One slot array: its written pages, or all of it when it was not tracked
 * (made after the arm: a table that grew). */
static void born_array(const lg_slot_t *slots, size_t n, void *arg) {
  born_walk_t w = {arg, slots, n};
  uintptr_t lo = (uintptr_t)slots & ~(uintptr_t)(PAGE - 1);
  uintptr_t hi = ((uintptr_t)(slots + n) + PAGE - 1) & ~(uintptr_t)(PAGE - 1);
  if (lg_dirty_written_in(cm.pm, lo, hi, 0, born_run, &w) < 0) born_run(lo, hi, &w);
}

/* The blocks flagged unreadable before the mark that lie in readable
 * memory at the finish (s->maps read again): memory made readable again
 * meanwhile (mprotect), or mapped at a place the maps' read found empty
 * (a block in a mapping the arm never saw: the order of arm and copy
 * keeps those out today, this keeps it so if the order changes). The
 * concurrent pass never read them and their pages may not be tracked:
 * each is readable from now on, and a marked one is read whole now.
 * `count`: only add up the marked ones' bytes in cm.reread (the budget),
 * changing nothing. */
static void reread_unarmed(lg_scan_t *s, int count) {
  lg_maps_cursor_t m = {0, 0, 0};
  lg_mark_root_kind(&s->heap, LG_ROOT_MAPPING, 0);
  for (size_t k = 0; k < cm.nunread; k++) {
    lg_blk_t *b = &s->heap.blk[cm.unread[k]];
    if (!(b->flags & LG_BF_UNREADABLE) || !readable_block(s, b, &m)) continue;
    uintptr_t size = lg_blk_size(&s->heap, b);
    if (count) { if (b->mark != LG_UNREACHED) cm.reread += size; continue; }
    b->flags &= ~LG_BF_UNREADABLE;
    if (b->mark != LG_UNREACHED) lg_mark_range(&s->heap, b->addr, b->addr + size);
  }
}

int lg_concmark_finish(lg_scan_t *s) {
  uint64_t t0 = lg_now_ns();
  sigjmp_buf jb;
  if ((cm.pm = lg_dirty_pagemap()) < 0) return -1;
  if (sigsetjmp(jb, 1)) {
    lg_concmark_unguard();
    close(cm.pm);
    note_fallback(s, "memory unmapped while it was read", 1);
    return -1;
  }
  lg_concmark_guard(&jb);
  cm.cpu0 = cpu_ns();
  cm.f[0] = t0;
  int ok = collect() == 0;
  cm.f[1] = lg_now_ns();
  /* The old array unmapped before the maps are read (see round_once). */
  if (s->maps) lg_sys_unmap(s->maps, s->maps_cap);
  s->maps = NULL;
  s->nmaps = s->maps_cap = 0;
  ok = ok && lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap) == 0;
  if (ok) remark_written(s, 1);
  if (ok) reread_unarmed(s, 1);
  if (ok) born_unread(s, 1);
  if (cm.reread > BUDGET_BYTES) ok = 0;
  if (!ok && (cm.written < 0 || cm.reread > BUDGET_BYTES)) heavy_floods++;
  if (!ok) {
    lg_concmark_unguard();
    close(cm.pm);
    note_fallback(s, cm.written < 0 || cm.reread > BUDGET_BYTES ? "the program wrote more than the finish's budget" : "out of memory", 1);
    return -1;
  }
  lg_roots_mark_live(s);
  lg_mark_root_kind(&s->heap, LG_ROOT_IGNORED, 0);
  lg_ignored_mark(&s->heap);
  cm.f[2] = lg_now_ns();
  remark_written(s, 0);
  reread_unarmed(s, 0);
  born_unread(s, 0);
  cm.f[3] = lg_now_ns();
  lg_mark_root_kind(&s->heap, LG_ROOT_IGNORED, 0);
  lg_blocks_each_slots(born_array, &s->heap);
  cm.f[4] = lg_now_ns();
  int flooded = !over_budget() && lg_mark_finish_within(&s->heap, FLOOD_BUDGET_BYTES, over_budget) == 0;
  lg_concmark_unguard();
  close(cm.pm);
  heavy_floods = flooded ? 0 : heavy_floods + 1;
  cm.f[5] = lg_now_ns();
  if (!flooded) {
    char why[300];
    lg_fmt(why, sizeof why, "the finish's mark work passed its budget, %s; %ld written pages (%u pre-clean rounds, the last %ld), %llu KiB of marked blocks on them; "
           "collect %llu, roots %llu, written %llu, born %llu, flood %llu us",
           cm.over ? "5 ms of CPU time" : "8 MiB of blocks flooded", cm.written, cm.rounds, cm.rounds ? cm.round_pages[cm.rounds - 1] : 0L,
           (unsigned long long)(cm.reread >> 10),
           (unsigned long long)((cm.f[1] - cm.f[0]) / 1000),
           (unsigned long long)((cm.f[2] - cm.f[1]) / 1000), (unsigned long long)((cm.f[3] - cm.f[2]) / 1000),
           (unsigned long long)((cm.f[4] - cm.f[3]) / 1000), (unsigned long long)((cm.f[5] - cm.f[4]) / 1000));
    note_fallback(s, why, 1);
    return -1;
  }
  cm.t_finish = lg_now_ns() - t0;
  return 0;
}

/* ---- sweep --------------------------------------------------------------------- */

void lg_concmark_sweep(lg_scan_t *s) {
  lg_concmark_disarm();
  size_t dropped = 0;
  for (size_t i = 0; i < s->heap.n; i++) {
    lg_blk_t *b = &s->heap.blk[i];
    if (b->mark == LG_REACHABLE) continue;
    lg_slot_t sl;
    if (lg_blocks_lookup(b->addr, &sl) && (sl.key & LG_BLK_PARITY) != cm.now && lg_slot_stack(&sl) == b->stack) continue;
    b->mark = LG_REACHABLE; /* freed during the scan (or a new block there): not judged */
    dropped++;
  }
  char msg[800];
  size_t n = lg_fmt(msg, sizeof msg, "scan %u was concurrent%s (ms): arm %llu, copy %llu, mark %llu; finish (us)", s->number, s->young ? " and young" : "",
                    (unsigned long long)(cm.t_arm / 1000000), (unsigned long long)(cm.t_copy / 1000000),
                    (unsigned long long)(cm.t_mark / 1000000));
  static const char *step[5] = {"collect", "roots", "written", "born", "flood"};
  for (int k = 0; k < 5; k++)
    n += lg_fmt(msg + n, sizeof msg - n, "%s %s %llu", k ? "," : "", step[k], (unsigned long long)((cm.f[k + 1] - cm.f[k]) / 1000));
  n += lg_fmt(msg + n, sizeof msg - n, "; %ld written pages, %llu KiB of marked blocks on them re-read; %zu blocks freed meanwhile; "
              "%u running threads' stacks read concurrently (%u whole); %u pre-clean rounds (",
              cm.written, (unsigned long long)(cm.reread >> 10), dropped, s->running_read, s->running_whole, cm.rounds);
  for (unsigned k = 0; k < cm.rounds; k++) n += lg_fmt(msg + n, sizeof msg - n, "%s%ld", k ? "/" : "", cm.round_pages[k]);
  lg_fmt(msg + n, sizeof msg - n, " written pages, %llu ms, %zu born entries taken, %zu of them read at the finish)", (unsigned long long)(cm.t_clean / 1000000),
         cm.born_taken, cm.born_left);
  lg_log_lock();
  lg_note_locked(LG_NOTE_INFO, msg);
  lg_log_unlock();
}

void lg_concmark_free(lg_scan_t *s) { drop(s); }
