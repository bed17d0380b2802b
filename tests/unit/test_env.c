/* tests/unit/test_env.c — the environment of an exec (preload/env.c, built
 * into this test): what the shim keeps from its own environment, and the
 * array a traced exec hands the kernel — the program's variables unchanged
 * and in order, LD_PRELOAD with the shim's entry in front, the options
 * added when missing, nothing at all when both are there; on the stack
 * when it fits, in a mapping released afterwards when not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../preload/env.c"

#define SHIM "/opt/lg/libleakgraph.so"

static void *stack[2048];

/* Captures `vars` as if they were the process environment (the real one
 * is put back: cmocka reads it). */
static void capture(char **vars) {
  char **saved = environ;
  environ = vars;
  lg_env_capture();
  environ = saved;
}

static void test_capture_keeps_options_and_the_shims_entry(void **state) {
  (void)state;
  char *vars[] = {"HOME=/root", "LD_PRELOAD=/a/libx.so " SHIM ":/c/liby.so", "LEAKGRAPH_OPTIONS=log=/t/l.%p:depth=4", NULL};
  capture(vars);
  assert_string_equal(lg_env_options(), "log=/t/l.%p:depth=4");
  assert_string_equal(lg_env_preload_entry(), SHIM);
}

static void test_both_present_changes_nothing(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=depth=4", NULL};
  capture(vars);
  char *envp[] = {"A=1", "LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=quiet=1", NULL};
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), -1);
  assert_ptr_equal(e.envp, envp);
}

static void test_empty_environment_gets_both(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=depth=4", NULL};
  capture(vars);
  char *envp[] = {NULL};
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), 0);
  assert_string_equal(e.envp[0], "LD_PRELOAD=" SHIM);
  assert_string_equal(e.envp[1], "LEAKGRAPH_OPTIONS=depth=4");
  assert_null(e.envp[2]);
  assert_null(e.heap);
  assert_int_equal(lg_env_for_exec(NULL, &e, stack, sizeof stack), 0); /* execve's NULL: empty */
  assert_string_equal(e.envp[0], "LD_PRELOAD=" SHIM);
}

static void test_program_preload_keeps_its_place_behind_the_shim(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=depth=4", NULL};
  capture(vars);
  char *envp[] = {"A=1", "LD_PRELOAD=/x/libasan.so", "B=two words", "C=", NULL};
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), 0);
  assert_ptr_equal(e.envp[0], envp[0]);
  assert_string_equal(e.envp[1], "LD_PRELOAD=" SHIM ":/x/libasan.so");
  assert_ptr_equal(e.envp[2], envp[2]);
  assert_ptr_equal(e.envp[3], envp[3]);
  assert_string_equal(e.envp[4], "LEAKGRAPH_OPTIONS=depth=4");
  assert_null(e.envp[5]);
  char *empty_pre[] = {"LD_PRELOAD=", NULL};
  assert_int_equal(lg_env_for_exec(empty_pre, &e, stack, sizeof stack), 0);
  assert_string_equal(e.envp[0], "LD_PRELOAD=" SHIM);
}

static void test_programs_own_options_are_kept(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=depth=4", NULL};
  capture(vars);
  char *envp[] = {"LEAKGRAPH_OPTIONS=depth=9", NULL};
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), 0);
  assert_string_equal(e.envp[0], "LEAKGRAPH_OPTIONS=depth=9");
  assert_string_equal(e.envp[1], "LD_PRELOAD=" SHIM);
  assert_null(e.envp[2]);
}

static void test_without_options_only_the_preload_is_added(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, NULL};
  capture(vars);
  assert_null(lg_env_options());
  char *envp[] = {"A=1", NULL};
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), 0);
  assert_string_equal(e.envp[1], "LD_PRELOAD=" SHIM);
  assert_null(e.envp[2]);
}

static void test_big_environment_goes_to_a_mapping(void **state) {
  (void)state;
  char *vars[] = {"LD_PRELOAD=" SHIM, "LEAKGRAPH_OPTIONS=depth=4", NULL};
  capture(vars);
  enum { N = 5000 };
  static char *envp[N + 1];
  for (int i = 0; i < N; i++) envp[i] = "V=x";
  envp[N] = NULL;
  lg_exec_env_t e;
  assert_int_equal(lg_env_for_exec(envp, &e, stack, sizeof stack), 0);
  assert_non_null(e.heap);
  assert_ptr_equal(e.envp, e.heap);
  assert_ptr_equal(e.envp[N - 1], envp[N - 1]);
  assert_string_equal(e.envp[N], "LD_PRELOAD=" SHIM);
  assert_string_equal(e.envp[N + 1], "LEAKGRAPH_OPTIONS=depth=4");
  assert_null(e.envp[N + 2]);
  lg_env_release(&e);
  assert_null(e.heap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_capture_keeps_options_and_the_shims_entry),
      cmocka_unit_test(test_both_present_changes_nothing),
      cmocka_unit_test(test_empty_environment_gets_both),
      cmocka_unit_test(test_program_preload_keeps_its_place_behind_the_shim),
      cmocka_unit_test(test_programs_own_options_are_kept),
      cmocka_unit_test(test_without_options_only_the_preload_is_added),
      cmocka_unit_test(test_big_environment_goes_to_a_mapping),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
