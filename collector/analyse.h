/* collector/analyse.h — the analyse phase of a scan: categories, cycles
 * and clusters of what the mark phase left unmarked (graph.c), checked
 * against graph.c's invariants in a debug build. */
#ifndef LG_ANALYSE_H
#define LG_ANALYSE_H

#include "scan.h"

/* lg_analyse_run fills s->graph from s->heap. Returns 0, or -1 when out
 * of memory. */
int lg_analyse_run(lg_scan_t *s);

#endif
