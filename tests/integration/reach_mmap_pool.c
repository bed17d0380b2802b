/* Memory the program maps itself is a root. Each of these holds the only
 * pointer to one malloc block: an object pool in a private anonymous
 * mapping (between two PROT_NONE guard pages), a shared anonymous mapping,
 * a file mapped MAP_SHARED, a memfd mapped MAP_PRIVATE and written, and one
 * touched page in the middle of a 1 GiB MAP_NORESERVE reservation (the
 * scan reads only resident pages: the program sees one resident page of
 * it after the API scan; mapping_never_faulted.c covers the exit scan).
 * All five blocks are reachable, both in an API scan (run in the snapshot
 * child: shared mappings by mincore) and in the exit scan (in process). A
 * sixth block whose pointer was in a mapping that the program then
 * unmapped is the one leak: 40 bytes definitely lost.
 * expect: stdout == 'scan=40 resident=1\n'
 * expect: [c for c in ('in_private_pool', 'in_shared_anon', 'in_shared_file', 'in_memfd', 'in_reservation') if cluster_with(c)] == []
 * expect: cluster_with('in_unmapped') is not None
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 40
 * expect: summary.indirectly_lost.blocks == 0 and summary.possibly_lost.blocks == 0
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

#define PAGE 4096
#define RESERVATION (1ul << 30)

static void **pool, **shared_anon, **shared_file, **memfd_page, **reservation;

static NOINLINE void *in_private_pool(void) { void *p = malloc(64); memset(p, 1, 64); return p; }
static NOINLINE void *in_shared_anon(void) { void *p = malloc(72); memset(p, 2, 72); return p; }
static NOINLINE void *in_shared_file(void) { void *p = malloc(80); memset(p, 3, 80); return p; }
static NOINLINE void *in_memfd(void) { void *p = malloc(88); memset(p, 4, 88); return p; }
static NOINLINE void *in_reservation(void) { void *p = malloc(96); memset(p, 5, 96); return p; }
static NOINLINE void *in_unmapped(void) { void *p = malloc(40); memset(p, 6, 40); return p; }

static void *map(size_t n, int prot, int flags, int fd) {
  void *p = mmap(NULL, n, prot, flags, fd, 0);
  if (p == MAP_FAILED) { perror("mmap"); exit(2); }
  return p;
}

/* A pool of 16 pages between two guard pages; slot 1000 of it is used. */
static NOINLINE void make_pool(void) {
  char *g = map(18 * PAGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  mprotect(g + PAGE, 16 * PAGE, PROT_READ | PROT_WRITE);
  pool = (void **)(g + PAGE);
  pool[1000] = in_private_pool();
}

static NOINLINE void make_shared(void) {
  shared_anon = map(PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1);
  shared_anon[3] = in_shared_anon();
  char path[4096];
  snprintf(path, sizeof path, "%s/shared.bin", getenv("LG_TEST_TMP") ? getenv("LG_TEST_TMP") : "/tmp");
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || ftruncate(fd, 2 * PAGE) < 0) { perror(path); exit(2); }
  shared_file = map(2 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd);
  close(fd);
  shared_file[PAGE / 8 + 5] = in_shared_file();
  int mfd = memfd_create("pool", 0);
  if (mfd < 0 || ftruncate(mfd, PAGE) < 0) { perror("memfd"); exit(2); }
  memfd_page = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE, mfd);
  close(mfd);
  memfd_page[9] = in_memfd();
}

static NOINLINE void make_reservation(void) {
  reservation = map(RESERVATION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1);
  reservation[RESERVATION / 2 / 8 + 7] = in_reservation();
}

static NOINLINE void make_unmapped(void) {
  void **page = map(PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1);
  page[0] = in_unmapped();
  munmap(page, PAGE);
}

/* Counts the resident pages of the reservation (mincore). */
static long resident_pages(void) {
  static unsigned char vec[RESERVATION / PAGE];
  if (mincore(reservation, RESERVATION, vec) < 0) return -1;
  long n = 0;
  for (size_t i = 0; i < sizeof vec; i++) n += vec[i] & 1;
  return n;
}

int main(void) {
  make_pool();
  make_shared();
  make_reservation();
  make_unmapped();
  clobber_stack();
  long lost = leakgraph_scan();
  if (!leakgraph_active()) lost = 40;
  printf("scan=%ld resident=%ld\n", lost, resident_pages());
  return 0;
}
