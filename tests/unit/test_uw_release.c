/* tests/unit/test_uw_release.c — what an ended thread's unwinder state
 * keeps (preload/fastunwind.c, included whole here: the unit tests link
 * the collector, not the shim): lg_fast_unwind_thread_end gives the pages
 * of its tree and checks back, so that a state waiting for a later thread
 * holds a page or two resident instead of all that its thread used, and
 * the thread that takes it next captures its stacks exactly. Also
 * lg_sys_discard (collector/sys.c), which it is made of, and
 * lg_fast_unwind_drop_tables, which gives back the page-table entries of
 * the modules' unwind tables but keeps a page the program made its own. */
#pragma GCC optimize("no-omit-frame-pointer")
#include "fastunwind.c"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#define NOINLINE __attribute__((noinline, noclone))

/* The resident pages of [p, p + len), by mincore. */
static size_t resident_pages(const void *p, size_t len) {
  uintptr_t lo = (uintptr_t)p & ~(uintptr_t)4095, hi = ((uintptr_t)p + len + 4095) & ~(uintptr_t)4095;
  static unsigned char vec[1024];
  size_t n = (hi - lo) >> 12;
  assert_true(n <= sizeof vec);
  assert_int_equal(mincore((void *)lo, hi - lo, vec), 0);
  size_t r = 0;
  for (size_t i = 0; i < n; i++) r += vec[i] & 1;
  return r;
}

/* A capture of depth 8 from a frame `level` calls deep; the number of
 * frames in *n, the first in frames. */
static NOINLINE int capture(int level, uintptr_t *frames, uint32_t *n) {
  if (level > 0) {
    int r = capture(level - 1, frames, n);
    __asm__ volatile("" ::: "memory"); /* not a tail call */
    return r;
  }
  uint32_t same = 0;
  return lg_fast_unwind(frames, 8, n, &same);
}

/* What a thread of the test does: captures from 300 distinct call sites
 * (depths of a recursion, each from two return addresses), enough to fill
 * much of a first-level pool, and records the state it used and the first
 * capture's frames. */
typedef struct run {
  uw_thread_t *state;
  uintptr_t first[8];
  uint32_t nfirst, nnodes;
  size_t resident; /* pages of its nodes resident at the end of its captures */
  int fails;
} run_t;

static NOINLINE void captures(run_t *r) {
  for (int i = 0; i < 300; i++) {
    uintptr_t f[8];
    uint32_t n = 0;
    if (capture(i % 40, f, &n) != 0 || n == 0) r->fails++;
    if (i == 0) { memcpy(r->first, f, sizeof f); r->nfirst = n; }
  }
  r->state = lg_fast_uw;
  r->nnodes = r->state->nnodes;
  r->resident = resident_pages(r->state->node, r->nnodes * sizeof(lg_uw_node_t));
}

static void *thread_main(void *arg) {
  run_t *r = arg;
  captures(r);
  lg_fast_unwind_thread_end();
  return NULL;
}

/* Runs a thread of captures to its end. */
static void run_thread(run_t *r) {
  pthread_t th;
  assert_int_equal(pthread_create(&th, NULL, thread_main, r), 0);
  assert_int_equal(pthread_join(th, NULL), 0);
}

static void test_an_ended_threads_state_is_given_back(void **state) {
  (void)state;
  run_t a = {0}, b = {0};
  run_thread(&a);
  assert_non_null(a.state);
  assert_int_equal(a.fails, 0);
  /* Its nodes were resident while it ran (more than a page of them);
   * now at most the page the index starts on and the last. */
  assert_true(a.nnodes > 64);
  assert_true(a.resident >= a.nnodes * sizeof(lg_uw_node_t) / 4096);
  assert_true(resident_pages(a.state->index, sizeof *a.state - offsetof(uw_thread_t, index)) <= 2);
  assert_int_equal(a.state->level, 0);
  run_thread(&b);
  assert_ptr_equal(b.state, a.state); /* taken again */
  assert_int_equal(b.fails, 0);
  assert_int_equal(b.nfirst, a.nfirst);
  assert_memory_equal(b.first, a.first, a.nfirst * sizeof(uintptr_t)); /* the same stack, exactly */
}

static void test_a_live_threads_state_keeps_its_pages(void **state) {
  (void)state;
  run_t r = {0};
  captures(&r); /* the main thread, which does not end */
  assert_int_equal(r.fails, 0);
  assert_true(r.nnodes > 64);
  assert_true(resident_pages(r.state->node, r.nnodes * sizeof(lg_uw_node_t)) >= r.nnodes * sizeof(lg_uw_node_t) / 4096);
}

static void test_discard_keeps_part_pages(void **state) {
  (void)state;
  char *p = lg_sys_map(5 * 4096);
  assert_non_null(p);
  memset(p, 7, 5 * 4096);
  char *from = p + 100; /* within the first page (p is 64 bytes past a page start) */
  lg_sys_discard(from, 3 * 4096);
  uintptr_t first = ((uintptr_t)from + 4095) & ~(uintptr_t)4095;
  assert_int_equal(resident_pages((char *)first, 3 * 4096 - 4096), 0); /* before reading them */
  assert_int_equal(from[-1], 7);
  assert_int_equal(((char *)first)[-1], 7);          /* the part page before stays */
  assert_int_equal(((char *)first)[0], 0);           /* the whole pages read as zeros */
  assert_int_equal(from[3 * 4096], 7);               /* the part page after stays */
  lg_sys_unmap(p, 5 * 4096);
}

/* The pagemap entry of the page at a. */
static uint64_t pagemap_of(uintptr_t a) {
  static int pm = -1;
  if (pm < 0) pm = open("/proc/self/pagemap", O_RDONLY);
  assert_true(pm >= 0);
  uint64_t e = 0;
  assert_int_equal(pread(pm, &e, 8, (off_t)(a >> 12) * 8), 8);
  return e;
}

/* The present pages of [lo, hi) (page-aligned). */
static size_t present_pages(uintptr_t lo, uintptr_t hi) {
  size_t n = 0;
  for (uintptr_t a = lo; a < hi; a += 4096) n += pagemap_of(a) >> 63;
  return n;
}

/* The module of the unwinder's list whose code holds ip. */
static mod_t *module_of(uintptr_t ip) {
  for (int i = 0; i < nmods; i++)
    if (ip >= mods[i].lo && ip < mods[i].hi) return &mods[i];
  return NULL;
}

static void test_drop_tables_unmaps_the_files_pages_and_keeps_a_copy(void **state) {
  (void)state;
  run_t r = {0};
  captures(&r); /* fills the module list */
  mod_t *libc = module_of((uintptr_t)&memset), *self = module_of((uintptr_t)&captures);
  assert_non_null(libc);
  assert_non_null(self);
  assert_true(libc->tab_hi > libc->tab_lo);
  assert_true(libc->tab_lo <= (uintptr_t)libc->hdr && (uintptr_t)libc->hdr < libc->tab_hi + 4096);
  volatile uint8_t sum = 0;
  for (uintptr_t a = libc->tab_lo; a < libc->tab_hi; a += 4096) sum += *(volatile uint8_t *)a;
  size_t npages = (libc->tab_hi - libc->tab_lo) >> 12;
  assert_int_equal(present_pages(libc->tab_lo, libc->tab_hi), npages);
  /* A private copy of the first page of the test's own tables. */
  assert_true(self->tab_hi > self->tab_lo);
  uint8_t *mine = (uint8_t *)self->tab_lo;
  uint8_t was = mine[0];
  assert_int_equal(mprotect(mine, 4096, PROT_READ | PROT_WRITE), 0);
  mine[0] = (uint8_t)(was ^ 0x5a);
  assert_int_equal(mprotect(mine, 4096, PROT_READ), 0);
  lg_fast_unwind_drop_tables();
  assert_true(present_pages(libc->tab_lo, libc->tab_hi) < npages / 4); /* another thread of the test may touch a few */
  assert_int_equal(pagemap_of((uintptr_t)mine) >> 63, 1);      /* kept: present, */
  assert_int_equal(pagemap_of((uintptr_t)mine) >> 61 & 1, 0);  /* the program's own copy */
  assert_int_equal(mine[0], (uint8_t)(was ^ 0x5a));
  assert_int_equal(mprotect(mine, 4096, PROT_READ | PROT_WRITE), 0);
  mine[0] = was;
  assert_int_equal(mprotect(mine, 4096, PROT_READ), 0);
  /* and the unwinder reads its tables again as before */
  run_t again = {0};
  captures(&again);
  assert_int_equal(again.fails, 0);
  (void)sum;
}

int main(void) {
  lg_fast_unwind_init(0, 0); /* no shim frames to skip: captures start at lg_fast_unwind's caller */
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_an_ended_threads_state_is_given_back),
      cmocka_unit_test(test_a_live_threads_state_keeps_its_pages),
      cmocka_unit_test(test_discard_keeps_part_pages),
      cmocka_unit_test(test_drop_tables_unmaps_the_files_pages_and_keeps_a_copy),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
