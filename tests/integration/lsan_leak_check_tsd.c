/* __lsan_do_leak_check in a thread's TSD destructor, LeakSanitizer's other
 * use: the thread's thread-local pointers are still roots then. A thread
 * keeps a 61-byte block in a __thread variable and calls the check from
 * its pthread_key destructor; after the join, main leaks a 33-byte block.
 * Expected: the one scan in the log is that check (kind exit), it finds
 * the thread-local block reachable, and the later leak is not reported
 * (no exit scan runs after the check): nothing lost at all.
 * run: direct
 * expect: stdout == 'checked in tsd destructor\n'
 * expect: [s.kind for s in log_scans()] == ['exit']
 * expect: summary.definitely_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 * expect: summary.still_reachable.bytes >= 61
 * expect: cluster_with('late_leak') is None
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

extern void __lsan_do_leak_check(void) __attribute__((weak));

static __thread char *tls_block;
static pthread_key_t key;
static volatile int checked;

static void tsd_destructor(void *v) {
  (void)v;
  if (__lsan_do_leak_check) __lsan_do_leak_check();
  checked = 1;
}

static NOINLINE void keep_in_tls(void) {
  tls_block = malloc(61);
  memset(tls_block, 8, 61);
}

static void *worker(void *arg) {
  (void)arg;
  keep_in_tls();
  clobber_stack();
  pthread_setspecific(key, (void *)1);
  return NULL;
}

static NOINLINE void late_leak(void) { void *p = malloc(33); memset(p, 9, 33); sink(p); }

int main(void) {
  pthread_key_create(&key, tsd_destructor);
  pthread_t t;
  pthread_create(&t, NULL, worker, NULL);
  pthread_join(t, NULL);
  late_leak();
  clobber_stack();
  if (checked) printf("checked in tsd destructor\n");
  return 0;
}
