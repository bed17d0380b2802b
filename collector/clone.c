/* collector/clone.c — the clone phase (clone.h): the snapshot child. It is
 * made with a raw clone, so the program sees no fork handler and no
 * SIGCHLD; it holds none of the program's descriptors and cannot outlive
 * the process; it writes its part of the log itself and hands back what
 * the parent must know in the shared scan result (history.h). It also
 * owns the word shared with the children that decides whether a child
 * may still write or was abandoned by the exit (clone.h's protocol). */
#include "clone.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <time.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "blocks.h"
#include "format.h"
#include "history.h"
#include "logwriter.h"
#include "scanstate.h"
#include "sys.h"

/* The word shared with the children: the scan's kind << 8 | its state
 * (enum lg_clone_state). */
typedef struct ctl { uint32_t word; } ctl_t;

static ctl_t *ctl;          /* made by the parent before its first clone */
static int exit_pending;    /* lg_clone_abandon was called */
static pid_t pending;       /* a child left for lg_clone_reap_pending */
static char gate[256];      /* the test knob's path, or "" */
static int in_child;        /* this is a snapshot child */

static uint32_t word_of(int kind, uint32_t state) { return (uint32_t)kind << 8 | state; }

/* Wakes whoever waits on the shared word (a futex on a shared mapping:
 * not a private one, the waiter may be another process). */
static void ctl_wake(void) { syscall(SYS_futex, &ctl->word, FUTEX_WAKE, 1, NULL, NULL, 0); }

/* Moves the word from `from` to `to` if it still holds `from`; 1 if so. */
static int ctl_cas(uint32_t from, uint32_t to) {
  return __atomic_compare_exchange_n(&ctl->word, &from, to, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

/* Abandons a periodic scan's child that has not won the right to write. */
static void abandon_running(void) {
  if (ctl && ctl_cas(word_of(LG_SCAN_PERIODIC, LG_CLONE_RUNNING), word_of(LG_SCAN_PERIODIC, LG_CLONE_ABANDONED)))
    ctl_wake();
}

void lg_clone_abandon(void) {
  __atomic_store_n(&exit_pending, 1, __ATOMIC_SEQ_CST);
  abandon_running();
}

int lg_clone_exit_pending(void) { return __atomic_load_n(&exit_pending, __ATOMIC_SEQ_CST); }

void lg_clone_fork_child(void) {
  if (ctl) lg_sys_unmap(ctl, sizeof *ctl); /* this process's view only */
  ctl = NULL;
  exit_pending = 0;
  pending = 0;
}

void lg_clone_test_init(void) {
  const char *g = getenv("LEAKGRAPH_TEST_SCAN_GATE");
  if (g) lg_fmt(gate, sizeof gate, "%s", g);
}

/* The test knob: waits (at most 60 s) until the gate's file exists. */
static void wait_for_gate(void) {
  for (int i = 0; gate[0] && i < 60000 && access(gate, F_OK) != 0; i++) {
    struct timespec ts = {0, 1000000};
    nanosleep(&ts, NULL);
  }
}

void lg_clone_reap_pending(void) {
  pid_t pid = __atomic_exchange_n(&pending, 0, __ATOMIC_ACQ_REL);
  int st;
  if (pid > 0)
    while (waitpid(pid, &st, __WCLONE) < 0 && errno == EINTR) {}
}

/* Drops the child's view of the whole pages of [p, p + n) (an array
 * that starts after a mapping's header: its first page is kept). */
static void release_range(void *p, size_t n, void *arg) {
  (void)arg;
  uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095, hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;
  if (hi <= lo) return;
  madvise((void *)lo, hi - lo, MADV_DONTNEED);
  mprotect((void *)lo, hi - lo, PROT_NONE);
}

void lg_clone_release_tables(void) {
  if (in_child) lg_blocks_each_array(release_range, NULL);
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
 * dies with the thread that cloned it, which waits for it in lg_clone_reap — so
 * only the process's death or an exec fires it; if that thread is already
 * gone, the child ends at once), and it must hold none of the program's
 * descriptors (a killed server's listening port is free at once; no peer
 * sees a socket close late). Its log writes go to the log reopened by
 * path (logwriter.c appends). */
static void child_start(pid_t parent) {
  in_child = 1;
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
static void snapshot_child(lg_scan_t *s, lg_scan_result_t *r, pid_t parent, long (*work)(lg_scan_t *s)) {
  child_start(parent);
  uint32_t running = word_of(s->kind, LG_CLONE_RUNNING), writing = word_of(s->kind, LG_CLONE_WRITING);
  int private = lg_history_private() == 0;
  if (private) lg_log_hold();
  else if (!ctl_cas(running, writing)) syscall(SYS_exit_group, 0); /* cannot be abandoned: claim at once */
  long lost = work(s);
  if (private) {
    wait_for_gate();
    if (!ctl_cas(running, writing)) syscall(SYS_exit_group, 0); /* abandoned: not a byte written */
    if (lg_log_release() < 0) syscall(SYS_exit_group, 0);  /* the parent says the scan is missing */
    lg_history_publish();
  }
  const lg_graph_t *g = &s->graph;
  r->lost = lost;
  memcpy(r->bytes, g->cat_bytes, sizeof r->bytes);
  memcpy(r->blocks, g->cat_blocks, sizeof r->blocks);
  r->clusters = (uint32_t)g->nclusters;
  for (size_t c = 0; c < g->nclusters; c++) r->cyclic += g->clusters[c].cyclic;
  r->next_cluster_id = lg_next_cluster_id();
  __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
  __atomic_store_n(&ctl->word, word_of(s->kind, LG_CLONE_DONE), __ATOMIC_RELEASE);
  ctl_wake();
  syscall(SYS_exit_group, 0);
}

/* Waits until the child is done, abandoned or gone; returns its state
 * (LG_CLONE_IDLE: it ended, and was reaped, without saying DONE). A child
 * that dies without a word is seen by polling every 20 ms; the exit's
 * abandon (by then or later) wakes the wait at once. */
static uint32_t wait_child(pid_t pid) {
  for (;;) {
    if (__atomic_load_n(&exit_pending, __ATOMIC_SEQ_CST)) abandon_running();
    uint32_t w = __atomic_load_n(&ctl->word, __ATOMIC_ACQUIRE), state = w & 0xff;
    if (state == LG_CLONE_DONE || state == LG_CLONE_ABANDONED) return state;
    int st;
    if (waitpid(pid, &st, __WCLONE | WNOHANG) == pid) return LG_CLONE_IDLE;
    struct timespec ts = {0, 20000000};
    syscall(SYS_futex, &ctl->word, FUTEX_WAIT, w, &ts, NULL, 0);
  }
}

/* Leaves a periodic scan's child, done or abandoned, for the scanner
 * thread to reap once it has dropped the scan lock (so that an exit never
 * waits for a child's teardown); any other is reaped now. */
static void reap_or_leave(pid_t pid, uint32_t w) {
  lg_clone_reap_pending(); /* one left before, if any */
  __atomic_store_n(&pending, pid, __ATOMIC_RELEASE);
  if (w >> 8 != LG_SCAN_PERIODIC) lg_clone_reap_pending();
}

long lg_clone_reap(pid_t pid, lg_scan_result_t *r) {
  uint32_t state = wait_child(pid), w = __atomic_load_n(&ctl->word, __ATOMIC_ACQUIRE);
  if (state == LG_CLONE_ABANDONED) kill(pid, SIGKILL); /* it would only exit */
  if (state != LG_CLONE_IDLE) reap_or_leave(pid, w);
  __atomic_store_n(&ctl->word, word_of(0, LG_CLONE_IDLE), __ATOMIC_RELEASE);
  if (state == LG_CLONE_ABANDONED) return LG_CLONE_LOST_ABANDONED;
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

pid_t lg_clone_start(lg_scan_t *s, lg_scan_result_t *r, long (*work)(lg_scan_t *s)) {
  pid_t parent = getpid();
  if (!ctl && !(ctl = lg_sys_map_shared(sizeof *ctl))) return -1;
  __atomic_store_n(&ctl->word, word_of(s->kind, LG_CLONE_RUNNING), __ATOMIC_SEQ_CST);
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)CLONE_FILES, NULL, NULL, NULL, 0ul);
  if (pid == 0) snapshot_child(s, r, parent, work);
  if (pid < 0) __atomic_store_n(&ctl->word, word_of(0, LG_CLONE_IDLE), __ATOMIC_RELEASE);
  return pid;
}
