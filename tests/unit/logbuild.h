/* tests/unit/logbuild.h — a tiny in-memory encoder of leakgraph logs
 * (tools/LOGFORMAT.md) for the report tool's unit tests: append records to
 * a growable buffer, then read it back through fmemopen. It records where
 * each record ends, so tests can cut a log at any byte and know which
 * records were complete. Header-only; every function is static. */
#ifndef LG_LOGBUILD_H
#define LG_LOGBUILD_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"

#define LB_MAX_RECORDS 1024

typedef struct lb {
  uint8_t *b;
  size_t n, cap;
  size_t rec_start;
  size_t ends[LB_MAX_RECORDS]; /* offset just after each record */
  size_t nrec;
} lb_t;

static inline void lb_raw(lb_t *l, const void *p, size_t n) {
  if (l->n + n > l->cap) {
    l->cap = (l->n + n) * 2 + 64;
    l->b = realloc(l->b, l->cap);
  }
  memcpy(l->b + l->n, p, n);
  l->n += n;
}

static inline void lb_le(lb_t *l, uint64_t v, int n) {
  uint8_t t[8];
  for (int i = 0; i < n; i++)
    t[i] = (uint8_t)(v >> (8 * i));
  lb_raw(l, t, (size_t)n);
}

static inline void lb_u8(lb_t *l, uint8_t v) { lb_le(l, v, 1); }
static inline void lb_u16(lb_t *l, uint16_t v) { lb_le(l, v, 2); }
static inline void lb_u32(lb_t *l, uint32_t v) { lb_le(l, v, 4); }
static inline void lb_u64(lb_t *l, uint64_t v) { lb_le(l, v, 8); }

static inline void lb_bytes(lb_t *l, const void *p, size_t n) {
  lb_u32(l, (uint32_t)n);
  lb_raw(l, p, n);
}

static inline void lb_str(lb_t *l, const char *s) { lb_bytes(l, s, strlen(s)); }

/* Starts a record of `type`; its length is patched by lb_end. */
static inline void lb_begin(lb_t *l, uint16_t type) {
  l->rec_start = l->n;
  lb_u16(l, LG_SYNC);
  lb_u16(l, type);
  lb_u32(l, 0);
}

/* Ends the record: patches its length and appends its checksum. */
static inline void lb_end(lb_t *l) {
  uint32_t len = (uint32_t)(l->n - l->rec_start - LG_REC_HEADER_SIZE);
  for (int i = 0; i < 4; i++)
    l->b[l->rec_start + 4 + i] = (uint8_t)(len >> (8 * i));
  uint32_t crc = lg_crc32(0, l->b + l->rec_start + 2, 6 + len);
  lb_u32(l, crc);
  if (l->nrec < LB_MAX_RECORDS)
    l->ends[l->nrec++] = l->n;
}

static inline void lb_free(lb_t *l) {
  free(l->b);
  memset(l, 0, sizeof *l);
}

/* A HEADER of version `version` for process `pid` running `exe`. */
static inline void lb_header_v(lb_t *l, uint32_t version, uint32_t pid,
                        const char *exe) {
  lb_begin(l, LG_REC_HEADER);
  lb_u32(l, version);
  lb_u32(l, pid);
  lb_u32(l, 1);
  lb_u32(l, 8);
  lb_u64(l, 1700000000000000000ull);
  lb_str(l, exe);
  lb_u32(l, 2);
  lb_str(l, exe);
  lb_str(l, "-x");
  lb_str(l, "depth=8");
  lb_str(l, "");
  lb_end(l);
}

static inline void lb_header(lb_t *l, uint32_t pid, const char *exe) {
  lb_header_v(l, LG_FORMAT_VERSION, pid, exe);
}

/* A MODULE with one executable segment [start, start+size). */
static inline void lb_module(lb_t *l, uint32_t id, uint64_t bias, const char *path,
                      const char *build_id, uint64_t start, uint64_t size) {
  lb_begin(l, LG_REC_MODULE);
  lb_u32(l, id);
  lb_u64(l, bias);
  lb_str(l, path);
  lb_bytes(l, build_id, strlen(build_id));
  lb_u32(l, 1);
  lb_u64(l, start);
  lb_u64(l, size);
  lb_u32(l, LG_SEG_X | LG_SEG_R);
  lb_end(l);
}

static inline void lb_unload(lb_t *l, uint32_t id) {
  lb_begin(l, LG_REC_UNLOAD);
  lb_u32(l, id);
  lb_end(l);
}

static inline void lb_stack(lb_t *l, uint32_t id, uint32_t n, const uint64_t *f) {
  lb_begin(l, LG_REC_STACK);
  lb_u32(l, id);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++)
    lb_u64(l, f[i]);
  lb_end(l);
}

/* A SCAN_BEGIN at `time` ns since the process started. */
static inline void lb_scan_begin_at(lb_t *l, uint32_t scan, uint32_t kind,
                                    uint64_t time) {
  lb_begin(l, LG_REC_SCAN_BEGIN);
  lb_u32(l, scan);
  lb_u32(l, kind);
  lb_u64(l, time);
  lb_end(l);
}

static inline void lb_scan_begin(lb_t *l, uint32_t scan, uint32_t kind) {
  lb_scan_begin_at(l, scan, kind, 1000);
}

/* A MODULE with a data segment [start, start+size) (W|R) only. */
static inline void lb_module_data(lb_t *l, uint32_t id, uint64_t bias,
                                  const char *path, uint64_t start,
                                  uint64_t size) {
  lb_begin(l, LG_REC_MODULE);
  lb_u32(l, id);
  lb_u64(l, bias);
  lb_str(l, path);
  lb_bytes(l, "", 0);
  lb_u32(l, 1);
  lb_u64(l, start);
  lb_u64(l, size);
  lb_u32(l, LG_SEG_W | LG_SEG_R);
  lb_end(l);
}

/* One site of a SITES record: blocks and bytes of generations 0, 1, 2. */
typedef struct lb_sstat {
  uint32_t stack_id;
  uint32_t blocks[3];
  uint64_t bytes[3];
} lb_sstat_t;

/* A SITES record of `scan` listing `n` sites. */
static inline void lb_sites(lb_t *l, uint32_t scan, uint32_t n,
                            const lb_sstat_t *s) {
  lb_begin(l, LG_REC_SITES);
  lb_u32(l, scan);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++) {
    lb_u32(l, s[i].stack_id);
    for (int g = 0; g < 3; g++)
      lb_u32(l, s[i].blocks[g]);
    for (int g = 0; g < 3; g++)
      lb_u64(l, s[i].bytes[g]);
  }
  lb_end(l);
}

typedef struct lb_hop {
  uint64_t address, size;
  uint32_t stack_id;
} lb_hop_t;

/* A CHAIN record of `scan` for site `stack_id` with `n` hops. */
static inline void lb_chain(lb_t *l, uint32_t scan, uint32_t stack_id,
                            uint32_t kind, uint32_t tid, uint64_t root,
                            uint32_t n, const lb_hop_t *h) {
  lb_begin(l, LG_REC_CHAIN);
  lb_u32(l, scan);
  lb_u32(l, stack_id);
  lb_u32(l, kind);
  lb_u32(l, tid);
  lb_u64(l, root);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++) {
    lb_u64(l, h[i].address);
    lb_u64(l, h[i].size);
    lb_u32(l, h[i].stack_id);
  }
  lb_end(l);
}

/* A LIVE record of `scan` naming `n` clusters of earlier scans. */
static inline void lb_live(lb_t *l, uint32_t scan, uint32_t n,
                           const uint32_t *ids) {
  lb_begin(l, LG_REC_LIVE);
  lb_u32(l, scan);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++)
    lb_u32(l, ids[i]);
  lb_end(l);
}

typedef struct lb_site {
  uint32_t stack_id, cat, blocks;
  uint64_t bytes;
} lb_site_t;

typedef struct lb_block {
  uint64_t address, size;
  uint32_t stack_id;
  uint8_t cat, flags;
} lb_block_t;

/* A CLUSTER first seen in scan `first`; bytes and blocks are the sums of
 * its sites. */
static inline void lb_cluster_fs(lb_t *l, uint32_t scan, uint32_t id,
                                 uint32_t first, uint32_t flags,
                                 uint32_t nsites, const lb_site_t *s,
                                 uint32_t nlisted, const lb_block_t *b,
                                 uint32_t nedges, const uint32_t (*e)[2]) {
  uint64_t bytes = 0;
  uint32_t blocks = 0;
  for (uint32_t i = 0; i < nsites; i++)
    bytes += s[i].bytes, blocks += s[i].blocks;
  lb_begin(l, LG_REC_CLUSTER);
  lb_u32(l, scan);
  lb_u32(l, id);
  lb_u32(l, first);
  lb_u32(l, flags);
  lb_u64(l, bytes);
  lb_u32(l, blocks);
  lb_u32(l, nsites);
  for (uint32_t i = 0; i < nsites; i++) {
    lb_u32(l, s[i].stack_id);
    lb_u32(l, s[i].cat);
    lb_u32(l, s[i].blocks);
    lb_u64(l, s[i].bytes);
  }
  lb_u32(l, nlisted);
  for (uint32_t i = 0; i < nlisted; i++) {
    lb_u64(l, b[i].address);
    lb_u64(l, b[i].size);
    lb_u32(l, b[i].stack_id);
    lb_u8(l, b[i].cat);
    lb_u8(l, b[i].flags);
    lb_u16(l, 0);
  }
  lb_u32(l, nedges);
  for (uint32_t i = 0; i < nedges; i++) {
    lb_u32(l, e[i][0]);
    lb_u32(l, e[i][1]);
  }
  lb_end(l);
}

/* A CLUSTER first seen in the scan that logs it. */
static inline void lb_cluster(lb_t *l, uint32_t scan, uint32_t id,
                              uint32_t flags, uint32_t nsites,
                              const lb_site_t *s, uint32_t nlisted,
                              const lb_block_t *b, uint32_t nedges,
                              const uint32_t (*e)[2]) {
  lb_cluster_fs(l, scan, id, scan, flags, nsites, s, nlisted, b, nedges, e);
}

/* A SCAN_END; `t` holds {bytes, blocks} of the four categories; the scan
 * held the program up for `pause_ns` and took `scan_ns`. */
static inline void lb_scan_end_timed(lb_t *l, uint32_t scan,
                                     const uint64_t t[4][2], uint32_t clusters,
                                     uint32_t cyclic, uint64_t pause_ns,
                                     uint64_t scan_ns) {
  lb_begin(l, LG_REC_SCAN_END);
  lb_u32(l, scan);
  for (int i = 0; i < 4; i++) {
    lb_u64(l, t[i][0]);
    lb_u64(l, t[i][1]);
  }
  lb_u32(l, clusters);
  lb_u32(l, cyclic);
  lb_u64(l, pause_ns);
  lb_u64(l, scan_ns);
  lb_u64(l, 3333);
  lb_u32(l, 3);
  lb_u32(l, 0);
  lb_end(l);
}

/* A SCAN_END with a pause of 1111 ns and a scan time of 2222 ns. */
static inline void lb_scan_end(lb_t *l, uint32_t scan, const uint64_t t[4][2],
                               uint32_t clusters, uint32_t cyclic) {
  lb_scan_end_timed(l, scan, t, clusters, cyclic, 1111, 2222);
}

/* One entry of a HEURISTICS record. */
typedef struct lb_heur {
  uint32_t heuristic;
  uint64_t bytes, blocks;
} lb_heur_t;

/* A HEURISTICS record of `scan` with `n` entries. */
static inline void lb_heuristics(lb_t *l, uint32_t scan, uint32_t n,
                                 const lb_heur_t *h) {
  lb_begin(l, LG_REC_HEURISTICS);
  lb_u32(l, scan);
  lb_u32(l, n);
  for (uint32_t i = 0; i < n; i++) {
    lb_u32(l, h[i].heuristic);
    lb_u64(l, h[i].bytes);
    lb_u64(l, h[i].blocks);
  }
  lb_end(l);
}

static inline void lb_supp(lb_t *l, uint32_t source, const char *text) {
  lb_begin(l, LG_REC_SUPPRESSIONS);
  lb_u32(l, source);
  lb_str(l, text);
  lb_end(l);
}

static inline void lb_note(lb_t *l, uint32_t code, const char *text) {
  lb_begin(l, LG_REC_NOTE);
  lb_u32(l, code);
  lb_str(l, text);
  lb_end(l);
}

static inline void lb_end_rec(lb_t *l, uint32_t how, uint32_t status) {
  lb_begin(l, LG_REC_END);
  lb_u32(l, how);
  lb_u32(l, status);
  lb_end(l);
}

/* Reads the first `n` bytes of the log through the real reader. */
static inline lg_process_t *lb_read_n(const lb_t *l, size_t n, lg_read_result_t *r) {
  static const char dummy[1];
  FILE *f = fmemopen(n ? (void *)l->b : (void *)dummy, n ? n : 1, "rb");
  if (!n)
    fgetc(f); /* fmemopen cannot open zero bytes: consume the dummy */
  lg_process_t *p = lg_reader_read_stream(f, "test.log", r);
  fclose(f);
  return p;
}

static inline lg_process_t *lb_read(const lb_t *l, lg_read_result_t *r) {
  return lb_read_n(l, l->n, r);
}

/* The sample log most tests use: one module /bin/sample at 0x400000, two
 * stacks, a note, one exit scan with a cyclic cluster of a definitely lost
 * block (stack 1, 32 bytes) and two indirectly lost ones (stack 2, 64
 * bytes), and END. Totals: 32/1 definite, 64/2 indirect, 0 possible,
 * 100/4 reachable. */
static inline void lb_sample(lb_t *l, uint32_t pid) {
  static const uint64_t s1[] = {0x401010, 0x402020};
  static const uint64_t s2[] = {0x403030};
  static const lb_site_t sites[] = {{1, LG_CAT_DEFINITE, 1, 32},
                                    {2, LG_CAT_INDIRECT, 2, 64}};
  static const lb_block_t blocks[] = {
      {0x10000, 32, 1, LG_CAT_DEFINITE, LG_LISTED_ENTRY | LG_LISTED_IN_CYCLE},
      {0x20000, 32, 2, LG_CAT_INDIRECT, LG_LISTED_IN_CYCLE},
      {0x30000, 32, 2, LG_CAT_INDIRECT, 0}};
  static const uint32_t edges[][2] = {{0, 1}, {1, 0}, {1, 2}};
  static const uint64_t totals[4][2] = {{32, 1}, {64, 2}, {0, 0}, {100, 4}};
  lb_header(l, pid, "/bin/sample");
  lb_module(l, 1, 0, "", "", 0x400000, 0x100000);
  lb_stack(l, 1, 2, s1);
  lb_stack(l, 2, 1, s2);
  lb_note(l, LG_NOTE_WARNING, "a thread did not stop");
  lb_scan_begin(l, 1, LG_SCAN_EXIT);
  lb_cluster(l, 1, 7, LG_CLUSTER_CYCLIC, 2, sites, 3, blocks, 3, edges);
  lb_scan_end(l, 1, totals, 1, 1);
  lb_end_rec(l, LG_END_EXIT, 0);
}

/* The periodic sample: a process (no END: it was killed) with code at
 * 0x400000 and data at 0x600000 (both the executable /bin/periodic), three
 * stacks, and eight complete periodic scans 1..8 at 1..8 s, each with a
 * SITES record: site 1 an append-only list (old bytes 4096 * scan), site 2
 * a cache that fills in three scans and plateaus at 3072 old bytes, site 3
 * steady with heavy young churn (gen0 1 MB * scan, old bytes 512). Scans 7
 * and 8 log a CHAIN for site 1 rooted in the global word 0x600010 (two
 * hops, then three). Scan 9 begins, lists sites and a chain, never ends. */
static inline void lb_periodic(lb_t *l, uint32_t pid) {
  static const uint64_t s1[] = {0x401010}, s2[] = {0x402020},
                        s3[] = {0x403030};
  static const lb_hop_t hops[] = {
      {0x10000, 48, 1}, {0x10100, 48, 1}, {0x10200, 48, 1}};
  static const uint64_t totals[4][2] = {{0, 0}, {0, 0}, {0, 0}, {100, 4}};
  lb_header(l, pid, "/bin/periodic");
  lb_module(l, 1, 0, "", "", 0x400000, 0x100000);
  lb_module_data(l, 2, 0, "", 0x600000, 0x1000);
  lb_stack(l, 1, 1, s1);
  lb_stack(l, 2, 1, s2);
  lb_stack(l, 3, 1, s3);
  for (uint32_t k = 1; k <= 9; k++) {
    uint64_t cache = k < 3 ? 1024 * k : 3072;
    lb_sstat_t st[3] = {
        {1, {1, 1, k}, {48, 48, 4096ull * k}},
        {2, {2, 0, 3}, {2048, 0, cache}},
        {3, {1000 * k, 5, 1}, {1000000ull * k, 4000, 512}}};
    lb_scan_begin_at(l, k, LG_SCAN_PERIODIC, 1000000000ull * k);
    lb_sites(l, k, 3, st);
    if (k >= 7)
      lb_chain(l, k, 1, LG_ROOT_DATA, 0, 0x600010, k == 7 ? 2 : 3, hops);
    if (k < 9)
      lb_scan_end(l, k, totals, 0, 0);
  }
}

#endif
