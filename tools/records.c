/* tools/records.c — members by folded site and loss records (see
 * records.h). Both merge by a string key in a uthash table: the category
 * and the site key for members, the kind (lost or possible) and the entry's
 * site key for records. Linear in the sites of the report's clusters, plus
 * the sorts. */
#include "records.h"

#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "util.h"

/* A key met before and the slot it was given. */
typedef struct lg_rkey {
  char *key;
  size_t slot;
  UT_hash_handle hh;
} lg_rkey_t;

/* Returns the slot of `key` in `*set`, adding it with slot `next` when it
 * is new (then `*is_new` is set). Takes ownership of `key`. */
static size_t lg_records_slot(lg_rkey_t **set, char *key, size_t next,
                              int *is_new) {
  lg_rkey_t *e;
  HASH_FIND_STR(*set, key, e);
  *is_new = e == NULL;
  if (e) {
    free(key);
    return e->slot;
  }
  e = lg_util_xcalloc(1, sizeof *e);
  e->key = key, e->slot = next;
  HASH_ADD_KEYPTR(hh, *set, e->key, strlen(e->key), e);
  return next;
}

/* Releases every key of `*set`. */
static void lg_records_drop(lg_rkey_t **set) {
  lg_rkey_t *e, *t;
  HASH_ITER(hh, *set, e, t) {
    HASH_DEL(*set, e);
    free(e->key);
    free(e);
  }
}

/* Returns the merge key of a member: its category, then its site key. */
static char *lg_records_member_key(uint32_t cat, const char *site) {
  lg_sb_t sb = {0};
  lg_sb_printf(&sb, "%u\n", cat);
  lg_sb_append(&sb, site, strlen(site));
  return sb.s;
}

/* Adds `blocks` and `bytes` of category `cat` at folded site `site` to
 * members[0..*n) (room for one more is there), merging by `*set`; returns
 * the index of the member. */
static size_t lg_records_add_member(lg_rkey_t **set, lg_rmember_t *members,
                                  size_t *n, uint32_t cat, uint64_t blocks,
                                  uint64_t bytes, const lg_fstack_t *site) {
  int is_new;
  size_t k = lg_records_slot(set, lg_records_member_key(cat, site->key), *n,
                             &is_new);
  lg_rmember_t *m = &members[k];
  if (is_new) {
    memset(m, 0, sizeof *m);
    m->cat = cat;
    lg_site_fold_copy(site, &m->site);
    (*n)++;
  } else {
    lg_site_fold_max(&m->site, site);
  }
  m->blocks += blocks, m->bytes += bytes, m->nstacks++;
  return k;
}

/* Member order: category, then bytes descending (qsort is not stable:
 * then the site key, for a deterministic order). */
static int lg_records_member_order(const void *a, const void *b) {
  const lg_rmember_t *x = a, *y = b;
  if (x->cat != y->cat)
    return x->cat < y->cat ? -1 : 1;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return strcmp(x->site.key, y->site.key);
}

/* A site of a cluster (stack id and category) and the member it joined. */
typedef struct lg_rsitemap {
  uint32_t stack_id, cat;
  int32_t member;
} lg_rsitemap_t;

/* Orders site maps by stack id, then category. */
static int lg_records_map_order(const void *a, const void *b) {
  const lg_rsitemap_t *x = a, *y = b;
  if (x->stack_id != y->stack_id)
    return x->stack_id < y->stack_id ? -1 : 1;
  return x->cat < y->cat ? -1 : x->cat > y->cat;
}

/* Fills c->listed_member from `map` (c->nsites entries, sorted), whose
 * member indexes are those before the members were sorted: `moved` maps
 * them to the sorted ones. */
static void lg_records_listed(lg_rcluster_t *c, lg_rsitemap_t *map,
                              const int32_t *moved) {
  const lg_cluster_t *cl = c->src;
  c->listed_member = lg_util_xcalloc(cl->nlisted, sizeof *c->listed_member);
  for (uint32_t b = 0; b < cl->nlisted; b++) {
    lg_rsitemap_t k = {cl->listed[b].stack_id, cl->listed[b].cat, -1};
    const lg_rsitemap_t *hit =
        c->nsites ? bsearch(&k, map, c->nsites, sizeof *map,
                            lg_records_map_order)
                  : NULL;
    c->listed_member[b] = hit ? moved[hit->member] : -1;
  }
}

/* Orders member indexes by lg_records_member_order, for qsort_r. */
static int lg_records_index_order(const void *a, const void *b, void *ctx) {
  const lg_rmember_t *m = ctx;
  return lg_records_member_order(&m[*(const int32_t *)a],
                                 &m[*(const int32_t *)b]);
}

/* Sorts the members of `c` and fills c->listed_member through `map`. */
static void lg_records_order_members(lg_rcluster_t *c, lg_rsitemap_t *map) {
  size_t n = c->nmembers;
  int32_t *perm = lg_util_xcalloc(n, sizeof *perm);
  int32_t *moved = lg_util_xcalloc(n, sizeof *moved);
  for (size_t m = 0; m < n; m++)
    perm[m] = (int32_t)m;
  qsort_r(perm, n, sizeof *perm, lg_records_index_order, c->members);
  lg_rmember_t *sorted = lg_util_xcalloc(n, sizeof *sorted);
  for (size_t m = 0; m < n; m++) {
    sorted[m] = c->members[perm[m]];
    moved[perm[m]] = (int32_t)m;
  }
  free(c->members);
  c->members = sorted;
  if (c->nsites > 1)
    qsort(map, c->nsites, sizeof *map, lg_records_map_order);
  lg_records_listed(c, map, moved);
  free(perm);
  free(moved);
}

/* Fills the members, the listed blocks' members and the entry site of
 * cluster `c`. */
static void lg_records_cluster(lg_rcluster_t *c) {
  lg_rkey_t *set = NULL;
  c->members = lg_util_xcalloc(c->nsites, sizeof *c->members);
  lg_rsitemap_t *map = lg_util_xcalloc(c->nsites, sizeof *map);
  for (size_t i = 0; i < c->nsites; i++) {
    lg_fstack_t f;
    lg_site_fold(c->sites[i].stack.frames, c->sites[i].stack.n, &f);
    size_t m = lg_records_add_member(&set, c->members, &c->nmembers,
                                     c->sites[i].cat, c->sites[i].blocks,
                                     c->sites[i].bytes, &f);
    lg_site_fold_free(&f);
    map[i] = (lg_rsitemap_t){c->sites[i].stack_id, c->sites[i].cat,
                             (int32_t)m};
  }
  lg_records_drop(&set);
  lg_records_order_members(c, map);
  free(map);
  const lg_rstack_t *st = c->nentries ? &c->entries[0].stack
                          : c->nsites ? &c->sites[0].stack
                                      : NULL;
  lg_site_fold(st ? st->frames : NULL, st ? st->n : 0, &c->entry_site);
  for (size_t m = 0; m < c->nmembers; m++) /* the recursion's full depth */
    if (strcmp(c->members[m].site.key, c->entry_site.key) == 0)
      lg_site_fold_max(&c->entry_site, &c->members[m].site);
}

/* Adds amount `b` into `a`, saturating. */
static void lg_records_sum(lg_amount_t *a, const lg_amount_t *b) {
  a->bytes = a->bytes + b->bytes < a->bytes ? UINT64_MAX : a->bytes + b->bytes;
  a->blocks =
      a->blocks + b->blocks < a->blocks ? UINT64_MAX : a->blocks + b->blocks;
}

/* Adds cluster `k` of `r` to loss record `rec` (a new one when `is_new`). */
static void lg_records_join(lg_report_t *r, lg_rrecord_t *rec, size_t k,
                            int is_new) {
  lg_rcluster_t *c = &r->clusters[k];
  if (is_new) {
    memset(rec, 0, sizeof *rec);
    rec->possible = c->possible != 0;
    lg_site_fold_copy(&c->entry_site, &rec->site);
  } else {
    lg_site_fold_max(&rec->site, &c->entry_site);
  }
  rec->clusters = lg_util_xrealloc(rec->clusters, rec->nclusters + 1,
                                   sizeof *rec->clusters);
  rec->clusters[rec->nclusters++] = k;
  rec->ncyclic += c->cyclic != 0;
  lg_amount_t all = {c->bytes, c->blocks};
  lg_amount_t total = {rec->bytes, rec->blocks};
  lg_records_sum(&total, &all);
  rec->bytes = total.bytes, rec->blocks = total.blocks;
  lg_records_sum(&rec->definite, &c->definite);
  lg_records_sum(&rec->indirect, &c->indirect);
  lg_records_sum(&rec->possibly, &c->possibly);
  c->record = (size_t)(rec - r->records);
}

/* Fills the members of record `rec` from those of its clusters. */
static void lg_records_members(const lg_report_t *r, lg_rrecord_t *rec) {
  size_t total = 0;
  for (size_t i = 0; i < rec->nclusters; i++)
    total += r->clusters[rec->clusters[i]].nmembers;
  rec->members = lg_util_xcalloc(total, sizeof *rec->members);
  lg_rkey_t *set = NULL;
  for (size_t i = 0; i < rec->nclusters; i++) {
    const lg_rcluster_t *c = &r->clusters[rec->clusters[i]];
    for (size_t m = 0; m < c->nmembers; m++)
      lg_records_add_member(&set, rec->members, &rec->nmembers,
                            c->members[m].cat, c->members[m].blocks,
                            c->members[m].bytes, &c->members[m].site);
  }
  lg_records_drop(&set);
  if (rec->nmembers > 1)
    qsort(rec->members, rec->nmembers, sizeof *rec->members,
          lg_records_member_order);
  for (size_t m = 0; m < rec->nmembers; m++) /* the recursion's full depth */
    if (strcmp(rec->members[m].site.key, rec->site.key) == 0)
      lg_site_fold_max(&rec->site, &rec->members[m].site);
}

/* Record order: lost before possible, bytes descending, first cluster. */
static int lg_records_order(const void *a, const void *b) {
  const lg_rrecord_t *x = a, *y = b;
  if (x->possible != y->possible)
    return x->possible ? 1 : -1;
  if (x->bytes != y->bytes)
    return x->bytes > y->bytes ? -1 : 1;
  return x->clusters[0] < y->clusters[0] ? -1 : x->clusters[0] > y->clusters[0];
}

void lg_records_build(lg_report_t *r) {
  lg_rkey_t *set = NULL;
  r->records = lg_util_xcalloc(r->nclusters, sizeof *r->records);
  for (size_t k = 0; k < r->nclusters; k++) {
    lg_rcluster_t *c = &r->clusters[k];
    lg_records_cluster(c);
    lg_sb_t key = {0};
    lg_sb_printf(&key, "%c\n", c->possible ? 'p' : 'l');
    lg_sb_append(&key, c->entry_site.key, strlen(c->entry_site.key));
    int is_new;
    size_t slot = lg_records_slot(&set, key.s, r->nrecords, &is_new);
    lg_records_join(r, &r->records[slot], k, is_new);
    r->nrecords += is_new;
  }
  lg_records_drop(&set);
  for (size_t i = 0; i < r->nrecords; i++)
    lg_records_members(r, &r->records[i]);
  if (r->nrecords > 1)
    qsort(r->records, r->nrecords, sizeof *r->records, lg_records_order);
  for (size_t i = 0; i < r->nrecords; i++)
    for (size_t k = 0; k < r->records[i].nclusters; k++)
      r->clusters[r->records[i].clusters[k]].record = i;
}

/* Releases members[0..n) and the array. */
static void lg_records_free_members(lg_rmember_t *m, size_t n) {
  for (size_t i = 0; i < n; i++)
    lg_site_fold_free(&m[i].site);
  free(m);
}

void lg_records_free(lg_report_t *r) {
  for (size_t k = 0; k < r->nclusters; k++) {
    free(r->clusters[k].listed_member);
    lg_records_free_members(r->clusters[k].members, r->clusters[k].nmembers);
    lg_site_fold_free(&r->clusters[k].entry_site);
  }
  for (size_t i = 0; i < r->nrecords; i++) {
    lg_records_free_members(r->records[i].members, r->records[i].nmembers);
    lg_site_fold_free(&r->records[i].site);
    free(r->records[i].clusters);
  }
  free(r->records);
  r->records = NULL;
  r->nrecords = 0;
}
