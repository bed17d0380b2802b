/* The text report folds recursion: a 15-node binary tree built by a
 * recursive make_tree (depth 4) and then dropped is one loss record at one
 * allocation site, "recursion ×4", not 15 near-identical stacks; the whole
 * report (wrapper, on stderr) fits the first screen. A lost pair of
 * blocks pointing at each other is drawn inline as its graph.
 * expect: summary.definitely_lost.blocks == 2 and summary.indirectly_lost.blocks == 15
 * expect: count_lines(stderr, 'recursion ×4') == 1
 * expect: count_lines(stderr, '720 (48 direct, 672 indirect) bytes in 15 blocks are definitely lost in cluster 1 of 2') == 1
 * expect: count_lines(stderr, 'at make_tree (') == 1 and count_lines(stderr, 'by drop_tree (') == 1
 * expect: count_lines(stderr, '+ 14 blocks (672 bytes) indirectly lost, at the same site') == 1
 * expect: count_lines(stderr, 'graph: [0] -> [1], [1] -> [0]') == 1
 * expect: count_lines(stderr, 'bytes, entry, in a cycle: make_pair') == 1
 * expect: len(lines(stderr)) <= 40
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct node { struct node *left, *right; long value; char pad[24]; };
struct pair { struct pair *peer; char name[32]; };

static NOINLINE struct node *make_tree(int depth) {
  if (depth == 0) return NULL;
  struct node *n = calloc(1, sizeof *n);
  n->left = make_tree(depth - 1);
  n->right = make_tree(depth - 1);
  return n;
}

static NOINLINE void drop_tree(void) {
  struct node *volatile root = make_tree(4);
  root = NULL;
}

static NOINLINE struct pair *make_pair(void) { return calloc(1, sizeof(struct pair)); }

static NOINLINE void drop_pair(void) {
  struct pair *a = make_pair(), *b = make_pair();
  a->peer = b;
  b->peer = a;
  sink(a);
}

int main(void) {
  drop_tree();
  drop_pair();
  clobber_stack();
  return 0;
}
