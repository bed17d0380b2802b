/* tests/bench/gobject_refs.c — the GObject-heavy workload of `make bench`
 * and the measure of a refcount hook's cost: OBJECTS plain GObjects
 * (default 1,000), then ROUNDS rounds (default 2,000) of g_object_ref and
 * g_object_unref over every one of them, timed by the program itself with
 * CLOCK_MONOTONIC. It prints
 *     pairs=N ns_per_pair=X
 * so the cost of a ref+unref pair under leakgraph is read beside the same
 * binary's native figure. With a third argument `props`, each round also
 * sets and reads an object property (refs taken inside libgobject). */
#include <glib-object.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1000, rounds = argc > 2 ? atoi(argv[2]) : 2000;
  int props = argc > 3 && !strcmp(argv[3], "props");
  GObject **objs = malloc(sizeof *objs * (size_t)n);
  for (int i = 0; i < n; i++) objs[i] = g_object_new(G_TYPE_BINDING_GROUP, NULL);
  double t0 = now();
  for (int r = 0; r < rounds; r++)
    for (int i = 0; i < n; i++) {
      g_object_ref(objs[i]);
      g_object_unref(objs[i]);
      if (props) {
        GObject *src = NULL;
        g_object_set(objs[i], "source", objs[(i + 1) % n], NULL);
        g_object_get(objs[i], "source", &src, NULL);
        if (src) g_object_unref(src);
      }
    }
  double t = now() - t0;
  long long pairs = (long long)n * rounds;
  printf("pairs=%lld ns_per_pair=%.1f\n", pairs, t * 1e9 / (double)pairs);
  for (int i = 0; i < n; i++) g_object_unref(objs[i]);
  free(objs);
  return 0;
}
