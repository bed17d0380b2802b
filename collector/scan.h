/* collector/scan.h — one scan's working state, shared by the scan's phases:
 * scan.c (stop, snapshot, roots, mark, analyse) and scanlog.c (what gets
 * logged: clusters under the periodic rules, sites, chains, the end);
 * roots.c marks the roots. */
#ifndef LG_SCAN_H
#define LG_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "graph.h"
#include "maps.h"
#include "world.h"

typedef struct lg_scan {
  int kind;
  uint32_t number;
  int min_age;
  const lg_self_t *self;
  lg_world_t world;
  lg_map_t *maps;
  size_t nmaps, maps_cap;
  lg_heap_t heap;
  lg_graph_t graph;
  size_t blk_bytes;
  uint64_t t_start, t_stopped, t_resumed;
  uint32_t threads;
  uint32_t elsewhere;   /* threads found running on another stack */
  uint32_t logged_clusters, logged_cyclic;
} lg_scan_t;

/* scanlog.c: each writes its records; the log lock is held.
 * lg_scanlog_stack writes the STACK record of `id` unless the log has it. */
void lg_scanlog_stack(uint32_t id);
void lg_scanlog_clusters(lg_scan_t *s);
void lg_scanlog_sites_and_chains(lg_scan_t *s);
void lg_scanlog_end(lg_scan_t *s); /* HEURISTICS, if any, and SCAN_END */

#endif
