/* tests/unit/test_rset.c — the remembered set's registry (collector/rset.h)
 * on this kernel, on a heap laid out as glibc lays out an arena heap (a
 * 64 MiB-aligned window starting with a heap_info, its read-write part
 * grown in place by mprotect): after a collection exactly the pages not
 * written since the previous one are clean; a heap that grew keeps its
 * clean pages (its new part is not clean until it has been tracked
 * through one collection), also once the kernel merged the grown part
 * into the tracked mapping; a part unmapped and made anew is not clean
 * until it has been tracked through one collection; pages noted written
 * (lg_rset_note_written: a pre-cleaning round protected them again) are
 * not clean at the next collection, and only at that one.
 * Skipped when the kernel lacks written-page tracking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <sys/mman.h>
#include <unistd.h>

#include "rset.h"

#define PAGE 4096u
#define WINDOW ((uintptr_t)64 << 20)

static char *reserved; /* the 128 MiB reservation holding the window */
static char *heap;     /* the window's start: the fake heap_info's page */

/* Is page i of the heap inside a clean run of the last collection? */
static int clean(int i) {
  size_t n;
  const lg_rset_run_t *r = lg_rset_clean(&n);
  uintptr_t a = (uintptr_t)heap + (uintptr_t)i * PAGE;
  for (size_t k = 0; k < n; k++)
    if (r[k].lo <= a && a + PAGE <= r[k].hi) return 1;
  return 0;
}

/* Makes pages [from, to) of the heap readable and writable, as glibc's
 * grow_heap does, and records the new size in the heap_info. */
static void grow(int from, int to) {
  assert_int_equal(mprotect(heap + (size_t)from * PAGE, (size_t)(to - from) * PAGE, PROT_READ | PROT_WRITE), 0);
  uintptr_t *info = (uintptr_t *)heap; /* ar_ptr, prev, size, mprotect_size */
  info[0] = (uintptr_t)heap + 32;
  info[1] = 0;
  info[2] = info[3] = (uintptr_t)to * PAGE;
}

static int setup(void **state) {
  (void)state;
  if (lg_rset_open() < 0) return 0;
  reserved = mmap(NULL, 2 * WINDOW, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (reserved == MAP_FAILED) return -1;
  heap = (char *)(((uintptr_t)reserved + WINDOW - 1) & ~(WINDOW - 1));
  return 0;
}

static void need_tracking(void) {
  if (!lg_rset_ready() || !heap) skip();
}

static void test_a_grown_heap_keeps_its_clean_pages(void **state) {
  (void)state;
  need_tracking();
  grow(0, 16);
  lg_rset_collect(); /* tracked from now on: nothing clean yet */
  assert_false(clean(1));
  heap[3 * PAGE] = 1;
  lg_rset_collect();
  for (int i = 0; i < 16; i++) assert_int_equal(clean(i), i != 3);
  grow(16, 32); /* a mapping of its own, not tracked */
  heap[5 * PAGE] = 1;
  /* the old part collected, the new one tracked; untouched, the kernel
   * merges it into the old part's mapping once it is registered too */
  lg_rset_collect();
  for (int i = 1; i < 16; i++) assert_int_equal(clean(i), i != 5); /* page 0: the heap_info grew */
  for (int i = 16; i < 32; i++) assert_false(clean(i));
  heap[7 * PAGE] = 1;
  heap[25 * PAGE] = 1;
  lg_rset_collect();
  for (int i = 0; i < 32; i++) assert_int_equal(clean(i), i != 7 && i != 25);
  lg_rset_collect();
  for (int i = 0; i < 32; i++) assert_true(clean(i));
}

static void test_a_part_made_anew_is_not_clean(void **state) {
  (void)state;
  need_tracking();
  grow(0, 40);
  lg_rset_collect();
  lg_rset_collect();
  assert_true(clean(35));
  /* unmapped and mapped again where it was: the kernel knows nothing of
   * the new mapping's writes */
  char *again = mmap(heap + 32 * PAGE, 8 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  assert_true(again == heap + 32 * PAGE);
  again[3 * PAGE] = 1;
  lg_rset_collect();
  for (int i = 32; i < 40; i++) assert_false(clean(i));
  assert_true(clean(10));
  lg_rset_collect(); /* tracked again since the last collection */
  for (int i = 32; i < 40; i++) assert_true(clean(i));
}

static void test_noted_pages_are_not_clean(void **state) {
  (void)state;
  need_tracking();
  grow(0, 48);
  lg_rset_collect();
  lg_rset_collect();
  assert_true(clean(41));
  /* written, then protected again by another collector's walk: the
   * registry's own collection would see nothing written */
  lg_rset_note_written((uintptr_t)heap + 41 * PAGE, (uintptr_t)heap + 43 * PAGE);
  lg_rset_note_written((uintptr_t)heap + 20 * PAGE, (uintptr_t)heap + 21 * PAGE);
  lg_rset_note_written((uintptr_t)heap + 42 * PAGE, (uintptr_t)heap + 44 * PAGE); /* overlapping, out of order */
  heap[30 * PAGE] = 1;
  lg_rset_collect();
  for (int i = 1; i < 48; i++) assert_int_equal(clean(i), i != 20 && i != 30 && (i < 41 || i > 43));
  lg_rset_collect();
  for (int i = 1; i < 48; i++) assert_true(clean(i));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_a_grown_heap_keeps_its_clean_pages),
      cmocka_unit_test(test_a_part_made_anew_is_not_clean),
      cmocka_unit_test(test_noted_pages_are_not_clean),
  };
  return cmocka_run_group_tests(tests, setup, NULL);
}
