/* preload/env.c — the shim's variables as the process got them, and the
 * environment of the programs it execs (see env.h).
 *
 * Why /proc/self/environ: the first allocation can come before the C
 * library has set `environ` (a program's .preinit_array, the dynamic
 * loader itself); the kernel's copy of the initial environment is there
 * from the start. Only two values are kept, each in a mapping of its own.
 *
 * Why the exec environment: a program that execs with an environment of
 * its own (execve's envp, `env -i`, a sandboxing launcher) drops LD_PRELOAD
 * and LEAKGRAPH_OPTIONS, and the new image would run untraced. With
 * follow_children=yes the exec hooks (exec.c) hand the kernel a copy of
 * the program's array with the shim's two variables put back, every other
 * variable as the program chose it. */
#include "env.h"

#include <dlfcn.h>
#include <string.h>

#include "sys.h"

extern char **environ;

#define SHIM_NAME "libleakgraph.so"
#define PRE "LD_PRELOAD="
#define OPT "LEAKGRAPH_OPTIONS="

static char *options_text;  /* LEAKGRAPH_OPTIONS's value, or NULL */
static char *preload_entry; /* the LD_PRELOAD element naming the shim, or NULL */

const char *lg_env_options(void) { return options_text; }
const char *lg_env_preload_entry(void) { return preload_entry; }

/* ---- capture ------------------------------------------------------------ */

/* Returns a NUL-terminated copy of s[0..len) in a fresh mapping, or NULL. */
static char *keep(const char *s, size_t len) {
  char *c = lg_sys_map(len + 1);
  if (c) memcpy(c, s, len);
  return c;
}

/* Finds "name=value" among the NUL-separated strings of [p, end), or among
 * `environ` when p is NULL; returns the value or NULL. */
static const char *value_of(const char *name, const char *p, const char *end) {
  size_t n = strlen(name);
  if (!p) {
    for (char **e = environ; e && *e; e++)
      if (!strncmp(*e, name, n)) return *e + n;
    return NULL;
  }
  while (p < end) {
    size_t l = strnlen(p, (size_t)(end - p));
    if (l >= n && !strncmp(p, name, n)) return p + n;
    p += l + 1;
  }
  return NULL;
}

/* Keeps the element of the LD_PRELOAD list `list` that names the shim. */
static void keep_preload_entry(const char *list) {
  const char *hit = list ? strstr(list, SHIM_NAME) : NULL;
  if (!hit) return;
  const char *start = hit, *end = hit;
  while (start > list && start[-1] != ':' && start[-1] != ' ') start--;
  while (*end && *end != ':' && *end != ' ') end++;
  preload_entry = keep(start, (size_t)(end - start));
}

void lg_env_capture(void) {
  options_text = preload_entry = NULL;
  size_t len = 0, cap = 0;
  char *block = environ ? NULL : lg_sys_read_file("/proc/self/environ", &len, &cap);
  const char *end = block ? block + len : NULL;
  const char *o = value_of(OPT, block, end);
  if (o) options_text = keep(o, strlen(o));
  keep_preload_entry(value_of(PRE, block, end));
  if (block) lg_sys_unmap(block, cap);
}

/* ---- the environment of an exec ------------------------------------------ */

/* The shim's own path, for an LD_PRELOAD that never named it (the shim came
 * in another way): the loader's name for this module. */
static const char *shim_entry(void) {
  if (preload_entry) return preload_entry;
  Dl_info info;
  if (!dladdr((void *)lg_env_capture, &info) || !info.dli_fname || !strstr(info.dli_fname, SHIM_NAME) ||
      strpbrk(info.dli_fname, ": "))
    return NULL;
  return info.dli_fname;
}

/* What an environment lacks: its LD_PRELOAD entry (index or -1), whether
 * that names the shim, whether LEAKGRAPH_OPTIONS is there, its size. */
typedef struct scan_env { long pre; int pre_ok, has_opt; size_t n; } scan_env_t;

static scan_env_t scan_env(char *const envp[]) {
  scan_env_t s = {-1, 0, 0, 0};
  for (; envp && envp[s.n]; s.n++) {
    const char *v = envp[s.n];
    if (s.pre < 0 && !strncmp(v, PRE, sizeof PRE - 1)) {
      s.pre = (long)s.n;
      s.pre_ok = strstr(v, SHIM_NAME) != NULL;
    }
    s.has_opt |= !strncmp(v, OPT, sizeof OPT - 1);
  }
  return s;
}

/* Appends "a" "b" [":" c] and a NUL at *at; returns the string. */
static char *put_var(char **at, const char *a, const char *b, const char *c) {
  char *s = *at, *o = s;
  size_t la = strlen(a), lb = strlen(b);
  memcpy(o, a, la);
  memcpy(o + la, b, lb);
  o += la + lb;
  if (c && *c) {
    *o++ = ':';
    size_t lc = strlen(c);
    memcpy(o, c, lc);
    o += lc;
  }
  *o++ = 0;
  *at = o;
  return s;
}

int lg_env_for_exec(char *const envp[], lg_exec_env_t *e, void *stack, size_t stack_size) {
  e->envp = (char **)envp;
  e->heap = NULL;
  e->heap_size = 0;
  scan_env_t s = scan_env(envp);
  const char *entry = s.pre_ok ? NULL : shim_entry();
  int add_opt = !s.has_opt && options_text;
  if (!entry && !add_opt) return -1;
  const char *old = entry && s.pre >= 0 ? envp[s.pre] + sizeof PRE - 1 : NULL;
  size_t need = (s.n + 3) * sizeof(char *) + (entry ? sizeof PRE + strlen(entry) + 1 + (old ? strlen(old) : 0) : 0) +
                (add_opt ? sizeof OPT + strlen(options_text) : 0);
  char **out = stack;
  if (need > stack_size) {
    out = lg_sys_map(need);
    if (!out) return -1;
    e->heap = out;
    e->heap_size = need;
  }
  char *strings = (char *)(out + s.n + 3);
  size_t k = 0;
  for (size_t i = 0; i < s.n; i++)
    out[k++] = entry && (long)i == s.pre ? put_var(&strings, PRE, entry, old) : envp[i];
  if (entry && s.pre < 0) out[k++] = put_var(&strings, PRE, entry, NULL);
  if (add_opt) out[k++] = put_var(&strings, OPT, options_text, NULL);
  out[k] = NULL;
  e->envp = out;
  return 0;
}

void lg_env_release(lg_exec_env_t *e) {
  if (e->heap) lg_sys_unmap(e->heap, e->heap_size);
  e->heap = NULL;
}
