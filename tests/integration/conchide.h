/* conchide.h — a table of NBLOCKS blocks of BLOCK bytes that a test of
 * the concurrent mark hides from the scan (its address kept XOR-ed) and
 * exposes, through the module-data root `exposed`, only when it wants the
 * scan's finish to find it. The including test defines NBLOCKS and BLOCK
 * first. */
#ifndef CONCHIDE_H
#define CONCHIDE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

#define HIDE ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static volatile uintptr_t hidden; /* the table, hidden from the scan */
void **volatile exposed;          /* the table, where the finish reads it */

/* Builds the table and its blocks, and hides it. */
static NOINLINE void build(void) {
  void **t = calloc(NBLOCKS, sizeof *t);
  for (size_t i = 0; t && i < NBLOCKS; i++) {
    t[i] = malloc(BLOCK);
    if (t[i]) memset(t[i], 2, BLOCK);
  }
  hidden = (uintptr_t)t ^ HIDE;
}

/* Puts the table where the scan reads, or takes it away again. */
static NOINLINE void expose(void) { exposed = (void **)(hidden ^ HIDE); }
static NOINLINE void hide(void) { exposed = NULL; }

/* Frees the table and its blocks. */
static void free_hidden(void) {
  void **t = (void **)(hidden ^ HIDE);
  for (size_t i = 0; t && i < NBLOCKS; i++) free(t[i]);
  free(t);
}

#endif
