/* tools/baseline.h — an earlier JSON report read as a baseline
 * (--baseline=REPORT.json): the allocation sites it reported, by their
 * keys (sites.h), so that the new report can tell each of its sites new
 * or known, and the baseline's sites it no longer has fixed.
 *
 * The file is hostile input like a log: only a regular file of at most
 * LG_BASELINE_MAX bytes is read, the JSON parser nests at most 64 deep and
 * never recurses further, and what it keeps is at most the file's size.
 * It reads the sites at `clusters[].sites[]` (their `stack` and
 * `category`) and `growth[].site` (its `stack`, category "growth"), and
 * their keys from the table `stacks[]` (`id`, `key`); everything else is
 * skipped. Strings are decoded the way tools/json.c encodes them: a
 * `\u00XX` escape below 0x100 is the byte XX. */
#ifndef LG_BASELINE_H
#define LG_BASELINE_H

#include <stddef.h>

#include <uthash.h>

#define LG_BASELINE_MAX (256u << 20)

/* A site of the baseline. `seen` is set by the analysis when the new
 * report has it too. */
typedef struct lg_bsite {
  char *key;
  char *category; /* "definitely_lost", ..., or "growth" */
  int seen;
  UT_hash_handle hh;
} lg_bsite_t;

typedef struct lg_baseline {
  char *path;
  lg_bsite_t **sites; /* in file order, each key once */
  size_t nsites, cap;
  lg_bsite_t *index;  /* uthash by key */
} lg_baseline_t;

/* lg_baseline_load reads the report at `path` into `b` (zero it first).
 * Returns 0, or -1 with a message in `err` (unreadable, not JSON, not a
 * leakgraph report). */
int lg_baseline_load(lg_baseline_t *b, const char *path, char *err,
                     size_t errlen);

/* lg_baseline_parse is lg_baseline_load over `n` bytes of JSON text
 * (`name` in messages). */
int lg_baseline_parse(lg_baseline_t *b, const char *text, size_t n,
                      const char *name, char *err, size_t errlen);

/* lg_baseline_find returns the baseline's site of key `key`, or NULL. */
lg_bsite_t *lg_baseline_find(const lg_baseline_t *b, const char *key);

/* lg_baseline_free releases everything and zeroes `b`. */
void lg_baseline_free(lg_baseline_t *b);

#endif
