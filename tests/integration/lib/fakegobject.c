/* fakegobject.c — a stand-in for libgobject with the entry points the
 * gobject refcount family patches, for the tests of entries the shim must
 * refuse or chain through. Objects are 32-byte malloc blocks with the
 * class pointer at 0 and the count at 8, as a GObject's. How g_object_ref
 * begins is chosen at build time:
 *   -DENTRY_LOOP  its first instruction is a loop head a later branch
 *                 jumps back to: the shim must refuse the whole family;
 *   -DENTRY_JMP   it is a jmp rel32 to the implementation, as another
 *                 tracer's patch would leave it: the shim chains through;
 *   -DNAME_TRAPS  g_type_name hits a breakpoint (int3) and then aborts, as
 *                 GLib's g_error does: the shim calls it inside its hooks.
 * The other functions are plain C. */
#include <stdint.h>
#include <stdlib.h>

typedef struct obj { const uintptr_t *klass; unsigned ref_count; unsigned pad; void *data; } obj_t;
static const uintptr_t klass[1] = {0x1230}; /* the class: its first word is the GType */

uintptr_t g_type_fundamental(uintptr_t t) { (void)t; return 20 << 2; /* G_TYPE_OBJECT */ }
const char *g_type_name(uintptr_t t) {
  (void)t;
#ifdef NAME_TRAPS
  __asm__ volatile("int3");
  abort(); /* g_error's way out, if the breakpoint returned */
#endif
  return "FakeObject";
}

void *g_type_create_instance(uintptr_t type) {
  (void)type;
  obj_t *o = calloc(1, sizeof *o);
  o->klass = klass;
  o->ref_count = 1;
  return o;
}

void g_type_free_instance(void *o) { free(o); }

__attribute__((visibility("hidden"))) void *fake_ref_impl(void *p) {
  ((obj_t *)p)->ref_count++;
  return p;
}

void g_object_unref(void *p) {
  obj_t *o = p;
  if (--o->ref_count == 0) g_type_free_instance(o);
}

unsigned fake_count(void *p) { return ((obj_t *)p)->ref_count; }

#if defined(ENTRY_LOOP)
/* Loops back to its entry while its argument is NULL (never, here). */
__asm__(".text\n.globl g_object_ref\n.type g_object_ref, @function\n"
        "g_object_ref:\n"
        "1: mov %rdi, %rax\n"
        "   test %rax, %rax\n"
        "   jz 1b\n"
        "   jmp fake_ref_impl\n"
        ".size g_object_ref, .-g_object_ref\n");
#elif defined(ENTRY_JMP)
__asm__(".text\n.globl g_object_ref\n.type g_object_ref, @function\n"
        "g_object_ref:\n"
        "   .byte 0xe9\n   .long fake_ref_impl - . - 4\n"
        ".size g_object_ref, .-g_object_ref\n");
#else
void *g_object_ref(void *p) { return fake_ref_impl(p); }
#endif
