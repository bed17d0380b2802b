/* collector/mark.h — the mark phase of a scan: every root marked
 * (roots.c), then the flood fill from them and from the ignored blocks
 * (graph.c's marking), so that what stays unmarked is unreachable. */
#ifndef LG_MARK_H
#define LG_MARK_H

#include "scan.h"

/* lg_mark_run marks everything reachable in s->heap (its snapshot taken,
 * the refcount phase's objects placed). */
void lg_mark_run(lg_scan_t *s);

#endif
