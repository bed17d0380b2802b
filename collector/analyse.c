/* collector/analyse.c — the analyse phase (analyse.h). */
#include "analyse.h"

#include "format.h"
#include "graph.h"
#include "logwriter.h"
#include "scanstate.h"
#include "sys.h"

#ifdef LG_DEBUG
/* Says in a NOTE, and on stderr, which of graph.c's invariants the
 * analysis broke. */
static void verify(lg_scan_t *s) {
  const char *why;
  size_t bad = lg_graph_verify(&s->heap, &s->graph, &why);
  if (!bad) return;
  char msg[200];
  lg_fmt(msg, sizeof msg, "debug: scan %u broke %zu invariants, first: %s", s->number, bad, why);
  lg_warn("%s", msg);
  lg_note_locked(LG_NOTE_WARNING, msg);
}
#endif

int lg_analyse_run(lg_scan_t *s) {
  /* The analysis finds lost blocks among themselves (graph.c's setfind):
   * the index goes back first, and what follows searches the records. */
  lg_heap_drop_index(&s->heap);
  if (lg_graph_analyse(&s->heap, &s->graph) < 0) return -1;
#ifdef LG_DEBUG
  verify(s);
#endif
  return 0;
}
