/* A breakpoint (int3, what GLib's g_error hits) raised by library code
 * that the shim calls from inside a hook — here the fake libgobject's
 * g_type_name, which the gobject family asks for the new object's type
 * name at its birth — ends the process by SIGTRAP at once, with the
 * default action, as a trap outside the shim would: it is not deferred to
 * the guard's exit (which let the code after the trap run on, or trap
 * again without end: here the library then aborts, and the process ended
 * by SIGABRT instead of the trap). The program never reaches its printf.
 * lib: fakegobject.c -DNAME_TRAPS
 * build: -L{tmp} -lfakegobject -Wl,-rpath,{tmp}
 * run: direct
 * options: refcount=gobject
 * exit: 133
 * timeout: 20
 * report: optional
 * expect: signal == 5 and stdout == ''
 */
#include <stdint.h>
#include <stdio.h>

void *g_type_create_instance(uintptr_t type);

int main(void) {
  void *o = g_type_create_instance(0x1230);
  printf("born %p\n", o);
  return 0;
}
