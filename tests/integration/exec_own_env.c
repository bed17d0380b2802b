/* Children whose environment is replaced are still traced: the parent
 * forks twice; one child execs the program with an environment of its own
 * (A=1, B with a space, an empty C, and an LD_PRELOAD naming nothing of
 * the shim's), the other with an empty one. Each new image prints the
 * variables it got other than the shim's two, and whether those two are
 * there, then leaks a block of its own size. Expected: each image's other
 * variables exactly as the parent chose them (as in a plain run, where the
 * shim's are absent); LD_PRELOAD and LEAKGRAPH_OPTIONS put back (the
 * shim's entry first in the existing LD_PRELOAD); both leaks reported,
 * from five logs (the parent, two forked children that exec'd, two new
 * images).
 * run: direct
 * compare: plain
 * expect: line_with(stdout, 'own: others=') == line_with(plain.stdout, 'own: others=') == 'own: others=A=1|B=two words|C=|'
 * expect: line_with(stdout, 'empty: others=') == line_with(plain.stdout, 'empty: others=') == 'empty: others='
 * expect: line_with(stdout, 'own: preload_rest=') == line_with(plain.stdout, 'own: preload_rest=') == 'own: preload_rest=/nonexistent-preload.so'
 * expect: line_with(plain.stdout, 'empty: preload_rest=') == 'empty: preload_rest=(none)'
 * expect: out_int('own_shim_vars') == 2 and out_int('empty_shim_vars') == 2 and out_int('own_shim_first') == 1
 * expect: len(logs) == 5 and sorted(e.how for e in log_ends()).count('exec') == 2
 * expect: sorted(c.entry.size for c in clusters if has_frame(c.entry, 'image_leak')) == [222, 333]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "testutil.h"

extern char **environ;

static NOINLINE void image_leak(size_t n) { void *p = malloc(n); memset(p, 1, n); sink(p); }

/* The new image: prints what it got, leaks n bytes. */
static int image(const char *name, size_t n) {
  char others[1024] = "", rest[512] = "(none)";
  for (char **e = environ; e && *e; e++) {
    if (!strncmp(*e, "LEAKGRAPH_OPTIONS=", 18) || !strncmp(*e, "LD_PRELOAD=", 11)) continue;
    strcat(others, *e);
    strcat(others, "|");
  }
  const char *pre = getenv("LD_PRELOAD");
  const char *shim = pre ? strstr(pre, "libleakgraph.so") : NULL, *colon = pre ? strchr(pre, ':') : NULL;
  int shim_first = shim && (!colon || shim < colon);
  if (pre) /* LD_PRELOAD without the shim's entry (the first) */
    snprintf(rest, sizeof rest, "%s", shim_first ? (colon ? colon + 1 : "") : pre);
  printf("%s: others=%s\n%s: preload_rest=%s\n", name, others, name, rest);
  printf("%s_shim_vars=%d %s_shim_first=%d\n", name, (shim != NULL) + (getenv("LEAKGRAPH_OPTIONS") != NULL), name,
         shim_first);
  image_leak(n);
  clobber_stack();
  return 0;
}

static void run(char *const envp[], const char *arg) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    char *argv[] = {"prog", (char *)arg, NULL};
    execve("/proc/self/exe", argv, envp);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0) {}
}

int main(int argc, char **argv) {
  if (argc > 1) return image(argv[1], !strcmp(argv[1], "own") ? 222 : 333);
  char *own[] = {"A=1", "LD_PRELOAD=/nonexistent-preload.so", "B=two words", "C=", NULL};
  run(own, "own");
  char *empty[] = {NULL};
  run(empty, "empty");
  return 0;
}
