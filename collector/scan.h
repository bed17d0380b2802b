/* collector/scan.h — one scan's working state, lg_scan_t, handed from phase
 * to phase of the pipeline (scan.c lists them; each phase is a file of its
 * own with a header that includes this one), and the pipeline's entry.
 * The state the phases share with the rest of the collector is
 * scanstate.h's; this header includes no phase. */
#ifndef LG_SCAN_H
#define LG_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "collector.h"
#include "graph.h"
#include "maps.h"
#include "options.h"
#include "world.h"

/* Live blocks and bytes of one allocation site by generation (0, 1, 2). */
typedef struct lg_site_gen { uint32_t blocks[3]; uint64_t bytes[3]; } lg_site_gen_t;

typedef struct lg_scan {
  int kind;
  uint32_t number;
  int min_age;
  const lg_self_t *self;
  const lg_options_t *opts;  /* the process's options */
  pid_t traced;              /* the traced process (lg_traced_pid) */
  lg_world_t world;
  lg_map_t *maps;
  size_t nmaps, maps_cap;
  lg_heap_t heap;
  lg_graph_t graph;
  size_t blk_bytes;
  uint64_t t_start, t_stopped, t_resumed;
  uint32_t threads;
  uint32_t elsewhere;   /* threads found running on another stack */
  /* The concurrent pass's roots (concmark.h): no thread is stopped, and
   * the running threads' stacks and TLS are read as they are (roots.c's
   * mark_running); the finish reads them again with the world stopped. */
  int running;
  uint32_t running_read, running_whole; /* threads read so, and those read whole */
  uint32_t logged_clusters, logged_cyclic;
  /* A young scan (young.h): the heap holds the young blocks only; the
   * older ones are counted by site in old_sites[0..nold_sites) (for the
   * SITES record). */
  int young;
  int young_fallback;       /* the remembered set could not be read: judge nothing */
  int young_from_lists;     /* the snapshot came from the born lists (born.h), not a walk */
  int young_why;            /* else why not (born.h's LG_BORN_*) */
  uint64_t young_words, swept_words;
  uint64_t t_collect;       /* ns the remembered set's collection took, in the pause */
  int collected_early;      /* a concurrent scan collected it at its start, world running */
  lg_site_gen_t *old_sites;
  uint32_t nold_sites;
  size_t old_sites_bytes;
  /* prev_live[k]: entry k of the previous scan's lost list (history.h) is
   * still an older live block (a young scan carries forward only those);
   * carried[0..ncarried): the cluster ids logged with them, for LIVE. */
  uint8_t *prev_live;
  size_t prev_live_bytes;
  uint32_t *carried;
  uint32_t ncarried;
  size_t carried_bytes;
} lg_scan_t;

/* lg_scan_run runs scan `number` of `kind` (enum lg_scan_kind) through
 * the whole pipeline, under options `opts`, in the traced process
 * `traced`; the caller holds the scan lock and no other shim lock.
 * Returns the bytes found lost, or -1. */
long lg_scan_run(int kind, uint32_t number, const lg_self_t *self, const lg_options_t *opts, pid_t traced);

#endif
