/* Under the wrapper the program's stdout and exit status (3) are the same
 * as without leakgraph (compared with a plain run).
 * compare: plain
 * exit: 3
 * expect: stdout == plain.stdout and exit_code == plain.exit_code == 3
 * expect: 'x=3.14159' in stdout and stdout.count('\n') == 204
 */
#define _GNU_SOURCE
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp(const void *a, const void *b) { return *(const int *)a - *(const int *)b; }

int main(void) {
  setlocale(LC_ALL, "C");
  int v[200];
  for (int i = 0; i < 200; i++) v[i] = (i * 7919) % 200;
  qsort(v, 200, sizeof v[0], cmp);
  for (int i = 0; i < 200; i++) printf("%d %s\n", v[i], i % 2 ? "odd" : "even");
  char *s = strdup("alpha beta gamma"), *save = NULL;
  for (char *t = strtok_r(s, " ", &save); t; t = strtok_r(NULL, " ", &save)) printf("[%s]", t);
  printf("\n");
  free(s);
  char *buf = NULL;
  size_t n = 0;
  FILE *m = open_memstream(&buf, &n);
  fprintf(m, "x=%.5f y=%e", 3.14159265, 1e-10);
  fclose(m);
  printf("%s\n", buf);
  free(buf);
  printf("%*s|\n", 300, "wide");
  fwrite("bin\0ary\n", 1, 8, stdout);
  return 3;
}
