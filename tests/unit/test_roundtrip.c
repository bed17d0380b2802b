/* tests/unit/test_roundtrip.c — the collector end to end without LD_PRELOAD:
 * blocks recorded through the collector API, a real scan (world stop,
 * roots, marking, clusters, heuristics), the log writer, and the report
 * tool's reader reading that log back. Blocks live in mmap'd memory the
 * test owns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector.h"
#include "reader.h"

/* The collector is linked into this test, so this executable is "the
 * shim's own module", whose data is never a root: a registered root region
 * holds the pointer instead. */
static uintptr_t *region_root;
static uintptr_t *region_root2; /* past the count of a new[]-like block */

static void test_scan_log_read_back(void **state) {
  (void)state;
  char dir[] = "/tmp/lg-unit-XXXXXX";
  assert_non_null(mkdtemp(dir));
  lg_options_t o;
  lg_options_defaults(&o);
  snprintf(o.log, sizeof o.log, "%s/rt.%%p.log", dir);
  assert_int_equal(lg_collector_init(&o), 0);

  uintptr_t *m = mmap(NULL, 1 << 16, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uintptr_t *a = m, *b = m + 8, *c = m + 16, *d = m + 24, *e = m + 32; /* 64-byte blocks */
  uintptr_t f1[2] = {0x1111, 0x2222}, f2[2] = {0x3333, 0x4444};
  lg_collector_alloc(a, 64, f1, 2, 0);
  lg_collector_alloc(b, 64, f1, 2, 0);
  lg_collector_alloc(c, 64, f2, 2, 0);
  lg_collector_alloc(d, 48, f2, 2, 0);
  lg_collector_alloc(e, 64, f2, 2, 0);
  a[0] = (uintptr_t)b; /* a <-> b: a lost cycle */
  b[0] = (uintptr_t)a;
  region_root = c;     /* c reachable from a root region, d lost alone */
  lg_collector_add_root(&region_root, sizeof region_root);
  e[0] = 7;            /* e: 7 elements of 8 bytes, kept past its count */
  region_root2 = e + 1;
  lg_collector_add_root(&region_root2, sizeof region_root2);

  lg_self_t self = {0}; /* sp 0: the test's own stack is not a root */
  long lost = lg_collector_scan(LG_SCAN_API, &self);
  assert_int_equal(lost, 64 + 64 + 48);
  lg_collector_end(LG_END_EXIT, 0);

  char path[600];
  snprintf(path, sizeof path, "%s/rt.%d.log", dir, (int)getpid());
  lg_read_result_t res;
  lg_process_t *p = lg_reader_read_file(path, &res);
  assert_non_null(p);
  assert_true(p->complete);
  assert_int_equal(p->pid, (uint32_t)getpid());
  assert_true(p->nmodules > 0);
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_non_null(s);
  assert_int_equal(s->nclusters, 2);
  assert_int_equal(s->totals[LG_CAT_DEFINITE - 1].blocks, 2);
  assert_int_equal(s->totals[LG_CAT_INDIRECT - 1].blocks, 1);
  assert_int_equal(s->totals[LG_CAT_REACHABLE - 1].blocks, 2);
  assert_int_equal(s->totals[LG_CAT_POSSIBLE - 1].blocks, 0);
  assert_int_equal(s->heuristics[LG_HEUR_NEWARRAY - 1].blocks, 1); /* the default: all */
  assert_int_equal(s->heuristics[LG_HEUR_NEWARRAY - 1].bytes, 64);
  int cyclic = 0, single = 0;
  for (size_t i = 0; i < s->nclusters; i++) {
    const lg_cluster_t *cl = &s->clusters[i];
    if (cl->flags & LG_CLUSTER_CYCLIC) {
      cyclic++;
      assert_int_equal(cl->blocks, 2);
      assert_int_equal(cl->nlisted, 2);
      assert_int_equal(cl->nedges, 2);
      assert_int_equal(cl->listed[0].address, (uint64_t)(uintptr_t)a); /* entry first: lowest address */
      assert_true(cl->listed[0].flags & LG_LISTED_ENTRY);
      const lg_stack_t *st = lg_reader_stack(p, cl->listed[0].stack_id);
      assert_non_null(st);
      assert_int_equal(st->nframes, 2);
      assert_int_equal(st->frames[0].address, 0x1111);
    } else {
      single++;
      assert_int_equal(cl->bytes, 48);
    }
  }
  assert_int_equal(cyclic, 1);
  assert_int_equal(single, 1);
  lg_reader_free(p);
  unlink(path);
  rmdir(dir);
  munmap(m, 1 << 16);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_scan_log_read_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
