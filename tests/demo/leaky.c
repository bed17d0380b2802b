/* tests/demo/leaky.c — the program `make demo` runs under leakgraph.
 *
 * It owns one of each thing a leak report shows, made on purpose, and
 * nothing else: a leaked tree (one definitely lost root, the rest indirectly
 * lost), a leaked two-block cycle, a plain leaked block, and one block that
 * stays reachable from a global until exit. Every allocation happens in its
 * own small function so that each has a stack of its own in the report.
 *
 * Expected at exit (64-bit):
 *   definitely_lost  3 blocks: the tree's root (48 B), one block of the
 *                    cycle (the lowest-addressed, 40 B), the plain leak (100 B)
 *   indirectly_lost 15 blocks: the tree's 14 other nodes (14 x 48 B), the
 *                    cycle's other block (40 B)
 *   still_reachable  1 block:  `kept` (256 B); stdout is unbuffered, so
 *                    glibc allocates no buffer for it (4096 B when piped,
 *                    1024 B on a terminal, which would be reachable too)
 *   clusters: 3 (tree 720 B, plain 100 B, cycle 80 B, cyclic)
 *
 * Built by scripts/demo with gcc -g -O0; it needs nothing from leakgraph. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A binary tree node: 48 bytes on 64-bit. */
struct node {
  struct node *left, *right;
  long value;
  char pad[24];
};

/* Two blocks that point at each other: 40 bytes each. */
struct pair {
  struct pair *peer;
  char name[32];
};

/* The block that stays reachable: the global is a root. */
static char *kept;

/* make_tree returns a complete binary tree of `depth` levels. */
static __attribute__((noinline)) struct node *make_tree(int depth, long value) {
  struct node *n;
  if (depth == 0) return NULL;
  n = calloc(1, sizeof *n);
  n->value = value;
  n->left = make_tree(depth - 1, 2 * value);
  n->right = make_tree(depth - 1, 2 * value + 1);
  return n;
}

/* leak_tree builds a 15-node tree and drops the only pointer to its root. */
static __attribute__((noinline)) void leak_tree(void) {
  struct node *root = make_tree(4, 1);
  printf("leaky: built a tree of 15 nodes at %p and lost it\n", (void *)root);
  root = NULL;
}

/* make_pair_block allocates one half of the cycle. */
static __attribute__((noinline)) struct pair *make_pair_block(const char *name) {
  struct pair *p = malloc(sizeof *p);
  p->peer = NULL;
  snprintf(p->name, sizeof p->name, "%s", name);
  return p;
}

/* leak_cycle makes two blocks point at each other and loses both. */
static __attribute__((noinline)) void leak_cycle(void) {
  struct pair *a = make_pair_block("a");
  struct pair *b = make_pair_block("b");
  a->peer = b;
  b->peer = a;
  printf("leaky: built a cycle %p <-> %p and lost it\n", (void *)a, (void *)b);
}

/* leak_plain allocates a block and forgets it. */
static __attribute__((noinline)) void leak_plain(void) {
  char *p = malloc(100);
  memset(p, 'x', 100);
  printf("leaky: allocated 100 bytes at %p and lost them\n", (void *)p);
}

/* keep_block allocates the block that stays reachable through `kept`. */
static __attribute__((noinline)) void keep_block(void) {
  kept = malloc(256);
  memset(kept, 0, 256);
  printf("leaky: kept 256 bytes at %p reachable from a global\n", (void *)kept);
}

/* scrub_stack overwrites the stack the calls above used, so no stale copy
 * of a lost pointer sits where the exit scan's own frames will be. */
static __attribute__((noinline)) void scrub_stack(void) {
  volatile char junk[16384];
  memset((char *)junk, 0, sizeof junk);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0); /* no buffer: nothing but `kept` stays */
  leak_tree();
  leak_cycle();
  leak_plain();
  keep_block();
  scrub_stack();
  return 0;
}
