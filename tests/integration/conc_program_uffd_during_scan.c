/* A program registers memory with a userfaultfd of its own while a
 * concurrent scan (concurrent=1) has that memory write-tracked: the scan's
 * test gate (LEAKGRAPH_TEST_CONC_GATE) holds the concurrent pass until a
 * second thread is ready, the thread opens the gate and at once registers
 * a mapping that existed when the scan armed its tracking, while the scan
 * floods a list of 500,000 blocks. The kernel allows one registration per
 * mapping: the shim's ioctl hook waits for the scan's end, which drops the
 * shim's registrations, so the program's call succeeds as without the
 * shim; concurrent marking ends for good (a NOTE says so) and the exit
 * scan is as exact as ever. Without the wait the call would fail (EBUSY).
 * run: direct
 * options: concurrent=1:min_age=0
 * env: LEAKGRAPH_TEST_CONC_GATE={tmp}/gate
 * timeout: 120
 * expect: stdout == 'register=0 lost=0\n'
 * expect: any('concurrent marking ends' in n for n in log_notes())
 * expect: summary.definitely_lost.blocks == 1 and summary.definitely_lost.bytes == 24
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "leakgraph.h"
#include "testutil.h"

struct node { struct node *next; long pad[2]; };
struct node *list; /* 500,000 reachable blocks: the flood takes a while */
static char *m;
static size_t len = 16 * 4096;
static char gate[4096];
static int rc = -3;

static NOINLINE void build_list(void) {
  for (int i = 0; i < 500000; i++) {
    struct node *n = malloc(sizeof *n);
    n->next = list;
    list = n;
  }
}

static NOINLINE void leak_one(void) { void *p = malloc(24); memset(p, 1, 24); sink(p); }

/* Opens the gate, then registers m with a userfaultfd of its own. */
static void *registrar(void *arg) {
  (void)arg;
  int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK | UFFD_USER_MODE_ONLY);
  struct uffdio_api api = {.api = UFFD_API};
  if (fd < 0 || ioctl(fd, UFFDIO_API, &api) < 0) { rc = -2; return NULL; }
  char wait_path[4200];
  snprintf(wait_path, sizeof wait_path, "%s.wait", gate);
  for (int i = 0; i < 60000 && access(wait_path, F_OK) != 0; i++) usleep(1000);
  int g = open(gate, O_WRONLY | O_CREAT, 0600);
  if (g >= 0) close(g);
  struct uffdio_register reg = {.range = {(uintptr_t)m, len}, .mode = UFFDIO_REGISTER_MODE_MISSING};
  rc = ioctl(fd, UFFDIO_REGISTER, &reg) < 0 ? -errno : 0;
  return NULL;
}

int main(void) {
  const char *g = getenv("LEAKGRAPH_TEST_CONC_GATE");
  snprintf(gate, sizeof gate, "%s", g ? g : "gate");
  m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  memset(m, 1, len);
  build_list();
  pthread_t t;
  int active = leakgraph_active();
  if (active) pthread_create(&t, NULL, registrar, NULL);
  long lost = leakgraph_scan();
  if (active) pthread_join(t, NULL);
  else rc = 0;
  leak_one();
  clobber_stack();
  printf("register=%d lost=%ld\n", rc, active ? lost : 0);
  return 0;
}
