/* collector/mark.c — the mark phase (mark.h): the roots, then the flood. */
#include "mark.h"

#include "graph.h"
#include "roots.h"

void lg_mark_run(lg_scan_t *s) {
  lg_roots_mark(s);
  lg_mark_finish(&s->heap);
}
