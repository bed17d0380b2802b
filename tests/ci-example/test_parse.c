/* test_parse.c — counts the fields of a line in a copy of it and forgets
 * to free the copy: one definitely lost block of 32 bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __attribute__((noinline)) int count_fields(const char *line) {
  char *copy = malloc(32);
  strncpy(copy, line, 31);
  copy[31] = 0;
  int n = 1;
  for (const char *c = copy; *c; c++)
    n += *c == ',';
  return n; /* copy is never freed */
}

int main(void) {
  int n = count_fields("a,b,c");
  printf("test_parse: %d fields %s\n", n, n == 3 ? "ok" : "WRONG");
  return n == 3 ? 0 : 1;
}
