/* collector/exesym.c — finds a function the main program defines by name in
 * its ELF symbol tables (.symtab, else .dynsym), for LeakSanitizer's hooks
 * (__lsan_is_turned_off, __lsan_default_suppressions): a program built
 * without -rdynamic does not export them, so dlsym cannot see them. This is
 * a lookup of a known name, not symbolization; it reads the executable
 * through a private read-only mapping and checks every offset. */
#include "exesym.h"

#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int first_bias(struct dl_phdr_info *info, size_t size, void *arg) {
  (void)size;
  *(uintptr_t *)arg = info->dlpi_addr;
  return 1; /* the first object is the main program */
}

/* Searches one symbol table section for `name`; returns its value or 0. */
static uintptr_t search(const char *img, size_t len, const Elf64_Shdr *sh, const Elf64_Shdr *shs,
                        uint16_t nsh, const char *name) {
  if (sh->sh_link >= nsh || sh->sh_entsize != sizeof(Elf64_Sym)) return 0;
  const Elf64_Shdr *str = &shs[sh->sh_link];
  if (sh->sh_offset > len || sh->sh_size > len - sh->sh_offset) return 0;
  if (str->sh_offset > len || str->sh_size > len - str->sh_offset) return 0;
  const Elf64_Sym *sym = (const Elf64_Sym *)(img + sh->sh_offset);
  size_t n = sh->sh_size / sizeof *sym, nl = strlen(name);
  for (size_t i = 0; i < n; i++) {
    if (sym[i].st_name >= str->sh_size || nl >= str->sh_size - sym[i].st_name) continue;
    if (ELF64_ST_TYPE(sym[i].st_info) != STT_FUNC || !sym[i].st_value) continue;
    if (!memcmp(img + str->sh_offset + sym[i].st_name, name, nl + 1)) return sym[i].st_value;
  }
  return 0;
}

uintptr_t lg_exe_symbol(const char *name) {
  int fd = open("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  struct stat st;
  uintptr_t found = 0;
  if (fstat(fd, &st) == 0 && st.st_size >= (off_t)sizeof(Elf64_Ehdr)) {
    size_t len = (size_t)st.st_size;
    const char *img = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (img != MAP_FAILED) {
      const Elf64_Ehdr *eh = (const Elf64_Ehdr *)img;
      if (!memcmp(eh->e_ident, ELFMAG, SELFMAG) && eh->e_ident[EI_CLASS] == ELFCLASS64 &&
          eh->e_shentsize == sizeof(Elf64_Shdr) && eh->e_shoff < len &&
          (size_t)eh->e_shnum * sizeof(Elf64_Shdr) <= len - eh->e_shoff) {
        const Elf64_Shdr *shs = (const Elf64_Shdr *)(img + eh->e_shoff);
        for (int pass = 0; pass < 2 && !found; pass++)
          for (uint16_t i = 0; i < eh->e_shnum && !found; i++)
            if (shs[i].sh_type == (pass ? SHT_DYNSYM : SHT_SYMTAB))
              found = search(img, len, &shs[i], shs, eh->e_shnum, name);
      }
      munmap((void *)img, len);
    }
  }
  close(fd);
  if (!found) return 0;
  uintptr_t bias = 0;
  dl_iterate_phdr(first_bias, &bias);
  return found + bias;
}
