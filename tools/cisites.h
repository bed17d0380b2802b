/* tools/cisites.h — the leak sites that the CI formats (JUnit, SARIF,
 * valgrind's XML) report: the sites of the report's clusters merged by
 * site key and category — a leak that many clusters share is one site, its
 * amounts summed — and whether each fails the build. Also the frame of a
 * stack that a CI system should point at: the first one in the program's
 * own code. */
#ifndef LG_CISITES_H
#define LG_CISITES_H

#include <stddef.h>
#include <stdint.h>

#include "analyze.h"

typedef struct lg_csite {
  const char *key;
  uint32_t cat;             /* LG_CAT_DEFINITE, _INDIRECT or _POSSIBLE */
  uint64_t bytes, blocks;   /* over all its clusters (saturating) */
  uint64_t indirect;        /* definite: indirect bytes of the clusters
                               whose (first) entry it allocated */
  size_t nclusters;
  int cyclic;               /* one of its clusters is a cycle of lost blocks */
  int baseline;             /* lg_base_status */
  const lg_rsite_t *site;   /* its first occurrence */
  const lg_rcluster_t *cluster;
} lg_csite_t;

/* lg_csites_collect returns the sites of the clusters of process `p` (of
 * every process when NULL), merged, in report order (largest cluster
 * first), their number in `*n`. Free the array. */
lg_csite_t *lg_csites_collect(const lg_report_t *r, const lg_process_t *p,
                              size_t *n);

/* lg_csite_fails says whether site `s` fails under the kinds `fail_on`
 * (lg_fail_kind): its category's kind, or `cycle` for a site of a cyclic
 * cluster of lost blocks; with a baseline only a new site fails. */
int lg_csite_fails(const lg_report_t *r, const lg_csite_t *s,
                   unsigned fail_on);

/* lg_csite_kind returns valgrind's name of a category ("Leak_DefinitelyLost",
 * ...); lg_csite_words its words ("definitely lost", ...). */
const char *lg_csite_kind(uint32_t cat);
const char *lg_csite_words(uint32_t cat);

/* lg_csite_own_frame returns the index of the first frame of `st` in the
 * program's own code — not in a system library (/lib, /usr/lib, ...), and
 * with a function — preferring one with a source file; 0 when none. */
size_t lg_csite_own_frame(const lg_rstack_t *st);

#endif
