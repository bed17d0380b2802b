/* collector/annot.h — the program's annotations that a scan reads: the root
 * regions it registered (leakgraph_register_root, __lsan_register_root_
 * region) and the interior pointers it asked to ignore that were not block
 * starts. The public calls are collector.h's lg_collector_ignore,
 * _add_root and _remove_root; this is what the roots phase uses. */
#ifndef LG_ANNOT_H
#define LG_ANNOT_H

#include "graph.h"
#include "modules.h"

/* The roots lock guards both lists (a leaf after the log lock). */
void lg_roots_lock(void);
void lg_roots_unlock(void);
/* lg_roots_reset_lock forgets a holder: only in a forked child. */
void lg_roots_reset_lock(void);
/* lg_roots_each calls fn with every registered region; roots lock held. */
void lg_roots_each(lg_range_fn fn, void *arg);

/* lg_ignored_resolve flags the blocks that contain pointers given to
 * leakgraph_ignore which were not block starts, and forgets the pointers
 * whose block is gone. Roots lock held. */
void lg_ignored_resolve(lg_heap_t *h);
/* lg_ignored_mark flags and marks the blocks of the ignore list without
 * forgetting any (the concurrent mark's finish, with the world stopped). */
void lg_ignored_mark(lg_heap_t *h);

#endif
