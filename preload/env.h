/* preload/env.h — the shim's view of the environment: the two variables it
 * was started with (LEAKGRAPH_OPTIONS, and the LD_PRELOAD entry that named
 * it), read once at boot — from `environ`, or from /proc/self/environ when
 * the first allocation comes before the C library has set `environ` — and
 * the environment handed to a program the process execs, with the shim and
 * its options put back when the program left them out. No stdio, no traced
 * malloc: memory comes from lg_sys_map or the caller's stack. */
#ifndef LG_ENV_H
#define LG_ENV_H

#include <stddef.h>

/* lg_env_capture reads and keeps the shim's variables; called once, at
 * boot. */
void lg_env_capture(void);
/* lg_env_options is LEAKGRAPH_OPTIONS as the process got it, or NULL. */
const char *lg_env_options(void);
/* lg_env_preload_entry is the element of LD_PRELOAD that names the shim,
 * as given (a path without ':' or spaces), or NULL when the shim was not
 * loaded through LD_PRELOAD. */
const char *lg_env_preload_entry(void);

/* The environment of an exec, built without malloc. `heap` is a mapping
 * when the stack space `stack` (of `stack_size` bytes) was too small. */
typedef struct lg_exec_env {
  char **envp;
  void *heap;
  size_t heap_size;
} lg_exec_env_t;

/* lg_env_for_exec fills e->envp with `envp` (NULL: an empty environment,
 * as execve takes it), every variable unchanged and in order, plus LD_PRELOAD
 * naming the shim (the variable replaced by one with the shim's entry in
 * front when it lacks it) and LEAKGRAPH_OPTIONS as the shim got it (added
 * when missing). It returns 0, or -1 when nothing needs adding (or memory
 * failed): then e->envp is the given environment. */
int lg_env_for_exec(char *const envp[], lg_exec_env_t *e, void *stack, size_t stack_size);
/* lg_env_release returns what lg_env_for_exec mapped (the exec failed, or
 * posix_spawn returned). */
void lg_env_release(lg_exec_env_t *e);

#endif
