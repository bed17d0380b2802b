/* A singly linked list of 1,000,000 nodes whose head is dropped: 1 definite
 * (the head), 999,999 indirect, one acyclic cluster; no crash (the marking
 * must not recurse), reasonable time.
 * timeout: 120
 * expect: summary.definitely_lost.blocks == 1
 * expect: summary.indirectly_lost.blocks == 999999
 * expect: len(clusters) == 1 and clusters[0].blocks == 1000000 and not clusters[0].cyclic
 * expect: clusters[0].bytes == 16000000
 * expect: has_frame(clusters[0].entry, 'build_list')
 */
#include <stdlib.h>
#include "testutil.h"

struct node { struct node *next; long value; };

static NOINLINE void build_list(long n) {
  struct node *head = NULL;
  for (long i = 0; i < n; i++) {
    struct node *x = malloc(sizeof *x);
    x->next = head;
    x->value = i;
    head = x;
  }
  sink(head);
}

int main(void) {
  build_list(1000000);
  clobber_stack();
  return 0;
}
