/* preload/exec.c — the exec family and posix_spawn. Exec replaces the
 * process image and releases its whole heap, so it is not a leak check:
 * the shim only closes this image's log with END(exec), so the report can
 * tell a process that became another program from one that was killed.
 * The new image writes its own log — with follow_children=yes even when
 * the program execs with an environment of its own (execve's envp, `env
 * -i`, a sandboxing launcher): the hooks hand the kernel the program's
 * environment with LD_PRELOAD and LEAKGRAPH_OPTIONS put back (env.c),
 * every other variable exactly as the program chose it. glibc's exec
 * functions call the kernel directly rather than each other through the
 * PLT, so every entry point is wrapped; the variadic ones build their argv
 * on the stack, and so do the others their environment when it is small
 * (no allocation: it would be lost at exec, and a vfork child shares the
 * parent's heap). A vfork child's exec leaves the parent's log alone. */
#include <dlfcn.h>
#include <errno.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>

#include "env.h"
#include "format.h"
#include "guard.h"
#include "shim.h"

extern char **environ;

#define MAX_ARGS 4096
#define ENV_STACK 16384 /* bytes of stack for a rebuilt environment */

static void before_exec(void) {
  if (!lg_on || getpid() != lg_traced_pid()) return;
  LG_GUARDED;
  lg_collector_end(LG_END_EXEC, 0);
}

/* The environment the new image gets: `envp` completed with the shim's
 * variables when the process is traced and follows its children; e->envp
 * is what to pass, env_done(e) frees it. Returns 0 when envp is passed
 * unchanged. */
static int exec_env(char *const envp[], lg_exec_env_t *e, void *stack) {
  e->envp = (char **)envp;
  e->heap = NULL;
  if (!lg_on || !lg_collector_options()->follow_children) return 0;
  LG_GUARDED;
  return lg_env_for_exec(envp, e, stack, ENV_STACK) == 0;
}

/* Frees what exec_env built, keeping errno (the exec failed). */
static void env_done(lg_exec_env_t *e) {
  int saved = errno;
  lg_env_release(e);
  errno = saved;
}

LG_PUBLIC int execve(const char *path, char *const argv[], char *const envp[]) {
  REAL(int (*)(const char *, char *const[], char *const[]), "execve");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  before_exec();
  int rc = real_(path, argv, e.envp);
  env_done(&e);
  return rc;
}

LG_PUBLIC int execv(const char *path, char *const argv[]) {
  REAL(int (*)(const char *, char *const[]), "execv");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  if (exec_env(environ, &e, stack)) {
    int rc = execve(path, argv, e.envp);
    env_done(&e);
    return rc;
  }
  before_exec();
  return real_(path, argv);
}

LG_PUBLIC int execvpe(const char *file, char *const argv[], char *const envp[]) {
  REAL(int (*)(const char *, char *const[], char *const[]), "execvpe");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  before_exec();
  int rc = real_(file, argv, e.envp);
  env_done(&e);
  return rc;
}

LG_PUBLIC int execvp(const char *file, char *const argv[]) {
  REAL(int (*)(const char *, char *const[]), "execvp");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  if (exec_env(environ, &e, stack)) {
    int rc = execvpe(file, argv, e.envp);
    env_done(&e);
    return rc;
  }
  before_exec();
  return real_(file, argv);
}

LG_PUBLIC int fexecve(int fd, char *const argv[], char *const envp[]) {
  REAL(int (*)(int, char *const[], char *const[]), "fexecve");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  before_exec();
  int rc = real_(fd, argv, e.envp);
  env_done(&e);
  return rc;
}

LG_PUBLIC int execveat(int dirfd, const char *path, char *const argv[], char *const envp[], int flags) {
  REAL(int (*)(int, const char *, char *const[], char *const[], int), "execveat");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  before_exec();
  int rc = real_(dirfd, path, argv, e.envp, flags);
  env_done(&e);
  return rc;
}

/* posix_spawn and posix_spawnp: the child execs with envp, completed like
 * an exec's; this process goes on (no END). */
LG_PUBLIC int posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
                          const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  REAL(int (*)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
               char *const[], char *const[]), "posix_spawn");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  int rc = real_(pid, path, fa, attr, argv, e.envp);
  env_done(&e);
  return rc;
}

LG_PUBLIC int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
                           const posix_spawnattr_t *attr, char *const argv[], char *const envp[]) {
  REAL(int (*)(pid_t *, const char *, const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
               char *const[], char *const[]), "posix_spawnp");
  void *stack[ENV_STACK / sizeof(void *)];
  lg_exec_env_t e;
  exec_env(envp, &e, stack);
  int rc = real_(pid, file, fa, attr, argv, e.envp);
  env_done(&e);
  return rc;
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
