/* preload/rc_openssl.c — the openssl refcount family: OpenSSL's
 * refcounted objects, by patching the entries of each type's constructor,
 * up_ref and free:
 *
 *   libcrypto  X509_new, X509_up_ref, X509_free
 *              EVP_PKEY_new, EVP_PKEY_up_ref, EVP_PKEY_free
 *              BIO_new_ex, BIO_up_ref, BIO_free      (BIO_new calls BIO_new_ex)
 *   libssl     SSL_CTX_new_ex, SSL_CTX_up_ref, SSL_CTX_free (SSL_CTX_new calls it)
 *              SSL_SESSION_new, SSL_SESSION_up_ref, SSL_SESSION_free
 *
 * A *_new is a birth after it returned; *_up_ref a ref and *_free an unref
 * (OpenSSL's free lowers the count and frees at zero), before they run. An
 * object made elsewhere (d2i_X509, a session copied by the library) is
 * adopted at its first up_ref or free; its death is the free of its heap
 * block (OpenSSL allocates with malloc). OpenSSL 3 calls these through
 * the PLT, but patching the entries sees its internal calls whatever the
 * linkage, needs no exported symbols of ours and costs nothing when the
 * family is off.
 *
 * The objects are opaque: where each type keeps its count is read at
 * install time from its own up_ref's code (the one lock-prefixed add to a
 * field of its argument: CRYPTO_UP_REF), never assumed. A type whose
 * up_ref does not show it unambiguously is left out, with a NOTE, and the
 * family goes on with the others. Type names are the library's names for
 * them ("X509", "SSL_CTX"). */
#include <stdint.h>

#include "guard.h"
#include "rcfam.h"

typedef struct otype {
  const char *name, *fnew, *fup, *ffree;
  void *(*o_new)(void *, void *, void *);
  int (*o_up)(void *);
  uintptr_t (*o_free)(void *);
  int32_t off;
  unsigned width;
  uint32_t id;
  int done; /* installed, or refused: looked at once */
} otype_t;

static otype_t types[] = {
    {"X509", "X509_new", "X509_up_ref", "X509_free", 0, 0, 0, 0, 0, 0, 0},
    {"EVP_PKEY", "EVP_PKEY_new", "EVP_PKEY_up_ref", "EVP_PKEY_free", 0, 0, 0, 0, 0, 0, 0},
    {"BIO", "BIO_new_ex", "BIO_up_ref", "BIO_free", 0, 0, 0, 0, 0, 0, 0},
    {"SSL_CTX", "SSL_CTX_new_ex", "SSL_CTX_up_ref", "SSL_CTX_free", 0, 0, 0, 0, 0, 0, 0},
    {"SSL_SESSION", "SSL_SESSION_new", "SSL_SESSION_up_ref", "SSL_SESSION_free", 0, 0, 0, 0, 0, 0, 0},
};
#define NTYPES (sizeof types / sizeof types[0])

/* Records a ref (+1) or unref (-1) of obj of type t; the guard is held.
 * Inlined into the hook: the unwinder steps over one shim frame only. */
static inline __attribute__((always_inline)) void event(const otype_t *t, void *obj, int delta) {
  uint32_t st = lg_rc_capture();
  if (!(delta > 0 ? lg_rc_ref((uintptr_t)obj, st) : lg_rc_unref((uintptr_t)obj, st)))
    lg_rc_adopt((uintptr_t)obj, 0, LG_RC_OPENSSL, t->off, t->width, t->id, st, delta);
}

/* The three hooks of type i. A constructor takes at most three arguments
 * (BIO_new_ex two, SSL_CTX_new_ex three): passing three to one that takes
 * fewer is harmless in the x86-64 calling convention. BIO_free returns an
 * int, the other frees nothing: the value is passed back either way. */
#define HOOKS(i)                                                          \
  static void *h_new_##i(void *a, void *b, void *c) {                     \
    void *obj = types[i].o_new(a, b, c);                                  \
    if (obj && LG_RC_TRACE) {                                             \
      LG_GUARDED;                                                         \
      lg_rc_birth((uintptr_t)obj, LG_RC_OPENSSL, types[i].off, types[i].width, types[i].id, lg_rc_capture()); \
    }                                                                     \
    return obj;                                                           \
  }                                                                       \
  static int h_up_##i(void *obj) {                                        \
    if (obj && LG_RC_TRACE) {                                             \
      LG_GUARDED;                                                         \
      event(&types[i], obj, +1);                                          \
    }                                                                     \
    return types[i].o_up(obj);                                            \
  }                                                                       \
  static uintptr_t h_free_##i(void *obj) {                                \
    if (obj && LG_RC_TRACE) {                                             \
      LG_GUARDED;                                                         \
      event(&types[i], obj, -1);                                          \
    }                                                                     \
    return types[i].o_free(obj);                                          \
  }
HOOKS(0) HOOKS(1) HOOKS(2) HOOKS(3) HOOKS(4)
static void *const hook_new[NTYPES] = {(void *)h_new_0, (void *)h_new_1, (void *)h_new_2, (void *)h_new_3, (void *)h_new_4};
static void *const hook_up[NTYPES] = {(void *)h_up_0, (void *)h_up_1, (void *)h_up_2, (void *)h_up_3, (void *)h_up_4};
static void *const hook_free[NTYPES] = {(void *)h_free_0, (void *)h_free_1, (void *)h_free_2, (void *)h_free_3,
                                        (void *)h_free_4};

/* Plans type i's three patches in module info; 1 if they can go into the
 * group, 0 if the module lacks the type or its count cannot be found. */
static int plan_type(const struct dl_phdr_info *info, size_t i, lg_patch_t *p) {
  otype_t *t = &types[i];
  if (!lg_rc_plan(info, t->fnew, hook_new[i], (void **)&t->o_new, &p[0]) ||
      !lg_rc_plan(info, t->fup, hook_up[i], (void **)&t->o_up, &p[1]) ||
      !lg_rc_plan(info, t->ffree, hook_free[i], (void **)&t->o_free, &p[2]))
    return 0;
  t->done = 1;
  if (!lg_patch_count_field(p[1].entry, p[1].size, p[1].seg_end, &t->off, &t->width)) {
    lg_rc_note(LG_NOTE_WARNING, "refcount openssl: cannot tell from %s in %s where a %s keeps its count; %s objects "
               "are not recorded", t->fup, lg_rc_module_name(info), t->name, t->name);
    return 0;
  }
  t->id = lg_rc_type_intern(LG_RC_OPENSSL, t->name);
  return 1;
}

void lg_rc_openssl_module(const struct dl_phdr_info *info) {
  lg_patch_t p[3 * NTYPES];
  size_t n = 0;
  for (size_t i = 0; i < NTYPES; i++)
    if (!types[i].done && lg_rc_symbol(info, types[i].fup) && plan_type(info, i, &p[n])) n += 3;
  if (n) lg_rc_install(LG_RC_OPENSSL, info, p, n);
}
