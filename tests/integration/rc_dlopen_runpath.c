/* The shim's dlopen hook keeps glibc's view of who called dlopen: a bare
 * library name found only along the program's RUNPATH, and a name with
 * $ORIGIN (the caller's directory), load as they do without leakgraph.
 * lib: plugin.c
 * build: -Wl,--enable-new-dtags -Wl,-rpath,{tmp}
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout == 'bare 42\norigin 42\n'
 * expect: exit_code == plain.exit_code == 0
 */
#include <dlfcn.h>
#include <stdio.h>

static void try(const char *label, const char *name) {
  void *h = dlopen(name, RTLD_NOW);
  if (!h) { printf("%s: %s\n", label, dlerror()); return; }
  int (*f)(void) = (int (*)(void))dlsym(h, "plugin_answer");
  printf("%s %d\n", label, f ? f() : -1);
}

int main(void) {
  try("bare", "libplugin.so");
  try("origin", "$ORIGIN/libplugin.so");
  return 0;
}
