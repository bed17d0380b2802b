/* A library whose entry the shim cannot relocate with certainty — its
 * g_object_ref begins with a loop head that a later branch jumps back to
 * (lib/fakegobject.c, ENTRY_LOOP) — is refused as a whole: one warning
 * NOTE names the function and the reason, the gobject family is off for
 * that library (nothing recorded), and the program runs exactly as
 * without leakgraph, its refs and unrefs working.
 * lib: fakegobject.c -DENTRY_LOOP
 * build: -L{tmp} -lfakegobject -Wl,-rpath,{tmp}
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout == 'count 3 then 1\n' and exit_code == plain.exit_code == 0
 * expect: any('refcount gobject: cannot patch g_object_ref: a branch in it targets its first bytes' in n and 'the family is off' in n for n in log_notes())
 * expect: not any('functions patched' in n for n in log_notes())
 * expect: rc_stats('gobject') is None
 * expect: len(lines(stderr)) == 0
 */
#include <stdint.h>
#include <stdio.h>

void *g_type_create_instance(uintptr_t type);
void *g_object_ref(void *p);
void g_object_unref(void *p);
unsigned fake_count(void *p);

int main(void) {
  void *o = g_type_create_instance(0x1230);
  g_object_ref(o);
  g_object_ref(o);
  unsigned a = fake_count(o);
  g_object_unref(o);
  g_object_unref(o);
  printf("count %u then %u\n", a, fake_count(o));
  g_object_unref(o);
  return 0;
}
