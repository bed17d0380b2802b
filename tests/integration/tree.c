/* A binary tree of 7 nodes whose root pointer is dropped: the root is
 * definitely lost, the 6 other nodes indirectly lost, all in one acyclic
 * cluster whose entry was allocated by make_tree.
 * expect: summary.definitely_lost.blocks == 1
 * expect: summary.indirectly_lost.blocks == 6
 * expect: len(clusters) == 1 and not clusters[0].cyclic
 * expect: clusters[0].blocks == 7 and clusters[0].bytes == 7 * 24
 * expect: has_frame(clusters[0].entry, 'make_tree')
 * expect: summary.clusters == 1 and summary.cyclic_clusters == 0
 */
#include <stdlib.h>
#include "testutil.h"

struct node { struct node *left, *right; long value; };

static NOINLINE struct node *make_tree(int depth) {
  struct node *n = malloc(sizeof *n);
  n->value = depth;
  n->left = depth > 1 ? make_tree(depth - 1) : NULL;
  n->right = depth > 1 ? make_tree(depth - 1) : NULL;
  return n;
}

static NOINLINE void drop_tree(void) {
  struct node *volatile root = make_tree(3);
  root = NULL;
}

int main(void) {
  drop_tree();
  clobber_stack();
  return 0;
}
