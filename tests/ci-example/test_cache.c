/* test_cache.c — a cache that stays reachable from a global until exit:
 * no leak (still reachable is not a failure). */
#include <stdio.h>
#include <stdlib.h>

static char *cache[4];

int main(void) {
  for (int i = 0; i < 4; i++)
    cache[i] = malloc(64);
  printf("test_cache: ok\n");
  return 0;
}
