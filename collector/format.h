/* collector/format.h — the leakgraph log format, version 2: record types,
 * field codes and the record checksum. This is the bottom layer: the log
 * writer (collector/logwriter.c) encodes with it and leakgraph-report
 * (tools/reader.c) decodes with it; tools/LOGFORMAT.md is the prose spec and
 * wins where the two disagree. No allocation, no I/O, no libc beyond types. */
#ifndef LG_FORMAT_H
#define LG_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#define LG_FORMAT_VERSION 2u
#define LG_SYNC 0x474Cu                 /* bytes 'L' 'G' */
#define LG_REC_HEADER_SIZE 8u           /* sync, type, len */
#define LG_REC_TRAILER_SIZE 4u          /* crc */
#define LG_REC_MAX_PAYLOAD (256u << 20) /* 256 MiB */
#define LG_MAX_FRAMES 256u
#define LG_CLUSTER_MAX_LISTED 4096u
#define LG_CLUSTER_MAX_EDGES 16384u

enum lg_rec_type {
  LG_REC_HEADER = 1,
  LG_REC_MODULE = 2,
  LG_REC_UNLOAD = 3,
  LG_REC_STACK = 4,
  LG_REC_SCAN_BEGIN = 5,
  LG_REC_CLUSTER = 6,
  LG_REC_SCAN_END = 7,
  LG_REC_SUPPRESSIONS = 8,
  LG_REC_NOTE = 9,
  LG_REC_END = 10,
  LG_REC_SITES = 11,
  LG_REC_CHAIN = 12,
  LG_REC_LIVE = 13,
  LG_REC_HEURISTICS = 14,
  LG_REC_RC_TYPE = 15,
  LG_REC_RC_FINDING = 16,
  LG_REC_RC_OBJECTS = 17,
};

enum lg_root_kind {
  LG_ROOT_DATA = 1,
  LG_ROOT_STACK = 2,
  LG_ROOT_REGS = 3,
  LG_ROOT_TLS = 4,
  LG_ROOT_REGION = 5,
  LG_ROOT_IGNORED = 6,
  LG_ROOT_MAPPING = 7,
};
#define LG_CHAIN_MAX_HOPS 64u

/* Block categories, in the order SCAN_END lists their totals. */
enum lg_category {
  LG_CAT_NONE = 0,
  LG_CAT_DEFINITE = 1,
  LG_CAT_INDIRECT = 2,
  LG_CAT_POSSIBLE = 3,
  LG_CAT_REACHABLE = 4,
};
#define LG_NCATS 4

enum lg_scan_kind {
  LG_SCAN_EXIT = 1,
  LG_SCAN_API = 2,
  LG_SCAN_PERIODIC = 3,
  LG_SCAN_SIGNAL = 4,
};

enum lg_cluster_flags { LG_CLUSTER_CYCLIC = 1, LG_CLUSTER_POSSIBLE = 2 };
enum lg_listed_flags { LG_LISTED_ENTRY = 1, LG_LISTED_IN_CYCLE = 2 };
enum lg_scan_flags { LG_SCANF_CONSERVATIVE_THREAD = 1, LG_SCANF_YOUNG = 2 };
enum lg_supp_source { LG_SUPP_FILE = 1, LG_SUPP_INLINE = 2, LG_SUPP_FILE_TEXT = 3 };
enum lg_note_code { LG_NOTE_INFO = 1, LG_NOTE_WARNING = 2 };
enum lg_end_how {
  LG_END_EXIT = 1,
  LG_END_UNDERSCORE_EXIT = 2,
  LG_END_ABORT = 3,
  LG_END_EXEC = 4,
  LG_END_STOPPED = 5,
  LG_END_SIGNAL = 6,
};
/* Valgrind's --leak-check-heuristics, as HEURISTICS records number them. */
enum lg_heuristic {
  LG_HEUR_STDSTRING = 1,
  LG_HEUR_LENGTH64 = 2,
  LG_HEUR_NEWARRAY = 3,
  LG_HEUR_MULTIPLEINHERITANCE = 4,
};
#define LG_NHEURS 4
/* Refcount hook families (RC_TYPE) and refcount findings (RC_FINDING). */
enum lg_rc_family {
  LG_RC_API = 1,
  LG_RC_GOBJECT = 2,
  LG_RC_GSTREAMER = 3,
  LG_RC_OPENSSL = 4,
  LG_RC_PYTHON = 5,
};
#define LG_RC_NFAMILIES 5
/* lg_rc_family_name returns the name of family f ("api", "gobject",
 * "gstreamer", "openssl", "python"), or NULL. Pure. */
const char *lg_rc_family_name(uint32_t f);
enum lg_rc_kind { LG_RC_CYCLIC_GARBAGE = 1, LG_RC_UNBALANCED = 2 };
#define LG_RC_MAX_OBJECTS 4096u
#define LG_RC_MAX_HISTORY 4096u
#define LG_RC_MAX_EDGES 16384u
/* lg_heuristic_name returns valgrind's name of heuristic h ("stdstring",
 * ...), or NULL for a number that is no heuristic. Pure. */
const char *lg_heuristic_name(uint32_t h);
enum lg_segment_flags { LG_SEG_X = 1, LG_SEG_W = 2, LG_SEG_R = 4 };

/* lg_crc32 extends `crc` (start with 0) over `n` bytes at `p`, with the
 * zlib polynomial. Pure and reentrant: safe in a signal handler. */
uint32_t lg_crc32(uint32_t crc, const void *p, size_t n);

#endif
