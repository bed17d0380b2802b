/* The scan's snapshot child never outlives the process and holds none of
 * its descriptors. The program (M) listens on a TCP port, forks a watcher
 * (W, which closes its copy of the socket), builds a 500 MB heap of
 * 1000-byte blocks that point at one another and sleeps while periodic
 * scans (interval 0.05, full_every=1: every one full) run, each in a snapshot child that needs a good
 * fraction of a second. W, from /proc: finds a snapshot child of M, waits
 * for it to end and for the next one (S) to appear, so that S has its
 * whole scan ahead; waits until S holds no socket (it drops every
 * descriptor of the process as it starts); kills M with SIGKILL; binds M's
 * port again as soon as all of M's threads have exited; and polls /proc/S/stat every
 * millisecond until S is gone (no entry, or a zombie).
 * Expected: S found; S dropped the socket; the port free at once; S gone
 * before it could end its scan -- it dies with the thread that cloned it,
 * so the scan it was running has no SCAN_END in M's log -- and within a
 * second of the kill. (S's life after the kill is the kernel's teardown:
 * of M's 500 MB when the cloning thread is the last of M to exit, then of
 * S's copy. W prints it as gone_ms, and M's own death as m_gone_ms: with
 * a load of 4 on the two cores S was gone 41 to 70 ms after the kill (M
 * itself 16 to 48 ms); with a load of 13, 35 to 300 ms -- about as long as
 * M itself took to die. So the
 * one-second bound is generous on purpose; the missing SCAN_END is what
 * tells a killed child from one that finished its scan. Every wait for
 * /proc is bounded only so that a broken shim fails instead of hanging.)
 * run: direct
 * options: interval=0.05:full_every=1
 * exit: 137
 * timeout: 180
 * report: optional
 * expect: out_int('found') == 1 and out_int('s_closed') == 1
 * expect: out_int('rebind') == 1
 * expect: out_int('gone_ms') is not None and out_int('gone_ms') <= 1000
 * expect: [b.ended for b in log_scan_begins() if b.pid == out_int('m')][-1] is False
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "testutil.h"

#define BLOCKS 500000
static char **heap;

/* Reads the state and parent of /proc/PID/stat; 0 when there is none. */
static int proc_stat(int pid, char *state, int *ppid) {
  char path[64], buf[512];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  return p && sscanf(p + 2, "%c %d", state, ppid) == 2;
}

static int gone(int pid) {
  char st;
  int pp;
  return !proc_stat(pid, &st, &pp) || st == 'Z' || st == 'X';
}

/* Tells whether every thread of process m has exited (its descriptors
 * are closed then; the leader alone may be a zombie much earlier). */
static int all_threads_gone(int m) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", m);
  DIR *d = opendir(path);
  if (!d) return 1;
  int live = 0;
  for (struct dirent *e; (e = readdir(d));) {
    int tid = atoi(e->d_name), pp;
    char st, tpath[96], buf[512];
    if (tid <= 0) continue;
    snprintf(tpath, sizeof tpath, "/proc/%d/task/%d/stat", m, tid);
    FILE *f = fopen(tpath, "r");
    if (!f) continue;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *q = strrchr(buf, ')');
    if (q && sscanf(q + 2, "%c %d", &st, &pp) == 2 && st != 'Z' && st != 'X') live++;
  }
  closedir(d);
  return live == 0;
}

/* A live child of m other than `not`, or 0. */
static int child_of(int m, int not) {
  DIR *d = opendir("/proc");
  int found = 0;
  for (struct dirent *e; d && !found && (e = readdir(d));) {
    int pid = atoi(e->d_name), pp;
    char st;
    if (pid > 0 && pid != not && proc_stat(pid, &st, &pp) && pp == m && st != 'Z' && st != 'X') found = pid;
  }
  if (d) closedir(d);
  return found;
}

/* How many of pid's descriptors are sockets (-1 when it is gone). */
static int sockets_of(int pid) {
  char path[64], link[128], target[128];
  snprintf(path, sizeof path, "/proc/%d/fd", pid);
  DIR *d = opendir(path);
  if (!d) return -1;
  int n = 0;
  for (struct dirent *e; (e = readdir(d));) {
    snprintf(link, sizeof link, "%s/%s", path, e->d_name);
    ssize_t l = readlink(link, target, sizeof target - 1);
    if (l > 0 && (target[l] = 0, !strncmp(target, "socket:", 7))) n++;
  }
  closedir(d);
  return n;
}

/* Waits (at most `seconds`) for a new child of m; returns it or 0. */
static int next_child(int m, double seconds) {
  int s = 0;
  for (double end = now() + seconds; !s && now() < end;) s = child_of(m, getpid());
  return s;
}

static void watcher(int m, int port, int ready) {
  char c;
  if (read(ready, &c, 1) != 1) _exit(1);
  int s1 = next_child(m, 60);
  for (double end = now() + 60; s1 && !gone(s1) && now() < end;) sleep_for(0.001);
  int s = s1 ? next_child(m, 60) : 0;
  printf("m=%d found=%d\n", m, s != 0);
  if (!s) _exit(0);
  int closed = 0;
  /* Alive after the look: a zombie's descriptor table is empty too. */
  for (double end = now() + 5; !closed && !gone(s) && now() < end;) closed = sockets_of(s) == 0 && !gone(s);
  printf("s_closed=%d\n", closed);
  kill(m, SIGKILL);
  double t0 = now();
  for (double end = now() + 20; !all_threads_gone(m) && now() < end;) {}
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  printf("m_gone_ms=%d\n", (int)((now() - t0) * 1000));
  printf("rebind=%d\n", bind(fd, (struct sockaddr *)&a, sizeof a) == 0);
  for (double end = now() + 60; !gone(s) && now() < end;) sleep_for(0.001);
  printf("gone_ms=%d\n", gone(s) ? (int)((now() - t0) * 1000) : -1);
  fflush(stdout);
  _exit(0);
}

int main(void) {
  int ls = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof a;
  if (bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, 8) < 0 ||
      getsockname(ls, (struct sockaddr *)&a, &len) < 0)
    return 1;
  int p[2];
  if (pipe(p) < 0) return 1;
  fflush(stdout);
  int m = getpid();
  if (fork() == 0) {
    close(ls);
    close(p[1]);
    watcher(m, ntohs(a.sin_port), p[0]);
  }
  close(p[0]);
  heap = malloc(BLOCKS * sizeof *heap);
  for (int i = 0; i < BLOCKS; i++) {
    heap[i] = malloc(1000);
    memset(heap[i], 0, 1000);
    for (int k = 0; k < 8 && i; k++) ((char **)heap[i])[k] = heap[(i * 7919u + k * 104729u) % (unsigned)i];
  }
  if (write(p[1], "r", 1) != 1) return 1;
  for (;;) pause();
}
