/* tests/unit/test_patch.c — entry patching (preload/patch.c) on functions
 * written in assembly below, one per kind of first instruction: plain
 * code, a RIP-relative load, short and near conditional jumps, a call
 * ending the copied bytes, a one-byte function before alignment padding,
 * an entry another tool already patched with a jump (chained), and the
 * entries the engine must refuse — a loop head at the entry, jrcxz, a
 * short jump, undecodable bytes, a one-byte function with code right
 * after it — leaving the code byte for byte as it was. A group with one
 * refusal patches none of its functions. Patching a function that another
 * thread keeps calling never disturbs it. */
#include <pthread.h>
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
#include "format.h"
#include "patch.c"

long t_global = 1234;

#define FN(name) ".p2align 4\n.globl " #name "\n.type " #name ", @function\n" #name ":\n"
#define END(name) ".size " #name ", .-" #name "\n.globl " #name "_end\n" #name "_end:\n"
__asm__(".text\n"
        FN(t_plain) "push %rbx\n mov %edi, %eax\n add $1, %eax\n pop %rbx\n ret\n" END(t_plain)
        FN(t_plain2) "push %rbx\n mov %edi, %eax\n add $2, %eax\n pop %rbx\n ret\n" END(t_plain2)
        FN(t_rip) "mov t_global(%rip), %rax\n ret\n" END(t_rip)
        FN(t_jcc8) "test %rdi, %rdi\n je 1f\n lea 1(%rdi), %rax\n ret\n1: mov $42, %eax\n ret\n" END(t_jcc8)
        FN(t_jcc32) "test %rdi, %rdi\n je 1f\n lea 1(%rdi), %rax\n ret\n .skip 200, 0x90\n1: mov $43, %eax\n ret\n" END(t_jcc32)
        FN(t_helper) "lea (%rdi,%rdi), %eax\n ret\n" END(t_helper)
        FN(t_call) "sub $8, %rsp\n call t_helper\n add $8, %rsp\n add $1, %eax\n ret\n" END(t_call)
        FN(t_tiny) "ret\n" END(t_tiny)
        FN(t_target) "mov $99, %eax\n ret\n" END(t_target)
        FN(t_prepatched) ".byte 0xe9\n .long t_target - . - 4\n int3\n int3\n int3\n" END(t_prepatched)
        FN(t_loop) "1: dec %rdi\n jnz 1b\n mov $7, %eax\n ret\n" END(t_loop)
        FN(t_jrcxz) "jrcxz 1f\n mov $1, %eax\n ret\n1: mov $2, %eax\n ret\n" END(t_jrcxz)
        FN(t_shortjmp) "jmp 1f\n nop\n nop\n nop\n1: mov $3, %eax\n ret\n" END(t_shortjmp)
        FN(t_bad) ".byte 0x06, 0x06, 0x06, 0x06, 0x06, 0x06\n ret\n" END(t_bad)
        FN(t_tiny_nopad) "ret\n" END(t_tiny_nopad)
        "t_after_tiny: mov $5, %eax\n ret\n");

int t_plain(int), t_plain2(int), t_call(int), t_target(void), t_prepatched(void), t_jrcxz(void), t_shortjmp(void);
long t_rip(void), t_jcc8(long), t_jcc32(long), t_loop(long);
void t_tiny(void), t_bad(void), t_tiny_nopad(void);

static char dir[] = "/tmp/lg-unit-patch-XXXXXX";

static int setup(void **state) {
  (void)state;
  if (!mkdtemp(dir)) return -1;
  lg_options_t o;
  lg_options_defaults(&o);
  snprintf(o.log, sizeof o.log, "%s/p.%%p.log", dir);
  return lg_collector_init(&o);
}

static int teardown(void **state) {
  (void)state;
  lg_collector_end(LG_END_EXIT, 0);
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  return system(cmd) == 0 ? 0 : -1;
}

/* A patch of fn (st_size `size`) to `hook`, in this test's text segment. */
static lg_patch_t patch_of(const char *name, void *fn, size_t size, void *hook, void **orig) {
  lg_patch_t p = {name, (uintptr_t)fn, size, (uintptr_t)fn + 65536, PROT_READ | PROT_EXEC, hook, orig, 0};
  return p;
}

static int hits;
static int (*o_plain)(int);
static int h_plain(int x) { hits++; return o_plain(x); }
static long (*o_rip)(void);
static long h_rip(void) { hits++; return o_rip(); }
static long (*o_jcc8)(long), (*o_jcc32)(long);
static long h_jcc8(long x) { hits++; return o_jcc8(x); }
static long h_jcc32(long x) { hits++; return o_jcc32(x); }
static int (*o_call)(int);
static int h_call(int x) { hits++; return o_call(x); }
static void (*o_tiny)(void);
static void h_tiny(void) { hits++; o_tiny(); }
static int (*o_prepatched)(void);
static int h_prepatched(void) { hits++; return o_prepatched(); }
static void *o_any;
static long h_any(long x) { hits++; return ((long (*)(long))o_any)(x); }

/* The size of each function, from the label after it. */
#define ENDS(fn) extern char fn##_end[];
ENDS(t_plain) ENDS(t_plain2) ENDS(t_rip) ENDS(t_jcc8) ENDS(t_jcc32) ENDS(t_call) ENDS(t_tiny) ENDS(t_prepatched)
ENDS(t_loop) ENDS(t_jrcxz) ENDS(t_shortjmp) ENDS(t_bad) ENDS(t_tiny_nopad)
#define sym_size(fn) ((size_t)((uintptr_t)fn##_end - (uintptr_t)(fn)))

/* Installs one patch; 0, or -1 with the reason in why. */
static char why[256];
static int install1(const char *name, void *fn, size_t size, void *hook, void **orig) {
  lg_patch_t p = patch_of(name, fn, size, hook, orig);
  why[0] = 0;
  return lg_patch_install(&p, 1, why, sizeof why);
}

static void test_plain_prologue_is_patched_and_still_computes(void **state) {
  (void)state;
  assert_int_equal(t_plain(1), 2);
  hits = 0;
  assert_int_equal(install1("t_plain", (void *)t_plain, sym_size(t_plain), (void *)h_plain, (void **)&o_plain), 0);
  assert_int_equal(*(uint8_t *)t_plain, 0xE9);
  assert_int_equal(t_plain(41), 42);
  assert_int_equal(hits, 1);
}

static void test_rip_relative_load_is_rewritten(void **state) {
  (void)state;
  hits = 0;
  assert_int_equal(install1("t_rip", (void *)t_rip, sym_size(t_rip), (void *)h_rip, (void **)&o_rip), 0);
  assert_int_equal(t_rip(), 1234);
  t_global = 77;
  assert_int_equal(t_rip(), 77);
  assert_int_equal(hits, 2);
}

static void test_conditional_jumps_keep_both_ways(void **state) {
  (void)state;
  hits = 0;
  assert_int_equal(install1("t_jcc8", (void *)t_jcc8, sym_size(t_jcc8), (void *)h_jcc8, (void **)&o_jcc8), 0);
  assert_int_equal(install1("t_jcc32", (void *)t_jcc32, sym_size(t_jcc32), (void *)h_jcc32, (void **)&o_jcc32), 0);
  assert_int_equal(t_jcc8(0), 42);
  assert_int_equal(t_jcc8(5), 6);
  assert_int_equal(t_jcc32(0), 43);
  assert_int_equal(t_jcc32(9), 10);
  assert_int_equal(hits, 4);
}

static void test_call_ending_the_copy_returns_into_the_original(void **state) {
  (void)state;
  hits = 0;
  assert_int_equal(install1("t_call", (void *)t_call, sym_size(t_call), (void *)h_call, (void **)&o_call), 0);
  assert_int_equal(t_call(20), 41);
  assert_int_equal(hits, 1);
}

static void test_one_byte_function_before_padding(void **state) {
  (void)state;
  hits = 0;
  assert_int_equal(sym_size(t_tiny), 1);
  assert_int_equal(install1("t_tiny", (void *)t_tiny, 1, (void *)h_tiny, (void **)&o_tiny), 0);
  t_tiny();
  assert_int_equal(hits, 1);
}

static void test_entry_already_a_jump_is_chained(void **state) {
  (void)state;
  hits = 0;
  assert_int_equal(t_prepatched(), 99);
  lg_patch_t p = patch_of("t_prepatched", (void *)t_prepatched, sym_size(t_prepatched), (void *)h_prepatched,
                          (void **)&o_prepatched);
  assert_int_equal(lg_patch_install(&p, 1, why, sizeof why), 0);
  assert_int_equal(p.chained, 1);
  assert_int_equal(t_prepatched(), 99); /* the other tool's target still runs, after our hook */
  assert_int_equal(hits, 1);
}

/* Asserts that fn cannot be patched and that its bytes did not change. */
static void refused(const char *name, void *fn, size_t size, const char *reason) {
  uint8_t before[32];
  memcpy(before, fn, sizeof before);
  assert_int_equal(install1(name, fn, size, (void *)h_any, &o_any), -1);
  assert_non_null(strstr(why, name));
  if (!strstr(why, reason)) fail_msg("why: %s", why);
  assert_memory_equal(before, fn, sizeof before);
}

static void test_entries_that_cannot_be_moved_are_refused_untouched(void **state) {
  (void)state;
  refused("t_loop", (void *)t_loop, sym_size(t_loop), "targets its first bytes");
  refused("t_jrcxz", (void *)t_jrcxz, sym_size(t_jrcxz), "no rel32 form");
  refused("t_shortjmp", (void *)t_shortjmp, sym_size(t_shortjmp), "not followed by padding");
  refused("t_bad", (void *)t_bad, sym_size(t_bad), "do not decode");
  refused("t_tiny_nopad", (void *)t_tiny_nopad, sym_size(t_tiny_nopad), "not followed by padding");
  refused("t_target", (void *)t_target, 0, "size is unknown");
  assert_int_equal(t_loop(3), 7);
  assert_int_equal(t_jrcxz(), 1);
  assert_int_equal(t_shortjmp(), 3);
}

static void test_a_group_with_one_refusal_patches_nothing(void **state) {
  (void)state;
  static int (*o2)(int);
  uint8_t before[16];
  memcpy(before, (void *)t_plain2, sizeof before);
  lg_patch_t p[2] = {patch_of("t_plain2", (void *)t_plain2, sym_size(t_plain2), (void *)h_plain, (void **)&o2),
                     patch_of("t_loop", (void *)t_loop, sym_size(t_loop), (void *)h_any, &o_any)};
  assert_int_equal(lg_patch_install(p, 2, why, sizeof why), -1);
  assert_non_null(strstr(why, "t_loop"));
  assert_memory_equal(before, (void *)t_plain2, sizeof before);
  assert_null(o2);
  hits = 0;
  assert_int_equal(t_plain2(1), 3);
  assert_int_equal(hits, 0);
}

static volatile int stop_caller;
static volatile long calls, bad_results;
static void *caller(void *arg) {
  (void)arg;
  while (!stop_caller) {
    if (t_plain2((int)calls) != (int)calls + 2) bad_results++;
    calls++;
  }
  return NULL;
}

static int (*o_plain2)(int);
static int h_plain2(int x) { __atomic_add_fetch(&hits, 1, __ATOMIC_RELAXED); return o_plain2(x); }

static void test_patching_while_another_thread_calls_the_function(void **state) {
  (void)state;
  pthread_t t;
  hits = 0;
  pthread_create(&t, NULL, caller, NULL);
  while (calls < 1000) usleep(100);
  assert_int_equal(install1("t_plain2", (void *)t_plain2, sym_size(t_plain2), (void *)h_plain2, (void **)&o_plain2), 0);
  long at = calls;
  while (calls < at + 1000) usleep(100);
  stop_caller = 1;
  pthread_join(t, NULL);
  assert_int_equal(bad_results, 0);
  assert_true(hits >= 1000);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_plain_prologue_is_patched_and_still_computes),
      cmocka_unit_test(test_rip_relative_load_is_rewritten),
      cmocka_unit_test(test_conditional_jumps_keep_both_ways),
      cmocka_unit_test(test_call_ending_the_copy_returns_into_the_original),
      cmocka_unit_test(test_one_byte_function_before_padding),
      cmocka_unit_test(test_entry_already_a_jump_is_chained),
      cmocka_unit_test(test_entries_that_cannot_be_moved_are_refused_untouched),
      cmocka_unit_test(test_a_group_with_one_refusal_patches_nothing),
      cmocka_unit_test(test_patching_while_another_thread_calls_the_function),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
