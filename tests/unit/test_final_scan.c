/* tests/unit/test_final_scan.c — the exit scan is a process's last scan:
 * a periodic or signalled scan that the shim's scanner thread asks for
 * after it (it was waiting for the exit scan to end, before the END record
 * stops the scanner) does not run, so the log ends with the exit scan and
 * the exit summary and exitcode use the exit scan's totals. The collector
 * is linked directly (no LD_PRELOAD); the test makes the scanner's late
 * calls itself. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>

#include "collector.h"
#include "reader.h"

static void test_no_scan_runs_after_the_exit_scan(void **state) {
  (void)state;
  char dir[] = "/tmp/lg-unit-XXXXXX";
  assert_non_null(mkdtemp(dir));
  lg_options_t o;
  lg_options_defaults(&o);
  snprintf(o.log, sizeof o.log, "%s/final.%%p.log", dir);
  assert_int_equal(lg_collector_init(&o), 0);
  uintptr_t *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uintptr_t f[1] = {0x1111};
  lg_collector_alloc(m, 64, f, 1, 0); /* lost: nothing points at it */
  lg_self_t self = {0};
  assert_int_equal(lg_collector_scan(LG_SCAN_PERIODIC, &self), 64);
  assert_int_equal(lg_collector_scan(LG_SCAN_EXIT, &self), 64);
  lg_self_t scanner = {.foreign = 1};
  assert_int_equal(lg_collector_scan(LG_SCAN_PERIODIC, &scanner), -1);
  assert_int_equal(lg_collector_scan(LG_SCAN_SIGNAL, &scanner), -1);
  lg_collector_end(LG_END_EXIT, 0);

  char path[600];
  snprintf(path, sizeof path, "%s/final.%d.log", dir, (int)getpid());
  lg_read_result_t res;
  lg_process_t *p = lg_reader_read_file(path, &res);
  assert_non_null(p);
  assert_int_equal(p->nscans, 2);
  assert_int_equal(lg_reader_last_scan(p)->kind, LG_SCAN_EXIT);
  lg_reader_free(p);
  unlink(path);
  rmdir(dir);
  munmap(m, 4096);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_no_scan_runs_after_the_exit_scan),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
