/* GLib's worker thread ("gmain": GIO, unix signal sources, child watches)
 * is created with every signal blocked (GLib blocks them all around its
 * g_thread_new), and so are many servers' threads. The shim keeps its stop
 * signal out of that mask, so a scan stops the GLib thread like any other:
 * no "did not stop" note, no conservative scan. The program starts the
 * worker with g_unix_signal_add, reads the worker's mask from
 * /proc/self/task/TID/status (SIGTERM blocked there: it is GLib's mask),
 * leaks a 40-byte control block and calls leakgraph_scan() twice.
 * pkg: glib-2.0
 * run: direct
 * timeout: 60
 * expect: stdout == 'gmain_blocks_term=1 done\n'
 * expect: processes[0].complete and processes[0].scans == 3
 * expect: not any('did not stop' in n for n in processes[0].notes)
 * expect: not any(s.conservative for s in log_scans())
 * expect: cluster_with('control_leak') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 */
#include <dirent.h>
#include <glib.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static gboolean on_usr1(gpointer data) { (void)data; return G_SOURCE_CONTINUE; }

/* Reads the first line starting with key from /proc/self/task/TID/FILE. */
static int task_line(const char *tid, const char *file, const char *key, char *out, size_t n) {
  char path[128];
  snprintf(path, sizeof path, "/proc/self/task/%s/%s", tid, file);
  FILE *f = fopen(path, "r");
  if (!f) return 0;
  int found = 0;
  while (!found && fgets(out, (int)n, f)) found = strncmp(out, key, strlen(key)) == 0;
  fclose(f);
  return found;
}

/* 1 when a thread named gmain exists and blocks SIGTERM, 0 when it does
 * not block it, -1 when there is no such thread. */
static int gmain_blocks_term(void) {
  DIR *d = opendir("/proc/self/task");
  struct dirent *e;
  int r = -1;
  while (d && (e = readdir(d))) {
    char line[256];
    if (e->d_name[0] == '.' || !task_line(e->d_name, "comm", "gmain", line, sizeof line)) continue;
    if (!task_line(e->d_name, "status", "SigBlk:", line, sizeof line)) continue;
    unsigned long long m = strtoull(line + 7, NULL, 16);
    r = (int)((m >> (SIGTERM - 1)) & 1);
  }
  if (d) closedir(d);
  return r;
}

static NOINLINE void control_leak(void) {
  void *p = malloc(40);
  memset(p, 1, 40);
  sink(p);
}

int main(void) {
  g_unix_signal_add(SIGUSR1, on_usr1, NULL); /* starts GLib's worker thread */
  int r = -1;
  for (int i = 0; i < 2000 && r < 0; i++) { /* until the worker has named itself */
    r = gmain_blocks_term();
    if (r < 0) g_usleep(1000);
  }
  control_leak();
  clobber_stack();
  leakgraph_scan();
  leakgraph_scan();
  printf("gmain_blocks_term=%d done\n", r);
  return 0;
}
