/* preload/dlopen.c — dlopen, interposed so that the refcount families can
 * patch a library it loads before the program can call into it: the real
 * dlopen maps the library and runs its constructors, then, before the
 * program gets the handle, lg_rc_after_dlopen looks at the new modules.
 *
 * Who called dlopen matters to glibc: a bare file name is searched along
 * the calling object's DT_RUNPATH (and DT_RPATH, with its loaders' and
 * the program's), and `$ORIGIN` is the caller's directory. glibc takes
 * the caller from dlopen's return address. A plain call from this file
 * would make the shim the caller; that changes nothing when neither the
 * caller nor the program has an RPATH or RUNPATH — the case of Debian's
 * own programs — or when the name is a path without `$`. Otherwise the
 * real dlopen is entered with a return address inside the caller's own
 * code: the first `ret` instruction after the caller's return address,
 * below which lies the address to come back here. glibc then sees the
 * right caller; the `ret` sends the result back to this file. (Stacks
 * captured inside such a dlopen, in the library's constructors, may stop
 * at that frame.) Not on a CPU with shadow stacks on, where the plain
 * call is made. dlmopen is not interposed. */
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "guard.h"
#include "patch.h"
#include "rcfam.h"
#include "shim.h"

typedef void *(*dlopen_fn)(const char *, int);

/* lg_dlopen_via calls real(file, mode) with `gadget` (a `ret` in the
 * caller's code) as its return address; real returns through it here. */
void *lg_dlopen_via(dlopen_fn real, const char *file, int mode, uintptr_t gadget);
__asm__(".text\n"
        ".type lg_dlopen_via, @function\n"
        "lg_dlopen_via:\n"
        "  .cfi_startproc\n"
        "  pushq %rbp\n"
        "  .cfi_def_cfa_offset 16\n"
        "  .cfi_offset rbp, -16\n"
        "  movq %rsp, %rbp\n"
        "  .cfi_def_cfa_register rbp\n"
        "  movq %rdi, %rax\n"
        "  movq %rsi, %rdi\n"
        "  movl %edx, %esi\n"
        "  leaq 1f(%rip), %rdx\n"
        "  subq $8, %rsp\n"
        "  pushq %rdx\n"   /* where the gadget's ret goes */
        "  pushq %rcx\n"   /* real's return address: the gadget */
        "  jmpq *%rax\n"
        "1:\n"
        "  movq %rbp, %rsp\n"
        "  popq %rbp\n"
        "  .cfi_def_cfa rsp, 8\n"
        "  retq\n"
        "  .cfi_endproc\n"
        ".size lg_dlopen_via, .-lg_dlopen_via\n");

/* Does the object holding `addr`, or the program, have DT_RPATH or
 * DT_RUNPATH? */
static int has_paths(const struct link_map *lm) {
  for (const ElfW(Dyn) *d = lm ? lm->l_ld : NULL; d && d->d_tag != DT_NULL; d++)
    if (d->d_tag == DT_RPATH || d->d_tag == DT_RUNPATH) return 1;
  return 0;
}

static int caller_matters(const char *file, uintptr_t caller) {
  if (!file || (strchr(file, '/') && !strchr(file, '$'))) return 0;
  Dl_info info;
  struct link_map *lm = NULL, *main_map = NULL;
  if (!dladdr1((void *)caller, &info, (void **)&lm, RTLD_DL_LINKMAP) || !lm) return 0;
  for (main_map = lm; main_map->l_prev; main_map = main_map->l_prev) {}
  return strchr(file, '$') || has_paths(lm) || has_paths(main_map);
}

typedef struct seg { uintptr_t ip, end; } seg_t;

static int find_seg(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  seg_t *s = arg;
  for (int i = 0; i < info->dlpi_phnum; i++) {
    const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
    uintptr_t lo = info->dlpi_addr + ph->p_vaddr;
    if (ph->p_type == PT_LOAD && (ph->p_flags & PF_X) && s->ip >= lo && s->ip < lo + ph->p_memsz) {
      s->end = lo + ph->p_memsz;
      return 1;
    }
  }
  return 0;
}

/* A `ret` in the caller's code after its return address, or 0. */
static uintptr_t gadget_for(uintptr_t caller) {
  unsigned long features = 0;
  if (syscall(SYS_arch_prctl, 0x5005 /* ARCH_SHSTK_STATUS */, &features) == 0 && (features & 1)) return 0;
  seg_t s = {caller, 0};
  dl_iterate_phdr(find_seg, &s);
  return s.end ? lg_patch_find_ret(caller, s.end) : 0;
}

LG_PUBLIC void *dlopen(const char *file, int mode) {
  static dlopen_fn real;
  if (!real) real = (dlopen_fn)dlsym(RTLD_NEXT, "dlopen");
  uintptr_t caller = (uintptr_t)__builtin_return_address(0), gadget = 0;
  if (caller_matters(file, caller)) {
    LG_GUARDED;
    gadget = gadget_for(caller);
  }
  void *h = gadget ? lg_dlopen_via(real, file, mode, gadget) : real(file, mode);
  if (h && file && lg_on && !lg_in_shim) {
    int saved = errno;
    LG_GUARDED;
    lg_rc_after_dlopen();
    errno = saved;
  }
  return h;
}
