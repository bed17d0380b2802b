/* A program not linked with GLib dlopens a library that uses GObject:
 * libgobject arrives with that dlopen, and the gobject family patches it
 * inside the dlopen hook, before the program can call into it. Every
 * object is seen born, and the books balance.
 * lib: gobj_user.c {pkg-config:gobject-2.0}
 * run: direct
 * env: G_SLICE=always-malloc
 * expect: stdout == 'kept 50\n' and exit_code == 0
 * expect: any('refcount gobject: 4 functions patched in' in n and 'libgobject' in n for n in log_notes())
 * expect: rc_stats('gobject')['born'] >= 100 and rc_stats('gobject')['live'] >= 50
 * expect: rc_stats('gobject')['mismatched'] == 0 and rc_stats('gobject')['adopted'] == 0
 */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  void *h = dlopen(getenv("LG_TEST_LIB"), RTLD_NOW);
  if (!h) { printf("dlopen: %s\n", dlerror()); return 1; }
  int (*run)(int) = (int (*)(int))dlsym(h, "gobj_user_run");
  printf("kept %d\n", run(100));
  return 0;
}
