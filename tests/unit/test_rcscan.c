/* tests/unit/test_rcscan.c — the refcount phase on fake heaps (rcscan.h):
 * objects inside blocks count as block starts for the marking; CPython's
 * subtraction finds cyclic garbage, also through blocks an object owns
 * (an item array, a doubly linked list) and despite stale pointers from
 * heap blocks; objects held from outside or named by a root are live; an
 * unreleased ref is unbalanced; non-owning words count for nothing.
 * Blocks are 64-byte rows of a test array; an object's count is its
 * block's first word unless a test says otherwise. CPython's objects are
 * recognised in fake blocks against fake type objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "format.h"
#include "graph.h"
#include "maps.h"
#include "rcscan.h"

#define MAXB 32
static uintptr_t mem[MAXB][8] __attribute__((aligned(64)));
static lg_blk_t blk[MAXB];
static lg_heap_t heap;
static lg_rcscan_t rs;
static lg_graph_t graph; /* the last run's analysis, until done() */

static void make_heap(size_t n) {
  memset(mem, 0, sizeof mem);
  memset(&heap, 0, sizeof heap);
  memset(&rs, 0, sizeof rs);
  for (size_t i = 0; i < n; i++)
    blk[i] = (lg_blk_t){.addr = (uintptr_t)mem[i], .size = 64, .stack = (uint32_t)i + 1};
  heap.blk = blk;
  heap.n = n;
  assert_int_equal(lg_heap_build(&heap), 0);
}

/* Declares an object at mem[b] + off with count `count` in word `cw` of
 * its block; returns its address. */
static uintptr_t object_at(size_t b, size_t off, uintptr_t count, size_t cw) {
  mem[b][cw] = count;
  lg_rcobj_t o = {.addr = (uintptr_t)mem[b] + off, .count_off = (int32_t)(cw * 8 - off), .width = 8,
                  .family = LG_RC_API, .type = (uint32_t)b + 1};
  assert_int_equal(lg_rcscan_add(&rs, &o), 0);
  return o.addr;
}

static uintptr_t object(size_t b, uintptr_t count) { return object_at(b, 0, count, 0); }

/* Word `slot` of block `from` holds address `to`. */
static void put(size_t from, size_t slot, uintptr_t to) { mem[from][slot] = to; }

/* Places the objects, marks from `roots` and analyses, then solves. */
static void run(uintptr_t *roots, size_t nroots) {
  assert_int_equal(lg_rcscan_place(&rs, &heap), 0);
  lg_rcscan_read_counts(&rs, &heap);
  if (nroots) lg_mark_range(&heap, (uintptr_t)roots, (uintptr_t)(roots + nroots));
  lg_mark_finish(&heap);
  lg_graph_free(&graph);
  assert_int_equal(lg_graph_analyse(&heap, &graph), 0);
  assert_int_equal(lg_rcscan_solve(&rs, &heap), 0);
}

/* The state of the object in block b. */
static int state_of(size_t b) {
  for (size_t i = 0; i < rs.n; i++)
    if (rs.obj[i].addr >= (uintptr_t)mem[b] && rs.obj[i].addr < (uintptr_t)mem[b] + 64) return rs.obj[i].state;
  return -1;
}

static void done(void) {
  lg_graph_free(&graph);
  lg_rcscan_free(&rs);
  lg_heap_free(&heap);
}

static void test_pointer_to_an_object_inside_its_block_is_a_start(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t a = object_at(0, 16, 1, 3);
  put(1, 0, (uintptr_t)mem[2] + 16); /* an interior pointer into a plain block */
  uintptr_t roots[2] = {a, (uintptr_t)mem[1]};
  run(roots, 2);
  assert_int_equal(lg_heap_xoff(&heap, 0), 16);
  assert_int_equal(blk[0].mark, LG_REACHABLE);
  assert_true(blk[0].flags & LG_BF_ROOT_OBJ);
  assert_int_equal(blk[2].mark, LG_POSSIBLE);
  assert_true(blk[1].flags & LG_BF_ROOT_OBJ); /* a root holds its start (xoff 0): flagged too */
  assert_false(blk[2].flags & LG_BF_ROOT_OBJ);
  done();
}

static void test_object_pointing_at_itself_inside_its_block_is_a_cycle(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t a = object_at(0, 24, 1, 3);
  put(0, 5, a);
  run(NULL, 0);
  assert_true(lg_graph_flags(&graph, 0) & LG_BF_IN_CYCLE);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(rs.ngroups, 1);
  done();
}

static void test_two_cycle_is_one_garbage_group(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t a = object(0, 1), b = object(1, 1);
  put(0, 1, b);
  put(1, 1, a);
  object(2, 1); /* a third object, referenced by nobody: unbalanced */
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(state_of(1), LG_RCS_GARBAGE);
  assert_int_equal(state_of(2), LG_RCS_UNBALANCED);
  assert_int_equal(rs.ngroups, 1);
  assert_int_equal(rs.gstart[1] - rs.gstart[0], 2);
  assert_int_equal(rs.nedges, 2);
  done();
}

static void test_stale_pointer_from_a_heap_block_does_not_hold_garbage(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t a = object(0, 1), b = object(1, 1);
  put(0, 1, b);
  put(1, 1, a);
  put(2, 0, a); /* a plain block the roots reach keeps a stale copy of a */
  uintptr_t roots[1] = {(uintptr_t)mem[2]};
  run(roots, 1);
  assert_int_equal(blk[0].mark, LG_REACHABLE); /* conservatively reachable */
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(state_of(1), LG_RCS_GARBAGE);
  done();
}

static void test_cycle_named_by_a_root_is_live(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t a = object(0, 1), b = object(1, 1);
  put(0, 1, b);
  put(1, 1, a);
  uintptr_t roots[1] = {a};
  run(roots, 1);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  assert_int_equal(rs.ngroups, 0);
  done();
}

static void test_cycle_held_from_outside_is_not_garbage(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t a = object(0, 2), b = object(1, 1);
  put(0, 1, b);
  put(1, 1, a);
  put(2, 0, a); /* a plain block holds the second ref of a */
  uintptr_t roots[1] = {(uintptr_t)mem[2]};
  run(roots, 1);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  done();
}

static void test_cycle_through_an_owned_item_array_is_garbage(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t list = object(0, 1), item = object(1, 1);
  put(0, 2, (uintptr_t)mem[2]); /* the list's item array */
  put(2, 3, item);
  put(1, 1, list);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(state_of(1), LG_RCS_GARBAGE);
  done();
}

static void test_array_two_objects_point_at_is_owned_by_neither(void **state) {
  (void)state;
  make_heap(4);
  uintptr_t list = object(0, 1), item = object(1, 1);
  object(3, 1);
  put(0, 2, (uintptr_t)mem[2]);
  put(3, 2, (uintptr_t)mem[2]); /* a second object points at the array */
  put(2, 3, item);
  put(1, 1, list);
  run(NULL, 0);
  /* The array's reference to item is not subtracted: item is held. */
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  done();
}

static void test_cycle_through_a_doubly_linked_list_is_garbage(void **state) {
  (void)state;
  make_heap(7);
  uintptr_t bin = object(0, 1);
  uintptr_t kid[3];
  for (int k = 0; k < 3; k++) kid[k] = object(4 + k, 1);
  put(0, 2, (uintptr_t)mem[1]); /* bin -> node1 <-> node2 <-> node3 */
  for (int k = 0; k < 3; k++) {
    put(1 + k, 0, kid[k]);
    if (k < 2) put(1 + k, 1, (uintptr_t)mem[2 + k]);
    if (k > 0) put(1 + k, 2, (uintptr_t)mem[k]);
    put(4 + k, 1, bin); /* each child holds a counted ref on the bin */
  }
  mem[0][0] = 3; /* the bin's count: its three children */
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  for (int k = 0; k < 3; k++) assert_int_equal(state_of(4 + k), LG_RCS_GARBAGE);
  assert_int_equal(rs.ngroups, 1);
  done();
}

static void test_extra_ref_on_a_lost_cycle_is_unbalanced(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t a = object(0, 2), b = object(1, 1);
  put(0, 1, b);
  put(1, 1, a);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_UNBALANCED);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  done();
}

static void test_object_a_lost_plain_block_holds_is_not_unbalanced(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t a = object(0, 1);
  put(1, 4, a);
  run(NULL, 0);
  assert_int_equal(lg_graph_cat(&heap, &graph, 0), LG_CAT_INDIRECT);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  assert_int_equal(rs.nunbalanced, 0);
  done();
}

static void test_non_owning_parent_pointer_keeps_an_extra_ref_unbalanced(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t bin = object(0, 1), kid = object(1, 1);
  put(0, 2, kid);
  put(1, 5, bin); /* the child's parent pointer */
  rs.obj[1].skip[0] = 40;
  rs.obj[1].nskip = 1;
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_UNBALANCED);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  done();
}

static void test_without_the_non_owning_table_the_pair_looks_cyclic(void **state) {
  (void)state;
  make_heap(2);
  uintptr_t bin = object(0, 1), kid = object(1, 1);
  put(0, 2, kid);
  put(1, 5, bin);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(state_of(1), LG_RCS_GARBAGE);
  done();
}

static void test_objects_without_a_block_or_a_count_are_left_out(void **state) {
  (void)state;
  make_heap(2);
  static uintptr_t outside[2] = {1, 0};
  lg_rcobj_t o = {.addr = (uintptr_t)outside, .width = 8, .family = LG_RC_API};
  assert_int_equal(lg_rcscan_add(&rs, &o), 0);
  object(0, 0);                 /* count 0: dying */
  object(1, 0x80000000u);       /* an immortal count */
  run(NULL, 0);
  for (size_t i = 0; i < rs.n; i++) assert_int_equal(rs.obj[i].state, LG_RCS_OUT);
  assert_int_equal(rs.ngroups + rs.nunbalanced + rs.nlive, 0);
  done();
}

static void test_second_object_in_a_block_is_left_out(void **state) {
  (void)state;
  make_heap(1);
  object_at(0, 0, 1, 0);
  object_at(0, 32, 1, 4);
  run(NULL, 0);
  assert_int_equal(rs.obj[0].state, LG_RCS_UNBALANCED);
  assert_int_equal(rs.obj[1].state, LG_RCS_OUT);
  done();
}


/* ---- CPython ---------------------------------------------------------------- */

/* Fake type objects: 40 words each, laid out as CPython's PyTypeObject. */
enum { T_TYPE, T_LIST, T_STR, T_FOO, T_META, T_SIZED, T_WEAKREF, T_KEYEDREF, T_DICT, T_NTYPES };
static uintptr_t ty[T_NTYPES][40] __attribute__((aligned(64)));
#define F_READY (1ul << 12)
#define F_GC (1ul << 14)
#define F_MANAGED (1ul << 4)
#define F_SUB (1ul << 31)

static void fake_type(int t, int meta, const char *name, uintptr_t flags, uintptr_t basicsize,
                      uintptr_t weaklist, int base) {
  ty[t][1] = (uintptr_t)ty[meta];
  ty[t][3] = (uintptr_t)name;
  ty[t][4] = basicsize;
  ty[t][21] = flags | F_READY;
  ty[t][26] = weaklist;
  ty[t][32] = base >= 0 ? (uintptr_t)ty[base] : 0;
}

static void make_types(void) {
  memset(ty, 0, sizeof ty);
  fake_type(T_TYPE, T_TYPE, "type", F_GC | F_SUB, 400, 368, -1);
  fake_type(T_LIST, T_TYPE, "list", F_GC | (1ul << 25), 40, 0, -1); /* a list subclass flag */
  fake_type(T_STR, T_TYPE, "str", 0, 48, 0, -1);
  fake_type(T_FOO, T_TYPE, "Foo", F_GC | F_MANAGED, 24, 16, -1);
  fake_type(T_META, T_TYPE, "ABCMeta", F_GC | F_SUB, 400, 368, -1);
  fake_type(T_SIZED, T_META, "Sized", F_GC, 16, 0, -1);
  fake_type(T_WEAKREF, T_TYPE, "weakref.ReferenceType", F_GC, 48, 0, -1);
  fake_type(T_KEYEDREF, T_TYPE, "KeyedRef", F_GC, 48, 0, T_WEAKREF);
  fake_type(T_DICT, T_TYPE, "dict", F_GC | (1ul << 29), 48, 0, -1); /* a dict subclass flag */
}

/* A Python object of type t at mem[b] + off, count `count`. */
static uintptr_t pyobj(size_t b, size_t off, int t, uintptr_t count) {
  mem[b][off / 8] = count;
  mem[b][off / 8 + 1] = (uintptr_t)ty[t];
  return (uintptr_t)mem[b] + off;
}

static long find_python(void) {
  static lg_map_t all = {.lo = 0x1000, .hi = ~(uintptr_t)0 - 4096, .readable = 1};
  return lg_rcpython_find(&rs, &heap, (uintptr_t)ty[T_TYPE], &all, 1);
}

/* The name of the type of the object found at `addr`, or "". */
static const char *pytype_of(uintptr_t addr) {
  static char buf[64];
  for (size_t i = 0; i < rs.n; i++)
    if (rs.obj[i].addr == addr) {
      uint32_t len = 0;
      const char *n = lg_rcpython_type_name(rs.obj[i].type, &len);
      snprintf(buf, sizeof buf, "%.*s", (int)len, n ? n : "");
      return buf;
    }
  return "";
}

static void test_python_objects_sit_where_their_type_says(void **state) {
  (void)state;
  make_types();
  make_heap(8);
  uintptr_t s = pyobj(0, 0, T_STR, 3);       /* not tracked: at +0 */
  uintptr_t l = pyobj(1, 16, T_LIST, 1);     /* tracked: after PyGC_Head */
  uintptr_t f = pyobj(2, 32, T_FOO, 2);      /* managed dict: +32 */
  uintptr_t z = pyobj(3, 16, T_SIZED, 1);    /* an instance of an ABCMeta class */
  pyobj(4, 0, T_LIST, 1);                    /* a tracked type at +0: no object */
  pyobj(5, 0, T_STR, 0x7f0000001000ull);     /* a pointer where the count is */
  mem[6][1] = 0x10;                           /* no type: unreadable */
  pyobj(7, 16, T_FOO, 1);                    /* a managed type at +16: no object */
  assert_int_equal(find_python(), 4);
  assert_string_equal(pytype_of(s), "str");
  assert_string_equal(pytype_of(l), "list");
  assert_string_equal(pytype_of(f), "Foo");
  assert_string_equal(pytype_of(z), "Sized");
  assert_int_equal(lg_rcpython_ntypes(), 4);
  lg_rcscan_free(&rs);
  lg_heap_free(&heap);
}

static void test_python_block_too_small_for_its_type_is_no_object(void **state) {
  (void)state;
  make_types();
  make_heap(1);
  pyobj(0, 16, T_LIST, 1);
  ty[T_LIST][4] = 56; /* basicsize: more than the 48 bytes after +16 */
  assert_int_equal(find_python(), 0);
  lg_rcscan_free(&rs);
  lg_heap_free(&heap);
}

static void test_python_weak_references_are_not_references(void **state) {
  (void)state;
  make_types();
  make_heap(3);
  uintptr_t f = pyobj(0, 32, T_FOO, 1);
  uintptr_t w = pyobj(1, 16, T_KEYEDREF, 1);
  mem[0][4 + 2] = w;       /* f's weak list (tp_weaklistoffset 16) names the weakref */
  mem[1][2 + 2] = f;       /* wr_object: borrowed */
  mem[2][3] = w;           /* a plain block that the roots reach holds the weakref */
  assert_int_equal(find_python(), 2);
  uintptr_t roots[1] = {(uintptr_t)mem[2]};
  run(roots, 1);
  /* f's only ref is its own count: nothing in memory accounts for it. */
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  assert_int_equal(rs.obj[0].gc, 1);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  assert_int_equal(rs.obj[1].gc, 1);
  done();
}

static void test_python_self_referencing_list_is_garbage(void **state) {
  (void)state;
  make_types();
  make_heap(2);
  uintptr_t l = pyobj(0, 16, T_LIST, 1);
  mem[0][4] = 1;                 /* ob_size */
  mem[0][5] = (uintptr_t)mem[1]; /* ob_item */
  mem[0][6] = 4;                 /* allocated */
  mem[1][0] = l;
  mem[0][0] = (uintptr_t)mem[0]; /* the GC list links: block starts, no references */
  mem[0][1] = (uintptr_t)mem[0];
  uintptr_t roots[1] = {(uintptr_t)mem[0]}; /* the collector's generation list */
  assert_int_equal(find_python(), 1);
  run(roots, 1);
  assert_int_equal(blk[0].mark, LG_REACHABLE);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  done();
}

/* A function (tracked, held from where the heap does not show: a
 * frame's local) holds a code object (not tracked: CPython's collector
 * never traverses it) whose bytecode's inline cache names the function:
 * no reference, so neither is garbage. */
static void test_python_untracked_objects_words_are_no_references(void **state) {
  (void)state;
  make_types();
  make_heap(2);
  uintptr_t fn = pyobj(0, 32, T_FOO, 1);
  uintptr_t code = pyobj(1, 0, T_STR, 1);
  mem[0][7] = code; /* the function's code */
  mem[1][3] = fn;   /* the code object's inline cache */
  assert_int_equal(find_python(), 2);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  done();
}

/* A str's bytes that hold the address of a self-referencing list's item
 * array take nothing away from the list: it still owns its array, and is
 * garbage. */
static void test_python_untracked_object_owns_no_block(void **state) {
  (void)state;
  make_types();
  make_heap(3);
  pyobj(0, 0, T_STR, 1);
  uintptr_t l = pyobj(1, 16, T_LIST, 1);
  mem[1][4] = 1;                 /* ob_size */
  mem[1][5] = (uintptr_t)mem[2]; /* ob_item */
  mem[1][6] = 4;                 /* allocated */
  mem[2][0] = l;
  mem[0][3] = (uintptr_t)mem[2]; /* the str's bytes name the item array */
  assert_int_equal(find_python(), 2);
  run(NULL, 0);
  assert_int_equal(state_of(1), LG_RCS_GARBAGE);
  done();
}

/* A tracked object whose own block names it (an empty lru_cache: its
 * list's root links, inside the object, point at it) holds no reference
 * to itself: held from elsewhere, it is no garbage. */
static void test_python_pointer_to_itself_in_its_own_block_is_no_reference(void **state) {
  (void)state;
  make_types();
  make_heap(1);
  uintptr_t f = pyobj(0, 32, T_FOO, 1);
  mem[0][7] = f; /* root.prev */
  assert_int_equal(find_python(), 1);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  done();
}

static void test_array_a_root_points_into_is_owned_by_nobody(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t list = object(0, 1), item = object(1, 1);
  put(0, 2, (uintptr_t)mem[2]);
  put(2, 3, item);
  put(1, 1, list);
  uintptr_t roots[1] = {(uintptr_t)mem[2] + 8}; /* a global points into the array */
  run(roots, 1);
  assert_true(blk[2].flags & LG_BF_ROOTED);
  assert_int_equal(state_of(1), LG_RCS_LIVE); /* the array's ref to item is not the list's */
  assert_int_equal(state_of(0), LG_RCS_LIVE);
  done();
}

static void test_python_item_array_survives_a_stale_plain_pointer(void **state) {
  (void)state;
  make_types();
  make_heap(4);
  uintptr_t l = pyobj(0, 16, T_LIST, 1);
  mem[0][4] = 1;                 /* ob_size */
  mem[0][5] = (uintptr_t)mem[1]; /* ob_item */
  mem[0][6] = 4;                 /* allocated */
  mem[1][0] = l;
  mem[2][5] = (uintptr_t)mem[1]; /* a stale pointer in a plain block ... */
  mem[3][5] = (uintptr_t)mem[2]; /* ... that another object points at */
  pyobj(3, 16, T_LIST, 1);
  assert_int_equal(find_python(), 2);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  done();
}

static void test_python_list_spare_capacity_holds_no_reference(void **state) {
  (void)state;
  make_types();
  make_heap(3);
  uintptr_t l = pyobj(0, 16, T_LIST, 1);
  uintptr_t s = pyobj(2, 0, T_STR, 1);
  mem[0][4] = 1;
  mem[0][5] = (uintptr_t)mem[1];
  mem[0][6] = 4;
  mem[1][0] = l;
  mem[1][1] = s; /* popped: past ob_size */
  uintptr_t roots[1] = {s};
  assert_int_equal(find_python(), 2);
  run(roots, 1);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  assert_int_equal(state_of(2), LG_RCS_LIVE);
  assert_int_equal(rs.obj[1].gc, 1);
  done();
}

static void test_python_dead_object_is_no_owner(void **state) {
  (void)state;
  make_types();
  make_heap(3);
  uintptr_t l = pyobj(0, 16, T_LIST, 1);
  mem[0][4] = 1;
  mem[0][5] = (uintptr_t)mem[1];
  mem[0][6] = 4;
  mem[1][0] = l;
  pyobj(2, 16, T_LIST, 0);       /* on the free list: count 0 */
  mem[2][5] = (uintptr_t)mem[1]; /* its stale ob_item */
  assert_int_equal(find_python(), 1);
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  done();
}

static void test_back_pointer_in_its_side_data_is_no_reference(void **state) {
  (void)state;
  make_heap(3);
  object(0, 1);
  put(0, 2, (uintptr_t)mem[1] | 1);  /* qdata: a flagged pointer to its data list */
  put(1, 1, (uintptr_t)mem[2]);      /* the list names a weak reference record */
  put(2, 0, (uintptr_t)mem[0]);      /* which points back at the object */
  rs.obj[0].skip[0] = 16;
  rs.obj[0].nskip = 1;
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_UNBALANCED);
  done();
}

static void test_side_data_that_holds_no_reference_does_not_count(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t parent = object(0, 1), child = object(1, 1);
  put(0, 3, child);                  /* the parent holds the child */
  put(1, 7, (uintptr_t)mem[2]);      /* the child's list of parents ... */
  put(2, 0, parent);                 /* ... names the parent */
  rs.obj[1].skip[0] = 56;
  rs.obj[1].nskip = 1;
  rs.obj[1].side_mute = 1;
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_UNBALANCED);
  assert_int_equal(state_of(1), LG_RCS_LIVE);
  done();
}

static void test_pointer_from_side_data_that_may_hold_references_counts(void **state) {
  (void)state;
  make_heap(3);
  uintptr_t holder = object(0, 1), other = object(1, 1);
  put(0, 2, (uintptr_t)mem[2]);      /* qdata */
  put(2, 1, other);                  /* data set with a destroy notifier: a ref */
  rs.obj[0].skip[0] = 16;
  rs.obj[0].nskip = 1;
  (void)holder;
  run(NULL, 0);
  assert_int_equal(state_of(0), LG_RCS_UNBALANCED);
  assert_int_equal(state_of(1), LG_RCS_LIVE); /* held by the holder's side data */
  done();
}

static void test_python_after_finalization_is_not_read(void **state) {
  (void)state;
  make_types();
  make_heap(2);
  pyobj(0, 16, T_LIST, 1);
  pyobj(1, 0, T_STR, 1);
  ty[T_TYPE][21] &= ~F_READY; /* Py_FinalizeEx deallocated PyType_Type last */
  assert_int_equal(find_python(), LG_RCPYTHON_FINALIZED);
  assert_int_equal(rs.n, 0);
  done();
}

static void test_objects_are_sorted_whatever_order_they_came_in(void **state) {
  (void)state;
  make_heap(12);
  static const int order[12] = {9, 2, 7, 0, 5, 1, 3, 4, 6, 8, 10, 11}; /* a hashed head, a sorted tail */
  for (int k = 0; k < 12; k++) object((size_t)order[k], 1);
  run(NULL, 0);
  for (size_t i = 1; i < rs.n; i++) assert_true(rs.obj[i - 1].addr < rs.obj[i].addr);
  for (size_t b = 0; b < 12; b++) assert_int_equal(state_of(b), LG_RCS_UNBALANCED);
  done();
}

static void test_python_root_pointer_keeps_no_garbage_alive(void **state) {
  (void)state;
  make_types();
  make_heap(2);
  uintptr_t l = pyobj(0, 16, T_LIST, 1);
  mem[0][4] = 1;
  mem[0][5] = (uintptr_t)mem[1];
  mem[0][6] = 4;
  mem[1][0] = l;
  uintptr_t roots[1] = {l}; /* a borrowed pointer in a root (CPython's type cache, a stale slot) */
  assert_int_equal(find_python(), 1);
  run(roots, 1);
  assert_true(blk[0].flags & LG_BF_ROOT_OBJ);
  assert_int_equal(state_of(0), LG_RCS_GARBAGE);
  done();
}

/* A dict at mem[0] + 16 whose keys table (general kind, 8 slots, 1-byte
 * indices) is block 1: entries start at +40, 24 bytes each. */
static void test_python_dict_hash_that_looks_like_an_address_is_no_reference(void **state) {
  (void)state;
  static uintptr_t keys[16] __attribute__((aligned(64)));
  make_types();
  make_heap(3);
  blk[1] = (lg_blk_t){.addr = (uintptr_t)keys, .size = sizeof keys};
  lg_heap_free(&heap);
  heap.blk = blk;
  heap.n = 3;
  /* Keep the blocks sorted: keys lies apart from mem. */
  lg_blk_t sorted[3] = {blk[0], blk[2], blk[1]};
  if (keys < mem[0]) sorted[0] = blk[1], sorted[1] = blk[0], sorted[2] = blk[2];
  else if ((uintptr_t)keys < (uintptr_t)mem[2]) sorted[1] = blk[1], sorted[2] = blk[2];
  memcpy(blk, sorted, sizeof sorted);
  assert_int_equal(lg_heap_build(&heap), 0);
  uintptr_t d = pyobj(0, 16, T_DICT, 1);
  uintptr_t x = pyobj(2, 0, T_STR, 1);
  memset(keys, 0, sizeof keys);
  uint8_t *k = (uint8_t *)keys;
  keys[0] = 1;                       /* dk_refcnt */
  k[8] = 3, k[9] = 3, k[10] = 0;     /* 8 slots, 8 index bytes, general entries */
  keys[3] = 1;                       /* dk_nentries */
  keys[5] = x;                       /* entry 0's hash: x's address, as id(x) hashes */
  keys[6] = d, keys[7] = d;          /* its key and value: the dict itself */
  keys[8] = x;                       /* a stale entry's hash past dk_nentries */
  mem[0][6] = (uintptr_t)keys;       /* ma_keys */
  assert_int_equal(find_python(), 2);
  run(NULL, 0);
  /* The dict holds itself twice (key and value): garbage; x's count (1)
   * is not explained by the hash words: x is held, not subtracted from. */
  for (size_t i = 0; i < rs.n; i++) {
    if (rs.obj[i].addr == d) assert_int_equal(rs.obj[i].state, LG_RCS_GARBAGE);
    if (rs.obj[i].addr == x) assert_int_equal(rs.obj[i].gc, 1);
  }
  done();
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pointer_to_an_object_inside_its_block_is_a_start),
      cmocka_unit_test(test_object_pointing_at_itself_inside_its_block_is_a_cycle),
      cmocka_unit_test(test_two_cycle_is_one_garbage_group),
      cmocka_unit_test(test_stale_pointer_from_a_heap_block_does_not_hold_garbage),
      cmocka_unit_test(test_cycle_named_by_a_root_is_live),
      cmocka_unit_test(test_cycle_held_from_outside_is_not_garbage),
      cmocka_unit_test(test_cycle_through_an_owned_item_array_is_garbage),
      cmocka_unit_test(test_array_two_objects_point_at_is_owned_by_neither),
      cmocka_unit_test(test_cycle_through_a_doubly_linked_list_is_garbage),
      cmocka_unit_test(test_extra_ref_on_a_lost_cycle_is_unbalanced),
      cmocka_unit_test(test_object_a_lost_plain_block_holds_is_not_unbalanced),
      cmocka_unit_test(test_non_owning_parent_pointer_keeps_an_extra_ref_unbalanced),
      cmocka_unit_test(test_without_the_non_owning_table_the_pair_looks_cyclic),
      cmocka_unit_test(test_objects_without_a_block_or_a_count_are_left_out),
      cmocka_unit_test(test_second_object_in_a_block_is_left_out),
      cmocka_unit_test(test_objects_are_sorted_whatever_order_they_came_in),
      cmocka_unit_test(test_python_objects_sit_where_their_type_says),
      cmocka_unit_test(test_python_block_too_small_for_its_type_is_no_object),
      cmocka_unit_test(test_python_weak_references_are_not_references),
      cmocka_unit_test(test_python_self_referencing_list_is_garbage),
      cmocka_unit_test(test_array_a_root_points_into_is_owned_by_nobody),
      cmocka_unit_test(test_python_item_array_survives_a_stale_plain_pointer),
      cmocka_unit_test(test_python_list_spare_capacity_holds_no_reference),
      cmocka_unit_test(test_python_dead_object_is_no_owner),
      cmocka_unit_test(test_python_after_finalization_is_not_read),
      cmocka_unit_test(test_python_root_pointer_keeps_no_garbage_alive),
      cmocka_unit_test(test_python_untracked_objects_words_are_no_references),
      cmocka_unit_test(test_python_untracked_object_owns_no_block),
      cmocka_unit_test(test_python_pointer_to_itself_in_its_own_block_is_no_reference),
      cmocka_unit_test(test_python_dict_hash_that_looks_like_an_address_is_no_reference),
      cmocka_unit_test(test_back_pointer_in_its_side_data_is_no_reference),
      cmocka_unit_test(test_side_data_that_holds_no_reference_does_not_count),
      cmocka_unit_test(test_pointer_from_side_data_that_may_hold_references_counts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
