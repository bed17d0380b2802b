/* tests/unit/test_refcount.c — the refcounted-object table without
 * LD_PRELOAD (collector/refcount.h): births and adoptions, refs and unrefs
 * folded by stack in bounded memory, deaths by hook and by the free of the
 * block, the block table's flag, type interning, the scan-side readers,
 * and concurrent hooks keeping the books exact. Objects are words in an
 * anonymous mapping that the test registers as heap blocks. */
#include <pthread.h>
#include <semaphore.h>
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

#include "arena.h"
#include "blocks.h"
#include "collector.h"
#include "refcount.h"

static char dir[] = "/tmp/lg-unit-rc-XXXXXX";
static char *heap; /* 1 MiB of fake heap */
#define HEAP (1u << 20)

static int setup(void **state) {
  (void)state;
  if (!mkdtemp(dir)) return -1;
  lg_options_t o;
  lg_options_defaults(&o);
  snprintf(o.log, sizeof o.log, "%s/rc.%%p.log", dir);
  if (lg_collector_init(&o) < 0) return -1;
  heap = mmap(NULL, HEAP, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return heap == MAP_FAILED ? -1 : 0;
}

static int teardown(void **state) {
  (void)state;
  lg_collector_end(LG_END_EXIT, 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A stack id for a fake stack with `tag` as its only frame. */
static uint32_t stack_of(uintptr_t tag) {
  uintptr_t f[2] = {0x400000 + tag, 0x500000};
  return lg_collector_intern_stack(f, 2);
}

/* Registers a fake heap block of `size` bytes at heap + off. */
static uintptr_t block_at(size_t off, size_t size) {
  uintptr_t f[1] = {0x600000 + off};
  lg_collector_alloc(heap + off, size, f, 1, 0);
  return (uintptr_t)(heap + off);
}

/* A 4-byte count at offset 8 of obj, set to v. */
static void set_count(uintptr_t obj, uint32_t v) { *(uint32_t *)(obj + 8) = v; }

static void test_birth_records_object_base_and_block(void **state) {
  (void)state;
  uintptr_t b = block_at(0, 64);
  set_count(b, 1);
  uint32_t t = lg_rc_type_intern(LG_RC_GOBJECT, "GFoo"), st = stack_of(1);
  lg_rc_birth(b, LG_RC_GOBJECT, 8, 4, t, st);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.addr, b);
  assert_int_equal(o.block, b);
  assert_int_equal(o.family, LG_RC_GOBJECT);
  assert_int_equal(o.count_off, 8);
  assert_int_equal(o.width, 4);
  assert_int_equal(o.type, t);
  assert_int_equal(o.birth_stack, st);
  assert_int_equal(o.flags & LG_RC_F_BORN, LG_RC_F_BORN);
  assert_int_equal(o.base, 1);
  assert_int_equal(lg_rc_expected(&o), 1);
  assert_int_equal(lg_rc_field(&o), 1);
  lg_slot_t sl;
  assert_int_equal(lg_blocks_lookup(b, &sl), 1);
  assert_true(sl.stack & LG_BLK_STACK_RC);
  assert_int_equal(lg_slot_stack(&sl) & LG_BLK_STACK_RC, 0);
  lg_collector_free((void *)b);
  assert_int_equal(lg_rc_lookup(b, &o), 0);
}

static void test_a_million_refs_from_one_site_cost_one_entry(void **state) {
  (void)state;
  uintptr_t b = block_at(4096, 64);
  set_count(b, 1);
  lg_rc_birth(b, LG_RC_API, 8, 4, 0, stack_of(2));
  uint32_t here = stack_of(3), there = stack_of(4);
  for (int i = 0; i < 1000000; i++) assert_int_equal(lg_rc_ref(b, here), 1);
  for (int i = 0; i < 999999; i++) assert_int_equal(lg_rc_unref(b, there), 1);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.nhist, 2);
  lg_rc_hist_t h[8];
  size_t n = lg_rc_history(&o, h, 8);
  assert_int_equal(n, 2);
  for (size_t i = 0; i < n; i++) {
    if (h[i].stack == here) { assert_int_equal(h[i].refs, 1000000); assert_int_equal(h[i].unrefs, 0); }
    else { assert_int_equal(h[i].stack, there); assert_int_equal(h[i].unrefs, 999999); assert_int_equal(h[i].refs, 0); }
  }
  assert_int_equal(lg_rc_expected(&o), 2);
  lg_collector_free((void *)b);
}

static void test_history_is_bounded_and_keeps_the_totals(void **state) {
  (void)state;
  uintptr_t b = block_at(8192, 64);
  set_count(b, 1);
  lg_rc_birth(b, LG_RC_API, 8, 4, 0, 0);
  enum { N = LG_RC_MAX_HISTORY + 500 };
  for (uintptr_t i = 0; i < N; i++) {
    uint32_t s = stack_of(100000 + i);
    lg_rc_ref(b, s);
    lg_rc_unref(b, s);
    lg_rc_ref(b, s);
  }
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.nhist, LG_RC_MAX_HISTORY);
  static lg_rc_hist_t h[LG_RC_MAX_HISTORY + 8];
  size_t n = lg_rc_history(&o, h, LG_RC_MAX_HISTORY + 8);
  assert_int_equal(n, LG_RC_MAX_HISTORY);
  uint64_t refs = 0, unrefs = 0, overflow = 0;
  for (size_t i = 0; i < n; i++) {
    refs += h[i].refs;
    unrefs += h[i].unrefs;
    if (h[i].stack == 0) overflow = h[i].refs;
  }
  assert_int_equal(refs, 2 * N);
  assert_int_equal(unrefs, N);
  assert_int_equal(overflow, 2 * (N - (LG_RC_MAX_HISTORY - 1)));
  assert_int_equal(lg_rc_expected(&o), 1 + N);
  assert_int_equal(lg_rc_history(&o, h, 10), 10);
  lg_collector_free((void *)b);
}

static void test_unknown_object_records_nothing_until_adopted(void **state) {
  (void)state;
  uintptr_t b = block_at(12288, 64);
  set_count(b, 5);
  size_t before = lg_rc_count();
  assert_int_equal(lg_rc_ref(b, stack_of(5)), 0);
  assert_int_equal(lg_rc_unref(b, stack_of(5)), 0);
  assert_int_equal(lg_rc_count(), before);
  uint32_t st = stack_of(6);
  lg_rc_adopt(b, 0, LG_RC_OPENSSL, 8, 4, lg_rc_type_intern(LG_RC_OPENSSL, "X509"), st, +1);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.base, 5);       /* the field when first seen */
  assert_int_equal(o.flags & LG_RC_F_BORN, 0);
  assert_int_equal(o.birth_stack, 0);
  assert_int_equal(lg_rc_expected(&o), 6);
  assert_int_equal(o.block, b);
  /* A second adoption is only an event: the base stays. */
  set_count(b, 6);
  lg_rc_adopt(b, 0, LG_RC_OPENSSL, 8, 4, 0, st, -1);
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.base, 5);
  assert_int_equal(lg_rc_expected(&o), 5);
  lg_rc_death(b);
  assert_int_equal(lg_rc_lookup(b, &o), 0);
  assert_int_equal(lg_rc_count(), before);
  lg_collector_free((void *)b);
}

static void test_free_of_a_block_kills_every_object_inside(void **state) {
  (void)state;
  uintptr_t b = block_at(16384, 256);
  for (int k = 0; k < 4; k++) {
    set_count(b + 64 * k, 1);
    lg_rc_birth(b + 64 * k, LG_RC_API, 8, 4, 0, stack_of(7));
  }
  uintptr_t other = block_at(20480, 64);
  size_t before = lg_rc_count();
  lg_collector_free((void *)other); /* holds none: the objects stay */
  assert_int_equal(lg_rc_count(), before);
  lg_rc_obj_t o;
  for (int k = 0; k < 4; k++) {
    assert_int_equal(lg_rc_lookup(b + 64 * k, &o), 1);
    assert_int_equal(o.block, b);
  }
  lg_collector_free((void *)b);
  assert_int_equal(lg_rc_count(), before - 4);
  for (int k = 0; k < 4; k++) assert_int_equal(lg_rc_lookup(b + 64 * k, &o), 0);
}

static void test_object_inside_its_block_is_found_by_probing_back(void **state) {
  (void)state;
  uintptr_t b = block_at(24576, 512), obj = b + 48; /* private data first, as GObject */
  set_count(obj, 1);
  assert_int_equal(lg_rc_birth(obj, LG_RC_GOBJECT, 8, 4, 0, stack_of(8)), b);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(obj, &o), 1);
  assert_int_equal(o.block, b);
  /* A wrong guess falls back to probing. */
  assert_int_equal(lg_rc_birth_in(obj, b + 16, LG_RC_GOBJECT, 8, 4, 0, stack_of(8)), b);
  uintptr_t b2 = block_at(28672, 512), obj2 = b2 + 400;
  set_count(obj2, 1);
  assert_int_equal(lg_rc_birth_in(obj2, b2, LG_RC_GOBJECT, 8, 4, 0, stack_of(8)), b2); /* beyond the probe, guessed */
  assert_int_equal(lg_rc_lookup(obj2, &o), 1);
  assert_int_equal(o.block, b2);
  uintptr_t none = (uintptr_t)(heap + 32768 + 8); /* in no block */
  set_count(none, 1);
  lg_rc_birth(none, LG_RC_API, 8, 4, 0, 0);
  assert_int_equal(lg_rc_lookup(none, &o), 1);
  assert_int_equal(o.block, 0);
  lg_collector_free((void *)b);
  lg_collector_free((void *)b2);
  assert_int_equal(lg_rc_lookup(obj, &o), 0);
  assert_int_equal(lg_rc_lookup(obj2, &o), 0);
  lg_rc_death(none);
  assert_int_equal(lg_rc_lookup(none, &o), 0);
}

static void test_birth_replaces_a_stale_object_and_realloc_in_place_keeps_it(void **state) {
  (void)state;
  uintptr_t b = block_at(36864, 64);
  set_count(b, 1);
  lg_rc_birth(b, LG_RC_API, 8, 4, 0, stack_of(9));
  lg_rc_ref(b, stack_of(10));
  set_count(b, 1);
  lg_rc_birth(b, LG_RC_GSTREAMER, 8, 4, 0, stack_of(11));
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.family, LG_RC_GSTREAMER);
  assert_int_equal(o.nhist, 0);
  assert_int_equal(o.birth_stack, stack_of(11));
  /* realloc in place re-inserts the block: the flag stays, so its free
   * still kills the object. */
  uintptr_t f[1] = {0x777};
  lg_collector_alloc((void *)b, 48, f, 1, 0);
  lg_collector_free((void *)b);
  assert_int_equal(lg_rc_lookup(b, &o), 0);
}

static void test_bad_widths_are_ignored(void **state) {
  (void)state;
  uintptr_t b = block_at(40960, 64);
  size_t before = lg_rc_count();
  lg_rc_birth(b, LG_RC_API, 8, 2, 0, 0);
  lg_rc_birth(b, LG_RC_API, 8, 16, 0, 0);
  lg_rc_birth(0, LG_RC_API, 8, 4, 0, 0);
  assert_int_equal(lg_rc_count(), before);
  *(uint64_t *)(b + 16) = 7;
  lg_rc_birth(b, LG_RC_API, 16, 8, 0, 0);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.base, 7);
  lg_collector_free((void *)b);
}

static void test_types_intern_once_per_family_and_name(void **state) {
  (void)state;
  uint32_t a = lg_rc_type_intern(LG_RC_GOBJECT, "GstBin"), b = lg_rc_type_intern(LG_RC_GOBJECT, "GstBin");
  uint32_t c = lg_rc_type_intern(LG_RC_GSTREAMER, "GstBin"), d = lg_rc_type_intern(LG_RC_GOBJECT, "GstBi");
  assert_true(a >= 1);
  assert_int_equal(a, b);
  assert_int_not_equal(a, c);
  assert_int_not_equal(a, d);
  int fam = 0;
  assert_string_equal(lg_rc_type_name(a, &fam), "GstBin");
  assert_int_equal(fam, LG_RC_GOBJECT);
  assert_string_equal(lg_rc_type_name(c, &fam), "GstBin");
  assert_int_equal(fam, LG_RC_GSTREAMER);
  assert_null(lg_rc_type_name(0, NULL));
  assert_null(lg_rc_type_name(lg_rc_type_count() + 1, NULL));
  assert_int_equal(lg_rc_type_intern(LG_RC_API, NULL), 0);
  char name[32];
  static uint32_t ids[3000];
  for (int i = 0; i < 3000; i++) {
    snprintf(name, sizeof name, "Type%d", i);
    ids[i] = lg_rc_type_intern(LG_RC_PYTHON, name);
  }
  for (int i = 0; i < 3000; i++) {
    snprintf(name, sizeof name, "Type%d", i);
    assert_int_equal(lg_rc_type_intern(LG_RC_PYTHON, name), ids[i]);
    assert_string_equal(lg_rc_type_name(ids[i], NULL), name);
  }
}

typedef struct seen { size_t n; uintptr_t lo, hi; } seen_t;
static void count_in(const lg_rc_obj_t *o, void *arg) {
  seen_t *s = arg;
  if (o->addr >= s->lo && o->addr < s->hi) s->n++;
}

static void test_each_visits_every_live_object_once(void **state) {
  (void)state;
  size_t before = lg_rc_count();
  uintptr_t base = (uintptr_t)(heap + 65536);
  for (int i = 0; i < 5000; i++) {
    uintptr_t obj = base + 64 * (uintptr_t)i;
    set_count(obj, 1);
    lg_rc_birth(obj, LG_RC_API, 8, 4, 0, 0);
  }
  assert_int_equal(lg_rc_count(), before + 5000);
  seen_t s = {0, base, base + 64 * 5000};
  lg_rc_each(count_in, &s);
  assert_int_equal(s.n, 5000);
  for (int i = 0; i < 5000; i += 2) lg_rc_death(base + 64 * (uintptr_t)i);
  s.n = 0;
  lg_rc_each(count_in, &s);
  assert_int_equal(s.n, 2500);
  lg_rc_obj_t o;
  for (int i = 1; i < 5000; i += 2) assert_int_equal(lg_rc_lookup(base + 64 * (uintptr_t)i, &o), 1);
  for (int i = 1; i < 5000; i += 2) lg_rc_death(base + 64 * (uintptr_t)i);
  assert_int_equal(lg_rc_count(), before);
}

/* Threads ref and unref shared objects as a library would (the hook
 * records, then the count changes atomically): the books balance. */
#define NOBJ 64
static uintptr_t shared_obj[NOBJ];
static void *hammer(void *arg) {
  uintptr_t id = (uintptr_t)arg;
  uint32_t st = stack_of(200 + id);
  for (int i = 0; i < 20000; i++) {
    uintptr_t obj = shared_obj[(i * 7 + id) % NOBJ];
    lg_rc_ref(obj, st);
    __atomic_add_fetch((uint32_t *)(obj + 8), 1, __ATOMIC_SEQ_CST);
    if (i % 3) {
      lg_rc_unref(obj, st);
      __atomic_sub_fetch((uint32_t *)(obj + 8), 1, __ATOMIC_SEQ_CST);
    }
  }
  return NULL;
}

static void test_concurrent_hooks_keep_exact_counts(void **state) {
  (void)state;
  for (int i = 0; i < NOBJ; i++) {
    shared_obj[i] = block_at(524288 + 128 * (size_t)i, 64);
    set_count(shared_obj[i], 1);
    lg_rc_birth(shared_obj[i], LG_RC_API, 8, 4, 0, 0);
  }
  pthread_t t[4];
  for (uintptr_t i = 0; i < 4; i++) pthread_create(&t[i], NULL, hammer, (void *)i);
  for (int i = 0; i < 4; i++) pthread_join(t[i], NULL);
  for (int i = 0; i < NOBJ; i++) {
    lg_rc_obj_t o;
    assert_int_equal(lg_rc_lookup(shared_obj[i], &o), 1);
    assert_int_equal(lg_rc_expected(&o), (int64_t)lg_rc_field(&o));
    assert_true(o.nhist <= 4);
    lg_collector_free((void *)shared_obj[i]);
  }
}

static void test_families_and_python_facts(void **state) {
  (void)state;
  lg_rc_set_python_type(0x1234);
  assert_int_equal(lg_rc_python_type(), 0); /* the python family is not on */
  lg_rc_family_active(LG_RC_PYTHON);
  lg_rc_family_active(99);
  assert_true(lg_rc_families() & (1u << LG_RC_PYTHON));
  assert_int_equal(lg_rc_families() & ~0x3Eu, 0);
  assert_int_equal(lg_rc_python_type(), 0x1234);
  lg_rc_lock_all(); /* as a scan or fork would */
  assert_int_equal(lg_rc_python_type(), 0x1234);
  lg_rc_unlock_all();
}

static void test_stats_count_events_and_find_mismatched_books(void **state) {
  (void)state;
  lg_rc_stats_t a[LG_RC_NFAMILIES + 1], b[LG_RC_NFAMILIES + 1];
  lg_rc_stats(a);
  uintptr_t x = block_at(45056, 64), y = block_at(49152, 64);
  set_count(x, 1);
  set_count(y, 3);
  lg_rc_birth(x, LG_RC_OPENSSL, 8, 4, 0, 0);
  lg_rc_adopt(y, 0, LG_RC_OPENSSL, 8, 4, 0, stack_of(12), +1);
  set_count(y, 4);
  lg_rc_ref(x, stack_of(12));
  set_count(x, 2);
  lg_rc_stats(b);
  assert_int_equal(b[LG_RC_OPENSSL].born - a[LG_RC_OPENSSL].born, 1);
  assert_int_equal(b[LG_RC_OPENSSL].adopted - a[LG_RC_OPENSSL].adopted, 1);
  assert_int_equal(b[LG_RC_OPENSSL].refs - a[LG_RC_OPENSSL].refs, 2);
  assert_int_equal(b[LG_RC_OPENSSL].live - a[LG_RC_OPENSSL].live, 2);
  assert_int_equal(b[LG_RC_OPENSSL].mismatched, a[LG_RC_OPENSSL].mismatched);
  set_count(x, 7); /* a change the hooks did not see */
  lg_rc_stats(b);
  assert_int_equal(b[LG_RC_OPENSSL].mismatched - a[LG_RC_OPENSSL].mismatched, 1);
  char line[512];
  assert_true(lg_rc_stats_text(line, sizeof line, LG_RC_OPENSSL, &b[LG_RC_OPENSSL]) > 0);
  assert_non_null(strstr(line, "refcount openssl: "));
  lg_rc_stats_t zero = {0};
  assert_int_equal(lg_rc_stats_text(line, sizeof line, LG_RC_PYTHON, &zero), 0);
  lg_collector_free((void *)x);
  lg_collector_free((void *)y);
  lg_rc_stats(b);
  assert_int_equal(b[LG_RC_OPENSSL].died - a[LG_RC_OPENSSL].died, 2);
  assert_int_equal(b[LG_RC_OPENSSL].live, a[LG_RC_OPENSSL].live);
}

static void test_stats_survive_an_object_whose_memory_is_gone(void **state) {
  (void)state;
  lg_rc_stats_t a[LG_RC_NFAMILIES + 1], b[LG_RC_NFAMILIES + 1];
  char *pool = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  uintptr_t obj = (uintptr_t)pool + 64; /* in no block: a custom pool's object */
  set_count(obj, 1);
  lg_rc_birth(obj, LG_RC_API, 8, 4, 0, 0);
  lg_rc_stats(a);
  munmap(pool, 4096); /* the program drops the pool without telling */
  lg_rc_stats(b);     /* no fault: the object counts as disagreeing */
  assert_int_equal(b[LG_RC_API].mismatched - a[LG_RC_API].mismatched, 1);
  lg_rc_death(obj);
}

/* An unref tells whether the hooks' count reached 0, so the gstreamer
 * family's unref hook looks again after the library's unref only then;
 * the second look ends only an object of the family whose count is still
 * spent. */
static void test_unref_tells_when_the_count_is_spent(void **state) {
  (void)state;
  uintptr_t b = block_at(53248, 64);
  set_count(b, 1);
  lg_rc_birth(b, LG_RC_GSTREAMER, 8, 4, 0, stack_of(20));
  int spent = -1;
  assert_int_equal(lg_rc_ref(b, stack_of(21)), 1);
  assert_int_equal(lg_rc_unref_spent(b, stack_of(22), &spent), 1);
  assert_int_equal(spent, 0); /* 2 -> 1 */
  lg_rc_death_if_spent(b, LG_RC_GSTREAMER);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  for (uint32_t k = 0; k < 3; k++) { /* more stacks than the inline entries hold */
    assert_int_equal(lg_rc_ref(b, stack_of(30 + k)), 1);
    assert_int_equal(lg_rc_unref_spent(b, stack_of(40 + k), &spent), 1);
    assert_int_equal(spent, 0);
  }
  assert_int_equal(lg_rc_unref_spent(b, stack_of(23), &spent), 1);
  assert_int_equal(spent, 1); /* 1 -> 0 */
  lg_rc_death_if_spent(b, LG_RC_GOBJECT); /* not of that family */
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  lg_rc_ref(b, stack_of(24)); /* taken back (a pool's dispose) */
  lg_rc_death_if_spent(b, LG_RC_GSTREAMER);
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(lg_rc_unref_spent(b, stack_of(23), &spent), 1);
  assert_int_equal(spent, 1);
  lg_rc_death_if_spent(b, LG_RC_GSTREAMER);
  assert_int_equal(lg_rc_lookup(b, &o), 0);
  spent = -1;
  assert_int_equal(lg_rc_unref_spent(b, stack_of(23), &spent), 0); /* unknown now */
  assert_int_equal(spent, -1);
  lg_collector_free((void *)b);
}

/* The refs and unrefs the statistics give are those of the live objects'
 * histories and of every object gone: by death, by the free of its block,
 * or replaced by a birth at its address. */
static void test_stats_keep_the_events_of_objects_gone(void **state) {
  (void)state;
  lg_rc_stats_t a[LG_RC_NFAMILIES + 1], b[LG_RC_NFAMILIES + 1];
  lg_rc_stats(a);
  uintptr_t x = block_at(57344, 64), y = block_at(61440, 64), z = block_at(65536, 64);
  set_count(x, 1);
  set_count(y, 1);
  set_count(z, 1);
  lg_rc_birth(x, LG_RC_GOBJECT, 8, 4, 0, 0);
  lg_rc_birth(y, LG_RC_GOBJECT, 8, 4, 0, 0);
  lg_rc_birth(z, LG_RC_GOBJECT, 8, 4, 0, 0);
  for (uint32_t k = 0; k < 5; k++) { /* five stacks: a table of its own */
    lg_rc_ref(x, stack_of(50 + k));
    lg_rc_ref(y, stack_of(50 + k));
    lg_rc_ref(z, stack_of(50 + k));
  }
  lg_rc_unref(x, stack_of(60));
  lg_rc_unref(y, stack_of(60));
  lg_rc_unref(z, stack_of(60));
  lg_rc_death(x);
  lg_collector_free((void *)y);
  lg_rc_birth(z, LG_RC_GOBJECT, 8, 4, 0, 0); /* replaces z */
  lg_rc_ref(z, stack_of(61));
  lg_rc_stats(b);
  assert_int_equal(b[LG_RC_GOBJECT].refs - a[LG_RC_GOBJECT].refs, 16);
  assert_int_equal(b[LG_RC_GOBJECT].unrefs - a[LG_RC_GOBJECT].unrefs, 3);
  assert_int_equal(b[LG_RC_GOBJECT].died - a[LG_RC_GOBJECT].died, 2);
  assert_int_equal(b[LG_RC_GOBJECT].born - a[LG_RC_GOBJECT].born, 4);
  lg_collector_free((void *)x);
  lg_collector_free((void *)z);
  lg_rc_stats(b);
  assert_int_equal(b[LG_RC_GOBJECT].refs - a[LG_RC_GOBJECT].refs, 16);
  assert_int_equal(b[LG_RC_GOBJECT].live, a[LG_RC_GOBJECT].live);
}

/* An object whose events come from LG_RC_INLINE stacks (a GstBuffer's
 * birth, ref and two unrefs) keeps its history in its own entry: no arena
 * chunk; one stack more moves it to a table in the arena. The arena's
 * free list shows it: a chunk of the table's size freed just before is
 * still the next one handed out, until the fourth stack. */
static void test_first_stacks_stay_inline(void **state) {
  (void)state;
  uintptr_t b = block_at(69632, 64);
  set_count(b, 1);
  uint32_t st[LG_RC_INLINE + 1];
  for (uint32_t k = 0; k <= LG_RC_INLINE; k++) st[k] = stack_of(70 + k);
  lg_rc_birth(b, LG_RC_GSTREAMER, 8, 4, 0, stack_of(69));
  void *chunk = lg_arena_alloc(100); /* the size class of a first table */
  lg_arena_free(chunk);
  lg_rc_ref(b, st[0]);
  for (uint32_t k = 1; k < LG_RC_INLINE; k++) lg_rc_unref(b, st[k]);
  lg_rc_ref(b, st[0]);
  void *again = lg_arena_alloc(100);
  assert_ptr_equal(again, chunk);
  lg_arena_free(again);
  lg_rc_ref(b, st[LG_RC_INLINE]);
  again = lg_arena_alloc(100);
  assert_ptr_not_equal(again, chunk); /* the table took it */
  lg_arena_free(again);
  lg_rc_obj_t o;
  assert_int_equal(lg_rc_lookup(b, &o), 1);
  assert_int_equal(o.nhist, LG_RC_INLINE + 1);
  assert_int_equal(lg_rc_expected(&o), 1 + 3 - (LG_RC_INLINE - 1));
  lg_collector_free((void *)b);
}

/* Two threads ref and two others unref the same objects, the refs from one
 * stack and the unrefs from another (a pipeline's buffers cross threads
 * so; these events take no lock once each stack has its entry), while a
 * fifth thread fills and empties the table around them: its arrays grow
 * and its probe runs shift under the lock-free probes. Not one count is
 * lost or lands on another object or stack. */
#define NCROSS 256
#define CROSS_ROUNDS 2000
static uintptr_t cross_obj[NCROSS];
static int cross_left;

static void *cross_side(void *arg) {
  int delta = (uintptr_t)arg & 1 ? -1 : +1;
  uint32_t st = stack_of(delta > 0 ? 300 : 301);
  for (int r = 0; r < CROSS_ROUNDS; r++)
    for (int i = 0; i < NCROSS; i++) {
      uintptr_t obj = cross_obj[(i * 37 + r) % NCROSS];
      if (delta > 0) lg_rc_ref(obj, st);
      else lg_rc_unref(obj, st);
      __atomic_add_fetch((uint32_t *)(obj + 8), (uint32_t)delta, __ATOMIC_SEQ_CST);
    }
  __atomic_sub_fetch(&cross_left, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

static void *churn(void *arg) {
  (void)arg;
  uintptr_t base = (uintptr_t)(heap + 720896);
  uint32_t st = stack_of(302);
  while (__atomic_load_n(&cross_left, __ATOMIC_SEQ_CST)) {
    for (uintptr_t k = 0; k < 4096; k++) {
      set_count(base + 16 * k, 1);
      lg_rc_birth(base + 16 * k, LG_RC_API, 8, 4, 0, st);
      lg_rc_ref(base + 16 * k, st);
    }
    for (uintptr_t k = 0; k < 4096; k++) lg_rc_death(base + 16 * k);
  }
  return NULL;
}

/* Runs the cross-thread workload on NCROSS fresh objects; with `prefill`,
 * each object first takes a ref and an unref from each of LG_RC_INLINE + 2
 * other stacks, so that every event of the threads goes to the history's
 * table, whose index grows as the threads add their entries. */
#define PREFILL (LG_RC_INLINE + 2)
static void cross_run(size_t at, int prefill) {
  uint32_t pre[PREFILL];
  for (uint32_t k = 0; k < PREFILL; k++) pre[k] = stack_of(310 + k);
  for (int i = 0; i < NCROSS; i++) {
    cross_obj[i] = block_at(at + 64 * (size_t)i, 48);
    set_count(cross_obj[i], 1);
    lg_rc_birth(cross_obj[i], LG_RC_API, 8, 4, 0, 0);
    for (uint32_t k = 0; prefill && k < PREFILL; k++) {
      lg_rc_ref(cross_obj[i], pre[k]);
      lg_rc_unref(cross_obj[i], pre[k]);
    }
  }
  cross_left = 4;
  pthread_t t[5];
  pthread_create(&t[0], NULL, churn, NULL);
  for (uintptr_t i = 1; i < 5; i++) pthread_create(&t[i], NULL, cross_side, (void *)i); /* odd: unrefs */
  for (int i = 0; i < 5; i++) pthread_join(t[i], NULL);
  uint32_t ref_st = stack_of(300), unref_st = stack_of(301);
  size_t want = prefill ? 2 + PREFILL : 2;
  for (int i = 0; i < NCROSS; i++) {
    lg_rc_obj_t o;
    lg_rc_hist_t h[16];
    assert_int_equal(lg_rc_lookup(cross_obj[i], &o), 1);
    size_t n = lg_rc_history(&o, h, 16);
    assert_int_equal(n, want);
    for (size_t k = 0; k < n; k++) {
      if (h[k].stack == ref_st || h[k].stack == unref_st) {
        assert_int_equal(h[k].stack == ref_st ? h[k].refs : h[k].unrefs, 2 * CROSS_ROUNDS);
        assert_int_equal(h[k].stack == ref_st ? h[k].unrefs : h[k].refs, 0);
      } else {
        assert_true(prefill);
        assert_int_equal(h[k].refs, 1);
        assert_int_equal(h[k].unrefs, 1);
      }
    }
    assert_int_equal(lg_rc_expected(&o), 1);
    assert_int_equal(lg_rc_field(&o), 1);
    lg_collector_free((void *)cross_obj[i]);
    assert_int_equal(lg_rc_lookup(cross_obj[i], &o), 0);
  }
}

static void test_refs_and_unrefs_across_threads_amid_churn_keep_every_count(void **state) {
  (void)state;
  cross_run(655360, 0);
}

/* The same once every inline entry is taken: each thread's events go to
 * its own entries in the history's table, found without the lock while
 * other threads add theirs and the table's index grows. */
static void test_table_entries_across_threads_keep_every_count(void **state) {
  (void)state;
  cross_run(655360, 1);
}

/* A thread counts only into its own inline entries. The quick path finds
 * them by comparing the four owners with the thread's tag at once; tags
 * are consecutive, so a neighbour's tag (the thread's own with its lowest
 * bit flipped) may sit in the lane after one of the thread's own. Thread X
 * (an even tag) takes lane 0 for stack S1, thread Y (X's tag + 1) lane 1
 * for S2; X's ref from S2 must then claim an entry of its own, not add
 * (a plain add, racing Y's) into Y's. */
static uintptr_t lane_obj;
static uint32_t lane_st[2];
static sem_t lane_go, lane_done;

static void *lane_x(void *arg) {
  (void)arg;
  lg_rc_ref(lane_obj, lane_st[0]);
  sem_post(&lane_done);
  sem_wait(&lane_go);
  if (lane_obj) lg_rc_ref(lane_obj, lane_st[1]);
  sem_post(&lane_done);
  return NULL;
}

static void *lane_y(void *arg) {
  (void)arg;
  lg_rc_ref(lane_obj, lane_st[1]);
  return NULL;
}

static void test_a_neighbour_threads_inline_entry_is_not_taken_for_ones_own(void **state) {
  (void)state;
  lane_st[0] = stack_of(400);
  lane_st[1] = stack_of(401);
  sem_init(&lane_go, 0, 0);
  sem_init(&lane_done, 0, 0);
  lg_rc_obj_t o;
  pthread_t x = 0, y;
  for (int attempt = 0; attempt < 4; attempt++) { /* until X's tag is even */
    lane_obj = block_at(917504 + 64 * (size_t)attempt, 48);
    set_count(lane_obj, 1);
    lg_rc_birth(lane_obj, LG_RC_API, 8, 4, 0, 0);
    pthread_create(&x, NULL, lane_x, NULL);
    sem_wait(&lane_done);
    assert_int_equal(lg_rc_lookup(lane_obj, &o), 1);
    assert_int_not_equal(o.owner[0], 0);
    if (!(o.owner[0] & 1)) break;
    uintptr_t gone = lane_obj;
    lane_obj = 0;
    sem_post(&lane_go);
    pthread_join(x, NULL);
    lg_collector_free((void *)gone);
    x = 0;
  }
  assert_true(x != 0);
  pthread_create(&y, NULL, lane_y, NULL);
  pthread_join(y, NULL);
  assert_int_equal(lg_rc_lookup(lane_obj, &o), 1);
  assert_int_equal(o.owner[1], o.owner[0] ^ 1); /* the scenario: Y's tag is X's with its low bit flipped */
  assert_int_equal(o.inl[1].stack, lane_st[1]);
  sem_post(&lane_go);
  sem_wait(&lane_done);
  pthread_join(x, NULL);
  assert_int_equal(lg_rc_lookup(lane_obj, &o), 1);
  assert_int_equal(o.inl[1].refs, 1); /* Y's one ref only */
  int mine = 0;
  for (int i = 0; i < LG_RC_INLINE; i++)
    mine += o.owner[i] == o.owner[0] && o.inl[i].stack == lane_st[1] && o.inl[i].refs == 1;
  assert_int_equal(mine, 1); /* X's ref from S2 in an entry X owns */
  assert_int_equal(lg_rc_expected(&o), 4);
  lg_collector_free((void *)lane_obj);
  sem_destroy(&lane_go);
  sem_destroy(&lane_done);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_birth_records_object_base_and_block),
      cmocka_unit_test(test_a_million_refs_from_one_site_cost_one_entry),
      cmocka_unit_test(test_history_is_bounded_and_keeps_the_totals),
      cmocka_unit_test(test_unknown_object_records_nothing_until_adopted),
      cmocka_unit_test(test_free_of_a_block_kills_every_object_inside),
      cmocka_unit_test(test_object_inside_its_block_is_found_by_probing_back),
      cmocka_unit_test(test_birth_replaces_a_stale_object_and_realloc_in_place_keeps_it),
      cmocka_unit_test(test_bad_widths_are_ignored),
      cmocka_unit_test(test_types_intern_once_per_family_and_name),
      cmocka_unit_test(test_each_visits_every_live_object_once),
      cmocka_unit_test(test_concurrent_hooks_keep_exact_counts),
      cmocka_unit_test(test_families_and_python_facts),
      cmocka_unit_test(test_stats_count_events_and_find_mismatched_books),
      cmocka_unit_test(test_stats_survive_an_object_whose_memory_is_gone),
      cmocka_unit_test(test_unref_tells_when_the_count_is_spent),
      cmocka_unit_test(test_stats_keep_the_events_of_objects_gone),
      cmocka_unit_test(test_first_stacks_stay_inline),
      cmocka_unit_test(test_refs_and_unrefs_across_threads_amid_churn_keep_every_count),
      cmocka_unit_test(test_table_entries_across_threads_keep_every_count),
      cmocka_unit_test(test_a_neighbour_threads_inline_entry_is_not_taken_for_ones_own),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
