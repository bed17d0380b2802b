/* tools/cisites.c — leak sites for the CI formats (see cisites.h). */
#include "cisites.h"

#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

/* The index of a site by (key, category) while sites are collected. */
typedef struct lg_csidx {
  char *id; /* category digit, then the key */
  size_t slot;
  UT_hash_handle hh;
} lg_csidx_t;

/* Adds site `s` of cluster `c` to `out` or to its earlier occurrence. */
static void lg_csites_add(lg_csidx_t **idx, lg_csite_t **out, size_t *n,
                          size_t *cap, const lg_rcluster_t *c,
                          const lg_rsite_t *s) {
  lg_sb_t id = {0};
  lg_sb_printf(&id, "%u", s->cat);
  lg_sb_append(&id, s->stack.key ? s->stack.key : "", s->stack.key ? strlen(s->stack.key) : 0);
  lg_csidx_t *e;
  HASH_FIND_STR(*idx, id.s, e);
  if (!e) {
    e = lg_util_xcalloc(1, sizeof *e);
    e->id = id.s;
    e->slot = *n;
    HASH_ADD_KEYPTR(hh, *idx, e->id, strlen(e->id), e);
    *out = lg_util_grow(*out, *n, cap, sizeof **out);
    lg_csite_t *cs = &(*out)[(*n)++];
    memset(cs, 0, sizeof *cs);
    cs->key = s->stack.key, cs->cat = s->cat, cs->site = s, cs->cluster = c;
    cs->baseline = s->baseline;
  } else {
    lg_sb_free(&id);
  }
  lg_csite_t *cs = &(*out)[e->slot];
  lg_util_sat_add(&cs->bytes, s->bytes);
  lg_util_sat_add(&cs->blocks, s->blocks);
  cs->nclusters++;
  cs->cyclic |= c->cyclic && !c->possible;
  if (s->cat == LG_CAT_DEFINITE && c->nentries &&
      c->entries[0].stack.ref == s->stack.ref)
    lg_util_sat_add(&cs->indirect, c->indirect.bytes);
}

lg_csite_t *lg_csites_collect(const lg_report_t *r, const lg_process_t *p,
                              size_t *n) {
  lg_csite_t *out = NULL;
  size_t cap = 0;
  lg_csidx_t *idx = NULL, *e, *et;
  *n = 0;
  for (size_t k = 0; k < r->nclusters; k++) {
    const lg_rcluster_t *c = &r->clusters[k];
    for (size_t j = 0; (!p || c->proc == p) && j < c->nsites; j++)
      lg_csites_add(&idx, &out, n, &cap, c, &c->sites[j]);
  }
  HASH_ITER(hh, idx, e, et) {
    HASH_DEL(idx, e);
    free(e->id), free(e);
  }
  return out;
}

int lg_csite_fails(const lg_report_t *r, const lg_csite_t *s,
                   unsigned fail_on) {
  if (r->base.b && s->baseline != LG_BASE_NEW)
    return 0;
  unsigned kind = s->cat == LG_CAT_DEFINITE   ? LG_FAIL_DEFINITE
                  : s->cat == LG_CAT_INDIRECT ? LG_FAIL_INDIRECT
                                              : LG_FAIL_POSSIBLE;
  return (fail_on & kind) || (s->cyclic && (fail_on & LG_FAIL_CYCLE));
}

const char *lg_csite_kind(uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? "Leak_DefinitelyLost"
         : cat == LG_CAT_INDIRECT ? "Leak_IndirectlyLost"
                                  : "Leak_PossiblyLost";
}

const char *lg_csite_words(uint32_t cat) {
  return cat == LG_CAT_DEFINITE   ? "definitely lost"
         : cat == LG_CAT_INDIRECT ? "indirectly lost"
                                  : "possibly lost";
}

/* Says whether a module path is a system library's. */
static int lg_csite_system(const char *module) {
  static const char *const dirs[] = {"/lib/", "/lib64/", "/lib32/",
                                     "/usr/lib/", "/usr/lib64/",
                                     "/usr/lib32/", "/usr/libexec/"};
  for (size_t i = 0; module && i < sizeof dirs / sizeof dirs[0]; i++)
    if (strncmp(module, dirs[i], strlen(dirs[i])) == 0)
      return 1;
  return 0;
}

size_t lg_csite_own_frame(const lg_rstack_t *st) {
  size_t any = st->n;
  for (size_t i = 0; i < st->n; i++) {
    const lg_symframe_t *f = &st->frames[i];
    if (!f->function || lg_csite_system(f->module))
      continue;
    if (f->file)
      return i;
    if (any == st->n)
      any = i;
  }
  return any < st->n ? any : 0;
}
