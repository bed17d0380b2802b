/* An entry another tool patched first — g_object_ref begins with a jmp
 * rel32 to its implementation (lib/fakegobject.c, ENTRY_JMP), as a second
 * preloaded tracer would leave it — is chained through, never corrupted:
 * a NOTE says so, the jump's target still runs after the shim's hook (the
 * counts the program reads are right), and the shim saw every ref: its
 * books match the objects' own counts.
 * lib: fakegobject.c -DENTRY_JMP
 * build: -L{tmp} -lfakegobject -Wl,-rpath,{tmp}
 * run: direct
 * compare: plain
 * expect: stdout == plain.stdout == 'count 11 then 1\n' and exit_code == plain.exit_code == 0
 * expect: any('g_object_ref in' in n and 'chained through it' in n for n in log_notes())
 * expect: any('refcount gobject: 4 functions patched in' in n for n in log_notes())
 * expect: rc_stats('gobject') == dict(live=2, born=3, adopted=0, refs=12, unrefs=12, died=1, mismatched=0)
 */
#include <stdint.h>
#include <stdio.h>

void *g_type_create_instance(uintptr_t type);
void *g_object_ref(void *p);
void g_object_unref(void *p);
unsigned fake_count(void *p);

static void *keep[2];

int main(void) {
  void *o = g_type_create_instance(0x1230);
  keep[0] = g_type_create_instance(0x1230);
  keep[1] = g_type_create_instance(0x1230);
  for (int i = 0; i < 10; i++) g_object_ref(o);
  unsigned a = fake_count(o);
  for (int i = 0; i < 10; i++) g_object_unref(o);
  printf("count %u then %u\n", a, fake_count(o));
  g_object_unref(o); /* the last: freed */
  g_object_ref(keep[0]);
  g_object_ref(keep[1]);
  g_object_unref(keep[1]);
  return 0;
}
