/* collector/scan.c — one leak scan, as a sequence of small named phases
 * (LeakSanitizer's shape):
 *
 *   lock       modules refreshed, then every shim lock taken (collector.h)
 *   stop       the other threads stopped by signal (world.c)
 *   clone      a copy-on-write snapshot child (not at exit), which dies
 *              with the thread that cloned it and drops every descriptor
 *              of the process; the parent resumes the threads, releases
 *              the locks and waits for it (clone.c)
 *   maps       /proc/self/maps, each mapping classified (maps.c)
 *   snapshot   the block table copied, sorted and indexed; the enabled
 *              C++ heuristics, and the module segments that
 *              multipleinheritance needs to tell vtable pointers
 *              (snapshot.c)
 *   remember   with the world stopped, before the clone: the pages
 *              written since the previous scan collected and protected
 *              again (rset.c; when young scans are on)
 *   refcount   the refcounted objects placed in their blocks (rcscan.c)
 *   mark       module data and bss, registered regions, the threads'
 *              registers, stacks and TLS, the program's own mappings,
 *              ignored blocks (roots.c, whose header says what is a
 *              root), then the flood fill from them (mark.c); a young
 *              scan marks from the remembered set too, and sweeps the
 *              clean pages when young blocks stay unreached (young.c)
 *   analyse    categories, cycles and clusters of what stayed unmarked
 *              (analyse.c, graph.c)
 *   refcount   CPython's algorithm over the refcounted objects (rcscan.c)
 *   log        clusters, sites, chains and SCAN_END (scanlog.c), flushed
 *   age        the blocks of the snapshot age by one scan (blocks.h), in
 *              the parent, after the world runs again
 *
 * A young scan (young.h) has no refcount phase: CPython's algorithm needs
 * every object's block.
 *
 * This file is only the pipeline: it calls the phases in order and owns no
 * state of theirs. lg_scan_t (scan.h) carries one scan's state from phase
 * to phase; what outlives a scan is scanstate.h's.
 *
 * From `maps` on, the work runs in the snapshot child while the program
 * runs on, or — for the exit scan, or when the clone fails — in process with
 * the world stopped. Memory comes from mmap (lg_sys_map), never from
 * malloc, which a stopped thread may hold. */
#include <setjmp.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyse.h"
#include "blocks.h"
#include "born.h"
#include "clone.h"
#include "concmark.h"
#include "format.h"
#include "graph.h"
#include "history.h"
#include "logwriter.h"
#include "mark.h"
#include "rcscan.h"
#include "rset.h"
#include "scan.h"
#include "scanlog.h"
#include "scanstate.h"
#include "snapshot.h"
#include "stacks.h"
#include "sys.h"
#include "world.h"
#include "young.h"

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

static void scan_free(lg_scan_t *s);

/* Says how long each phase took (t: the phases' start times, then the
 * end). */
static void note_phases(const lg_scan_t *s, const uint64_t *t) {
  char msg[200];
  lg_fmt(msg, sizeof msg, "scan %u phases (ms): snapshot %llu, mark %llu, analyse %llu, log %llu; %zu blocks",
         s->number, (unsigned long long)(t[1] - t[0]) / 1000000, (unsigned long long)(t[2] - t[1]) / 1000000,
         (unsigned long long)(t[3] - t[2]) / 1000000, (unsigned long long)(t[4] - t[3]) / 1000000, s->heap.n);
  lg_note_locked(LG_NOTE_INFO, msg);
}

/* Says the most memory the scan's own mappings took at once so far
 * (lg_sys_count_peak: what it mapped since lg_scan_run began, in this
 * thread or its snapshot child), beside the bytes of the blocks it judged. */
static void note_memory(const lg_scan_t *s) {
  uint64_t heap = 0, peak = lg_sys_count_peak();
  for (int c = 1; c <= LG_NCATS; c++) heap += s->graph.cat_bytes[c];
  uint64_t tenths = heap ? peak * 1000 / heap : 0;
  char msg[200];
  lg_fmt(msg, sizeof msg, "scan %u memory (KiB): peak %llu in the scan's own mappings, blocks %llu (%llu.%llu%%)",
         s->number, (unsigned long long)(peak >> 10), (unsigned long long)(heap >> 10),
         (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
  lg_note_locked(LG_NOTE_INFO, msg);
}

/* A young scan's marking after the roots: the remembered set, then the
 * sweep of the clean pages if young blocks stayed unreached. When the
 * remembered set cannot be read, every young block counts as reached:
 * the scan judges nothing rather than guess. */
static void mark_young(lg_scan_t *s) {
  lg_young_mark_remembered(s);
  if (!s->young_fallback) s->swept_words = lg_young_sweep(s);
  if (!s->young_fallback) return;
  for (size_t i = 0; i < s->heap.n; i++) lg_mark_block(&s->heap, i);
  lg_mark_finish(&s->heap);
}

/* The CPU time the calling thread has used, in ns: the scan's work on a
 * machine shared with other programs, where its wall time is not. */
static uint64_t thread_cpu_ns(void) {
  struct timespec t;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t) < 0) return 0;
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Says what a young scan read, and the CPU time its work took since
 * cpu0 (from the maps to here). */
static void note_young(const lg_scan_t *s, uint64_t cpu0) {
  char msg[240];
  lg_fmt(msg, sizeof msg, "scan %u was young: %zu young blocks (%s), %llu KiB of the remembered set read, %llu KiB swept; "
         "written pages collected in %llu us; %llu us of CPU time",
         s->number, s->heap.n, lg_born_why_text(s->young_from_lists ? LG_BORN_WHOLE : s->young_why),
         (unsigned long long)(s->young_words * 8 / 1024), (unsigned long long)(s->swept_words * 8 / 1024),
         (unsigned long long)(s->t_collect / 1000), (unsigned long long)((thread_cpu_ns() - cpu0) / 1000));
  lg_note_locked(LG_NOTE_INFO, msg);
}

/* What follows the mark (t[0..2] set: the phases' start times): the
 * analysis, the refcount phase, the log. Returns the bytes lost, or -1. */
static long judge(lg_scan_t *s, uint64_t *t, uint64_t cpu0) {
  if (lg_analyse_run(s) < 0) return -1;
  t[3] = lg_now_ns();
  if (!s->young) lg_rcscan_analyse(s);
  lg_scanlog_clusters(s);
  lg_scanlog_sites_and_chains(s);
  t[4] = lg_now_ns();
  note_phases(s, t);
  note_memory(s);
  if (s->young) note_young(s, cpu0);
  lg_scanlog_end(s);
  return (long)(s->graph.cat_bytes[LG_CAT_DEFINITE] + s->graph.cat_bytes[LG_CAT_INDIRECT]);
}

/* A concurrent scan's end, with the world running (concmark.h): the
 * sweep, then the analysis and the log under the log lock and the fault
 * guard (the program may free and unmap what the analysis reads). */
static long judge_concurrent(lg_scan_t *s, uint64_t t_begin, uint64_t t_mark, uint64_t cpu_begin) {
  volatile long lost = -1;
  uint64_t t[5] = {t_begin, t_mark, lg_now_ns()};
  lg_concmark_sweep(s);
  sigjmp_buf jb;
  lg_log_lock();
  if (sigsetjmp(jb, 1)) {
    lg_concmark_unguard();
    lg_note_locked(LG_NOTE_WARNING, "the scan met unreadable memory and was abandoned");
  } else {
    lg_concmark_guard(&jb);
    /* A young scan's sweep of the clean pages (young.h), with the world
     * running: a page clean at the collection and not written since holds
     * what it held at the previous scan; one written since is read at
     * the finish, or read here for nothing but a mark more. */
    if (s->young) s->swept_words = lg_young_sweep(s);
    if (s->young && s->young_fallback)
      for (size_t i = 0; i < s->heap.n; i++) s->heap.blk[i].mark = LG_REACHABLE; /* judge nothing (mark_young) */
    lg_scanlog_sites_prepare(s); /* sites and chains first: their memory goes back before the analysis */
    lost = judge(s, t, s->young ? cpu_begin : thread_cpu_ns());
    lg_concmark_unguard();
    if (lost < 0) lg_note_locked(LG_NOTE_WARNING, "the scan ran out of memory and was abandoned");
  }
  lg_log_flush();
  lg_log_unlock();
  scan_free(s);
  return lost;
}

/* The work on the snapshot, from the maps to SCAN_END: in the snapshot
 * child, or in process. Returns the bytes lost, or -1. */
static long scan_work(lg_scan_t *s) {
  volatile long lost = -1;
  uint64_t t[5] = {lg_now_ns()}, cpu0 = thread_cpu_ns();
  sigjmp_buf jb;
  if (sigsetjmp(jb, 1)) {
    unguard_faults();
    lg_note_locked(LG_NOTE_WARNING, "the scan met unreadable memory and was abandoned");
    lg_log_flush();
    return -1;
  }
  guard_faults(&jb);
  if (lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap) == 0 && lg_snapshot_take(s) == 0) {
    lg_clone_release_tables(); /* in the snapshot child: fewer copy faults for the program */
    t[1] = lg_now_ns();
    lg_snapshot_heuristics(s);
    if (!s->young) lg_rcscan_prepare(s);
    lg_mark_run(s);
    if (s->young) mark_young(s);
    lg_scanlog_sites_prepare(s); /* sites and chains: the parents go back before the analysis */
    t[2] = lg_now_ns();
    lost = judge(s, t, cpu0);
  }
  unguard_faults();
  if (lost < 0) lg_note_locked(LG_NOTE_WARNING, "the scan ran out of memory and was abandoned");
  lg_log_flush();
  return lost;
}

/* Frees what an in-process scan mapped. */
static void scan_free(lg_scan_t *s) {
  lg_graph_free(&s->graph);
  lg_heap_free(&s->heap);
  if (s->heap.blk) lg_sys_unmap(s->heap.blk, s->blk_bytes);
  if (s->maps) lg_sys_unmap(s->maps, s->maps_cap);
  if (s->old_sites) lg_sys_unmap(s->old_sites, s->old_sites_bytes);
  if (s->prev_live) lg_sys_unmap(s->prev_live, s->prev_live_bytes);
  if (s->carried) lg_sys_unmap(s->carried, s->carried_bytes);
}

/* Decides whether a scan of `kind` is young: a periodic scan that is not
 * every full_every-th, with written-page tracking working (opened at the
 * first periodic scan: a process without periodic scans never tracks). */
static int wants_young(int kind, const lg_options_t *opts) {
  if (opts->full_every <= 1 || kind != LG_SCAN_PERIODIC) return 0;
  int full = lg_scanstate_next_periodic() % (uint32_t)opts->full_every == 0;
  if (lg_rset_open() < 0 || !lg_rset_ready()) return 0;
  return !full;
}

/* The pause's steps, for its NOTE: the times at which each began, then
 * the end of the last (indexes below). */
enum { P_LOCK, P_STOP, P_BEGIN, P_REMEMBER, P_CLONE, P_UNLOCK, P_RESUME, P_END };

/* Says how long each step of the pause took (t: their start times, then
 * the end), in the log, after the scan: the parent buffers nothing while
 * its snapshot child writes. */
static void note_pause(const lg_scan_t *s, const uint64_t *t, uint64_t clone_cpu) {
  static const char *name[P_END] = {"lock", "stop", "begin", "remember", "clone", "unlock", "resume"};
  char msg[300];
  size_t n = lg_fmt(msg, sizeof msg, "scan %u pause (us):", s->number);
  for (int k = 0; k < P_END; k++)
    n += lg_fmt(msg + n, sizeof msg - n, "%s %s %llu", k ? "," : "", name[k],
                (unsigned long long)((t[k + 1] - t[k]) / 1000));
  lg_fmt(msg + n, sizeof msg - n, "; the clone's CPU time %llu; %u threads stopped",
         (unsigned long long)(clone_cpu / 1000), s->world.n);
  lg_log_lock();
  lg_note_locked(LG_NOTE_INFO, msg);
  lg_log_flush();
  lg_log_unlock();
}

long lg_scan_run(int kind, uint32_t number, const lg_self_t *self, const lg_options_t *opts, pid_t traced) {
  lg_scan_t s;
  memset(&s, 0, sizeof s);
  s.kind = kind;
  s.number = number;
  s.min_age = opts->min_age;
  s.self = self;
  s.opts = opts;
  s.traced = traced;
  s.young = wants_young(kind, opts);
  s.t_start = lg_now_ns();
  lg_scan_result_t *r = NULL;
  if (lg_history_reserve(lg_blocks_count() + 1024, lg_stacks_count() + 1024) < 0 || !(r = lg_history_result()) ||
      lg_born_reserve(lg_stacks_count() + 1024) < 0) {
    lg_warn("cannot map the scan history; skipping the scan");
    return -1;
  }
  memset(r, 0, sizeof *r);
  lg_sys_count_begin(); /* the scan's own memory, for its NOTE (the history above is kept between scans) */
  uint64_t t_begin = lg_now_ns(), cpu_begin = thread_cpu_ns();
  int conc = lg_concmark_wanted(&s) && lg_concmark_begin(&s) == 0;
  /* A concurrent scan collected the remembered set at its start: one that
   * falls back to the clone is a full scan (a young one would take the
   * pages written before that collection for clean). */
  if (!conc && s.collected_early) s.young = 0;
  uint64_t t_mark = lg_now_ns();
  /* The pause counts from here: from the first lock on, an allocating
   * thread may wait, as a stopped one does. */
  uint64_t tp[P_END + 1];
  s.t_stopped = tp[P_LOCK] = lg_now_ns();
  lg_locks_take(1);
  tp[P_STOP] = lg_now_ns();
  lg_world_stop(&s.world, 1000000000ull, lg_scanner_tid());
  tp[P_BEGIN] = lg_now_ns();
  lg_log_begin(LG_REC_SCAN_BEGIN, 16);
  lg_log_u32(number);
  lg_log_u32((uint32_t)kind);
  lg_log_u64(s.t_start - lg_start_ns());
  lg_log_end();
  lg_log_flush();
  tp[P_REMEMBER] = lg_now_ns();
  /* A concurrent scan's finish; over its budget, the clone (of a full
   * scan) at this stop. */
  if (conc && lg_concmark_finish(&s) < 0) {
    lg_concmark_abandon(&s, 1);
    conc = 0;
    s.young = 0;
  }
  /* The remembered set, unless a concurrent scan collected it at its
   * start (the pages written since stay written for the next one). */
  if (!conc && kind != LG_SCAN_EXIT && lg_rset_ready()) {
    lg_rset_collect();
    s.t_collect = lg_now_ns() - tp[P_REMEMBER];
  }
  if (!conc) lg_blocks_flip_epoch();
  tp[P_CLONE] = lg_now_ns();
  uint64_t cpu0 = thread_cpu_ns();
  /* An exit scan runs in process: the program is ending, nothing to save. */
  pid_t pid = kind == LG_SCAN_EXIT || conc ? -1 : lg_clone_start(&s, r, scan_work);
  uint64_t clone_cpu = thread_cpu_ns() - cpu0;
  long lost = pid > 0 || conc ? 0 : scan_work(&s);
  /* The locks go before the threads run again: a thread that allocates
   * first thing must not wait for them. */
  tp[P_UNLOCK] = lg_now_ns();
  if (pid < 0 && !conc) scan_free(&s);
  lg_locks_release();
  s.t_resumed = tp[P_RESUME] = lg_now_ns();
  __atomic_store_n(&r->t_resumed, s.t_resumed, __ATOMIC_RELEASE);
  lg_world_start(&s.world);
  tp[P_END] = lg_now_ns();
  if (pid > 0) lost = lg_clone_reap(pid, r);
  if (conc) lost = judge_concurrent(&s, t_begin, t_mark, cpu_begin);
  lg_sys_count_end();
  if (lost == LG_CLONE_LOST_ABANDONED) return -1; /* as if it never ran: no note, nothing ages */
  if (kind != LG_SCAN_EXIT) note_pause(&s, tp, clone_cpu);
  lg_blocks_age();
  return lost;
}
