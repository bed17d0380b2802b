/* The malloc heap is scanned as blocks, never as a root, even now that
 * the program's own mappings are roots: a stale pointer in a free chunk,
 * or a pointer inside a lost block, must not keep anything reachable.
 *   - main arena ([heap]): a freed 200-byte block still holds a pointer to
 *     stale_main (48 bytes): stale_main is definitely lost;
 *   - a thread's arena (a 64 MiB-aligned heap of glibc's): the same with a
 *     freed block and stale_arena (56 bytes), plus a lost pair arena_head
 *     (32) -> arena_tail (24);
 *   - a block glibc mmaps for itself (256 KiB): mmapped_big holds the only
 *     pointer to mmapped_child (40); both are lost, the child indirectly;
 *   - the same with memalign (64 KiB alignment: glibc's chunk mapping
 *     starts before the block): aligned_big -> aligned_child (16);
 *   - a reachable mmapped block shrunk in place by realloc: the rest of its
 *     chunk's last page still holds a pointer to tail_child (72), lost;
 *   - an mmapped block whose mapping the program extends with its own pool
 *     mapped right below it (MAP_FIXED_NOREPLACE: the kernel merges the two
 *     into one VMA, checked in /proc/self/maps): the pool holds the only
 *     pointer to in_pool (64, reachable), the big block merged_big the only
 *     pointer to merged_child (8): both lost.
 * expect: stdout == 'arena=1 merged=1\n'
 * expect: cluster_with('in_pool') is None
 * expect: [f for f in ('stale_main', 'stale_arena', 'arena_head', 'mmapped_big', 'aligned_big', 'merged_big', 'tail_child') if cluster_with(f) is None] == []
 * expect: summary.definitely_lost.blocks == 7 and summary.definitely_lost.bytes == 48 + 56 + 32 + 262144 + 524288 + 300000 + 72
 * expect: summary.indirectly_lost.blocks == 4 and summary.indirectly_lost.bytes == 24 + 40 + 16 + 8
 * expect: summary.possibly_lost.blocks == 0
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

static int in_thread_arena;
static void **pool, **shrunk;

static NOINLINE void *block(size_t n, int fill) { void *p = malloc(n); memset(p, fill, n); return p; }
static NOINLINE void *stale_main(void) { return block(48, 1); }
static NOINLINE void *stale_arena(void) { return block(56, 2); }
static NOINLINE void *arena_tail(void) { return block(24, 3); }
static NOINLINE void *arena_head(void) { return block(32, 4); }
static NOINLINE void *mmapped_child(void) { return block(40, 5); }
static NOINLINE void *mmapped_big(void) { return block(262144, 0); }
static NOINLINE void *aligned_child(void) { return block(16, 6); }
static NOINLINE void *merged_child(void) { return block(8, 7); }
static NOINLINE void *merged_big(void) { return block(300000, 0); }
static NOINLINE void *in_pool(void) { return block(64, 8); }
static NOINLINE void *tail_child(void) { return block(72, 9); }

static NOINLINE void *aligned_big(void) {
  void *p = NULL;
  if (posix_memalign(&p, 65536, 524288)) exit(2);
  memset(p, 0, 524288);
  return p;
}

/* A freed block that still holds a pointer (past glibc's free-list words);
 * `size` is one that nothing else allocates, so that the chunk stays free
 * and untouched. */
static NOINLINE void free_with_pointer(void *to, size_t size) {
  void **f = block(size, 0);
  f[4] = to;
  free(f);
}

/* A block glibc mmapped, shrunk in place by realloc (mremap): the tail of
 * its last page still holds a pointer to tail_child, stale. The block
 * stays reachable; the tail is not a root. */
static NOINLINE void shrink_mmapped(void) {
  void **big = block(300000, 0);
  big[200008 / 8] = tail_child();
  shrunk = realloc(big, 200000);
}

static NOINLINE void *arena_thread(void *arg) {
  (void)arg;
  void *s = stale_arena();
  uintptr_t brk_end = (uintptr_t)sbrk(0);
  in_thread_arena = ((uintptr_t)s > brk_end + (64u << 20) || (uintptr_t)s < brk_end - (1u << 30));
  free_with_pointer(s, 216);
  void **head = arena_head();
  head[1] = arena_tail();
  clobber_stack_only();
  return NULL;
}

/* Does one line of /proc/self/maps cover [lo, hi)? */
static int one_vma(uintptr_t lo, uintptr_t hi) {
  FILE *f = fopen("/proc/self/maps", "r");
  unsigned long a, b;
  int found = 0;
  char line[512];
  while (f && fgets(line, sizeof line, f))
    if (sscanf(line, "%lx-%lx", &a, &b) == 2 && a <= lo && b >= hi) found = 1;
  if (f) fclose(f);
  return found;
}

/* Maps a 64 KiB pool right below a big block's chunk mapping. */
static NOINLINE int merge_pool_below(void) {
  void **big = merged_big();
  big[100] = merged_child();
  uintptr_t chunk = ((uintptr_t)big - 16) & ~(uintptr_t)4095;
  pool = mmap((void *)(chunk - 65536), 65536, PROT_READ | PROT_WRITE,
              MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (pool == MAP_FAILED) return 0;
  pool[10] = in_pool();
  return one_vma((uintptr_t)pool, (uintptr_t)big + 300000);
}

static NOINLINE void leak_big_blocks(void) {
  void **big = mmapped_big();
  big[1000] = mmapped_child();
  void **al = aligned_big();
  al[5] = aligned_child();
}

int main(void) {
  free_with_pointer(stale_main(), 200);
  shrink_mmapped();
  pthread_t t;
  pthread_create(&t, NULL, arena_thread, NULL);
  pthread_join(t, NULL);
  leak_big_blocks();
  int merged = merge_pool_below();
  clobber_stack();
  printf("arena=%d merged=%d\n", in_thread_arena, merged);
  return 0;
}
