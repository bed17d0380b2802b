/* collector/clone.c — the clone phase (clone.h): the snapshot child. It is
 * made with a raw clone, so the program sees no fork handler and no
 * SIGCHLD; it holds none of the program's descriptors and cannot outlive
 * the process; it writes its part of the log itself and hands back what
 * the parent must know in the shared scan result (history.h). */
#include "clone.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "format.h"
#include "logwriter.h"
#include "scanstate.h"
#include "sys.h"

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
  long lost = work(s);
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

long lg_clone_reap(pid_t pid, lg_scan_result_t *r) {
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

pid_t lg_clone_start(lg_scan_t *s, lg_scan_result_t *r, long (*work)(lg_scan_t *s)) {
  pid_t parent = getpid();
  pid_t pid = (pid_t)syscall(SYS_clone, (unsigned long)CLONE_FILES, NULL, NULL, NULL, 0ul);
  if (pid == 0) snapshot_child(s, r, parent, work);
  return pid;
}
