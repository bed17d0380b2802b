/* A program that frees everything it allocates: nothing is lost.
 * expect: summary.definitely_lost.blocks == 0
 * expect: summary.indirectly_lost.blocks == 0
 * expect: summary.possibly_lost.blocks == 0
 * expect: len(clusters) == 0 and summary.clusters == 0
 * expect: len(processes) == 1 and processes[0].complete and processes[0].end == 'exit'
 * expect: stdout == 'sum=4950\n'
 */
#include <stdio.h>
#include <stdlib.h>
#include "testutil.h"

int main(void) {
  long sum = 0;
  for (int i = 0; i < 100; i++) {
    int *p = malloc(sizeof *p * (i + 1));
    p[i] = i;
    sum += p[i];
    free(p);
  }
  printf("sum=%ld\n", sum);
  return 0;
}
