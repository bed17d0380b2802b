/* collector/scanlog.c — what a scan writes to the log, after the analysis:
 *
 *   clusters  every lost cluster at an exit or API scan; at a periodic or
 *             signal scan only clusters whose entry blocks have been lost
 *             through min_age scans in a row, and only when new or changed
 *             since they were last logged (history.h remembers)
 *   live      at a periodic or signal scan, the ids of the clusters logged
 *             earlier that it found lost and unchanged, so not logged again;
 *             a young scan (young.h), which examines young blocks only,
 *             carries the older lost blocks' history forward unexamined and
 *             names the clusters logged with them as entries
 *   sites     per allocation site, live blocks and bytes by generation
 *             (a young scan adds the older blocks it counted by site)
 *   chains    for the sites whose old bytes rose since the previous scan
 *             (at most MAX_CHAINS, largest rise first), the shortest path
 *             from a root to the site's block nearest a root; not at a
 *             young scan, which does not trace old blocks (the next full
 *             scan sees the rise)
 *   end       HEURISTICS, when a heuristic made blocks reachable (the
 *             blocks and bytes that only it reached, per heuristic), then
 *             SCAN_END with the totals and times
 *
 * Every STACK record a record refers to is written before it. The log lock
 * is held; memory comes from mmap. */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "born.h"
#include "format.h"
#include "history.h"
#include "logwriter.h"
#include "scanlog.h"
#include "scanstate.h"
#include "stacks.h"
#include "sys.h"

#define NONE 0xFFFFFFFFu
#define MAX_CHAINS 4

static void log_stack(uint32_t id) {
  uintptr_t frames[LG_MAX_FRAMES];
  if (id == 0 || id > lg_stacks_count() || !lg_history_stack_needs_log(id)) return;
  int n = lg_stacks_frames(id, frames, LG_MAX_FRAMES);
  if (n < 0 || n > (int)LG_MAX_FRAMES) return;
  lg_log_begin(LG_REC_STACK, 8 + (uint32_t)n * 8);
  lg_log_u32(id);
  lg_log_u32((uint32_t)n);
  lg_log_raw(frames, (uint32_t)n * sizeof(uintptr_t));
  lg_log_end();
}

void lg_scanlog_stack(uint32_t id) { log_stack(id); }

/* ---- clusters --------------------------------------------------------------- */

typedef struct site { uint32_t stack, cat, blocks, slot; uint64_t bytes; } site_t;

/* Per cluster: what the periodic rules need. */
typedef struct verdict { uint32_t first, streak; uint64_t sig; } verdict_t;

/* Does a young scan carry entry k of the previous lost list forward? Only
 * when its block still lives and is older (not freed, not a young block
 * at the same address). */
static int carried(const lg_scan_t *s, const lg_seen_t *prev, size_t k) {
  return s->prev_live && s->prev_live[k] && lg_heap_find(&s->heap, prev[k].addr) < 0;
}

/* A young scan did not examine the older blocks: the previous scan's
 * entries for those that still live go on unchanged (an unreachable block
 * stays unreachable; the next full scan judges them again), merged by
 * address after next[0..n) is filled, and the ids of the clusters logged
 * with them are kept for LIVE. Returns the new count (nothing is carried
 * when the list would overflow: their streaks start again). */
static size_t carry_forward(lg_scan_t *s, lg_seen_t *next, size_t n) {
  size_t pn, c = 0;
  const lg_seen_t *prev = lg_history_prev_list(&pn);
  for (size_t k = 0; k < pn; k++) c += carried(s, prev, k);
  if (!c || n + c > lg_history_capacity()) return n;
  s->carried_bytes = c * sizeof *s->carried;
  s->carried = lg_sys_map(s->carried_bytes);
  size_t i = n, o = n + c;
  for (size_t k = pn; k > 0; k--) {
    const lg_seen_t *p = &prev[k - 1];
    if (!carried(s, prev, k - 1)) continue;
    if (p->id && s->carried) s->carried[s->ncarried++] = p->id;
    while (i > 0 && next[i - 1].addr > p->addr) next[--o] = next[--i];
    next[--o] = *p;
  }
  return n + c;
}

/* Finds addr in the previous lost list prev[0..pn) by walking on from *at,
 * for addresses asked in ascending order (a smaller one than the last asked
 * falls back to history.h's binary search). Returns its entry or NULL. */
static const lg_seen_t *prev_walk(const lg_seen_t *prev, size_t pn, size_t *at, uintptr_t addr) {
  if (*at > 0 && *at <= pn && prev[*at - 1].addr > addr) return lg_history_prev(addr);
  while (*at < pn && prev[*at].addr < addr) ++*at;
  return *at < pn && prev[*at].addr == addr ? &prev[*at] : NULL;
}

/* Fills v[] for every cluster and this scan's lost list in history. A
 * young scan's blocks of generation 0 are born since the previous scan:
 * no earlier entry at their address is theirs; its older blocks are the
 * previous scan's lost ones it judges again (young.h), whose entries go
 * on. */
static int judge(lg_scan_t *s, verdict_t *v) {
  const lg_graph_t *g = &s->graph;
  lg_seen_t *next = lg_history_next();
  for (size_t c = 0; c < g->nclusters; c++) v[c] = (verdict_t){s->number, 0xFFFFFFFFu, 0x9E3779B97F4A7C15ull};
  size_t n = 0, pn, at = 0;
  const lg_seen_t *prev = lg_history_prev_list(&pn);
  for (size_t k = 0; k < g->nlost; k++) { /* address order keeps `next` sorted */
    const lg_blk_t *b = &s->heap.blk[g->lost[k]];
    verdict_t *cv = &v[(g->lost_info[k] >> 2) - 1];
    const lg_seen_t *p = s->young && !b->gen ? NULL : prev_walk(prev, pn, &at, b->addr);
    uint32_t first = p ? p->first : s->number, streak = p ? p->streak + 1 : 1;
    if (first < cv->first) cv->first = first;
    if ((g->lost_info[k] & LG_LOST_ENTRY) && streak < cv->streak) cv->streak = streak;
    cv->sig = (cv->sig ^ b->addr ^ (lg_blk_size(&s->heap, b) << 48)) * 0xff51afd7ed558ccdull;
    if (next) next[n++] = (lg_seen_t){b->addr, first, streak, p ? p->sig : 0, p ? p->id : 0};
  }
  if (next && s->young) n = carry_forward(s, next, n);
  lg_history_commit(n);
  return 0;
}

/* Finds the history entry of a cluster's entry block, to record its sig. */
static lg_seen_t *entry_seen(uintptr_t addr) { return (lg_seen_t *)lg_history_prev(addr); }

/* Groups a cluster's members by (stack, category) into sites[]; `map` has
 * mask+1 slots of indexes into sites, NONE when free. */
static uint32_t group_sites(const lg_heap_t *h, const lg_graph_t *g, const uint32_t *mem, uint32_t n, site_t *sites,
                            uint32_t *map, uint32_t mask) {
  uint32_t ns = 0;
  for (uint32_t k = 0; k < n; k++) {
    const lg_blk_t *b = &h->blk[mem[k]];
    uint32_t stack = b->stack, cat = lg_graph_cat(h, g, mem[k]);
    uint32_t j = ((stack * 2654435761u) ^ cat) & mask;
    while (map[j] != NONE && !(sites[map[j]].stack == stack && sites[map[j]].cat == cat))
      j = (j + 1) & mask;
    if (map[j] == NONE) {
      map[j] = ns;
      sites[ns++] = (site_t){stack, cat, 0, j, 0};
    }
    sites[map[j]].blocks++;
    sites[map[j]].bytes += lg_blk_size(h, b);
  }
  return ns;
}

/* The listed members of the cluster being written, by block index: an
 * open-addressed table of LISTED_SLOTS entries, an entry valid when its
 * stamp is the cluster's (no clearing between clusters). */
typedef struct listed { uint32_t blk, ix, stamp; } listed_t;
#define LISTED_SLOTS (2 * LG_CLUSTER_MAX_LISTED)

typedef struct work {
  site_t *sites;
  uint32_t *map, mask, *eorder, *estart;
  listed_t *listed;
  uint32_t stamp;
} work_t;

static inline size_t listed_slot(uint32_t blk) { return (blk * 2654435761u) & (LISTED_SLOTS - 1); }

/* Notes that block blk is listed as member ix of the current cluster. */
static void listed_put(work_t *w, uint32_t blk, uint32_t ix) {
  size_t j = listed_slot(blk);
  while (w->listed[j].stamp == w->stamp) j = (j + 1) & (LISTED_SLOTS - 1);
  w->listed[j] = (listed_t){blk, ix, w->stamp};
}

/* The listed index of block blk in the current cluster, or NONE. */
static uint32_t listed_get(const work_t *w, uint32_t blk) {
  for (size_t j = listed_slot(blk); w->listed[j].stamp == w->stamp; j = (j + 1) & (LISTED_SLOTS - 1))
    if (w->listed[j].blk == blk) return w->listed[j].ix;
  return NONE;
}

/* Writes cluster c as a CLUSTER record; returns the record's id. */
static uint32_t log_cluster(lg_scan_t *s, uint32_t c, uint32_t first, work_t *w) {
  const lg_heap_t *h = &s->heap;
  const lg_cluster_info_t *ci = &s->graph.clusters[c];
  const uint32_t *mem = s->graph.members + ci->first;
  uint32_t ns = group_sites(h, &s->graph, mem, ci->blocks, w->sites, w->map, w->mask);
  for (uint32_t k = 0; k < ns; k++) w->map[w->sites[k].slot] = NONE;
  uint32_t nl = ci->blocks < LG_CLUSTER_MAX_LISTED ? ci->blocks : LG_CLUSTER_MAX_LISTED;
  if (++w->stamp == 0) { memset(w->listed, 0, LISTED_SLOTS * sizeof *w->listed); w->stamp = 1; }
  for (uint32_t k = 0; k < nl; k++) listed_put(w, mem[k], k);
  uint32_t ne = 0;
  for (uint32_t e = w->estart[c]; e < w->estart[c + 1] && ne < LG_CLUSTER_MAX_EDGES; e++) {
    uint32_t k = w->eorder[e];
    if (listed_get(w, s->graph.edge_from[k]) != NONE && listed_get(w, s->graph.edge_to[k]) != NONE) ne++;
  }
  for (uint32_t k = 0; k < ns; k++) log_stack(w->sites[k].stack);
  for (uint32_t k = 0; k < nl; k++) log_stack(h->blk[mem[k]].stack);
  uint32_t id = lg_next_cluster_id();
  lg_log_begin(LG_REC_CLUSTER, 4 * 4 + 8 + 4 + 4 + ns * 20 + 4 + nl * 24 + 4 + ne * 8);
  lg_log_u32(s->number);
  lg_log_u32(id);
  lg_log_u32(first);
  lg_log_u32((ci->cyclic ? LG_CLUSTER_CYCLIC : 0) | (ci->possible ? LG_CLUSTER_POSSIBLE : 0));
  lg_log_u64(ci->bytes);
  lg_log_u32(ci->blocks);
  lg_log_u32(ns);
  for (uint32_t k = 0; k < ns; k++) {
    lg_log_u32(w->sites[k].stack);
    lg_log_u32(w->sites[k].cat);
    lg_log_u32(w->sites[k].blocks);
    lg_log_u64(w->sites[k].bytes);
  }
  lg_log_u32(nl);
  for (uint32_t k = 0; k < nl; k++) {
    const lg_blk_t *b = &h->blk[mem[k]];
    unsigned fl = lg_graph_flags(&s->graph, mem[k]);
    lg_log_u64(b->addr);
    lg_log_u64(lg_blk_size(h, b));
    lg_log_u32(b->stack);
    lg_log_u8((uint8_t)lg_graph_cat(h, &s->graph, mem[k]));
    lg_log_u8((uint8_t)(((fl & LG_BF_ENTRY) ? LG_LISTED_ENTRY : 0) | ((fl & LG_BF_IN_CYCLE) ? LG_LISTED_IN_CYCLE : 0)));
    lg_log_u16(0);
  }
  lg_log_u32(ne);
  uint32_t written = 0;
  for (uint32_t e = w->estart[c]; e < w->estart[c + 1] && written < ne; e++) {
    uint32_t k = w->eorder[e];
    uint32_t a = listed_get(w, s->graph.edge_from[k]), b = listed_get(w, s->graph.edge_to[k]);
    if (a == NONE || b == NONE) continue;
    lg_log_u32(a);
    lg_log_u32(b);
    written++;
  }
  lg_log_end();
  s->logged_clusters++;
  s->logged_cyclic += ci->cyclic;
  return id;
}

/* The signature that tells a changed cluster from an unchanged one: its
 * blocks and sizes (judge) and whether they are possibly lost. */
static uint64_t signature(const lg_scan_t *s, uint32_t c, const verdict_t *v) {
  return v->sig ^ (s->graph.clusters[c].possible ? 0xC2B2AE3D27D4EB4Full : 0);
}

/* The history entry of cluster c's entry block (its first member). */
static lg_seen_t *cluster_seen(const lg_scan_t *s, uint32_t c) {
  return entry_seen(s->heap.blk[s->graph.members[s->graph.clusters[c].first]].addr);
}

/* Returns the id of the CLUSTER record that an earlier scan logged for
 * cluster c when this periodic or signal scan finds c old enough and
 * unchanged since (so it is not logged again: LIVE names it), else 0. */
static uint32_t still_live(const lg_scan_t *s, uint32_t c, const verdict_t *v) {
  if (s->kind == LG_SCAN_EXIT || s->kind == LG_SCAN_API) return 0;
  if (v->streak < (uint32_t)s->min_age) return 0;
  const lg_seen_t *e = cluster_seen(s, c);
  return e && e->id && e->sig == signature(s, c, v) ? e->id : 0;
}

/* Decides whether cluster c is logged by this scan (see the file head). */
static int wanted(const lg_scan_t *s, uint32_t c, const verdict_t *v) {
  if (s->kind == LG_SCAN_EXIT || s->kind == LG_SCAN_API) return 1;
  return v->streak >= (uint32_t)s->min_age && !still_live(s, c, v);
}

/* Writes the LIVE record of a periodic or signal scan: `n` cluster ids,
 * and at a young scan those of the clusters it carried forward. */
static void log_live(const lg_scan_t *s, const uint32_t *ids, uint32_t n) {
  if (s->kind != LG_SCAN_PERIODIC && s->kind != LG_SCAN_SIGNAL) return;
  uint32_t nc = s->carried ? s->ncarried : 0;
  lg_log_begin(LG_REC_LIVE, 8 + (n + nc) * 4);
  lg_log_u32(s->number);
  lg_log_u32(n + nc);
  if (n) lg_log_raw(ids, (size_t)n * 4);
  if (nc) lg_log_raw(s->carried, (size_t)nc * 4);
  lg_log_end();
}

/* Buckets the edges by cluster (counting sort): cluster c's edges are
 * w->eorder[estart[c] .. estart[c+1]); pos has room for the starts
 * (es_bytes). Each edge's cluster is looked up once (a search of the lost
 * list), kept for the second pass when memory allows. */
static void bucket_edges(const lg_graph_t *g, work_t *w, uint32_t *pos, size_t es_bytes) {
  size_t cl_bytes = (g->nedges + 1) * 4;
  uint32_t *cl = lg_sys_map(cl_bytes);
  for (size_t e = 0; e < g->nedges; e++) {
    uint32_t c = lg_graph_cluster(g, g->edge_from[e]);
    if (cl) cl[e] = c;
    w->estart[c]++;
  }
  for (size_t c = 1; c <= g->nclusters; c++) w->estart[c] += w->estart[c - 1];
  memcpy(pos, w->estart, es_bytes);
  for (size_t e = 0; e < g->nedges; e++)
    w->eorder[pos[(cl ? cl[e] : lg_graph_cluster(g, g->edge_from[e])) - 1]++] = (uint32_t)e;
  if (cl) lg_sys_unmap(cl, cl_bytes);
}

/* The most sites (stack and category) a cluster of g can group its
 * members into: no more than its blocks, nor than the stacks known times
 * the categories (the sites' table need not be one entry a block of the
 * largest cluster). */
static uint32_t most_sites(const lg_graph_t *g) {
  uint32_t maxb = 1;
  for (size_t c = 0; c < g->nclusters; c++) if (g->clusters[c].blocks > maxb) maxb = g->clusters[c].blocks;
  uint64_t by_stacks = ((uint64_t)lg_stacks_count() + 1) * (LG_NCATS + 1);
  return by_stacks < maxb ? (uint32_t)by_stacks : maxb;
}

void lg_scanlog_clusters(lg_scan_t *s) {
  lg_graph_t *g = &s->graph;
  if (!g->nclusters) { judge(s, NULL); log_live(s, NULL, 0); return; }
  uint32_t maxb = most_sites(g);
  uint32_t mask = 1;
  while (mask < maxb * 2) mask <<= 1;
  work_t w = {.mask = mask - 1};
  size_t sz_sites = (size_t)maxb * sizeof(site_t), sz_map = (size_t)mask * 4;
  size_t sz_lix = LISTED_SLOTS * sizeof(listed_t), sz_es = (g->nclusters + 1) * 4, sz_eo = (g->nedges + 1) * 4;
  size_t sz_v = g->nclusters * sizeof(verdict_t), sz_live = g->nclusters * 4;
  uint32_t *pos = lg_sys_map(sz_es), *live = lg_sys_map(sz_live), nlive = 0;
  verdict_t *v = lg_sys_map(sz_v);
  w.sites = lg_sys_map(sz_sites);
  w.map = lg_sys_map(sz_map);
  w.listed = lg_sys_map(sz_lix); /* zeroed: stamps start at 1 */
  w.estart = lg_sys_map(sz_es);
  w.eorder = lg_sys_map(sz_eo);
  if (pos && live && v && w.sites && w.map && w.listed && w.estart && w.eorder) {
    memset(w.map, 0xFF, sz_map);
    bucket_edges(g, &w, pos, sz_es);
    judge(s, v);
    for (uint32_t c = 0; c < g->nclusters; c++) {
      uint32_t id = still_live(s, c, &v[c]);
      if (id) live[nlive++] = id;
      if (!wanted(s, c, &v[c])) continue;
      id = log_cluster(s, c, v[c].first, &w);
      lg_seen_t *e = cluster_seen(s, c);
      if (e) { e->sig = signature(s, c, &v[c]); e->id = id; }
    }
    log_live(s, live, nlive);
  } else {
    lg_note_locked(LG_NOTE_WARNING, "out of memory while writing clusters; this scan's clusters are missing");
  }
  lg_sys_unmap(pos, sz_es); lg_sys_unmap(live, sz_live); lg_sys_unmap(v, sz_v);
  lg_sys_unmap(w.sites, sz_sites); lg_sys_unmap(w.map, sz_map); lg_sys_unmap(w.listed, sz_lix);
  lg_sys_unmap(w.estart, sz_es); lg_sys_unmap(w.eorder, sz_eo);
}

/* ---- sites and chains -------------------------------------------------------- */

typedef struct stat { uint32_t blocks[3]; uint64_t bytes[3]; uint32_t best; uint32_t depth; } stat_t;

/* One chain to write: its site, its root and its hops, root side first. */
typedef struct hop { uintptr_t addr, size; uint32_t stack; } hop_t;
typedef struct chain { uint32_t stack, n; lg_root_hit_t root; hop_t hop[LG_CHAIN_MAX_HOPS]; } chain_t;

/* What lg_scanlog_sites_prepare keeps for lg_scanlog_sites_and_chains:
 * the census by site and the chains, in memory of its own (mmap). */
typedef struct prep { stat_t *st; uint32_t nst, number; size_t bytes; int nchains; chain_t chain[MAX_CHAINS]; } prep_t;
static prep_t *prep;

/* Copies the chain from a root to block blk of site `stack` into c;
 * returns 0 when there is none. */
static int take_chain(lg_scan_t *s, uint32_t stack, uint32_t blk, chain_t *c) {
  uint32_t path[LG_CHAIN_MAX_HOPS];
  const lg_root_hit_t *root = NULL;
  size_t n = lg_heap_chain(&s->heap, blk, path, LG_CHAIN_MAX_HOPS, &root);
  if (!n || !root) return 0;
  c->stack = stack;
  c->n = (uint32_t)n;
  c->root = *root;
  for (size_t k = 0; k < n; k++) {
    const lg_blk_t *b = &s->heap.blk[path[k]];
    c->hop[k] = (hop_t){b->addr, lg_blk_size(&s->heap, b), b->stack};
  }
  return 1;
}

static void log_chain(const lg_scan_t *s, const chain_t *c) {
  for (size_t k = 0; k < c->n; k++) log_stack(c->hop[k].stack);
  lg_log_begin(LG_REC_CHAIN, 4 * 4 + 8 + 4 + c->n * 20);
  lg_log_u32(s->number);
  lg_log_u32(c->stack);
  lg_log_u32(c->root.kind);
  lg_log_u32(c->root.tid);
  lg_log_u64(c->root.where);
  lg_log_u32(c->n);
  for (size_t k = 0; k < c->n; k++) {
    lg_log_u64(c->hop[k].addr);
    lg_log_u64(c->hop[k].size);
    lg_log_u32(c->hop[k].stack);
  }
  lg_log_end();
}

/* Saves the per-site counts of every live block for the next young scan
 * (born.h), when the born lists are kept. */
static void save_sites(const stat_t *st, uint32_t nst) {
  lg_site_gen_t *to = lg_born_on ? lg_born_sites_room(nst) : NULL;
  if (!to) return;
  for (uint32_t k = 0; k < nst; k++)
    for (int g = 0; g < 3; g++) {
      to[k].blocks[g] = st[k].blocks[g];
      to[k].bytes[g] = st[k].bytes[g];
    }
  lg_born_sites_commit(nst);
}

/* Counts every live block by site and generation into st[0..nst), and
 * notes each site's old REACHABLE block nearest a root. */
static void count_sites(const lg_scan_t *s, stat_t *st, uint32_t nst) {
  for (uint32_t k = 0; k < nst; k++) { st[k].best = NONE; st[k].depth = NONE; }
  for (uint32_t k = 0; k < s->nold_sites && k < nst; k++)
    for (int g = 0; g < 3; g++) {
      st[k].blocks[g] += s->old_sites[k].blocks[g];
      st[k].bytes[g] += s->old_sites[k].bytes[g];
    }
  for (size_t i = 0; i < s->heap.n; i++) {
    const lg_blk_t *b = &s->heap.blk[i];
    if (b->stack >= nst) continue;
    stat_t *t = &st[b->stack];
    unsigned g = b->gen > 2 ? 2 : b->gen;
    t->blocks[g]++;
    t->bytes[g] += lg_blk_size(&s->heap, b);
  }
  for (uint32_t k = 0; k < nst; k++) {
    unsigned d;
    if (lg_heap_site_best(&s->heap, k, &st[k].best, &d)) st[k].depth = d;
  }
}

/* Picks the chains of the sites whose old bytes rose most since the last
 * scan (MAX_CHAINS rounds of picking the largest remaining rise) into p,
 * and remembers this scan's old bytes for the next. */
static void pick_chains(lg_scan_t *s, prep_t *p) {
  uint32_t hist_n = 0, pick[MAX_CHAINS];
  uint64_t *old = lg_history_old_bytes(&hist_n);
  const stat_t *st = p->st;
  int np = 0;
  for (; np < MAX_CHAINS; np++) {
    uint64_t best = 0;
    pick[np] = 0;
    for (uint32_t k = 1; k < p->nst && k < hist_n && old; k++) {
      uint64_t now = st[k].bytes[2];
      if (now > old[k] && now - old[k] > best && st[k].best != NONE) {
        int taken = 0;
        for (int j = 0; j < np; j++) taken |= pick[j] == k;
        if (!taken) { best = now - old[k]; pick[np] = k; }
      }
    }
    if (!pick[np]) break;
  }
  for (uint32_t k = 1; k < p->nst && k < hist_n && old; k++) old[k] = st[k].bytes[2];
  for (int k = 0; k < np; k++) p->nchains += take_chain(s, pick[k], st[pick[k]].best, &p->chain[p->nchains]);
}

/* Gives back what prep holds. */
static void prep_free(prep_t *p) {
  lg_sys_unmap(p->st, p->bytes);
  lg_sys_unmap(p, sizeof *p);
}

void lg_scanlog_sites_prepare(lg_scan_t *s) {
  if (prep && prep->number == s->number) return;
  if (prep) prep_free(prep); /* an abandoned scan's */
  prep = NULL;
  uint32_t nst = lg_stacks_count() + 1;
  size_t bytes = (size_t)nst * sizeof(stat_t);
  prep_t *p = lg_sys_map(sizeof *p);
  if (p && !(p->st = lg_sys_map(bytes))) { lg_sys_unmap(p, sizeof *p); p = NULL; }
  if (p) {
    p->nst = nst;
    p->number = s->number;
    p->bytes = bytes;
    count_sites(s, p->st, nst);
    save_sites(p->st, nst);
    if (!s->young) pick_chains(s, p);
  }
  lg_heap_drop_parents(&s->heap); /* the chains are taken: the analysis has their room */
  prep = p;
}

void lg_scanlog_sites_and_chains(lg_scan_t *s) {
  lg_scanlog_sites_prepare(s);
  prep_t *p = prep;
  prep = NULL;
  if (!p) return;
  const stat_t *st = p->st;
  uint32_t nst = p->nst, nsites = 0;
  for (uint32_t k = 1; k < nst; k++)
    if (st[k].blocks[0] | st[k].blocks[1] | st[k].blocks[2]) { nsites++; log_stack(k); }
  lg_log_begin(LG_REC_SITES, 8 + nsites * 40);
  lg_log_u32(s->number);
  lg_log_u32(nsites);
  for (uint32_t k = 1; k < nst; k++) {
    if (!(st[k].blocks[0] | st[k].blocks[1] | st[k].blocks[2])) continue;
    lg_log_u32(k);
    for (int g = 0; g < 3; g++) lg_log_u32(st[k].blocks[g]);
    for (int g = 0; g < 3; g++) lg_log_u64(st[k].bytes[g]);
  }
  lg_log_end();
  for (int k = 0; k < p->nchains; k++) log_chain(s, &p->chain[k]);
  prep_free(p);
}

/* ---- the end ------------------------------------------------------------------- */

/* Writes the HEURISTICS record: the heuristics that reached blocks. */
static void log_heuristics(const lg_graph_t *g, uint32_t scan) {
  uint32_t n = 0;
  for (uint32_t h = 1; h <= LG_NHEURS; h++) n += g->heur_blocks[h] != 0;
  if (!n) return;
  lg_log_begin(LG_REC_HEURISTICS, 8 + n * 20);
  lg_log_u32(scan);
  lg_log_u32(n);
  for (uint32_t h = 1; h <= LG_NHEURS; h++) {
    if (!g->heur_blocks[h]) continue;
    lg_log_u32(h);
    lg_log_u64(g->heur_bytes[h]);
    lg_log_u64(g->heur_blocks[h]);
  }
  lg_log_end();
}

void lg_scanlog_end(lg_scan_t *s) {
  const lg_graph_t *g = &s->graph;
  log_heuristics(g, s->number);
  uint32_t cyclic = 0;
  for (size_t c = 0; c < g->nclusters; c++) cyclic += g->clusters[c].cyclic;
  lg_log_begin(LG_REC_SCAN_END, 4 + 4 * 16 + 4 + 4 + 8 + 8 + 8 + 4 + 4);
  lg_log_u32(s->number);
  for (int cat = 1; cat <= LG_NCATS; cat++) {
    lg_log_u64(g->cat_bytes[cat]);
    lg_log_u64(g->cat_blocks[cat]);
  }
  lg_log_u32(s->logged_clusters);
  lg_log_u32(s->logged_cyclic);
  uint64_t now = lg_now_ns();
  /* In a snapshot child the parent says when the world ran again. */
  lg_scan_result_t *r = lg_history_result();
  uint64_t resumed = r ? __atomic_load_n(&r->t_resumed, __ATOMIC_ACQUIRE) : 0;
  for (int i = 0; r && !resumed && i < 10000 && s->kind != LG_SCAN_EXIT && getpid() != s->traced; i++) {
    struct timespec ts = {0, 100000};
    nanosleep(&ts, NULL);
    resumed = __atomic_load_n(&r->t_resumed, __ATOMIC_ACQUIRE);
  }
  /* The scan is over when its work is done and the world runs again: a
   * snapshot child can finish before its parent has resumed the threads. */
  uint64_t end = resumed > now ? resumed : now;
  lg_log_u64((resumed ? resumed : now) - s->t_stopped);
  lg_log_u64(end - s->t_start);
  lg_log_u64(s->heap.scanned_bytes);
  lg_log_u32(s->threads);
  lg_log_u32((s->world.no_answer ? LG_SCANF_CONSERVATIVE_THREAD : 0) | (s->young ? LG_SCANF_YOUNG : 0));
  lg_log_end();
  lg_last_totals_set(g->cat_bytes, g->cat_blocks, (uint32_t)g->nclusters, cyclic);
}
