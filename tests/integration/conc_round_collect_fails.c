/* A pre-cleaning round's collection of the brk heap's armed range fails
 * part way (a part of the range was given back and grown again: a new
 * mapping the write tracking does not know) after the kernel protected
 * again the written pages before it, and says nothing of them; the new
 * part is gone again by the finish, whose own collection then succeeds.
 * The only pointer to B is in a marked block on such a page: B must not
 * be lost (the range is counted whole at the finish: armed_t's `lost`).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * env: LEAKGRAPH_TEST_CONC_GATE_AT=marked,cleaned
 * expect: stdout == 'moved=1 lost=0\n'
 */
#include <malloc.h>
#include "concmove2.h"

#define CUT (1 << 20)
void **volatile holder;

static NOINLINE void prepare(void) {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  holder = calloc(64, sizeof(void *));
  hidden = (uintptr_t)malloc(64) ^ HIDE;
  memset((void *)(hidden ^ HIDE), 7, 64);
  free(malloc(8 << 20)); /* the top chunk: 8 MiB free at the break */
}

static void in_mover(void) {}

static NOINLINE void move(int gated) {
  if (gated) conc_gate_wait("marked");
  holder[5] = (void *)(hidden ^ HIDE);
  hidden = 0;
  if (gated) { sbrk(-CUT); sbrk(CUT); } /* a new VMA inside the armed range */
  if (gated) conc_gate_open("marked");
  if (gated) conc_gate_wait("cleaned");
  if (gated) sbrk(-CUT); /* gone again before the finish */
}

static void after_scan(void) { sbrk(CUT); } /* glibc's top back as it believes it is */

static int moved(void) { return holder[5] != NULL; }

static void cleanup(void) {
  free(holder[5]);
  free((void *)holder);
}
