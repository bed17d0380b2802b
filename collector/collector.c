/* collector/collector.c — the collector's life cycle and glue (see
 * collector.h): init and the HEADER record, allocation events into the block
 * table, scans (serialised here, run by scan.c's pipeline), fork and the
 * END record. The state the scan's phases share is scanstate.c's and the
 * annotations are annot.c's: no phase calls back into this file. */
#include "collector.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/ucontext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "arena.h"
#include "blocks.h"
#include "born.h"
#include "clone.h"
#include "concmark.h"
#include "annot.h"
#include "format.h"
#include "history.h"
#include "lock.h"
#include "logwriter.h"
#include "modules.h"
#include "refcount.h"
#include "rset.h"
#include "scan.h"
#include "scanstate.h"
#include "stacks.h"
#include "suppfile.h"
#include "sys.h"
#include "tdesc.h"
#include "trigger.h"
#include "world.h"

size_t (*lg_real_usable_size)(void *);

int lg_collector_on;  /* tracing */
int lg_collector_hot; /* tracing without born lists: hot.h's fast path may run */
static lg_options_t opts;
static char log_path[LG_PATH_MAX];
static char exe_path[LG_PATH_MAX];
static pid_t traced_pid;
static uint32_t scans;
static lg_lock_t scan_lock = LG_LOCK_INIT; /* one scan at a time, outermost */
static __thread int holds_scan_lock;       /* this thread holds it (a signal handler may ask) */
static int closed;                         /* END written: no more scans */
static int final_done;                     /* the exit scan ran: it was the last */
/* The test knob LEAKGRAPH_TEST_EXIT_WAITS_SCANNER (read at init): the exit,
 * once it abandoned the periodic scan in flight, waits (at most 10 s)
 * until a scan of another kind (the scanner thread's next one, in the
 * test) came and either gave up or took the scan lock, so that a test
 * sees deterministically what such a scan does then. */
static int exit_waits_scanner;

/* The scan lock, with a note of which thread holds it. */
static void scan_lock_take(void) {
  lg_lock(&scan_lock);
  holds_scan_lock = 1;
}

static void scan_lock_drop(void) {
  holds_scan_lock = 0;
  lg_unlock(&scan_lock);
}

int lg_collector_tracing(void) { return lg_collector_on; }
const lg_options_t *lg_collector_options(void) { return &opts; }
const char *lg_collector_log_path(void) { return log_path; }
pid_t lg_traced_pid(void) { return traced_pid; }

/* ---- init and the header ---------------------------------------------- */

static const char *base_name(const char *p) {
  const char *s = strrchr(p, '/');
  return s ? s + 1 : p;
}

/* Writes the HEADER record: ids, executable, argv, options. */
static void log_header(const char *parent_log) {
  size_t len = 0, cap = 0;
  char *cmd = lg_sys_read_file("/proc/self/cmdline", &len, &cap);
  uint32_t argc = 0, argv_bytes = 0;
  for (size_t i = 0; cmd && i < len;) {
    size_t l = strnlen(cmd + i, len - i);
    argc++;
    argv_bytes += 4 + (uint32_t)l;
    i += l + 1;
  }
  const char *o = opts.text ? opts.text : "";
  uint32_t le = (uint32_t)strlen(exe_path), lo = (uint32_t)strlen(o), lp = (uint32_t)strlen(parent_log);
  lg_log_lock();
  lg_log_begin(LG_REC_HEADER, 4 * 4 + 8 + lg_log_str_size(le) + 4 + argv_bytes + lg_log_str_size(lo) + lg_log_str_size(lp));
  lg_log_u32(LG_FORMAT_VERSION);
  lg_log_u32((uint32_t)getpid());
  lg_log_u32((uint32_t)getppid());
  lg_log_u32((uint32_t)sizeof(void *));
  lg_log_u64(lg_realtime_ns());
  lg_log_str(exe_path, le);
  lg_log_u32(argc);
  for (size_t i = 0; cmd && i < len;) {
    size_t l = strnlen(cmd + i, len - i);
    lg_log_str(cmd + i, (uint32_t)l);
    i += l + 1;
  }
  lg_log_str(o, lo);
  lg_log_str(parent_log, lp);
  lg_log_end();
  lg_log_unlock();
  if (cmd) lg_sys_unmap(cmd, cap);
}

/* Appends the log's path to the wrapper's manifest, one line per log. */
static void write_manifest(void) {
  if (!opts.manifest[0]) return;
  int fd = open(opts.manifest, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  char line[LG_PATH_MAX + 2];
  size_t n = lg_fmt(line, sizeof line, "%s\n", log_path);
  lg_sys_write_all(fd, line, n);
  close(fd);
}

/* Copies the `suppressions` file into the log (SUPPRESSIONS source 3: its
 * text, then its absolute path), read here once per log with a size cap;
 * a file that cannot be read is said once, on stderr and in a NOTE. */
static void log_suppressions_file(void) {
  if (!opts.suppressions[0]) return;
  char path[LG_PATH_MAX];
  if (opts.suppressions[0] == '/' || !getcwd(path, sizeof path))
    lg_fmt(path, sizeof path, "%s", opts.suppressions);
  else {
    size_t l = strlen(path);
    lg_fmt(path + l, sizeof path - l, "/%s", opts.suppressions);
  }
  size_t len = 0, cap = 0;
  const char *why = "";
  char *text = lg_suppfile_read(path, &len, &cap, &why);
  uint32_t n = (uint32_t)strlen(path);
  lg_log_lock();
  if (!text) {
    char note[LG_PATH_MAX + 128];
    lg_fmt(note, sizeof note, "suppressions file %s: %s; its suppressions are not applied", path, why);
    lg_warn("%s", note);
    lg_note_locked(LG_NOTE_WARNING, note);
  } else {
    lg_log_begin(LG_REC_SUPPRESSIONS, 4 + lg_log_str_size((uint32_t)len) + lg_log_str_size(n));
    lg_log_u32(LG_SUPP_FILE_TEXT);
    lg_log_str(text, (uint32_t)len);
    lg_log_str(path, n);
    lg_log_end();
  }
  lg_log_unlock();
  if (text) lg_sys_unmap(text, cap);
}

/* Opens this process's log and writes what every log starts with. */
static int start_log(const char *parent_log) {
  if (lg_log_open(opts.log, base_name(exe_path), log_path, sizeof log_path) < 0) return -1;
  traced_pid = getpid();
  lg_scanstate_started(lg_now_ns());
  scans = 0;
  log_header(parent_log);
  write_manifest();
  lg_modules_lock();
  lg_modules_relog();
  lg_modules_refresh();
  lg_modules_unlock();
  log_suppressions_file();
  lg_log_lock();
  lg_log_flush();
  lg_log_unlock();
  return 0;
}

/* Why periodic scans cannot be young in this process, or NULL when they
 * can: a periodic trigger is on (interval, scan_blocks or scan_bytes),
 * full_every is above 1 and the kernel can track written pages. */
static const char *young_impossible(void) {
  if (opts.full_every <= 1) return "full_every is 1";
  if (!(opts.interval > 0) && !opts.scan_blocks && !(opts.scan_bytes > 0))
    return "no periodic trigger (interval, scan_blocks, scan_bytes)";
  if (!lg_rset_available()) return "the kernel cannot track written pages (userfaultfd write protection)";
  return NULL;
}

/* Keeps the born lists when young scans can happen and the born_lists
 * option asks for them, and only then (they cost every malloc and free,
 * and memory for every change between scans), and says which in a NOTE. */
static void young_decide(void) {
  const char *why = young_impossible();
  char msg[200];
  if (!why) {
    if (opts.born_lists) lg_born_enable();
    lg_rset_keep_chunks();
    lg_fmt(msg, sizeof msg, "young scans on: 1 periodic scan in %d is full, the others young; %s",
           opts.full_every, opts.born_lists ? "born lists kept" : "no born lists (their snapshots walk the table)");
  } else {
    lg_fmt(msg, sizeof msg, "young scans off: %s; every scan is full, no born lists", why);
  }
  lg_log_lock();
  lg_note_locked(LG_NOTE_INFO, msg);
  lg_log_flush();
  lg_log_unlock();
}

int lg_collector_init(const lg_options_t *o) {
  opts = *o;
  ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
  exe_path[n > 0 ? n : 0] = 0;
  lg_tdesc_init(); /* glibc's thread layout, for the scans */
  lg_clone_test_init();
  exit_waits_scanner = getenv("LEAKGRAPH_TEST_EXIT_WAITS_SCANNER") != NULL;
  lg_concmark_test_init();
  if (lg_blocks_init() < 0) {
    lg_warn("cannot map the block table; not tracing");
    return -1;
  }
  if (start_log("") < 0) return -1;
  young_decide();
  if (lg_world_install() < 0) lg_warn("cannot install the stop signal handler; threads will not be stopped");
  lg_collector_on = 1;
  lg_collector_hot = !lg_born_on; /* lg_born_on is set once, above */
  return 0;
}

void lg_collector_start(void) {
  if (lg_collector_on) lg_trigger_start(&opts, 1);
}

/* ---- allocation events ---------------------------------------------------- */

/* Stops tracing after the shim's own memory failed; says so once. */
static void give_up(const char *why) {
  __atomic_store_n(&lg_collector_hot, 0, __ATOMIC_RELEASE);
  if (!__atomic_exchange_n(&lg_collector_on, 0, __ATOMIC_ACQ_REL)) return;
  lg_warn("%s; tracing stops here, the program runs on", why);
  lg_log_lock();
  lg_note_locked(LG_NOTE_WARNING, why);
  lg_log_begin(LG_REC_END, 8);
  lg_log_u32(LG_END_STOPPED);
  lg_log_u32(0);
  lg_log_end();
  lg_log_flush();
  lg_log_unlock();
}

void lg_collector_alloc_id(void *p, size_t size, uint32_t stack, unsigned flags) {
  if (LG_UNLIKELY(!lg_collector_on) || ((uintptr_t)p & LG_BLK_FLAGS)) return;
  if (LG_UNLIKELY(lg_blocks_insert((uintptr_t)p, size, stack, flags) < 0)) give_up("out of memory for the block table");
  if (size >= LG_BLOCKS_LARGE) lg_rset_note_chunk((uintptr_t)p);
  lg_trigger_count(size);
}

void lg_collector_alloc(void *p, size_t size, const uintptr_t *frames, uint32_t n, unsigned flags) {
  lg_collector_alloc_id(p, size, lg_collector_intern_stack(frames, n), flags);
}

void lg_collector_free(void *p) {
  if (lg_collector_on) lg_blocks_remove((uintptr_t)p);
}

uint32_t lg_collector_intern_stack(const uintptr_t *frames, uint32_t n) {
  if (!lg_collector_on) return 0;
  int is_new = 0;
  uint32_t id = lg_stacks_intern(frames, n, &is_new);
  if (LG_UNLIKELY(is_new)) {
    lg_modules_lock();
    if (!lg_modules_cover(frames, n)) lg_modules_refresh();
    lg_modules_unlock();
  }
  return id;
}

void lg_collector_realloc_begin(void *old, lg_realloc_state_t *st) {
  lg_slot_t sl;
  st->old = (uintptr_t)old;
  st->known = lg_collector_on && old && lg_blocks_lookup((uintptr_t)old, &sl);
  if (st->known) { st->size = sl.size; st->stack = sl.stack; }
}

void lg_collector_replace(void *p, size_t size, uint32_t stack, unsigned flags) {
  if (LG_UNLIKELY(!lg_collector_on) || ((uintptr_t)p & LG_BLK_FLAGS)) return;
  if (LG_UNLIKELY(lg_blocks_replace((uintptr_t)p, size, stack, flags) < 0)) give_up("out of memory for the block table");
  if (size >= LG_BLOCKS_LARGE) lg_rset_note_chunk((uintptr_t)p);
  lg_trigger_count(size);
}

/* The old block is forgotten after the new one is recorded, so that its
 * contents are always in a block the table knows. */
void lg_collector_realloc_end(lg_realloc_state_t *st, void *p, size_t size, uint32_t stack, unsigned flags) {
  if (!lg_collector_on) return;
  if (p && (uintptr_t)p == st->old) { lg_collector_replace(p, size, stack, flags); return; }
  if (p) lg_collector_alloc_id(p, size, stack, flags);
  if (st->known) lg_blocks_remove_if(st->old, st->size, st->stack);
}

void lg_collector_thread_end(void) {
  if (lg_collector_on) lg_blocks_thread_end();
}

/* ---- scans ---------------------------------------------------------------- */

/* Scans run on a stack of the shim's own (a tagged mapping, with a guard
 * page): the scan's frames and state hold block addresses, and a thread
 * may scan from a stack that is program memory read whole (a coroutine's
 * stack in a heap block or a mapping of the program's). */
#define SCAN_STACK (1u << 20)
static char *scan_stack;

typedef struct scan_call { int kind; uint32_t number; const lg_self_t *self; long lost; } scan_call_t;

static void run_scan(void *arg) {
  scan_call_t *c = arg;
  c->lost = lg_scan_run(c->kind, c->number, c->self, &opts, traced_pid);
}

/* Maps the scan stack once; scan lock held. NULL when out of memory. */
static char *scan_stack_top(void) {
  if (!scan_stack && (scan_stack = lg_sys_map(SCAN_STACK))) {
    char *guard = (char *)(((uintptr_t)scan_stack + 4095) & ~(uintptr_t)4095);
    mprotect(guard, 4096, PROT_NONE); /* an overflow faults instead of writing below */
  }
  return scan_stack ? scan_stack + SCAN_STACK : NULL;
}

static uint32_t scanner_returns; /* scans but the exit's given up or begun */

/* Counts a scan of `kind` that gave up or took the scan lock (the test
 * knob's event; the exit scan's is not counted). */
static void scanner_returned(int kind) {
  if (kind != LG_SCAN_EXIT) __atomic_add_fetch(&scanner_returns, 1, __ATOMIC_ACQ_REL);
}

/* The exit's wait of the test knob (nothing when it is off). */
static void exit_wait_for_scanner(void) {
  uint32_t seen = __atomic_load_n(&scanner_returns, __ATOMIC_ACQUIRE);
  for (int i = 0; exit_waits_scanner && i < 10000 && __atomic_load_n(&scanner_returns, __ATOMIC_ACQUIRE) == seen; i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

/* Is a scan of `kind` superseded by the exit scan? Once the exit began
 * (it abandoned the periodic scan in flight), no other scan starts: the
 * exit scan is the last. */
static int superseded(int kind) { return kind != LG_SCAN_EXIT && lg_clone_exit_pending(); }

long lg_collector_scan(int kind, const lg_self_t *self) {
  if (!lg_collector_on) return -1;
  /* The exit scan supersedes a periodic scan in flight: it is abandoned,
   * not waited for (clone.h). */
  if (kind == LG_SCAN_EXIT) {
    lg_clone_abandon();
    exit_wait_for_scanner();
  } else if (superseded(kind)) {
    scanner_returned(kind);
    return -1;
  }
  scan_lock_take();
  scanner_returned(kind);
  scan_call_t c = {kind, 0, self, -1};
  /* A periodic or signalled scan that waited for the exit scan (the
   * scanner thread, before the END stops it) does not run either. */
  if (lg_collector_on && !closed && !final_done && !superseded(kind)) {
    c.number = ++scans;
    lg_trigger_scan_begins();
    char *top = scan_stack_top();
    if (top) lg_sys_on_stack(run_scan, &c, top);
    else run_scan(&c);
  }
  if (kind == LG_SCAN_EXIT) final_done = 1;
  scan_lock_drop();
  if (kind == LG_SCAN_PERIODIC) lg_clone_reap_pending(); /* its child, after the lock */
  return c.lost;
}

int lg_collector_stopped(int (*fn)(const uintptr_t *ips, size_t n, void *arg), void *arg) {
  static uintptr_t ips[LG_MAX_THREADS]; /* under the scan lock */
  static lg_world_t w;
  if (!lg_collector_on) return -1;
  scan_lock_take();
  lg_locks_take(0);
  memset(&w, 0, sizeof w);
  lg_world_stop(&w, 1000000000ull, lg_scanner_tid());
  size_t n = 0;
  for (uint32_t i = 0; i < w.n; i++)
    if (w.threads[i].state == LG_TS_STOPPED) ips[n++] = w.threads[i].regs[REG_RIP];
  int r = w.no_answer ? -1 : fn(ips, n, arg);
  lg_world_start(&w);
  lg_locks_release();
  scan_lock_drop();
  return r;
}

void lg_collector_note(uint32_t code, const char *text) {
  if (!lg_collector_on) return;
  lg_log_lock();
  lg_note_locked(code, text);
  lg_log_flush();
  lg_log_unlock();
}

/* ---- annotations ------------------------------------------------------------ */

void lg_collector_suppressions_text(const char *text) {
  if (!lg_collector_on || !text || !*text) return;
  uint32_t n = (uint32_t)strnlen(text, 1u << 20);
  lg_log_lock();
  lg_log_begin(LG_REC_SUPPRESSIONS, 4 + lg_log_str_size(n));
  lg_log_u32(LG_SUPP_INLINE);
  lg_log_str(text, n);
  lg_log_end();
  lg_log_flush();
  lg_log_unlock();
}

void lg_collector_foreign_uffd(void) {
  int young = lg_rset_ready(), conc = opts.concurrent && lg_concmark_open();
  if (!lg_collector_on || (!young && !conc)) return;
  if (holds_scan_lock) { /* a handler of the scanning thread: its scan finds the descriptor gone */
    lg_rset_close();
    lg_concmark_close();
    return;
  }
  /* A concurrent scan in flight has the program's memory registered: its
   * end (the scan lock) unregisters it. */
  scan_lock_take();
  lg_rset_close();
  lg_concmark_close();
  scan_lock_drop();
  if (young)
    lg_collector_note(LG_NOTE_INFO, "the program registers memory with a userfaultfd of its own: "
                      "written-page tracking ends, young scans are full scans from now on");
  else
    lg_collector_note(LG_NOTE_INFO, "the program registers memory with a userfaultfd of its own: "
                      "concurrent marking ends, scans take the snapshot from now on");
}

void lg_collector_modules_changed(void) {
  if (!lg_collector_on) return;
  lg_modules_lock();
  lg_modules_refresh();
  lg_modules_unlock();
}

/* ---- fork and end ------------------------------------------------------------ */

void lg_collector_fork_prepare(void) {
  scan_lock_take();
  lg_locks_take(0);
}

void lg_collector_fork_parent(void) {
  lg_locks_release();
  scan_lock_drop();
}

void lg_collector_fork_child(void) {
  lg_blocks_reset_locks();
  lg_roots_reset_lock();
  lg_log_reset_lock();
  lg_arena_reset_lock();
  lg_rc_reset_locks();
  lg_stacks_reset_lock();
  lg_modules_reset_lock();
  lg_lock_reset(&scan_lock);
  holds_scan_lock = 0;
  lg_rset_fork_child(); /* the parent's written-page tracking is not the child's */
  lg_clone_fork_child();
  final_done = 0;
  if (!lg_collector_on) return;
  char parent[LG_PATH_MAX];
  lg_fmt(parent, sizeof parent, "%s", log_path);
  lg_log_forget();
  lg_history_forget();
  if (!opts.follow_children || start_log(parent) < 0) { lg_collector_on = lg_collector_hot = 0; return; }
  lg_trigger_start(&opts, 0); /* the parent's scanner thread is not in the child */
}

void lg_collector_stop_triggers(void) {
  if (lg_collector_on) lg_trigger_stop();
}

void lg_collector_end(int how, int status) {
  if (!lg_collector_on) return;
  lg_trigger_stop();
  scan_lock_take();
  closed = how != LG_END_EXEC; /* a failed exec goes on tracing */
  scan_lock_drop();
  char stats[300];
  lg_fmt(stats, sizeof stats, "shim memory: %zu KiB block table for %zu live blocks, %zu KiB arena for %u stacks, "
         "%zu KiB refcount table for %zu live objects",
         lg_blocks_table_bytes() >> 10, lg_blocks_count(), lg_arena_bytes() >> 10, lg_stacks_count(),
         lg_rc_table_bytes() >> 10, lg_rc_count());
  lg_rc_stats_t rc[LG_RC_NFAMILIES + 1];
  lg_rc_stats(rc);
  lg_log_lock();
  lg_note_locked(LG_NOTE_INFO, stats);
  for (int f = 1; f <= LG_RC_NFAMILIES; f++)
    if (lg_rc_stats_text(stats, sizeof stats, f, &rc[f])) lg_note_locked(LG_NOTE_INFO, stats);
  lg_log_begin(LG_REC_END, 8);
  lg_log_u32((uint32_t)how);
  lg_log_u32((uint32_t)status);
  lg_log_end();
  lg_log_flush();
  lg_log_unlock();
}
