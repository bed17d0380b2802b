/* tests/unit/test_abandon.c — what lets the exit abandon a periodic scan's
 * snapshot child (clone.h's protocol) without a trace: in history.h's
 * private mode a child's lists, site bytes and logged stacks change
 * nothing the parent sees until it publishes them, and logwriter.h's hold
 * keeps a child's records off the log until it releases them, then
 * writes them whole. The children here are real processes (fork), as the
 * snapshot child is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "history.h"
#include "logwriter.h"

/* Runs fn in a forked child and waits for it; asserts it exited 0. */
static void in_child(void (*fn)(int publish), int publish) {
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) { fn(publish); _exit(0); }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* A scan in a child: a new lost list of one block, site bytes, a stack
 * logged, and a result; published only when `publish`. */
static void child_scan(int publish) {
  if (lg_history_private() != 0) _exit(2);
  lg_seen_t *next = lg_history_next();
  next[0] = (lg_seen_t){.addr = 0x9000, .first = 2, .streak = 1};
  lg_history_commit(1);
  uint32_t n;
  lg_history_old_bytes(&n)[5] = 777;
  if (!lg_history_stack_needs_log(7)) _exit(3);
  lg_history_result()->clusters = 42; /* the result is shared at once */
  if (publish) lg_history_publish();
}

/* The parent's history before a child scans: one lost block at 0x1000. */
static void parent_history(void) {
  lg_history_forget();
  assert_int_equal(lg_history_reserve(16, 16), 0);
  lg_history_next()[0] = (lg_seen_t){.addr = 0x1000, .first = 1, .streak = 1};
  lg_history_commit(1);
  memset(lg_history_result(), 0, sizeof(lg_scan_result_t));
}

static void test_unpublished_child_changes_nothing(void **state) {
  (void)state;
  parent_history();
  in_child(child_scan, 0);
  assert_non_null(lg_history_prev(0x1000));
  assert_null(lg_history_prev(0x9000));
  uint32_t n;
  assert_int_equal(lg_history_old_bytes(&n)[5], 0);
  assert_true(lg_history_stack_needs_log(7)); /* the child's STACK record never reached the log */
  assert_int_equal(lg_history_result()->clusters, 42);
}

static void test_published_child_is_the_parents_history(void **state) {
  (void)state;
  parent_history();
  in_child(child_scan, 1);
  assert_null(lg_history_prev(0x1000));
  const lg_seen_t *p = lg_history_prev(0x9000);
  assert_non_null(p);
  assert_int_equal(p->first, 2);
  uint32_t n;
  assert_int_equal(lg_history_old_bytes(&n)[5], 777);
  assert_false(lg_history_stack_needs_log(7));
}

static char log_path[4096];

static off_t log_size(void) {
  struct stat st;
  assert_int_equal(stat(log_path, &st), 0);
  return st.st_size;
}

/* Writes a NOTE record of `len` text bytes (code 1). */
static void note(uint32_t len) {
  static char text[3 << 20];
  memset(text, 'x', len);
  lg_log_begin(9, 4 + lg_log_str_size(len));
  lg_log_u32(1);
  lg_log_str(text, len);
  lg_log_end();
}

static void test_held_records_reach_the_log_only_on_release(void **state) {
  (void)state;
  char dir[2048], pattern[4096];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/lg-abandon-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(pattern, sizeof pattern, "%s/t.log", dir);
  assert_int_equal(lg_log_open(pattern, "t", log_path, sizeof log_path), 0);
  lg_log_lock();
  note(10);
  lg_log_flush();
  off_t before = log_size();
  assert_int_equal(before, 12 + 4 + 4 + 10);
  lg_log_hold();
  note(3 << 20); /* more than the writer's buffer: flushed mid-record, held */
  note(5);
  lg_log_flush();
  assert_int_equal(log_size(), before);
  assert_int_equal(lg_log_release(), 0);
  assert_int_equal(log_size(), before + (12 + 8 + (3 << 20)) + (12 + 8 + 5));
  note(1); /* after the hold: written as before */
  lg_log_flush();
  assert_int_equal(log_size(), before + (12 + 8 + (3 << 20)) + (12 + 8 + 5) + 12 + 8 + 1);
  lg_log_unlock();
  unlink(log_path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_unpublished_child_changes_nothing),
      cmocka_unit_test(test_published_child_is_the_parents_history),
      cmocka_unit_test(test_held_records_reach_the_log_only_on_release),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
