/* preload/exec.c — the exec family. Exec replaces the process image and
 * releases its whole heap, so it is not a leak check: the shim only closes
 * this image's log with END(exec), so the report can tell a process that
 * became another program from one that was killed. The new image, if still
 * preloaded (follow_children=yes), writes its own log. glibc's exec
 * functions call the kernel directly rather than each other through the
 * PLT, so every entry point is wrapped; the variadic ones build their argv
 * on the stack (no allocation, which would be lost at exec anyway). */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "format.h"
#include "guard.h"
#include "shim.h"

extern char **environ;

#define MAX_ARGS 4096

static void before_exec(void) {
  if (!lg_on) return;
  LG_GUARDED;
  lg_collector_end(LG_END_EXEC, 0);
}

LG_PUBLIC int execve(const char *path, char *const argv[], char *const envp[]) {
  REAL(int (*)(const char *, char *const[], char *const[]), "execve");
  before_exec();
  return real_(path, argv, envp);
}

LG_PUBLIC int execv(const char *path, char *const argv[]) {
  REAL(int (*)(const char *, char *const[]), "execv");
  before_exec();
  return real_(path, argv);
}

LG_PUBLIC int execvp(const char *file, char *const argv[]) {
  REAL(int (*)(const char *, char *const[]), "execvp");
  before_exec();
  return real_(file, argv);
}

LG_PUBLIC int execvpe(const char *file, char *const argv[], char *const envp[]) {
  REAL(int (*)(const char *, char *const[], char *const[]), "execvpe");
  before_exec();
  return real_(file, argv, envp);
}

LG_PUBLIC int fexecve(int fd, char *const argv[], char *const envp[]) {
  REAL(int (*)(int, char *const[], char *const[]), "fexecve");
  before_exec();
  return real_(fd, argv, envp);
}

/* Collects the variadic arguments after `arg0` into argv, NULL-terminated;
 * returns 0, or -1 with E2BIG when there are too many. */
static int collect(char **argv, const char *arg0, va_list *ap) {
  size_t n = 0;
  argv[0] = (char *)arg0;
  while (argv[n]) {
    if (++n == MAX_ARGS) { errno = E2BIG; return -1; }
    argv[n] = va_arg(*ap, char *);
  }
  return 0;
}

LG_PUBLIC int execl(const char *path, const char *arg, ...) {
  char *argv[MAX_ARGS];
  va_list ap;
  va_start(ap, arg);
  int rc = collect(argv, arg, &ap);
  va_end(ap);
  return rc < 0 ? -1 : execv(path, argv);
}

LG_PUBLIC int execlp(const char *file, const char *arg, ...) {
  char *argv[MAX_ARGS];
  va_list ap;
  va_start(ap, arg);
  int rc = collect(argv, arg, &ap);
  va_end(ap);
  return rc < 0 ? -1 : execvp(file, argv);
}

LG_PUBLIC int execle(const char *path, const char *arg, ...) {
  char *argv[MAX_ARGS];
  va_list ap;
  va_start(ap, arg);
  int rc = collect(argv, arg, &ap);
  char *const *envp = rc < 0 ? NULL : va_arg(ap, char *const *);
  va_end(ap);
  return rc < 0 ? -1 : execve(path, argv, envp);
}
