/* tests/unit/test_reader.c — unit tests of the log reader (tools/reader.c):
 * a well-formed log reads back whole; a log cut at any byte keeps exactly
 * its complete records; damage is reported as corruption at the right
 * offset; files that are no log, empty, missing or of a newer version are
 * refused; unknown records are skipped; counts that the payload cannot hold
 * are refused without allocating; clusters of unfinished scans are dropped;
 * frames resolve against the modules loaded when their STACK was written;
 * SITES, CHAIN, HEURISTICS and LIVE records read back into their scan,
 * hostile counts in them are refused, and those of no open scan are
 * dropped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "reader.h"

#include "logbuild.h"

static void test_wellformed_log_round_trips(void **state) {
  lb_t l = {0};
  lb_sample(&l, 4242);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_int_equal(r.status, LG_READ_OK);
  assert_int_equal(p->pid, 4242);
  assert_string_equal(p->exe, "/bin/sample");
  assert_int_equal(p->argc, 2);
  assert_string_equal(p->argv[1], "-x");
  assert_string_equal(p->options, "depth=8");
  assert_int_equal(p->nmodules, 1);
  assert_true(p->complete);
  assert_false(p->truncated);
  assert_int_equal(p->end_how, LG_END_EXIT);
  assert_int_equal(p->nnotes, 1);
  assert_string_equal(p->notes[0].text, "a thread did not stop");
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_non_null(s);
  assert_int_equal(s->kind, LG_SCAN_EXIT);
  assert_int_equal(s->totals[3].bytes, 100);
  assert_int_equal(s->threads, 3);
  assert_int_equal(s->nclusters, 1);
  const lg_cluster_t *c = &s->clusters[0];
  assert_int_equal(c->id, 7);
  assert_int_equal(c->bytes, 96);
  assert_int_equal(c->blocks, 3);
  assert_int_equal(c->nsites, 2);
  assert_int_equal(c->nlisted, 3);
  assert_int_equal(c->nedges, 3);
  assert_int_equal(c->edges[2].to, 2);
  const lg_stack_t *st = lg_reader_stack(p, 1);
  assert_non_null(st);
  assert_int_equal(st->nframes, 2);
  assert_int_equal(st->frames[1].address, 0x402020);
  assert_int_equal(st->frames[1].module, 0);
  assert_int_equal(p->records, l.nrec);
  lg_reader_free(p);
  lb_free(&l);
}

/* Counts the records that end at or before `cut`. */
static size_t complete_records(const lb_t *l, size_t cut) {
  size_t n = 0;
  while (n < l->nrec && l->ends[n] <= cut)
    n++;
  return n;
}

static void test_truncation_at_every_offset_keeps_complete_records(void **s) {
  lb_t l = {0};
  lb_sample(&l, 1);
  for (size_t cut = 0; cut < l.n; cut++) {
    lg_read_result_t r;
    lg_process_t *p = lb_read_n(&l, cut, &r);
    size_t want = complete_records(&l, cut);
    if (want == 0) { /* not even a HEADER: no log */
      assert_null(p);
      assert_int_equal(r.status, cut ? LG_READ_ERR_NOT_LOG : LG_READ_ERR_EMPTY);
      continue;
    }
    assert_non_null(p);
    assert_int_equal(r.status, LG_READ_OK);
    assert_int_equal(p->records, want);
    int at_boundary = l.ends[want - 1] == cut;
    assert_int_equal(p->truncated, !at_boundary);
    if (!at_boundary)
      assert_int_equal(p->truncated_at, l.ends[want - 1]);
    assert_false(p->complete); /* END is the last record */
    lg_reader_free(p);
  }
  lb_free(&l);
}

static void test_truncation_message_names_file_and_offset(void **state) {
  lb_t l = {0};
  lb_sample(&l, 1);
  lg_read_result_t r;
  lg_process_t *p = lb_read_n(&l, l.ends[2] + 3, &r);
  assert_non_null(p);
  char want[64];
  snprintf(want, sizeof want, "test.log is truncated at byte %zu", l.ends[2]);
  assert_non_null(strstr(r.message, want));
  lg_reader_free(p);
  lb_free(&l);
}

static void test_scan_cut_before_its_end_is_not_counted(void **state) {
  lb_t l = {0};
  lb_sample(&l, 1);
  lg_read_result_t r;
  /* records: 0 HEADER 1 MODULE 2,3 STACK 4 NOTE 5 BEGIN 6 CLUSTER 7 END */
  lg_process_t *p = lb_read_n(&l, l.ends[6], &r);
  assert_non_null(p);
  assert_null(lg_reader_last_scan(p));
  assert_int_equal(lg_reader_complete_scans(p), 0);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_flipped_payload_byte_is_corruption_at_its_record(void **s) {
  lb_t l = {0};
  lb_sample(&l, 1);
  size_t rec = l.ends[2]; /* the second STACK record starts here */
  l.b[rec + LG_REC_HEADER_SIZE + 1] ^= 0x40;
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_int_equal(r.offset, rec);
  assert_non_null(strstr(r.message, "corrupted"));
  lb_free(&l);
}

static void test_flipped_byte_anywhere_is_never_read_as_whole(void **s) {
  lb_t l = {0};
  lb_sample(&l, 1);
  for (size_t i = 0; i < l.n; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      l.b[i] ^= (uint8_t)(1u << bit);
      lg_read_result_t r;
      lg_process_t *p = lb_read(&l, &r);
      /* either refused, or read as truncated (a length grew past EOF) */
      if (p)
        assert_true(p->truncated);
      else
        assert_int_not_equal(r.status, LG_READ_OK);
      lg_reader_free(p);
      l.b[i] ^= (uint8_t)(1u << bit);
    }
  }
  lb_free(&l);
}

static void test_bad_sync_after_header_is_corruption(void **state) {
  lb_t l = {0};
  lb_sample(&l, 1);
  size_t at = l.ends[0];
  l.b[at] = 'X';
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_int_equal(r.offset, at);
  lb_free(&l);
}

static void test_length_over_limit_is_corruption(void **state) {
  lb_t l = {0};
  lb_sample(&l, 1);
  size_t at = l.ends[1];
  uint32_t len = LG_REC_MAX_PAYLOAD + 1;
  for (int i = 0; i < 4; i++)
    l.b[at + 4 + i] = (uint8_t)(len >> (8 * i));
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  lb_free(&l);
}

static void test_huge_length_near_eof_is_a_cheap_truncation(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_begin(&l, LG_REC_NOTE); /* claims 256 MiB, holds 4 bytes */
  lb_u32(&l, 1);
  uint32_t len = LG_REC_MAX_PAYLOAD;
  for (int i = 0; i < 4; i++)
    l.b[l.rec_start + 4 + i] = (uint8_t)(len >> (8 * i));
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_true(p->truncated);
  assert_int_equal(p->records, 1);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_empty_file_is_refused(void **state) {
  lb_t l = {0};
  lg_read_result_t r;
  assert_null(lb_read_n(&l, 0, &r));
  assert_int_equal(r.status, LG_READ_ERR_EMPTY);
  assert_non_null(strstr(r.message, "empty"));
}

static void test_random_bytes_are_not_a_log(void **state) {
  lb_t l = {0};
  srand(7);
  for (int i = 0; i < 4096; i++)
    lb_u8(&l, (uint8_t)rand());
  for (size_t n = 1; n <= l.n; n = n * 2 + 1) {
    lg_read_result_t r;
    assert_null(lb_read_n(&l, n, &r));
    assert_int_equal(r.status, LG_READ_ERR_NOT_LOG);
  }
  lb_free(&l);
}

static void test_text_file_is_not_a_log(void **state) {
  const char *text = "LGtext that starts like a log\n";
  FILE *f = fmemopen((void *)text, strlen(text), "rb");
  lg_read_result_t r;
  assert_null(lg_reader_read_stream(f, "t.txt", &r));
  fclose(f);
  assert_int_equal(r.status, LG_READ_ERR_NOT_LOG);
  assert_non_null(strstr(r.message, "t.txt"));
}

static void test_missing_file_cannot_be_opened(void **state) {
  lg_read_result_t r;
  assert_null(lg_reader_read_file("/nonexistent/leakgraph.log", &r));
  assert_int_equal(r.status, LG_READ_ERR_OPEN);
  assert_non_null(strstr(r.message, "/nonexistent/leakgraph.log"));
}

static void test_newer_version_is_refused(void **state) {
  lb_t l = {0};
  lb_header_v(&l, LG_FORMAT_VERSION + 1, 1, "/bin/x");
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_VERSION);
  assert_non_null(strstr(r.message, "version 3"));
  lb_free(&l);
}

static void test_log_not_starting_with_header_is_not_a_log(void **state) {
  lb_t l = {0};
  lb_end_rec(&l, LG_END_EXIT, 0);
  lb_header(&l, 1, "/bin/x");
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_NOT_LOG);
  lb_free(&l);
}

static void test_unknown_record_type_is_skipped(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_begin(&l, 999);
  lb_str(&l, "from the future");
  lb_end(&l);
  lb_end_rec(&l, LG_END_ABORT, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_int_equal(p->unknown_records, 1);
  assert_true(p->complete);
  assert_int_equal(p->end_how, LG_END_ABORT);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_too_many_frames_is_refused(void **state) {
  lb_t l = {0};
  uint64_t frames[LG_MAX_FRAMES + 1] = {0};
  lb_header(&l, 1, "/bin/x");
  lb_stack(&l, 1, LG_MAX_FRAMES + 1, frames);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_non_null(strstr(r.message, "STACK"));
  lb_free(&l);
}

static void test_count_beyond_payload_is_refused(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_begin(&l, LG_REC_CLUSTER);
  for (int i = 0; i < 4; i++)
    lb_u32(&l, 1);
  lb_u64(&l, 8);
  lb_u32(&l, 1);
  lb_u32(&l, 0x10000000); /* nsites: far more than the payload holds */
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  lb_free(&l);
}

static void test_edge_out_of_range_is_refused(void **state) {
  lb_t l = {0};
  static const lb_site_t site = {1, LG_CAT_DEFINITE, 1, 8};
  static const lb_block_t block = {0x1000, 8, 1, LG_CAT_DEFINITE, 1};
  static const uint32_t edge[][2] = {{0, 1}};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_cluster(&l, 1, 1, 0, 1, &site, 1, &block, 1, edge);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  lb_free(&l);
}

static void test_short_payload_is_corruption(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_begin(&l, LG_REC_SCAN_END);
  lb_u32(&l, 1); /* nothing else */
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_int_equal(r.offset, l.ends[0]);
  lb_free(&l);
}

static void test_clusters_of_unfinished_scan_are_dropped(void **state) {
  lb_t l = {0};
  static const lb_site_t site = {1, LG_CAT_DEFINITE, 1, 8};
  static const uint64_t done[4][2] = {{0, 0}, {0, 0}, {0, 0}, {8, 1}};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_scan_end(&l, 1, done, 0, 0);
  lb_scan_begin(&l, 2, LG_SCAN_EXIT);
  lb_cluster(&l, 2, 1, 0, 1, &site, 0, NULL, 0, NULL);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_non_null(s);
  assert_int_equal(s->scan, 1);
  assert_int_equal(s->nclusters, 0);
  assert_false(p->complete);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_frames_resolve_to_modules_loaded_at_stack_time(void **s) {
  lb_t l = {0};
  static const uint64_t f[] = {0x7000100, 0x9000000};
  lb_header(&l, 1, "/bin/x");
  lb_module(&l, 1, 0x7000000, "/lib/a.so", "", 0x7000000, 0x1000);
  lb_stack(&l, 1, 2, f);
  lb_unload(&l, 1);
  lb_module(&l, 2, 0x7000000, "/lib/b.so", "", 0x7000000, 0x1000);
  lb_stack(&l, 2, 2, f);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  const lg_stack_t *s1 = lg_reader_stack(p, 1), *s2 = lg_reader_stack(p, 2);
  assert_string_equal(p->modules[s1->frames[0].module].path, "/lib/a.so");
  assert_string_equal(p->modules[s2->frames[0].module].path, "/lib/b.so");
  assert_int_equal(s1->frames[1].module, -1);
  assert_false(p->modules[0].loaded);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_return_address_at_segment_end_belongs_to_it(void **state) {
  lb_t l = {0};
  static const uint64_t f[] = {0x5000, 0x4000};
  lb_header(&l, 1, "/bin/x");
  lb_module(&l, 1, 0, "/lib/a.so", "", 0x4000, 0x1000);
  lb_stack(&l, 1, 2, f);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  const lg_stack_t *s = lg_reader_stack(p, 1);
  assert_int_equal(s->frames[0].module, 0);  /* call was at 0x4fff */
  assert_int_equal(s->frames[1].module, -1); /* call was at 0x3fff */
  lg_reader_free(p);
  lb_free(&l);
}

static void test_record_after_end_keeps_log_complete(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_end_rec(&l, LG_END_EXEC, 0);
  lb_note(&l, LG_NOTE_INFO, "late");
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_true(p->complete);
  assert_int_equal(p->end_how, LG_END_EXEC);
  assert_int_equal(p->nnotes, 1);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_log_without_end_is_incomplete(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_note(&l, LG_NOTE_INFO, "hello");
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_false(p->complete);
  assert_false(p->truncated);
  lg_reader_free(p);
  lb_free(&l);
}

/* ------------------------------------------------------- SITES, CHAIN */

static void test_sites_and_chain_round_trip(void **state) {
  lb_t l = {0};
  lb_periodic(&l, 7);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_int_equal(r.status, LG_READ_OK);
  assert_int_equal(lg_reader_complete_scans(p), 8);
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_int_equal(s->scan, 8);
  assert_int_equal(s->time, 8000000000ull);
  assert_true(s->has_sites);
  assert_int_equal(s->nsites, 3);
  const lg_site_stat_t *e = &s->sites[2];
  assert_int_equal(e->stack_id, 3);
  assert_int_equal(e->blocks[0], 8000);
  assert_int_equal(e->blocks[1], 5);
  assert_int_equal(e->bytes[0], 8000000);
  assert_int_equal(e->bytes[1], 4000);
  assert_int_equal(e->bytes[2], 512);
  assert_int_equal(s->nchains, 1);
  const lg_chain_t *c = &s->chains[0];
  assert_int_equal(c->scan, 8);
  assert_int_equal(c->stack_id, 1);
  assert_int_equal(c->root_kind, LG_ROOT_DATA);
  assert_int_equal(c->root_address, 0x600010);
  assert_int_equal(c->root_module, 1); /* the data segment's module */
  assert_int_equal(c->nhops, 3);
  assert_int_equal(c->hops[2].address, 0x10200);
  assert_int_equal(c->hops[2].size, 48);
  assert_int_equal(c->hops[2].stack_id, 1);
  assert_int_equal(p->records, l.nrec);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_sites_and_chains_of_unfinished_scan_are_dropped(void **s) {
  lb_t l = {0};
  lb_periodic(&l, 7); /* scan 9 lists sites and a chain, never ends */
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  for (size_t i = 0; i < p->nscans; i++) /* scan 9 never counts */
    if (p->scans[i].scan == 9)
      assert_false(p->scans[i].ended);
  const lg_scan_t *last = lg_reader_last_scan(p);
  assert_int_equal(last->scan, 8);
  assert_int_equal(last->nsites, 3); /* nothing of scan 9 leaked into 8 */
  assert_int_equal(last->nchains, 1);
  assert_int_equal(last->sites[0].bytes[2], 4096 * 8);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_sites_and_chain_outside_any_scan_are_dropped(void **s) {
  lb_t l = {0};
  static const uint64_t t[4][2] = {{0}};
  static const lb_sstat_t a = {1, {1, 1, 1}, {8, 8, 8}};
  static const lb_hop_t h = {0x1000, 8, 1};
  lb_header(&l, 1, "/bin/x");
  lb_sites(&l, 1, 1, &a); /* before its SCAN_BEGIN */
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_scan_end(&l, 1, t, 0, 0);
  lb_chain(&l, 1, 1, LG_ROOT_STACK, 42, 0x7ff0, 1, &h); /* after its end */
  lb_sites(&l, 1, 1, &a);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  const lg_scan_t *sc = lg_reader_last_scan(p);
  assert_false(sc->has_sites);
  assert_int_equal(sc->nsites, 0);
  assert_int_equal(sc->nchains, 0);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_sites_count_beyond_payload_is_refused(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_begin(&l, LG_REC_SITES);
  lb_u32(&l, 1);
  lb_u32(&l, 0x40000000); /* nsites: 40 GiB of sites in a few bytes */
  lb_u32(&l, 1);
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_non_null(strstr(r.message, "SITES"));
  lb_free(&l);
}

static void test_sites_one_short_of_its_count_is_refused(void **state) {
  lb_t l = {0};
  static const lb_sstat_t a[2] = {{1, {1, 0, 0}, {8, 0, 0}},
                                  {2, {1, 0, 0}, {8, 0, 0}}};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_sites(&l, 1, 2, a);
  /* rewrite the count to 3 and re-seal the record */
  lb_t m = {0};
  lb_raw(&m, l.b, l.ends[1]);
  lb_begin(&m, LG_REC_SITES);
  lb_raw(&m, l.b + l.ends[1] + LG_REC_HEADER_SIZE, 4);
  lb_u32(&m, 3);
  lb_raw(&m, l.b + l.ends[1] + LG_REC_HEADER_SIZE + 8, 80);
  lb_end(&m);
  lg_read_result_t r;
  assert_null(lb_read(&m, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  lb_free(&l);
  lb_free(&m);
}

static void test_chain_with_too_many_hops_is_refused(void **state) {
  lb_t l = {0};
  lb_hop_t hops[LG_CHAIN_MAX_HOPS + 1];
  for (size_t i = 0; i <= LG_CHAIN_MAX_HOPS; i++)
    hops[i] = (lb_hop_t){0x1000 + 16 * i, 16, 1};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_chain(&l, 1, 1, LG_ROOT_DATA, 0, 0x600000, LG_CHAIN_MAX_HOPS, hops);
  size_t ok = l.n;
  lb_chain(&l, 1, 1, LG_ROOT_DATA, 0, 0x600000, LG_CHAIN_MAX_HOPS + 1, hops);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_int_equal(r.offset, ok); /* the 64-hop chain before it was fine */
  assert_non_null(strstr(r.message, "CHAIN"));
  lb_free(&l);
}

static void test_chain_hops_beyond_payload_is_refused(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_begin(&l, LG_REC_CHAIN);
  lb_u32(&l, 1);
  lb_u32(&l, 1);
  lb_u32(&l, LG_ROOT_STACK);
  lb_u32(&l, 7);
  lb_u64(&l, 0x7ff000);
  lb_u32(&l, 2); /* two hops, one present */
  lb_u64(&l, 0x1000);
  lb_u64(&l, 16);
  lb_u32(&l, 1);
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  lb_free(&l);
}

static void test_periodic_log_cut_anywhere_keeps_complete_scans(void **s) {
  lb_t l = {0};
  lb_periodic(&l, 1);
  for (size_t cut = 1; cut < l.n; cut++) {
    lg_read_result_t r;
    lg_process_t *p = lb_read_n(&l, cut, &r);
    size_t want = complete_records(&l, cut);
    if (want == 0) {
      assert_null(p);
      continue;
    }
    assert_non_null(p);
    assert_int_equal(p->records, want);
    for (size_t i = 0; i < p->nscans; i++) /* a complete scan is whole */
      if (p->scans[i].ended)
        assert_true(p->scans[i].has_sites && p->scans[i].nsites == 3);
    lg_reader_free(p);
  }
  lb_free(&l);
}

static void test_flipped_byte_in_periodic_log_is_never_read_whole(void **s) {
  lb_t l = {0};
  lb_periodic(&l, 1);
  for (size_t i = 0; i < l.n; i++) {
    for (int bit = 0; bit < 8; bit += 3) {
      l.b[i] ^= (uint8_t)(1u << bit);
      lg_read_result_t r;
      lg_process_t *p = lb_read(&l, &r);
      if (p) /* a length grew past EOF: read as truncated */
        assert_true(p->truncated);
      else
        assert_int_not_equal(r.status, LG_READ_OK);
      lg_reader_free(p);
      l.b[i] ^= (uint8_t)(1u << bit);
    }
  }
  lb_free(&l);
}

/* A log with one exit scan whose HEURISTICS record is `h` (n entries),
 * plus a HEURISTICS record outside any scan (after the scan's end). */
static lg_process_t *read_heuristics_log(uint32_t n, const lb_heur_t *h,
                                         lg_read_result_t *r) {
  lb_t l = {0};
  static const uint64_t t[4][2] = {{0, 0}, {0, 0}, {0, 0}, {200, 3}};
  static const lb_heur_t late = {LG_HEUR_STDSTRING, 1000, 10};
  lb_header(&l, 1, "/bin/x");
  lb_heuristics(&l, 1, 1, &late); /* before its SCAN_BEGIN */
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_heuristics(&l, 1, n, h);
  lb_scan_end(&l, 1, t, 0, 0);
  lb_heuristics(&l, 1, 1, &late); /* after its end */
  lb_end_rec(&l, LG_END_EXIT, 0);
  lg_process_t *p = lb_read(&l, r);
  lb_free(&l);
  return p;
}

static void test_heuristics_read_back_into_their_scan(void **state) {
  static const lb_heur_t h[] = {{LG_HEUR_NEWARRAY, 128, 1},
                                {99, 5, 5}, /* a heuristic of the future */
                                {LG_HEUR_MULTIPLEINHERITANCE, 40, 1},
                                {LG_HEUR_NEWARRAY, 32, 2}};
  lg_read_result_t r;
  lg_process_t *p = read_heuristics_log(4, h, &r);
  assert_non_null(p);
  assert_int_equal(r.status, LG_READ_OK);
  const lg_scan_t *s = lg_reader_last_scan(p);
  assert_int_equal(s->heuristics[LG_HEUR_NEWARRAY - 1].bytes, 160);
  assert_int_equal(s->heuristics[LG_HEUR_NEWARRAY - 1].blocks, 3);
  assert_int_equal(s->heuristics[LG_HEUR_MULTIPLEINHERITANCE - 1].bytes, 40);
  assert_int_equal(s->heuristics[LG_HEUR_STDSTRING - 1].blocks, 0); /* outside: dropped */
  assert_int_equal(s->heuristics[LG_HEUR_LENGTH64 - 1].blocks, 0);
  assert_int_equal(p->unknown_records, 0);
  lg_reader_free(p);
}

static void test_heuristics_count_beyond_payload_is_refused(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_EXIT);
  lb_begin(&l, LG_REC_HEURISTICS);
  lb_u32(&l, 1);
  lb_u32(&l, 2); /* two entries announced, one written */
  lb_u32(&l, LG_HEUR_LENGTH64);
  lb_u64(&l, 64);
  lb_u64(&l, 1);
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_non_null(strstr(r.message, "HEURISTICS"));
  lb_free(&l);
}

/* ---------------------------------------------------------------- LIVE */

static void test_live_ids_read_back_into_their_scan(void **state) {
  static const uint64_t t[4][2] = {{0}};
  static const uint32_t a[] = {4, 9}, b[] = {11};
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_live(&l, 1, 1, b); /* before its SCAN_BEGIN: dropped */
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_live(&l, 1, 2, a);
  lb_live(&l, 1, 1, b); /* a second record adds to the first */
  lb_scan_end(&l, 1, t, 0, 0);
  lb_live(&l, 1, 2, a); /* after its end: dropped */
  lb_scan_begin(&l, 2, LG_SCAN_PERIODIC);
  lb_live(&l, 2, 0, NULL);
  lb_scan_end(&l, 2, t, 0, 0);
  lg_read_result_t r;
  lg_process_t *p = lb_read(&l, &r);
  assert_non_null(p);
  assert_int_equal(p->nscans, 2);
  assert_int_equal(p->scans[0].nlive, 3);
  assert_int_equal(p->scans[0].live[0], 4);
  assert_int_equal(p->scans[0].live[1], 9);
  assert_int_equal(p->scans[0].live[2], 11);
  assert_int_equal(p->scans[1].nlive, 0);
  assert_int_equal(p->records, l.nrec);
  lg_reader_free(p);
  lb_free(&l);
}

static void test_live_count_beyond_payload_is_refused(void **state) {
  lb_t l = {0};
  lb_header(&l, 1, "/bin/x");
  lb_scan_begin(&l, 1, LG_SCAN_PERIODIC);
  lb_begin(&l, LG_REC_LIVE);
  lb_u32(&l, 1);
  lb_u32(&l, 3); /* three ids, two present */
  lb_u32(&l, 1);
  lb_u32(&l, 2);
  lb_end(&l);
  lg_read_result_t r;
  assert_null(lb_read(&l, &r));
  assert_int_equal(r.status, LG_READ_ERR_CORRUPT);
  assert_non_null(strstr(r.message, "LIVE"));
  lb_free(&l);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_wellformed_log_round_trips),
      cmocka_unit_test(test_truncation_at_every_offset_keeps_complete_records),
      cmocka_unit_test(test_truncation_message_names_file_and_offset),
      cmocka_unit_test(test_scan_cut_before_its_end_is_not_counted),
      cmocka_unit_test(test_flipped_payload_byte_is_corruption_at_its_record),
      cmocka_unit_test(test_flipped_byte_anywhere_is_never_read_as_whole),
      cmocka_unit_test(test_bad_sync_after_header_is_corruption),
      cmocka_unit_test(test_length_over_limit_is_corruption),
      cmocka_unit_test(test_huge_length_near_eof_is_a_cheap_truncation),
      cmocka_unit_test(test_empty_file_is_refused),
      cmocka_unit_test(test_random_bytes_are_not_a_log),
      cmocka_unit_test(test_text_file_is_not_a_log),
      cmocka_unit_test(test_missing_file_cannot_be_opened),
      cmocka_unit_test(test_newer_version_is_refused),
      cmocka_unit_test(test_log_not_starting_with_header_is_not_a_log),
      cmocka_unit_test(test_unknown_record_type_is_skipped),
      cmocka_unit_test(test_too_many_frames_is_refused),
      cmocka_unit_test(test_count_beyond_payload_is_refused),
      cmocka_unit_test(test_edge_out_of_range_is_refused),
      cmocka_unit_test(test_short_payload_is_corruption),
      cmocka_unit_test(test_clusters_of_unfinished_scan_are_dropped),
      cmocka_unit_test(test_frames_resolve_to_modules_loaded_at_stack_time),
      cmocka_unit_test(test_return_address_at_segment_end_belongs_to_it),
      cmocka_unit_test(test_record_after_end_keeps_log_complete),
      cmocka_unit_test(test_log_without_end_is_incomplete),
      cmocka_unit_test(test_sites_and_chain_round_trip),
      cmocka_unit_test(test_sites_and_chains_of_unfinished_scan_are_dropped),
      cmocka_unit_test(test_sites_and_chain_outside_any_scan_are_dropped),
      cmocka_unit_test(test_sites_count_beyond_payload_is_refused),
      cmocka_unit_test(test_sites_one_short_of_its_count_is_refused),
      cmocka_unit_test(test_chain_with_too_many_hops_is_refused),
      cmocka_unit_test(test_chain_hops_beyond_payload_is_refused),
      cmocka_unit_test(test_periodic_log_cut_anywhere_keeps_complete_scans),
      cmocka_unit_test(test_flipped_byte_in_periodic_log_is_never_read_whole),
      cmocka_unit_test(test_heuristics_read_back_into_their_scan),
      cmocka_unit_test(test_heuristics_count_beyond_payload_is_refused),
      cmocka_unit_test(test_live_ids_read_back_into_their_scan),
      cmocka_unit_test(test_live_count_beyond_payload_is_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
