/* tests/unit/test_logbuf.c — the log writer's buffer (logwriter.c): it
 * keeps at most 64 KiB of records unwritten (every page of it it ever
 * filled stays resident in the traced program), and records that cross
 * its end, or are many times its size, reach the log whole and in order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "logwriter.h"

static char log_path[4096], dir[2048];

/* Opens a fresh log in a directory of its own under TMPDIR. */
static void open_log(void) {
  char pattern[4096];
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/lg-logbuf-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  assert_non_null(mkdtemp(dir));
  snprintf(pattern, sizeof pattern, "%s/t.log", dir);
  assert_int_equal(lg_log_open(pattern, "t", log_path, sizeof log_path), 0);
}

/* The log file's size now. */
static off_t log_size(void) {
  struct stat st;
  assert_int_equal(stat(log_path, &st), 0);
  return st.st_size;
}

/* Writes a NOTE record (code 1) of `len` text bytes, all `c`. */
static void note(uint32_t len, char c) {
  static char text[1 << 20];
  memset(text, c, len);
  lg_log_begin(9, 4 + lg_log_str_size(len));
  lg_log_u32(1);
  lg_log_str(text, len);
  lg_log_end();
}

/* 2,000 records of 100 text bytes (120 bytes each with their framing):
 * 240,000 bytes, of which no more than 64 KiB may wait unwritten. */
static void test_the_buffer_holds_at_most_64_kib(void **state) {
  (void)state;
  open_log();
  lg_log_lock();
  lg_log_flush();
  off_t start = log_size();
  for (int i = 0; i < 2000; i++) note(100, 'a');
  off_t written = log_size() - start;
  assert_true(written >= 2000 * 120 - 65536);
  assert_true(written < 2000 * 120);
  lg_log_flush();
  assert_int_equal(log_size() - start, 2000 * 120);
  lg_log_unlock();
  unlink(log_path);
  rmdir(dir);
}

/* Records across the buffer's end and one of 1 MiB: the file holds each
 * record's header, text and framing at its place. */
static void test_records_bigger_than_the_buffer_arrive_whole(void **state) {
  (void)state;
  open_log();
  lg_log_lock();
  lg_log_flush();
  off_t start = log_size();
  uint32_t lens[] = {65000, 1000, 1u << 20, 7, 70000};
  for (int i = 0; i < 5; i++) note(lens[i], (char)('b' + i));
  lg_log_flush();
  lg_log_unlock();
  FILE *f = fopen(log_path, "rb");
  assert_non_null(f);
  static char got[1 << 20];
  assert_int_equal(fseeko(f, start, SEEK_SET), 0);
  for (int i = 0; i < 5; i++) {
    uint8_t hdr[16];
    assert_int_equal(fread(hdr, 1, 16, f), 16); /* sync, type, length; code; text length */
    uint16_t type;
    uint32_t len, tlen;
    memcpy(&type, hdr + 2, 2);
    memcpy(&len, hdr + 4, 4);
    memcpy(&tlen, hdr + 12, 4);
    assert_int_equal(type, 9);
    assert_int_equal(len, 8 + lens[i]);
    assert_int_equal(tlen, lens[i]);
    assert_int_equal(fread(got, 1, lens[i], f), lens[i]);
    for (uint32_t k = 0; k < lens[i]; k++)
      if (got[k] != (char)('b' + i)) fail_msg("record %d byte %u", i, k);
    assert_int_equal(fread(hdr, 1, 4, f), 4); /* its checksum */
  }
  assert_int_equal(fgetc(f), EOF);
  fclose(f);
  unlink(log_path);
  rmdir(dir);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_the_buffer_holds_at_most_64_kib),
      cmocka_unit_test(test_records_bigger_than_the_buffer_arrive_whole),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
