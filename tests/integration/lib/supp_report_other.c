/* supp_report_other.c — a library whose leak is suppressed by file name. */
#include <stdlib.h>
#include <string.h>

__attribute__((noinline)) void other_leak_50(void) {
  void *p = malloc(50);
  memset(p, 1, 50);
  __asm__ volatile("" : : "r"(p) : "memory");
}
