/* collector/scan.c — one leak scan, as a sequence of small named phases
 * (LeakSanitizer's shape):
 *
 *   lock       modules refreshed, then every shim lock taken (collector.h)
 *   stop       the other threads stopped by signal (world.c)
 *   clone      a copy-on-write snapshot child (not at exit), which dies
 *              with the thread that cloned it and drops every descriptor
 *              of the process; the parent resumes the threads, releases
 *              the locks and waits for it
 *   maps       /proc/self/maps, each mapping classified (maps.c)
 *   snapshot   the block table copied, sorted and indexed (graph.c)
 *   heuristics the enabled C++ heuristics, and the module segments that
 *              multipleinheritance needs to tell vtable pointers (graph.h)
 *   roots      module data and bss, registered regions, the threads'
 *              registers, stacks and TLS, the program's own mappings,
 *              ignored blocks (roots.c, whose header says what is a root)
 *   mark       flood fill from the roots and the ignored blocks
 *   analyse    categories, cycles and clusters of what stayed unmarked
 *   refcount   CPython's algorithm over the refcounted objects (rcscan.h:
 *              placed in their blocks before the roots, solved here)
 *   log        clusters, sites, chains and SCAN_END (scanlog.c), flushed
 *   age        the blocks of the snapshot age by one scan (blocks.h), in
 *              the parent, after the world runs again
 *
 * From `maps` on, the work runs in the snapshot child while the program
 * runs on, or — for the exit scan, or when the clone fails — in process with
 * the world stopped. Memory comes from mmap (graph.c), never from malloc,
 * which a stopped thread may hold. */
#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <string.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "blocks.h"
#include "collector_internal.h"
#include "format.h"
#include "graph.h"
#include "history.h"
#include "logwriter.h"
#include "modules.h"
#include "rcscan.h"
#include "roots.h"
#include "scan.h"
#include "stacks.h"
#include "sys.h"
#include "world.h"

typedef lg_map_t map_t;
typedef lg_scan_t scan_t;

/* ---- phase: snapshot ------------------------------------------------------ */

typedef struct fill { lg_blk_t *b; size_t n, cap; } fill_t;

/* Was the block allocated by the dynamic loader itself? (See modules.h.)
 * Computed once per stack; the scan is the only writer of stack flags. */
static int from_loader(uint32_t id) {
  uint32_t fl = lg_stacks_flags(id);
  if (!(fl & LG_STACK_CHECKED)) {
    uintptr_t inner;
    int n = lg_stacks_frames(id, &inner, 1);
    if (n < 0) return 0;
    fl = LG_STACK_CHECKED | (n > 0 && lg_modules_in_loader(inner) ? LG_STACK_LOADER : 0);
    lg_stacks_set_flags(id, fl);
  }
  return (fl & LG_STACK_LOADER) != 0;
}

/* Doubles the copy's room: the table's count is kept on the side and can
 * be short by the blocks of threads stopped in the middle of a removal. */
static int fill_grow(fill_t *f) {
  lg_blk_t *b = lg_sys_remap(f->b, (f->cap + 1) * sizeof *b, (2 * f->cap + 1) * sizeof *b);
  if (!b) return -1;
  f->b = b;
  f->cap *= 2;
  return 0;
}

static void copy_slot(lg_slot_t *sl, void *arg) {
  fill_t *f = arg;
  if (f->n == f->cap && fill_grow(f) < 0) return;
  lg_blk_t *b = &f->b[f->n++];
  b->addr = lg_slot_addr(sl);
  b->size = sl->size == LG_SIZE_BIG && lg_real_usable_size ? lg_real_usable_size((void *)b->addr) : sl->size;
  b->stack = lg_slot_stack(sl);
  b->mark = LG_UNREACHED;
  b->flags = (sl->key & LG_BLK_IGNORED) || from_loader(b->stack) ? LG_BF_IGNORED : 0;
  b->gen = (uint8_t)((sl->key & LG_BLK_GEN_MASK) >> LG_BLK_GEN_SHIFT);
  b->cat = 0;
  b->cluster = 0;
  b->heur = 0;
}

/* Keeps one entry per address in the sorted copy. An address is in two
 * parts of the table only for a moment (a realloc in place of another
 * thread's block) or after a free the shim never saw: either entry is
 * the block; one is kept. */
static size_t drop_duplicates(lg_blk_t *b, size_t n) {
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    if (k && b[k - 1].addr == b[i].addr) { b[k - 1] = b[i]; continue; }
    b[k++] = b[i];
  }
  return k;
}

static int snapshot(scan_t *s) {
  size_t cap = lg_blocks_count();
  cap += cap / 64 + 1024;
  fill_t f = {lg_sys_map_populated((cap + 1) * sizeof(lg_blk_t)), 0, cap};
  if (!f.b) return -1;
  lg_blocks_each(copy_slot, &f);
  s->heap.blk = f.b;
  s->blk_bytes = (f.cap + 1) * sizeof(lg_blk_t);
  if (lg_heap_sort(f.b, f.n) < 0) return -1;
  s->heap.n = f.n = drop_duplicates(f.b, f.n);
  if (lg_heap_build(&s->heap) < 0) return -1;
  /* A block outside readable memory (a free we never saw) is not read.
   * Blocks and maps are both sorted: one merge walk. */
  size_t m = 0;
  for (size_t i = 0; i < f.n; i++) {
    while (m < s->nmaps && s->maps[m].hi <= f.b[i].addr) m++;
    const map_t *mp = m < s->nmaps && s->maps[m].lo <= f.b[i].addr ? &s->maps[m] : NULL;
    if (!mp || !mp->readable || f.b[i].addr + f.b[i].size > mp->hi) f.b[i].flags |= LG_BF_UNREADABLE;
  }
  return 0;
}

/* ---- phase: heuristics ---------------------------------------------------- */

/* Gives graph.c the readable pieces of a module segment (the heuristic
 * reads vtables there); a piece the maps do not show ends the segment.
 * Out of memory, fewer vtables are recognised. */
static void add_segment(uintptr_t lo, uintptr_t hi, uint32_t flags, void *arg) {
  scan_t *s = arg;
  while (lo < hi) {
    const map_t *m = lg_maps_find(s->maps, s->nmaps, lo);
    if (!m) return;
    uintptr_t end = m->hi < hi ? m->hi : hi;
    if (m->readable) lg_heap_add_segment(&s->heap, lo, end, flags);
    lo = end;
  }
}

/* Tells the marking which heuristics are on (the heuristics option) and,
 * for multipleinheritance, where the modules' segments lie. */
static void prepare_heuristics(scan_t *s) {
  s->heap.heur = lg_collector_options()->heuristics;
  if (s->heap.heur & LG_HEUR_BIT(LG_HEUR_MULTIPLEINHERITANCE)) lg_modules_each_segment(add_segment, s);
}

/* ---- the scan ------------------------------------------------------------- */

/* A fault while reading memory the maps called readable (a mapping that
 * changed under a thread that did not stop) must not kill the program: the
 * scan installs these handlers while it reads, and a fault on the scanning
 * thread abandons the scan. A fault on any other thread is not ours: the
 * program's handler is put back and the instruction runs again under it. */
static sigjmp_buf *fault_jmp;
static pid_t fault_tid;
static struct sigaction old_segv, old_bus;

static void on_fault(int sig, siginfo_t *si, void *uc) {
  (void)si;
  (void)uc;
  if (fault_jmp && lg_gettid() == fault_tid) siglongjmp(*fault_jmp, 1);
  lg_sys_sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

static void guard_faults(sigjmp_buf *jb) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER;
  sigemptyset(&sa.sa_mask);
  fault_tid = lg_gettid();
  fault_jmp = jb;
  lg_sys_sigaction(SIGSEGV, &sa, &old_segv);
  lg_sys_sigaction(SIGBUS, &sa, &old_bus);
}

static void unguard_faults(void) {
  fault_jmp = NULL;
  lg_sys_sigaction(SIGSEGV, &old_segv, NULL);
  lg_sys_sigaction(SIGBUS, &old_bus, NULL);
}

/* The work on the snapshot, from the maps to SCAN_END: in the snapshot
 * child, or in process. Returns the bytes lost, or -1. */
static long scan_work(scan_t *s) {
  volatile long lost = -1;
  uint64_t t[5] = {lg_now_ns()};
  sigjmp_buf jb;
  if (sigsetjmp(jb, 1)) {
    unguard_faults();
    lg_note_locked(LG_NOTE_WARNING, "the scan met unreadable memory and was abandoned");
    lg_log_flush();
    return -1;
  }
  guard_faults(&jb);
  if (lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap) == 0 && snapshot(s) == 0) {
    t[1] = lg_now_ns();
    prepare_heuristics(s);
    lg_rcscan_prepare(s);
    lg_roots_mark(s);
    lg_mark_finish(&s->heap);
    t[2] = lg_now_ns();
    if (lg_graph_analyse(&s->heap, &s->graph) == 0) {
      t[3] = lg_now_ns();
#ifdef LG_DEBUG
      const char *why;
      size_t bad = lg_graph_verify(&s->heap, &s->graph, &why);
      if (bad) {
        char msg[200];
        lg_fmt(msg, sizeof msg, "debug: scan %u broke %zu invariants, first: %s", s->number, bad, why);
        lg_warn("%s", msg);
        lg_note_locked(LG_NOTE_WARNING, msg);
      }
#endif
      lg_rcscan_analyse(s);
      lg_scanlog_clusters(s);
      lg_scanlog_sites_and_chains(s);
      t[4] = lg_now_ns();
      char msg[200];
      lg_fmt(msg, sizeof msg, "scan %u phases (ms): snapshot %llu, mark %llu, analyse %llu, log %llu; %zu blocks",
             s->number, (unsigned long long)(t[1] - t[0]) / 1000000, (unsigned long long)(t[2] - t[1]) / 1000000,
             (unsigned long long)(t[3] - t[2]) / 1000000, (unsigned long long)(t[4] - t[3]) / 1000000, s->heap.n);
      lg_note_locked(LG_NOTE_INFO, msg);
      lg_scanlog_end(s);
      lost = (long)(s->graph.cat_bytes[LG_CAT_DEFINITE] + s->graph.cat_bytes[LG_CAT_INDIRECT]);
    }
  }
  unguard_faults();
  if (lost < 0) lg_note_locked(LG_NOTE_WARNING, "the scan ran out of memory and was abandoned");
  lg_log_flush();
  return lost;
}

/* Leaves the child with no descriptor at all. It shares the process's
 * table (CLONE_FILES) until here, so it never held a reference of its own;
 * close_range's unshare flag then gives it an empty table of its own
 * without copying. A kernel without close_range (before 5.9) copies the
 * table first and closes the copies one by one (/proc/self/fd). */
static void drop_descriptors(void) {
  if (syscall(SYS_close_range, 0u, ~0u, CLOSE_RANGE_UNSHARE) == 0) return;
  if (syscall(SYS_unshare, CLONE_FILES) < 0) syscall(SYS_exit_group, 0); /* never close the parent's */
  int dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return;
  char buf[4096];
  for (long n; (n = syscall(SYS_getdents64, dir, buf, sizeof buf)) > 0;)
    for (long off = 0; off < n;) {
      const char *name = buf + off + 19; /* linux_dirent64: ino, off, reclen, type, name */
      off += *(const unsigned short *)(buf + off + 16);
      int fd = 0;
      if (*name < '0' || *name > '9') continue;
      for (; *name >= '0' && *name <= '9'; name++) fd = fd * 10 + (*name - '0');
      if (fd != dir) close(fd);
    }
  close(dir);
}

/* The snapshot child's first steps: it must not outlive the process (it
 * dies with the thread that cloned it, which waits for it in reap — so
 * only the process's death or an exec fires it; if that thread is already
 * gone, the child ends at once), and it must hold none of the program's
 * descriptors (a killed server's listening port is free at once; no peer
 * sees a socket close late). Its log writes go to the log reopened by
 * path (logwriter.c appends). */
static void child_start(pid_t parent) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if ((pid_t)syscall(SYS_getppid) != parent) syscall(SYS_exit_group, 0);
  drop_descriptors();
}

/* The snapshot child: a copy-on-write image of the whole process taken
 * while the world was stopped, made with a raw clone (no fork handlers, no
 * SIGCHLD for the program: its exit signal is 0, so only a __WCLONE wait
 * sees it). It scans the image, writes the scan to the log (the parent
 * does not write meanwhile: it holds the scan lock and only buffers), hands
 * back what the parent must know, and exits without running anything of
 * the program's. */
static void snapshot_child(scan_t *s, lg_scan_result_t *r, pid_t parent) {
  child_start(parent);
  long lost = scan_work(s);
  const lg_graph_t *g = &s->graph;
  r->lost = lost;
  memcpy(r->bytes, g->cat_bytes, sizeof r->bytes);
  memcpy(r->blocks, g->cat_blocks, sizeof r->blocks);
  r->clusters = (uint32_t)g->nclusters;
  for (size_t c = 0; c < g->nclusters; c++) r->cyclic += g->clusters[c].cyclic;
  r->next_cluster_id = lg_next_cluster_id();
  __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
  syscall(SYS_exit_group, 0);
}

/* Takes the results of a snapshot child that has ended. */
static long reap(pid_t pid, lg_scan_result_t *r) {
  int st;
  while (waitpid(pid, &st, __WCLONE) < 0 && errno == EINTR) {}
  if (!__atomic_load_n(&r->done, __ATOMIC_ACQUIRE)) {
    lg_log_lock();
    lg_note_locked(LG_NOTE_WARNING, "the scan's snapshot process failed; this scan is missing");
    lg_log_flush();
    lg_log_unlock();
    return -1;
  }
  lg_last_totals_set(r->bytes, r->blocks, r->clusters, r->cyclic);
  lg_set_next_cluster_id(r->next_cluster_id);
  return r->lost;
}

long lg_scan_run(int kind, uint32_t number, const lg_self_t *self) {
  scan_t s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.number = number;
  s.min_age = lg_collector_options()->min_age;
  s.self = self;
  s.t_start = lg_now_ns();
  lg_scan_result_t *r = NULL;
  if (lg_history_reserve(lg_blocks_count() + 1024, lg_stacks_count() + 1024) < 0 || !(r = lg_history_result())) {
    lg_warn("cannot map the scan history; skipping the scan");
    return -1;
  }
  memset(r, 0, sizeof *r);
  /* The pause counts from here: from the first lock on, an allocating
   * thread may wait, as a stopped one does. */
  s.t_stopped = lg_now_ns();
  lg_locks_take(1);
  lg_world_stop(&s.world, 1000000000ull, lg_scanner_tid());
  lg_log_begin(LG_REC_SCAN_BEGIN, 16);
  lg_log_u32(number);
  lg_log_u32((uint32_t)kind);
  lg_log_u64(s.t_start - lg_start_ns());
  lg_log_end();
  lg_log_flush();
  lg_blocks_flip_epoch();
  /* An exit scan runs in process: the program is ending, nothing to save. */
  pid_t parent = getpid();
  pid_t pid = kind == LG_SCAN_EXIT ? -1 : (pid_t)syscall(SYS_clone, (unsigned long)CLONE_FILES, NULL, NULL, NULL, 0ul);
  if (pid == 0) snapshot_child(&s, r, parent);
  long lost = pid > 0 ? 0 : scan_work(&s);
  s.t_resumed = lg_now_ns();
  __atomic_store_n(&r->t_resumed, s.t_resumed, __ATOMIC_RELEASE);
  lg_world_start(&s.world);
  if (pid < 0) {
    lg_graph_free(&s.graph);
    lg_heap_free(&s.heap);
    if (s.heap.blk) lg_sys_unmap(s.heap.blk, s.blk_bytes);
    if (s.maps) lg_sys_unmap(s.maps, s.maps_cap);
  }
  lg_locks_release();
  if (pid > 0) lost = reap(pid, r);
  lg_blocks_age();
  return lost;
}
