/* preload/patch.h — entry patching: making a library's function jump to a
 * hook of ours, however the library calls it (GLib and the GStreamer core
 * are linked with -Bsymbolic-functions: their own calls to g_object_ref
 * never go through the PLT, so symbol interposition cannot see them).
 * The invariants are in prose at the top of patch.c. */
#ifndef LG_PATCH_H
#define LG_PATCH_H

#include <stddef.h>
#include <stdint.h>

/* One function to patch, and what became of it. */
typedef struct lg_patch {
  const char *name;  /* the function, for notes */
  uintptr_t entry;   /* its first byte */
  size_t size;       /* its length (the symbol's st_size); 0 unknown: refused */
  uintptr_t seg_end; /* end of the executable segment holding it */
  int prot;          /* that segment's protection (PROT_*), restored after the write */
  void *hook;        /* where the entry will jump */
  void **orig;       /* receives the trampoline: calling it runs the original function */
  int chained;       /* out: the entry was already a jump (another tool's patch), kept */
} lg_patch_t;

/* lg_patch_install patches every function of p[0..n) (n ≤ LG_PATCH_MAX,
 * all in one module), or none of them: each entry is decoded, its first
 * instructions are relocated into a trampoline beside the module, and only
 * when every entry can be moved with certainty are the jumps written —
 * with every other thread of the program stopped and none of them inside
 * the bytes being replaced. On success it returns 0 and sets each *orig.
 * Otherwise it returns -1 and writes the reason into why (naming the
 * function it refused); the program's code is untouched. Call it with the
 * guard held, holding no shim lock. */
#define LG_PATCH_MAX 24
int lg_patch_install(lg_patch_t *p, size_t n, char *why, size_t whylen);

/* lg_patch_count_field reads where an opaque object keeps its count from
 * its up_ref function's code (entry, size, segment end as above): the one
 * lock-prefixed add (xadd, add, inc) to a 4- or 8-byte field at a fixed
 * offset from the first argument (RDI) among its first instructions, as
 * OpenSSL's CRYPTO_UP_REF compiles to. Returns 1 with *off and *width set,
 * or 0 when there is no such instruction or more than one. */
int lg_patch_count_field(uintptr_t entry, size_t size, uintptr_t seg_end, int32_t *off, unsigned *width);

/* lg_patch_find_ret decodes forward from the instruction boundary `from`
 * (a return address) and returns the address of the first plain `ret`
 * before seg_end, or 0 (within 16 KiB). */
uintptr_t lg_patch_find_ret(uintptr_t from, uintptr_t seg_end);

/* lg_patch_idle gives back the memory of the decoder's tables (the
 * read-only pages of libZydis, some 600 KiB once touched, which count in
 * the program's resident memory) until the next decode faults them in
 * again from the page cache. Call it between patching rounds. */
void lg_patch_idle(void);

#endif
