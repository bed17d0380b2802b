/* collector/world.c — stop-the-world with signals (see world.h). Each race is
 * described where it is handled. */
#include "world.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <time.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

#include "born.h"
#include "sys.h"

static lg_thread_t slots[LG_MAX_THREADS];
/* Threads that did not answer last time: asked about the signal mask
 * before being signalled again, so a thread that blocks the signal does not
 * pile up queued real-time signals, one per scan. */
#define MAX_SILENT 64
static pid_t silent[MAX_SILENT];
static uint32_t nsilent;
/* Threads of the last listing known to be user threads (by tid, sorted):
 * their /proc/self/task/TID/stat is not read again. */
static pid_t users[LG_MAX_THREADS];
static uint32_t nusers;
static int met_kernel; /* an io_uring worker was seen once */
static lg_world_t *volatile current;  /* the world being stopped, or NULL */
static uint32_t run_epoch;            /* bumped to let stopped threads go */
static uint32_t last_n;               /* slots[0..last_n) describe the last stop */

int lg_world_signal(void) { return SIGRTMAX - 2; }

static long futex(uint32_t *addr, int op, uint32_t val) {
  return syscall(SYS_futex, addr, op, val, NULL, NULL, 0);
}

/* Set in a thread whose blocking call the stop signal interrupted: the
 * shim's wrappers of the sleeping and waiting calls (preload/waits.c) then
 * resume the call for the time left instead of returning EINTR. */
__thread int lg_stop_interrupted __attribute__((tls_model("initial-exec")));

/* The stop signal's handler: runs in the stopped thread. */
static void on_stop(int sig, siginfo_t *si, void *ucv) {
  (void)sig;
  int saved = errno;
  lg_world_t *w = __atomic_load_n(&current, __ATOMIC_ACQUIRE);
  /* Only our own tgkill counts; a stray signal of the same number from
   * outside is ignored. */
  if (!w || si->si_code != SI_TKILL || si->si_pid != getpid()) { errno = saved; return; }
  /* Inside a change of its own block table: stops at the change's end. */
  if (lg_born_defer_stop()) { errno = saved; return; }
  pid_t me = lg_gettid();
  lg_thread_t *t = NULL;
  for (uint32_t i = 0; i < w->n; i++)
    if (w->threads[i].tid == me) { t = &w->threads[i]; break; }
  int expect = LG_TS_SIGNALED;
  /* The scanner may already have given up on us (LG_TS_NO_ANSWER): then the
   * CAS fails and we return at once. */
  uint32_t epoch = __atomic_load_n(&run_epoch, __ATOMIC_ACQUIRE);
  /* Late (the scanner gave up on us): leave the slot alone. */
  if (!t || __atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != LG_TS_SIGNALED) { errno = saved; return; }
  ucontext_t *uc = ucv;
  for (int i = 0; i < LG_NREGS && i < NGREG; i++) t->regs[i] = (uintptr_t)uc->uc_mcontext.gregs[i];
  t->sp = (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
  t->tp = (uintptr_t)__builtin_thread_pointer();
  if (!__atomic_compare_exchange_n(&t->state, &expect, LG_TS_STOPPED, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    errno = saved;
    return;
  }
  lg_stop_interrupted = 1;
  while (__atomic_load_n(&run_epoch, __ATOMIC_ACQUIRE) == epoch)
    futex(&run_epoch, FUTEX_WAIT_PRIVATE, epoch);
  __atomic_store_n(&t->state, LG_TS_RESUMED, __ATOMIC_RELEASE);
  errno = saved;
}

int lg_world_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_stop;
  sa.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&sa.sa_mask);
  /* Faults cannot be deferred meaningfully; everything else waits until the
   * thread runs again, so the program's own handlers never see a stopped
   * world. */
  sigdelset(&sa.sa_mask, SIGSEGV);
  sigdelset(&sa.sa_mask, SIGBUS);
  sigdelset(&sa.sa_mask, SIGFPE);
  sigdelset(&sa.sa_mask, SIGILL);
  return lg_sys_sigaction(lg_world_signal(), &sa, NULL);
}

/* Is our handler still the one installed? A program may have replaced it. */
static int handler_installed(void) {
  struct sigaction old;
  if (lg_sys_sigaction(lg_world_signal(), NULL, &old) < 0) return 0;
  return (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == on_stop;
}

int lg_world_handler_ours(void) { return handler_installed(); }

/* Tells whether bit `sig` is set in the hex mask after `key` in text. */
static int mask_has(const char *text, const char *key, int sig) {
  const char *p = strstr(text, key);
  if (!p) return 0;
  p += strlen(key);
  while (*p == ' ' || *p == '\t') p++;
  const char *e = p;
  while ((*e >= '0' && *e <= '9') || (*e >= 'a' && *e <= 'f')) e++;
  int bit = sig - 1, digit = bit / 4; /* counted from the right */
  if (e - p <= digit) return 0;
  char c = e[-1 - digit];
  int v = c <= '9' ? c - '0' : c - 'a' + 10;
  return (v >> (bit % 4)) & 1;
}

/* Tells whether thread tid blocks the stop signal while it is still
 * pending for it (SigBlk and SigPnd of /proc/self/task/TID/status). A
 * thread inside the stop handler has the signal blocked too, but no longer
 * pending: it is about to answer. */
static int blocks_stop_signal(pid_t tid) {
  char path[64], buf[2048];
  lg_fmt(path, sizeof path, "/proc/self/task/%d/status", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  return mask_has(buf, "SigBlk:", lg_world_signal()) && mask_has(buf, "SigPnd:", lg_world_signal());
}

/* Reads /proc/self/task/TID/syscall: "nr a1..a6 sp pc" while the thread
 * is blocked in a system call, "-1 sp pc" while it is blocked elsewhere (a
 * page fault), "running" while it runs. Returns the number (-1 when not in
 * a call) and fills args[0..3] and *sp (0 when the kernel shows none). */
static long read_syscall(pid_t tid, uintptr_t args[4], uintptr_t *sp) {
  char path[64], buf[256];
  *sp = 0;
  lg_fmt(path, sizeof path, "/proc/self/task/%d/syscall", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return -1;
  buf[n] = 0;
  const char *p = buf;
  if (p[0] == '-' && p[1] == '1') { /* blocked outside a system call */
    p += 2;
    while (*p == ' ') p++;
    *sp = lg_parse_hex(&p);
    return -1;
  }
  if (buf[0] < '0' || buf[0] > '9') return -1;
  long nr = 0;
  while (*p >= '0' && *p <= '9') nr = nr * 10 + (*p++ - '0');
  uintptr_t v[8];
  for (int i = 0; i < 8; i++) {
    while (*p == ' ') p++;
    if (!*p) return -1;
    v[i] = lg_parse_hex(&p);
  }
  for (int i = 0; i < 4; i++) args[i] = v[i];
  *sp = v[6];
  return nr;
}

/* Tells whether thread tid is a kernel thread of the process (io_uring's
 * workers): PF_IO_WORKER (0x10) in the flags, the 9th field of
 * /proc/self/task/TID/stat ("tid (comm) state ppid pgrp session tty tpgid
 * flags ..."; comm may hold blanks and parentheses). */
static int is_io_worker(pid_t tid) {
  char path[64], buf[512];
  lg_fmt(path, sizeof path, "/proc/self/task/%d/stat", (int)tid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  const char *p = strrchr(buf, ')');
  if (!p) return 0;
  for (int field = 3; field < 9; field++) { /* to the flags */
    while (*++p == ' ') {}
    while (*p && *p != ' ') p++;
    if (!*p) return 0;
  }
  unsigned long flags = 0;
  for (p++; *p >= '0' && *p <= '9'; p++) flags = flags * 10 + (unsigned long)(*p - '0');
  return (flags & 0x10) != 0;
}

/* Was tid a user thread in the last listing? */
static int known_user(pid_t tid) {
  uint32_t lo = 0, hi = nusers;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (users[mid] < tid) lo = mid + 1; else hi = mid;
  }
  return lo < nusers && users[lo] == tid;
}

/* Remembers the user threads of this listing, sorted (the listing is
 * nearly in tid order already: insertion sort). */
static void remember_users(const lg_world_t *w) {
  nusers = 0;
  for (uint32_t i = 0; i < w->n; i++) {
    if (w->threads[i].state == LG_TS_KERNEL || w->threads[i].state == LG_TS_GONE) continue;
    pid_t tid = w->threads[i].tid;
    uint32_t k = nusers++;
    for (; k > 0 && users[k - 1] > tid; k--) users[k] = users[k - 1];
    users[k] = tid;
  }
}

struct linux_dirent64 {
  uint64_t d_ino;
  int64_t d_off;
  unsigned short d_reclen;
  unsigned char d_type;
  char d_name[];
};

/* Signals every thread of /proc/self/task not yet in w; returns how many
 * new ones it found. */
static uint32_t signal_new(lg_world_t *w, pid_t self, pid_t skip, int usable) {
  int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return 0;
  uint32_t found = 0;
  char buf[4096];
  for (;;) {
    long n = syscall(SYS_getdents64, fd, buf, sizeof buf);
    if (n <= 0) break;
    for (long off = 0; off < n;) {
      struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
      off += d->d_reclen;
      pid_t tid = 0;
      for (const char *c = d->d_name; *c >= '0' && *c <= '9'; c++) tid = tid * 10 + (*c - '0');
      if (tid <= 0 || tid == self || tid == skip) continue;
      uint32_t i;
      for (i = 0; i < w->n && w->threads[i].tid != tid; i++) {}
      if (i < w->n || w->n >= LG_MAX_THREADS) continue;
      lg_thread_t *t = &w->threads[w->n];
      memset(t, 0, sizeof *t);
      t->tid = tid;
      int kernel = !known_user(tid) && is_io_worker(tid);
      t->state = kernel ? LG_TS_KERNEL : usable ? LG_TS_SIGNALED : LG_TS_NO_ANSWER;
      __atomic_store_n(&w->n, w->n + 1, __ATOMIC_RELEASE); /* published complete */
      found++;
      if (kernel) { w->kernel++; continue; } /* never signalled */
      int was_silent = 0;
      for (uint32_t k = 0; k < nsilent; k++) was_silent |= silent[k] == tid;
      if (usable && was_silent && blocks_stop_signal(tid)) {
        t->state = LG_TS_NO_ANSWER;
        w->no_answer++;
      } else if (usable && syscall(SYS_tgkill, getpid(), tid, lg_world_signal()) < 0) {
        t->state = LG_TS_GONE; /* exited since the listing */
      }
    }
  }
  close(fd);
  return found;
}

/* Gives up on thread t (it will not answer): it runs on during the scan. */
static void give_up(lg_world_t *w, lg_thread_t *t) {
  int expect = LG_TS_SIGNALED;
  if (__atomic_compare_exchange_n(&t->state, &expect, LG_TS_NO_ANSWER, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
    w->no_answer++;
}

/* Waits until every signaled thread has stopped, has exited, or the
 * deadline passes (then it is marked LG_TS_NO_ANSWER). After 10 ms the
 * threads still silent are asked whether they block the signal. */
static void wait_stopped(lg_world_t *w, uint64_t deadline) {
  uint64_t check_blocked = lg_now_ns() + 10000000ull;
  for (unsigned spin = 0;; spin++) {
    int waiting = 0;
    for (uint32_t i = 0; i < w->n; i++) {
      lg_thread_t *t = &w->threads[i];
      if (__atomic_load_n(&t->state, __ATOMIC_ACQUIRE) != LG_TS_SIGNALED) continue;
      /* A thread that exits with the signal pending never answers. */
      if (syscall(SYS_tgkill, getpid(), t->tid, 0) < 0 && errno == ESRCH) {
        int expect = LG_TS_SIGNALED;
        __atomic_compare_exchange_n(&t->state, &expect, LG_TS_GONE, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
        continue;
      }
      waiting = 1;
    }
    if (!waiting) return;
    if (check_blocked && lg_now_ns() > check_blocked) {
      check_blocked = 0;
      for (uint32_t i = 0; i < w->n; i++)
        if (__atomic_load_n(&w->threads[i].state, __ATOMIC_ACQUIRE) == LG_TS_SIGNALED &&
            blocks_stop_signal(w->threads[i].tid))
          give_up(w, &w->threads[i]);
      continue;
    }
    if (lg_now_ns() > deadline) break;
    if (spin < 100) sched_yield();
    else { struct timespec ts = {0, 100000}; nanosleep(&ts, NULL); }
  }
  for (uint32_t i = 0; i < w->n; i++) give_up(w, &w->threads[i]);
}

void lg_world_stop(lg_world_t *w, uint64_t timeout_ns, pid_t skip) {
  memset(w, 0, sizeof *w);
  w->threads = slots;
  int usable = handler_installed();
  __atomic_store_n(&current, w, __ATOMIC_RELEASE);
  pid_t self = lg_gettid();
  uint64_t deadline = lg_now_ns() + timeout_ns;
  for (int round = 0; round < 64; round++) {
    if (!signal_new(w, self, skip, usable)) break;
    wait_stopped(w, deadline);
  }
  if (!usable) w->no_answer = w->n - w->kernel;
  /* A thread that did not stop: its stack pointer while it is blocked,
   * read now, while this process is still the one to ask. */
  for (uint32_t i = 0; i < w->n; i++) {
    lg_thread_t *t = &w->threads[i];
    uintptr_t args[4];
    if (t->state == LG_TS_NO_ANSWER) read_syscall(t->tid, args, &t->sp);
  }
  remember_users(w);
  last_n = w->n;
  w->first_kernel = w->kernel && !met_kernel;
  met_kernel |= w->kernel != 0;
  nsilent = 0;
  for (uint32_t i = 0; i < w->n && nsilent < MAX_SILENT; i++)
    if (w->threads[i].state == LG_TS_NO_ANSWER) silent[nsilent++] = w->threads[i].tid;
}

void lg_world_start(lg_world_t *w) {
  __atomic_add_fetch(&run_epoch, 1, __ATOMIC_ACQ_REL);
  futex(&run_epoch, FUTEX_WAKE_PRIVATE, 0x7fffffff);
  /* Wait for the stopped threads to leave the handler before the slots can
   * be reused by the next scan. */
  uint64_t deadline = lg_now_ns() + 2000000000ull;
  for (uint32_t i = 0; i < w->n; i++)
    while (__atomic_load_n(&w->threads[i].state, __ATOMIC_ACQUIRE) == LG_TS_STOPPED && lg_now_ns() < deadline)
      sched_yield();
  __atomic_store_n(&current, NULL, __ATOMIC_RELEASE);
}

/* The stack pointer thread tid had at the last stop, or 0 when that stop
 * did not see it stopped. */
static uintptr_t last_stop_sp(pid_t tid) {
  for (uint32_t i = 0; i < last_n; i++)
    if (slots[i].tid == tid && (slots[i].state == LG_TS_RESUMED || slots[i].state == LG_TS_STOPPED)) return slots[i].sp;
  return 0;
}

static uintptr_t (*recent_sp)(uintptr_t tp);

void lg_world_recent_sp_from(uintptr_t (*fn)(uintptr_t tp)) { recent_sp = fn; }

uintptr_t lg_world_sp_hint(pid_t tid, uintptr_t tp, int *blocked) {
  uintptr_t args[4], sp = 0;
  read_syscall(tid, args, &sp);
  *blocked = sp != 0;
  if (!sp) sp = last_stop_sp(tid);
  if (!sp && recent_sp && tp) sp = recent_sp(tp);
  return sp;
}
