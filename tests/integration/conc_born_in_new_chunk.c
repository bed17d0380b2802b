/* A block born during the concurrent pass in a mapping of its own (a big
 * block: glibc mmaps it) is left by the pre-cleaning round to the finish
 * (concmark.c, cover_arm): the round does not arm a mapping other than the
 * brk heap (write-protect markers on its untouched pages would look
 * swapped to the roots pass, which would read them), so it cannot know of
 * writes there after its read. At the gate after the concurrent mark
 * ("marked") a second thread allocates an 8 MiB block N, touches only its
 * first page, stores there the only pointer to a block C (whose hidden
 * copy it erases) and keeps N in a global. The round takes N and leaves
 * it unread; the finish reads it whole and finds C. The NOTE says the
 * round took N and the finish read it; nothing is lost.
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked
 * expect: stdout == 'moved=1 lost=0\n'
 * expect: any('was concurrent' in n and re.search(r' [1-9][0-9]* born entries taken, [1-9][0-9]* of them read at the finish', n) for n in log_notes())
 * expect: [s.totals.definitely_lost.blocks for s in log_scans() if s.kind == 'api'] == [0]
 * expect: summary.definitely_lost.blocks == 0
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "concgate.h"
#include "leakgraph.h"
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)
#define BIG ((size_t)8 << 20)
static volatile uintptr_t hidden;
void **volatile chunk; /* module data: N */

static NOINLINE void hide(void) {
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
}

/* Allocates N and moves C's pointer into it (at the gate, or at once). */
static NOINLINE void born_chunk(int gated) {
  if (gated) conc_gate_wait("marked");
  void **n = malloc(BIG);
  n[0] = (void *)(hidden ^ HIDE);
  chunk = n;
  hidden = 0;
  if (gated) conc_gate_open("marked");
}

static void *mover(void *arg) {
  (void)arg;
  born_chunk(1);
  clobber_stack_only();
  return NULL;
}

int main(void) {
  hide();
  clobber_stack();
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, mover, NULL);
  long lost = active ? leakgraph_scan() : 0;
  if (active) pthread_join(t, NULL);
  else born_chunk(0);
  printf("moved=%d lost=%ld\n", chunk != NULL && chunk[0] != NULL, lost);
  free(chunk[0]);
  free(chunk);
  return 0;
}
