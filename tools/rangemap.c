/* tools/rangemap.c — a treap of address ranges (see rangemap.h). Nodes
 * live in one growable pool and link by index; split and merge are the
 * only two tree operations, recursive but shallow: a treap's
 * depth is O(log n) expected whatever order the keys come in, since the
 * priorities are random. */
#include "rangemap.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct lg_rnode {
  uint64_t start, seq, end;
  uint64_t prio;
  int module;
  uint32_t left, right;
};

/* Orders keys (start, seq). */
static int lg_rm_less(uint64_t s1, uint64_t q1, uint64_t s2, uint64_t q2) {
  return s1 < s2 || (s1 == s2 && q1 < q2);
}

/* A xorshift step: the next random priority. */
static uint64_t lg_rm_rand(lg_rangemap_t *m) {
  uint64_t x = m->seed ? m->seed : 0x9E3779B97F4A7C15ull;
  x ^= x << 13, x ^= x >> 7, x ^= x << 17;
  return m->seed = x;
}

/* Splits tree `t` into the keys below (start, seq) and the rest. */
static void lg_rm_split(lg_rnode_t *nd, uint32_t t, uint64_t start,
                        uint64_t seq, uint32_t *lo, uint32_t *hi) {
  if (!t) {
    *lo = *hi = 0;
    return;
  }
  if (lg_rm_less(nd[t].start, nd[t].seq, start, seq)) {
    lg_rm_split(nd, nd[t].right, start, seq, &nd[t].right, hi);
    *lo = t;
  } else {
    lg_rm_split(nd, nd[t].left, start, seq, lo, &nd[t].left);
    *hi = t;
  }
}

/* Merges two trees whose keys are all ordered `a` before `b`. */
static uint32_t lg_rm_merge(lg_rnode_t *nd, uint32_t a, uint32_t b) {
  if (!a || !b)
    return a ? a : b;
  if (nd[a].prio > nd[b].prio) {
    nd[a].right = lg_rm_merge(nd, nd[a].right, b);
    return a;
  }
  nd[b].left = lg_rm_merge(nd, a, nd[b].left);
  return b;
}

void lg_rangemap_insert(lg_rangemap_t *m, uint64_t start, uint64_t end,
                        uint64_t seq, int module) {
  uint32_t id = m->free_list;
  if (id) {
    m->free_list = m->nodes[id].left;
  } else {
    if (m->n == 0)
      m->n = 1; /* index 0 is the empty tree */
    m->nodes = lg_util_grow(m->nodes, m->n, &m->cap, sizeof *m->nodes);
    id = (uint32_t)m->n++;
  }
  lg_rnode_t *x = &m->nodes[id];
  memset(x, 0, sizeof *x);
  x->start = start, x->end = end, x->seq = seq, x->module = module;
  x->prio = lg_rm_rand(m);
  uint32_t lo, hi;
  lg_rm_split(m->nodes, m->root, start, seq, &lo, &hi);
  m->root = lg_rm_merge(m->nodes, lg_rm_merge(m->nodes, lo, id), hi);
}

void lg_rangemap_remove(lg_rangemap_t *m, uint64_t start, uint64_t seq) {
  uint32_t lo, mid, hi;
  lg_rm_split(m->nodes, m->root, start, seq, &lo, &mid);
  lg_rm_split(m->nodes, mid, start, seq + 1, &mid, &hi);
  if (mid) { /* exactly the one node of that key */
    m->nodes[mid].left = m->free_list;
    m->free_list = mid;
  }
  m->root = lg_rm_merge(m->nodes, lo, hi);
}

int lg_rangemap_find(const lg_rangemap_t *m, uint64_t addr) {
  uint32_t t = m->root, best = 0;
  while (t) { /* the greatest key with start <= addr */
    if (m->nodes[t].start <= addr)
      best = t, t = m->nodes[t].right;
    else
      t = m->nodes[t].left;
  }
  return best && addr < m->nodes[best].end ? m->nodes[best].module : -1;
}

void lg_rangemap_free(lg_rangemap_t *m) {
  free(m->nodes);
  memset(m, 0, sizeof *m);
}
