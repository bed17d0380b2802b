/* Stress: periodic scans every 10 ms (interval=0.01) while the program
 * grows a reachable list and churns the heap for one second of wall time:
 * many scans (about 100), no leak at exit, correct output.
 * stress: yes
 * run: wrapper --interval=0.01
 * timeout: 120
 * expect: stdout == 'nodes=200000\n'
 * expect: processes[0].scans >= 10
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct node { struct node *next; char pad[40]; };
struct node *head;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(void) {
  long n = 0;
  double end = now() + 1.0;
  for (int batch = 0; batch < 200; batch++) {
    for (int i = 0; i < 1000; i++) {
      struct node *x = malloc(sizeof *x);
      x->next = head;
      head = x;
      n++;
      for (int j = 0; j < 4; j++) free(malloc(64));
    }
    struct timespec pause = {0, 2 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  while (now() < end) {
    struct timespec pause = {0, 5 * 1000 * 1000};
    nanosleep(&pause, NULL);
  }
  printf("nodes=%ld\n", n);
  return 0;
}
