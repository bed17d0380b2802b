/* tools/reader.h — the in-memory form of one leakgraph log, and the reader
 * that builds it. A log (tools/LOGFORMAT.md) becomes one lg_process_t: its
 * HEADER fields, every module it ever loaded, its stacks by id (each frame
 * already resolved to the module that was loaded when the STACK record was
 * written), its scans with their clusters, per-site statistics (SITES),
 * retention chains (CHAIN), heuristic counts (HEURISTICS) and the earlier
 * clusters they found still lost (LIVE), its refcount findings and the
 * refcounted objects of its lost blocks (RC_TYPE, RC_FINDING, RC_OBJECTS),
 * its suppressions, notes and END.
 *
 * The reader trusts nothing in the file: every count is capped by the bytes
 * that remain in its record, every index is checked, and a file can make it
 * allocate at most about its own size. It never prints; it reports through
 * lg_read_result_t and the caller decides what to say. */
#ifndef LG_READER_H
#define LG_READER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uthash.h>

#include "format.h"

/* A PT_LOAD range of a module at run time. */
typedef struct lg_segment {
  uint64_t start, size;
  uint32_t flags;
} lg_segment_t;

/* A MODULE record. Modules are kept in log order and never removed: an
 * UNLOAD only clears `loaded`, so indexes into the array stay valid. */
typedef struct lg_module {
  uint32_t id;
  uint64_t load_bias;
  char *path; /* as logged; "" for the main program */
  uint8_t *build_id;
  size_t build_id_len;
  uint32_t nseg;
  lg_segment_t *segs;
  int loaded;
} lg_module_t;

/* One frame: the raw return address and the index of the module it fell in
 * (into lg_process_t.modules), or -1 when no loaded module held it. */
typedef struct lg_frame {
  uint64_t address;
  int module;
} lg_frame_t;

typedef struct lg_stack {
  uint32_t id;
  uint32_t nframes;
  lg_frame_t *frames;
  UT_hash_handle hh;
} lg_stack_t;

typedef struct lg_site {
  uint32_t stack_id;
  uint32_t cat;
  uint32_t blocks;
  uint64_t bytes;
} lg_site_t;

typedef struct lg_listed {
  uint64_t address, size;
  uint32_t stack_id;
  uint8_t cat, flags;
} lg_listed_t;

typedef struct lg_edge {
  uint32_t from, to;
} lg_edge_t;

typedef struct lg_cluster {
  uint32_t scan, id, first_seen_scan, flags;
  uint64_t bytes;
  uint32_t blocks;
  uint32_t nsites, nlisted, nedges;
  lg_site_t *sites;
  lg_listed_t *listed;
  lg_edge_t *edges;
} lg_cluster_t;

/* One site of a SITES record: live blocks and bytes by generation
 * (0 new, 1 survived one scan, 2 old). */
typedef struct lg_site_stat {
  uint32_t stack_id;
  uint32_t blocks[3];
  uint64_t bytes[3];
} lg_site_stat_t;

/* A block on a retention chain. */
typedef struct lg_hop {
  uint64_t address, size;
  uint32_t stack_id;
} lg_hop_t;

/* A CHAIN record: the path of pointers from a root to a representative
 * block of site `stack_id`, root side first. `root_module` is the index of
 * the module holding `root_address` when the record was read (into
 * lg_process_t.modules), or -1. */
typedef struct lg_chain {
  uint32_t scan, stack_id, root_kind, root_tid;
  uint64_t root_address;
  int root_module;
  uint32_t nhops;
  lg_hop_t *hops;
} lg_chain_t;

typedef struct lg_amount {
  uint64_t bytes, blocks;
} lg_amount_t;

/* Refcount records. An RC_TYPE: the type ids of the log, each naming what
 * its last RC_TYPE said (a python id may be renamed by a later scan; the
 * names it had stay allocated in `old`, for the objects read meanwhile). */
typedef struct lg_rctype {
  uint32_t id, family;
  char *name;
  char **old;
  size_t nold;
  UT_hash_handle hh;
} lg_rctype_t;

/* One folded history entry of an object: refs and unrefs from a stack. */
typedef struct lg_rchist {
  uint32_t stack_id, refs, unrefs;
} lg_rchist_t;

/* An object of an RC_FINDING. `type` is the name its type id had when the
 * record was read (NULL: unknown), `family` the type's family (else the
 * finding's). */
typedef struct lg_rcobject {
  uint64_t address, block;
  uint32_t type_id, family;
  const char *type;
  uint32_t refcount, birth_stack, base, nhistory;
  lg_rchist_t *history;
} lg_rcobject_t;

/* An RC_FINDING: a group of cyclic garbage or one unbalanced object. */
typedef struct lg_rcfinding {
  uint32_t scan, kind, family;
  uint32_t nobjects, nedges;
  lg_rcobject_t *objects;
  lg_edge_t *edges; /* indexes into objects: `from` holds a reference to `to` */
} lg_rcfinding_t;

/* An entry of RC_OBJECTS: the refcounted object in a lost block. */
typedef struct lg_rcplaced {
  uint64_t block, address;
  uint32_t type_id, family, refcount;
  const char *type;
} lg_rcplaced_t;

/* A scan between SCAN_BEGIN and SCAN_END. Only an `ended` scan counts. Its
 * CLUSTER, SITES, CHAIN, HEURISTICS and LIVE records are those read between
 * the two. */
typedef struct lg_scan {
  uint32_t scan, kind;
  uint64_t time;
  int ended;
  lg_amount_t totals[LG_NCATS]; /* index cat-1 */
  uint32_t clusters_written, cyclic_written;
  uint64_t pause_ns, scan_ns, scanned_bytes;
  uint32_t threads, flags;
  lg_cluster_t *clusters;
  size_t nclusters, cap;
  int has_sites; /* a SITES record was read (it may list no site) */
  lg_site_stat_t *sites; /* of every SITES record of the scan, in order */
  size_t nsites, sites_cap;
  lg_chain_t *chains;
  size_t nchains, chains_cap;
  /* HEURISTICS: the still reachable blocks that only heuristic h (enum
   * lg_heuristic) reached, at index h - 1; zeros when none did. */
  lg_amount_t heuristics[LG_NHEURS];
  uint32_t *live; /* cluster ids its LIVE records name (earlier CLUSTERs) */
  size_t nlive, live_cap;
  lg_rcfinding_t *rc;    /* its RC_FINDING records */
  size_t nrc, rc_cap;
  lg_rcplaced_t *rcobjs; /* its RC_OBJECTS entries */
  size_t nrcobjs, rcobjs_cap;
} lg_scan_t;

typedef struct lg_supp_rec {
  uint32_t source; /* LG_SUPP_FILE, LG_SUPP_INLINE or LG_SUPP_FILE_TEXT */
  char *text;      /* a path (LG_SUPP_FILE), else suppressions */
  char *origin;    /* LG_SUPP_FILE_TEXT: the file's path; else NULL */
} lg_supp_rec_t;

typedef struct lg_note {
  uint32_t code;
  char *text;
} lg_note_t;

typedef struct lg_process {
  char *log_path; /* the name the caller gave */
  uint32_t version, pid, ppid, pointer_size;
  uint64_t start_time;
  char *exe;
  uint32_t argc;
  char **argv;
  char *options, *parent_log;

  lg_module_t *modules;
  size_t nmodules, modules_cap;
  lg_stack_t *stacks; /* uthash by id */
  lg_scan_t *scans;
  size_t nscans, scans_cap;
  lg_supp_rec_t *supps;
  size_t nsupps, supps_cap;
  lg_note_t *notes;
  size_t nnotes, notes_cap;

  /* The log file's owner (lg_reader_read_file: fstat of the file read);
   * `has_owner` is 0 for a stream read by lg_reader_read_stream. */
  int has_owner;
  uint32_t owner_uid;
  lg_rctype_t *rctypes; /* uthash by id */

  int complete; /* an END record was read */
  uint32_t end_how, end_status;
  int truncated;
  uint64_t truncated_at; /* offset of the incomplete record */
  uint64_t records, unknown_records;
  uint64_t log_bytes; /* bytes of the complete records read */
} lg_process_t;

enum lg_read_status {
  LG_READ_OK = 0,
  LG_READ_ERR_OPEN,    /* cannot open or read the file */
  LG_READ_ERR_EMPTY,   /* zero bytes */
  LG_READ_ERR_NOT_LOG, /* does not start with a complete, valid HEADER */
  LG_READ_ERR_VERSION, /* a format version this reader does not know */
  LG_READ_ERR_CORRUPT, /* bad sync, length, checksum or payload */
};

/* What a read produced besides the process: a status and, for an error or
 * a truncation, a one-line message naming the file (no trailing newline). */
typedef struct lg_read_result {
  enum lg_read_status status;
  uint64_t offset; /* where the error or the truncation is */
  char message[512];
} lg_read_result_t;

/* lg_reader_read_file reads the log at `path` into a new process and
 * returns it, or returns NULL and explains why in `res`. A truncated log is
 * a success: the process has `truncated` set and `res->message` holds the
 * warning to show. */
lg_process_t *lg_reader_read_file(const char *path, lg_read_result_t *res);

/* lg_reader_read_regular is lg_reader_read_file for a path the user did not
 * name (a file found in a directory): it reads only a regular file, opened
 * so that nothing put there meanwhile (a FIFO, a device) can block it. */
lg_process_t *lg_reader_read_regular(const char *path, lg_read_result_t *res);

/* lg_reader_read_stream is lg_reader_read_file over an open stream; `name`
 * is used in messages and kept as the process's log_path. */
lg_process_t *lg_reader_read_stream(FILE *f, const char *name,
                                    lg_read_result_t *res);

/* lg_reader_free releases a process and everything it owns; NULL is fine. */
void lg_reader_free(lg_process_t *p);

/* lg_reader_stack returns the stack with id `id`, or NULL. */
const lg_stack_t *lg_reader_stack(const lg_process_t *p, uint32_t id);

/* lg_reader_last_scan returns the last scan that has its SCAN_END, or NULL
 * when the process finished none. */
const lg_scan_t *lg_reader_last_scan(const lg_process_t *p);

/* lg_reader_complete_scans counts the scans that have their SCAN_END. */
size_t lg_reader_complete_scans(const lg_process_t *p);

/* lg_reader_module_path returns the executable path to use for module `m`: its own
 * path, or the process's exe when the module's path is empty. */
const char *lg_reader_module_path(const lg_process_t *p, const lg_module_t *m);

#endif
