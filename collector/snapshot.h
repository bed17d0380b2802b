/* collector/snapshot.h — the snapshot phase of a scan: the block table
 * copied into the scan's heap (graph.h), sorted and indexed, each block
 * flagged unreadable when the maps do not cover it; and the heuristics the
 * marking will apply, with the module segments multipleinheritance needs. */
#ifndef LG_SNAPSHOT_H
#define LG_SNAPSHOT_H

#include "scan.h"

/* lg_snapshot_take fills s->heap from the block table (s->maps read
 * first): every block, or for a young scan (s->young) the young ones only,
 * the others counted by site in s->old_sites. Returns 0, or -1 when out of
 * memory. */
int lg_snapshot_take(lg_scan_t *s);
/* lg_snapshot_heuristics tells the marking which heuristics are on (the
 * heuristics option) and, for multipleinheritance, where the modules'
 * segments lie. */
void lg_snapshot_heuristics(lg_scan_t *s);
/* lg_snapshot_from_loader tells whether the blocks of stack id were
 * allocated by the dynamic loader itself (modules.h): such blocks are
 * ignored. Computed once per stack; only a scan writes stack flags. */
int lg_snapshot_from_loader(uint32_t id);

#endif
