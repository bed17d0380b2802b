/* tests/unit/test_fast_rows.c — the capture's first path, inlined into
 * the hooks (preload/fastunwind_state.h: lg_fast_unwind_known), on a
 * thread state and a chain of frames built by hand: a known stack (the
 * thread's last, or one found by the index) whose row of checks holds
 * gives its id and frame count without the general path; a change in any
 * one check of the row, a stale row (another generation), another depth,
 * another RBP where the stack depends on it, or no state at all hand the
 * capture on to the general path (lg_fast_unwind_rest, recorded here),
 * for the slot the shim's frames end at; a chain of the shim's frames
 * that never ends is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fastunwind_state.h"

__thread lg_uw_thread_t *lg_fast_uw __attribute__((tls_model("initial-exec")));
uintptr_t lg_fast_self_lo = 0x1000, lg_fast_self_hi = 0x2000; /* the "shim's" code */

/* The general path, recorded: how often it was asked, and for which slot. */
static int rest_calls;
static uintptr_t rest_slot;

int lg_fast_unwind_rest(uintptr_t *frames, uint32_t depth, uint32_t *out, uint32_t *same, uintptr_t slot) {
  (void)frames;
  (void)depth;
  rest_calls++;
  rest_slot = slot;
  *out = 0;
  *same = 0;
  return 0;
}

#define PROG_RA 0x400123u /* the program's return address above the shim */
#define ID 77u
#define NFRAMES 5u
#define NCHK 6u /* the row's real checks; two more pad it to 8 */

static uintptr_t shim_frame[2], prog_frame[2]; /* [0] saved RBP, [1] return address */
static uintptr_t outside[NCHK];                /* the words the row checks */
static const uintptr_t pad;

/* A thread state whose last capture is the stack above prog_frame, with
 * its row of checks of generation 1 at depth 32. */
static int setup(void **state) {
  (void)state;
  lg_uw_thread_t *t = calloc(1, sizeof *t);
  if (!t) return -1;
  shim_frame[0] = (uintptr_t)prog_frame;
  shim_frame[1] = 0x1500; /* in the shim */
  prog_frame[0] = 0xabc0;
  prog_frame[1] = PROG_RA;
  t->nindex = 512;
  t->chk_gen = 1;
  t->chk_depth = 32;
  for (unsigned i = 0; i < NCHK; i++) {
    outside[i] = 0x500000u + 16 * i;
    t->checks[i] = (lg_uw_chk_t){(uintptr_t)&outside[i], outside[i]};
  }
  t->checks[NCHK] = t->checks[NCHK + 1] = (lg_uw_chk_t){(uintptr_t)&pad, 0};
  lg_uw_node_t *c = &t->node[0];
  c->slot = (uintptr_t)&prog_frame[1];
  c->ra = PROG_RA;
  c->rbp = prog_frame[0];
  c->id = ID;
  c->chk = 1;
  c->nchk = NCHK + 2;
  c->chk_gen = 1;
  c->nframes = NFRAMES;
  t->last = 1;
  t->nnodes = 1;
  lg_fast_uw = t;
  rest_calls = 0;
  rest_slot = 0;
  return 0;
}

static int teardown(void **state) {
  (void)state;
  free(lg_fast_uw);
  lg_fast_uw = NULL;
  return 0;
}

/* Captures from shim_frame at depth; returns lg_fast_unwind_known's result. */
static int capture(uint32_t depth, uint32_t *n, uint32_t *id) {
  uintptr_t frames[64];
  *n = *id = 12345;
  return lg_fast_unwind_known(shim_frame, frames, depth, n, id);
}

/* The thread's last stack, holding: its id and frame count, no general path. */
static void test_last_known(void **state) {
  (void)state;
  uint32_t n, id, caps = lg_fast_uw->caps;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(id, ID);
  assert_int_equal(n, NFRAMES);
  assert_int_equal(rest_calls, 0);
  assert_int_equal(lg_fast_uw->caps, caps + 1);
}

/* Any one check of the row that no longer holds (in the first group or
 * the second, beside the pads) hands the capture on, for the right slot. */
static void test_each_check_counts(void **state) {
  (void)state;
  for (unsigned i = 0; i < NCHK; i++) {
    uint32_t n, id;
    rest_calls = 0;
    outside[i] ^= 8;
    assert_int_equal(capture(32, &n, &id), 0);
    assert_int_equal(rest_calls, 1);
    assert_int_equal(id, 0);
    assert_int_equal(rest_slot, (uintptr_t)&prog_frame[1]);
    outside[i] ^= 8;
    assert_int_equal(capture(32, &n, &id), 0);
    assert_int_equal(rest_calls, 1);
    assert_int_equal(id, ID);
  }
}

/* A stack that is not the last one is found by the index (in any of its
 * ways) and becomes the last; one the index does not hold is not. */
static void test_found_by_index(void **state) {
  (void)state;
  lg_uw_thread_t *t = lg_fast_uw;
  uint32_t n, id;
  t->node[1] = t->node[0];
  t->node[1].slot += 64; /* another frame: the last capture's */
  t->last = 2;
  t->pending = 1;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 1);
  uint16_t *ways = t->index[lg_uw_index_of(t, (uintptr_t)&prog_frame[1], PROG_RA)];
  ways[0] = 2;
  ways[1] = 1;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 1);
  assert_int_equal(id, ID);
  assert_int_equal(n, NFRAMES);
  assert_int_equal(t->last, 1);
  assert_int_equal(t->pending, 0);
}

/* A row of an older generation, a capture to another depth, or no state
 * yet: the general path decides. */
static void test_stale_row_depth_state(void **state) {
  (void)state;
  uint32_t n, id;
  lg_fast_uw->chk_gen = 2;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 1);
  lg_fast_uw->chk_gen = 1;
  assert_int_equal(capture(16, &n, &id), 0);
  assert_int_equal(rest_calls, 2);
  lg_uw_thread_t *t = lg_fast_uw;
  lg_fast_uw = NULL;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 3);
  lg_fast_uw = t;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 3);
  assert_int_equal(id, ID);
}

/* Where the frames outside depend on RBP, another RBP is another stack. */
static void test_rbp_counts_when_marked(void **state) {
  (void)state;
  uint32_t n, id;
  lg_fast_uw->node[0].mark = LG_UW_M_RBP;
  prog_frame[0] = 0xdef0;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 1);
  lg_fast_uw->node[0].mark = 0;
  assert_int_equal(capture(32, &n, &id), 0);
  assert_int_equal(rest_calls, 1);
  assert_int_equal(id, ID);
  prog_frame[0] = 0xabc0;
}

/* A chain of the shim's frames that never leaves the shim is refused. */
static void test_endless_shim_chain(void **state) {
  (void)state;
  uintptr_t loop[2] = {0, 0x1800};
  uintptr_t frames[64];
  uint32_t n, id;
  loop[0] = (uintptr_t)loop;
  assert_int_equal(lg_fast_unwind_known(loop, frames, 32, &n, &id), -1);
  assert_int_equal(rest_calls, 0);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_last_known, setup, teardown),
      cmocka_unit_test_setup_teardown(test_each_check_counts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_found_by_index, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stale_row_depth_state, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rbp_counts_when_marked, setup, teardown),
      cmocka_unit_test_setup_teardown(test_endless_shim_chain, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
