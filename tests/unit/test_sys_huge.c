/* tests/unit/test_sys_huge.c — the shim's big private mappings (sys.h's
 * LG_SYS_HUGE_MIN and more) start at a 2 MiB boundary and carry the
 * MADV_HUGEPAGE advice, so that the scan's snapshot clone copies one
 * page-table entry per whole 2 MiB of them; small ones and shared ones
 * do not; a populated one is resident at once; each still starts with
 * its header (lg_sys_own_mapping) and leaves nothing mapped behind when
 * it is unmapped. Where THP is on (`madvise` or `always`), a big mapping
 * written through is backed by huge pages (smaps' AnonHugePages). The
 * collector is linked directly. */
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

#include "sys.h"

#define MB (1u << 20)

/* Fills `out` with the smaps field `key` ("VmFlags:" or a "...: N kB"
 * line) of the VMA holding address a; returns 1 when found. */
static int smaps_field(uintptr_t a, const char *key, char *out, size_t n) {
  FILE *f = fopen("/proc/self/smaps", "r");
  char line[512];
  int in = 0, found = 0;
  assert_non_null(f);
  while (!found && fgets(line, sizeof line, f)) {
    unsigned long lo, hi;
    if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, '-') < strchr(line, ' ')) {
      in = a >= lo && a < hi;
      continue;
    }
    if (in && strncmp(line, key, strlen(key)) == 0) {
      snprintf(out, n, "%s", line + strlen(key));
      found = 1;
    }
  }
  fclose(f);
  return found;
}

/* Says whether the VMA holding a has the huge-page advice ("hg"). */
static int advised_huge(uintptr_t a) {
  char flags[256];
  assert_true(smaps_field(a, "VmFlags:", flags, sizeof flags));
  return strstr(flags, " hg") != NULL;
}

/* The kB of huge pages backing the VMA that holds a. */
static long huge_kb(uintptr_t a) {
  char v[64];
  return smaps_field(a, "AnonHugePages:", v, sizeof v) ? atol(v) : 0;
}

/* Says whether this machine's THP mode gives advised mappings huge pages. */
static int thp_on(void) {
  FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
  char mode[128] = "";
  if (!f) return 0;
  if (!fgets(mode, sizeof mode, f)) mode[0] = 0;
  fclose(f);
  return strstr(mode, "[never]") == NULL && mode[0] != 0;
}

/* Says whether any byte of [lo, hi) is mapped. */
static int any_mapped(uintptr_t lo, uintptr_t hi) {
  unsigned char vec;
  for (uintptr_t p = lo & ~(uintptr_t)4095; p < hi; p += 4096)
    if (mincore((void *)p, 4096, &vec) == 0) return 1;
  return 0;
}

static void test_big_mapping_is_aligned_and_advised(void **state) {
  (void)state;
  size_t size = 9 * MB;
  char *p = lg_sys_map(size);
  assert_non_null(p);
  uintptr_t base = (uintptr_t)p - LG_SYS_HEADER;
  assert_int_equal(base % LG_SYS_HUGE_PAGE, 0);
  assert_int_equal(lg_sys_own_mapping((void *)base), size + LG_SYS_HEADER);
  assert_true(advised_huge(base));
  for (size_t i = 0; i < size; i += 4096) assert_int_equal(p[i], 0);
  memset(p, 0x5a, size);
  if (thp_on()) assert_true(huge_kb(base) >= 2048);
  lg_sys_unmap(p, size);
  /* Nothing left: neither the mapping nor the slack around it. */
  assert_false(any_mapped(base, base + size + LG_SYS_HEADER));
}

static void test_small_and_shared_mappings_stay_small(void **state) {
  (void)state;
  char *small = lg_sys_map(LG_SYS_HUGE_MIN - LG_SYS_HEADER - 1);
  char *shared = lg_sys_map_shared(8 * MB);
  assert_non_null(small);
  assert_non_null(shared);
  assert_false(advised_huge((uintptr_t)small));
  assert_false(advised_huge((uintptr_t)shared));
  lg_sys_unmap(small, LG_SYS_HUGE_MIN - LG_SYS_HEADER - 1);
  lg_sys_unmap(shared, 8 * MB);
}

static void test_populated_big_mapping_is_resident(void **state) {
  (void)state;
  size_t size = 6 * MB;
  char *p = lg_sys_map_populated(size);
  assert_non_null(p);
  uintptr_t base = (uintptr_t)p - LG_SYS_HEADER;
  assert_int_equal(base % LG_SYS_HUGE_PAGE, 0);
  size_t pages = (size + LG_SYS_HEADER + 4095) / 4096;
  unsigned char *vec = calloc(pages, 1);
  assert_non_null(vec);
  assert_int_equal(mincore((void *)base, size + LG_SYS_HEADER, vec), 0);
  for (size_t i = 0; i < pages; i++) assert_true(vec[i] & 1);
  free(vec);
  if (thp_on()) assert_true(huge_kb(base) >= 2048);
  lg_sys_unmap(p, size);
  assert_false(any_mapped(base, base + size + LG_SYS_HEADER));
}

static void test_big_mapping_grows_by_remap(void **state) {
  (void)state;
  char *p = lg_sys_map(5 * MB);
  assert_non_null(p);
  memset(p, 7, 5 * MB);
  char *q = lg_sys_remap(p, 5 * MB, 20 * MB);
  assert_non_null(q);
  assert_int_equal(q[5 * MB - 1], 7);
  assert_int_equal(q[20 * MB - 1], 0);
  assert_int_equal(lg_sys_own_mapping(q - LG_SYS_HEADER), 20 * MB + LG_SYS_HEADER);
  lg_sys_unmap(q, 20 * MB);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_big_mapping_is_aligned_and_advised),
      cmocka_unit_test(test_small_and_shared_mappings_stay_small),
      cmocka_unit_test(test_populated_big_mapping_is_resident),
      cmocka_unit_test(test_big_mapping_grows_by_remap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
