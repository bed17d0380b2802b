/* tests/unit/test_roots.c — the roots phase on this process's real memory
 * (roots.h): the mapping list and its kinds, residency from every source,
 * the walk of program mappings that leaves out the shim's tagged mappings
 * (also inside one merged VMA), glibc's arena heaps and mmapped chunks,
 * and the thread descriptors that find stacks (tdesc.h). Fake heaps are
 * address ranges in test-owned mappings; the scan's own thread is
 * "foreign" (not scanned), so only the mappings reach the blocks. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cmocka.h>

#include "graph.h"
#include "maps.h"
#include "roots.h"
#include "scan.h"
#include "sys.h"
#include "tdesc.h"

#define PAGE 4096ul
#define ARENA_HEAP (64ul << 20)


static void *map_at(void *where, size_t n, int flags) {
  void *p = mmap(where, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | flags, -1, 0);
  assert_true(p != MAP_FAILED);
  return p;
}

/* ---- fake heaps, marked through the roots phase -------------------------- */

/* The fake blocks and their addresses live in a mapping of the shim's:
 * the test's own data is a program mapping, and a root. */
#define NB 8
static lg_blk_t *fblk;
static uintptr_t *fake;
static lg_self_t foreign = {.foreign = 1};

/* Makes NB blocks of 64 bytes in a fresh mapping (plus, when extra_addr is
 * not 0, one block at extra_addr of extra_size, kept in address order). */
static char *fake_heap(lg_heap_t *h, uintptr_t extra_addr, size_t extra_size) {
  if (!fblk) {
    fblk = lg_sys_map((NB + 1) * sizeof *fblk);
    fake = lg_sys_map(NB * sizeof *fake);
  }
  char *b = map_at(NULL, 64 * 1024, 0);
  size_t n = 0;
  for (size_t i = 0; i < NB; i++) {
    fake[i] = (uintptr_t)b + 1024 + i * 256;
    fblk[n++] = (lg_blk_t){.addr = fake[i], .size = 64};
  }
  if (extra_addr) {
    size_t at = extra_addr < fake[0] ? 0 : n;
    memmove(&fblk[at + 1], &fblk[at], (n - at) * sizeof fblk[0]);
    fblk[at] = (lg_blk_t){.addr = extra_addr, .size = extra_size};
    n++;
  }
  memset(h, 0, sizeof *h);
  h->blk = fblk;
  h->n = n;
  assert_int_equal(lg_heap_build(h), 0);
  return b;
}

/* Runs the roots phase and the mark over the process as it is now. */
static void mark_process(lg_scan_t *s) {
  lg_heap_t h = s->heap;
  memset(s, 0, sizeof *s);
  s->heap = h;
  s->self = &foreign;
  assert_int_equal(lg_maps_read(&s->maps, &s->nmaps, &s->maps_cap), 0);
  lg_roots_mark(s);
  lg_mark_finish(&s->heap);
  lg_sys_unmap(s->maps, s->maps_cap);
}

/* The mark of the fake block starting at a. */
static int mark_of(const lg_scan_t *s, uintptr_t a) {
  long i = lg_heap_find(&s->heap, a);
  assert_true(i >= 0);
  return s->heap.blk[i].mark;
}

/* How many mappings of the list overlap [lo, hi)? */
static int vmas_over(uintptr_t lo, uintptr_t hi) {
  lg_map_t *m;
  size_t n, bytes;
  assert_int_equal(lg_maps_read(&m, &n, &bytes), 0);
  int k = 0;
  for (size_t i = 0; i < n; i++) k += m[i].lo < hi && m[i].hi > lo;
  lg_sys_unmap(m, bytes);
  return k;
}

/* ---- tests --------------------------------------------------------------------- */

static void test_maps_parse_kinds(void **state) {
  (void)state;
  static const char text[] =
      "55d0c0000000-55d0c0001000 r--p 00000000 fe:00 123   /usr/bin/prog\n"
      "55d0c2000000-55d0c2021000 rw-p 00000000 00:00 0     [heap]\n"
      "7f0000000000-7f0000100000 rw-p 00000000 00:00 0 \n"
      "7f0000100000-7f0000101000 rw-s 00000000 00:01 5     /dev/zero (deleted)\n"
      "7f0000101000-7f0000102000 rw-s 00000000 00:01 6     /dev/shm/pool\n"
      "7f0000102000-7f0000103000 rw-s 00000000 00:05 7     /dev/dri/renderD128\n"
      "7f0000103000-7f0000104000 rw-s 00000000 00:0e 8     anon_inode:[io_uring]\n"
      "7f0000104000-7f0000105000 rw-p 00000000 00:00 0     [anon:pool]\n"
      "7ffc00000000-7ffc00021000 rw-p 00000000 00:00 0     [stack]\n"
      "7ffc00100000-7ffc00104000 r--p 00000000 00:00 0     [vvar]\n";
  lg_map_t m[16];
  size_t n = lg_maps_parse(text, sizeof text - 1, m, 16);
  assert_int_equal(n, 10);
  static const uint8_t kinds[] = {LG_MAP_FILE, LG_MAP_HEAP, LG_MAP_ANON, LG_MAP_ANON, LG_MAP_FILE,
                                  LG_MAP_DEVICE, LG_MAP_DEVICE, LG_MAP_ANON, LG_MAP_STACK, LG_MAP_SPECIAL};
  for (size_t i = 0; i < n; i++) assert_int_equal(m[i].kind, kinds[i]);
  assert_int_equal(m[0].writable, 0);
  assert_int_equal(m[2].lo, 0x7f0000000000ul);
  assert_int_equal(m[2].hi, 0x7f0000100000ul);
  assert_true(m[2].readable && m[2].writable && !m[2].shared);
  assert_true(m[3].shared);
}

static void test_maps_read_lists_a_fresh_mapping(void **state) {
  (void)state;
  char *p = map_at(NULL, 3 * PAGE, 0);
  lg_map_t *m;
  size_t n, bytes;
  assert_int_equal(lg_maps_read(&m, &n, &bytes), 0);
  const lg_map_t *f = lg_maps_find(m, n, (uintptr_t)p + PAGE);
  assert_non_null(f);
  assert_true(f->lo <= (uintptr_t)p && f->hi >= (uintptr_t)p + 3 * PAGE && f->kind == LG_MAP_ANON);
  for (size_t i = 1; i < n; i++) assert_true(m[i - 1].hi <= m[i].lo);
  lg_sys_unmap(m, bytes);
  munmap(p, 3 * PAGE);
}

/* lg_maps_readable: a run of readable mappings with no gap answers for a
 * block that spans them; a gap, an unreadable mapping or the end of the
 * run does not; the cursor's cached run agrees with a fresh cursor. */
static void test_maps_readable_runs(void **state) {
  (void)state;
  const lg_map_t m[] = {
      {0x1000, 0x3000, 1, 1, 0, LG_MAP_ANON}, {0x3000, 0x5000, 1, 1, 0, LG_MAP_ANON}, /* one run */
      {0x6000, 0x7000, 1, 1, 0, LG_MAP_ANON},                                          /* after a gap */
      {0x7000, 0x8000, 0, 0, 0, LG_MAP_ANON},                                          /* unreadable */
  };
  const struct { uintptr_t a, len; int want; } q[] = {
      {0x1000, 0x10, 1}, {0x2ff0, 0x20, 1}, {0x4ff0, 0x10, 1}, {0x4ff0, 0x20, 0},
      {0x5800, 0x10, 0}, {0x6ff0, 0x10, 1}, {0x6ff0, 0x20, 0}, {0x7000, 0x10, 0}, {0x9000, 0x10, 0},
  };
  lg_maps_cursor_t c = {0, 0, 0};
  for (size_t i = 0; i < sizeof q / sizeof q[0]; i++) {
    lg_maps_cursor_t fresh = {0, 0, 0};
    assert_int_equal(lg_maps_readable(m, 4, q[i].a, q[i].len, &c), q[i].want);
    assert_int_equal(lg_maps_readable(m, 4, q[i].a, q[i].len, &fresh), q[i].want);
  }
}

/* Collects the resident pages of p[0..64) by source `how`, as a bitmask. */
static uint64_t resident_mask(char *p, int how, int *used) {
  lg_resid_t r;
  assert_int_equal(lg_resid_open(&r, how, 0), 0);
  lg_map_t m = {(uintptr_t)p, (uintptr_t)p + 64 * PAGE, 1, 1, 0, LG_MAP_ANON};
  uint64_t mask = 0;
  uintptr_t pos = m.lo, a, b;
  while (lg_resid_next(&r, &m, pos, m.hi, &a, &b)) {
    for (uintptr_t q = a; q < b; q += PAGE) mask |= 1ull << ((q - m.lo) / PAGE);
    pos = b;
  }
  *used = r.how;
  lg_resid_close(&r);
  return mask;
}

static void test_residency_from_every_source(void **state) {
  (void)state;
  char *p = map_at(NULL, 64 * PAGE, MAP_NORESERVE);
  p[0] = p[5 * PAGE] = p[6 * PAGE + 100] = p[63 * PAGE] = 1;
  volatile char zero = p[10 * PAGE]; /* maps the shared zero page */
  (void)zero;
  uint64_t written = 1ull | 1ull << 5 | 1ull << 6 | 1ull << 63;
  int how;
  uint64_t a = resident_mask(p, LG_RESID_AUTO, &how);
  assert_int_equal(a & ~(1ull << 10), written);
  if (how == LG_RESID_AUTO) assert_int_equal(a, written); /* PAGEMAP_SCAN leaves the zero page out */
  assert_int_equal(resident_mask(p, LG_RESID_PAGEMAP, &how) & ~(1ull << 10), written);
  assert_int_equal(resident_mask(p, LG_RESID_MINCORE, &how) & ~(1ull << 10), written);
  munmap(p, 64 * PAGE);
}

/* Two pages of the program's, one of the shim's mappings (three pages)
 * and two more of the program's, one after the other: the kernel merges
 * them into one VMA. The walk reads the program's pages and skips the
 * shim's three, header page and all. (New mappings go below the last
 * one: the program's upper pages first, then the shim's, then the lower
 * pages at a fixed address.) */
static void test_walk_skips_shim_mapping_inside_a_merged_vma(void **state) {
  (void)state;
  lg_scan_t s;
  char *heap = fake_heap(&s.heap, 0, 0);
  char *prog = MAP_FAILED;
  for (int tries = 0; tries < 32 && prog == MAP_FAILED; tries++) {
    /* A try that lands in a small hole of the address space fills it. */
    char *upper = map_at(NULL, 2 * PAGE, 0); /* untouched until all are mapped: mergeable */
    char *own = lg_sys_map(3 * PAGE - LG_SYS_HEADER) - LG_SYS_HEADER;
    if (own + 3 * PAGE == upper)
      prog = mmap(own - 2 * PAGE, 2 * PAGE, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  }
  assert_true(prog != MAP_FAILED);
  uintptr_t *w = (uintptr_t *)prog;
  w[1] = fake[0];                          /* program page 0: a start pointer */
  w[2 * PAGE / 8 + 16] = fake[1];          /* the shim's header page */
  w[4 * PAGE / 8 + 7] = fake[2];           /* the shim's last page */
  w[5 * PAGE / 8 + 3] = fake[3] + 8;       /* program page 5: interior */
  assert_int_equal(lg_sys_own_mapping(prog + 2 * PAGE), 3 * PAGE);
  assert_int_equal(vmas_over((uintptr_t)prog, (uintptr_t)prog + 7 * PAGE), 1); /* merged */
  mark_process(&s);
  assert_int_equal(mark_of(&s, fake[0]), LG_REACHABLE);
  assert_int_equal(mark_of(&s, fake[1]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[2]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[3]), LG_POSSIBLE);
  assert_int_equal(mark_of(&s, fake[4]), LG_UNREACHED);
  lg_heap_free(&s.heap);
  munmap(prog, 7 * PAGE);
  munmap(heap, 64 * 1024);
}

/* A shim mapping split into three VMAs by a PROT_NONE page (the scan's own
 * stack has such a guard): the part after the guard, which has no header
 * of its own, is skipped too. */
static void test_walk_skips_all_of_a_split_shim_mapping(void **state) {
  (void)state;
  lg_scan_t s;
  char *heap = fake_heap(&s.heap, 0, 0);
  char *own = lg_sys_map(6 * PAGE - LG_SYS_HEADER) - LG_SYS_HEADER;
  assert_int_equal(mprotect(own + PAGE, PAGE, PROT_NONE), 0);
  ((uintptr_t *)(own + 3 * PAGE))[9] = fake[0];
  ((uintptr_t *)(own + 5 * PAGE))[2] = fake[1];
  assert_int_equal(vmas_over((uintptr_t)own, (uintptr_t)own + 6 * PAGE), 3);
  mark_process(&s);
  assert_int_equal(mark_of(&s, fake[0]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[1]), LG_UNREACHED);
  lg_heap_free(&s.heap);
  lg_sys_unmap(own + LG_SYS_HEADER, 6 * PAGE - LG_SYS_HEADER);
  munmap(heap, 64 * 1024);
}

/* glibc's structures in a program mapping: the first and a later heap of
 * an arena (64 MiB-aligned, with heap_info), and a chunk mmapped for one
 * block (IS_MMAPPED, its tail past the block). Only what lies outside
 * them is a root. */
static void test_arena_heaps_and_mmapped_chunks_are_not_roots(void **state) {
  (void)state;
  size_t len = 5 * ARENA_HEAP;
  char *m = map_at(NULL, len, MAP_NORESERVE);
  uintptr_t a = ((uintptr_t)m + ARENA_HEAP) & ~(ARENA_HEAP - 1), a2 = a + ARENA_HEAP;
  uintptr_t chunk = a + 2 * ARENA_HEAP + 2 * PAGE;
  lg_scan_t s;
  char *heap = fake_heap(&s.heap, chunk + 16, 5000);
  uintptr_t *h1 = (uintptr_t *)a, *h2 = (uintptr_t *)a2, *c = (uintptr_t *)chunk;
  h1[0] = a + 48; h1[1] = 0; h1[2] = 2 * PAGE; h1[3] = 2 * PAGE;  /* first heap: the arena follows */
  h2[0] = a + 48; h2[1] = a; h2[2] = PAGE; h2[3] = PAGE;          /* a later heap of that arena */
  c[0] = 0; c[1] = 3 * PAGE | 2;                                  /* prev_size, size | IS_MMAPPED */
  ((uintptr_t *)(a + PAGE))[5] = fake[0];                    /* inside the first heap */
  ((uintptr_t *)(a2 + 64))[0] = fake[1];                     /* inside the later heap */
  ((uintptr_t *)(chunk + 16 + 6000))[0] = fake[2];           /* the chunk's tail */
  ((uintptr_t *)(a - PAGE))[0] = fake[3];                    /* below the arena: a root */
  ((uintptr_t *)(chunk + 3 * PAGE))[1] = fake[4];            /* past the chunk: a root */
  mark_process(&s);
  assert_int_equal(mark_of(&s, fake[0]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[1]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[2]), LG_UNREACHED);
  assert_int_equal(mark_of(&s, fake[3]), LG_REACHABLE);
  assert_int_equal(mark_of(&s, fake[4]), LG_REACHABLE);
  lg_heap_free(&s.heap);
  munmap(m, len);
  munmap(heap, 64 * 1024);
}

/* ---- thread descriptors -------------------------------------------------------- */

static uintptr_t thread_tp, thread_top_pd;
static pid_t thread_tid, thread_seen_tid;

static void *describe_self(void *arg) {
  (void)arg;
  thread_tp = (uintptr_t)__builtin_thread_pointer();
  thread_tid = (pid_t)syscall(SYS_gettid);
  lg_map_t *m;
  size_t n, bytes;
  assert_int_equal(lg_maps_read(&m, &n, &bytes), 0);
  const lg_map_t *st = lg_maps_find(m, n, thread_tp);
  thread_top_pd = st ? lg_tdesc_at_top(st->hi) : 0;
  lg_sys_unmap(m, bytes);
  if (!lg_tdesc_tid(thread_tp, &thread_seen_tid)) thread_seen_tid = -2;
  return NULL;
}

static void test_descriptors_find_live_and_joined_thread_stacks(void **state) {
  (void)state;
  lg_tdesc_init();
  uintptr_t me = (uintptr_t)__builtin_thread_pointer();
  pid_t tid;
  assert_int_equal(lg_tdesc_main(), me);
  assert_true(lg_tdesc_is(me) && lg_tdesc_tid(me, &tid) && tid == getpid());
  pthread_t t;
  assert_int_equal(pthread_create(&t, NULL, describe_self, NULL), 0);
  pthread_join(t, NULL);
  assert_int_equal(thread_top_pd, thread_tp); /* glibc's descriptor sits at the stack's top */
  assert_int_equal(thread_seen_tid, thread_tid);
  assert_int_equal(vmas_over(thread_tp, thread_tp + 1), 1); /* the stack is in glibc's cache */
  assert_true(lg_tdesc_is(thread_tp));
  assert_true(lg_tdesc_tid(thread_tp, &tid));
  assert_int_equal(tid, -1); /* joined */
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_maps_parse_kinds),
      cmocka_unit_test(test_maps_read_lists_a_fresh_mapping),
      cmocka_unit_test(test_maps_readable_runs),
      cmocka_unit_test(test_residency_from_every_source),
      cmocka_unit_test(test_walk_skips_shim_mapping_inside_a_merged_vma),
      cmocka_unit_test(test_walk_skips_all_of_a_split_shim_mapping),
      cmocka_unit_test(test_arena_heaps_and_mmapped_chunks_are_not_roots),
      cmocka_unit_test(test_descriptors_find_live_and_joined_thread_stacks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
