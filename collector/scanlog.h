/* collector/scanlog.h — the log phase of a scan (scanlog.c's header says
 * what it writes). Each call writes its records; the log lock is held. */
#ifndef LG_SCANLOG_H
#define LG_SCANLOG_H

#include <stdint.h>

#include "scan.h"

/* lg_scanlog_stack writes the STACK record of `id` unless the log has it. */
void lg_scanlog_stack(uint32_t id);
void lg_scanlog_clusters(lg_scan_t *s);
/* lg_scanlog_sites_prepare counts the live blocks by site and takes the
 * retention chains, then gives the chains' parents back (lg_heap_t's
 * parent and depth): it runs after marking, before the analysis, whose
 * memory then does not add to theirs. lg_scanlog_sites_and_chains writes
 * the SITES and CHAIN records (preparing first if nothing did). */
void lg_scanlog_sites_prepare(lg_scan_t *s);
void lg_scanlog_sites_and_chains(lg_scan_t *s);
void lg_scanlog_end(lg_scan_t *s); /* HEURISTICS, if any, and SCAN_END */

#endif
