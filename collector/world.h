/* collector/world.h — stopping and restarting the program's other threads
 * with a signal (never ptrace, which fails in containers and under
 * debuggers), the way bdwgc's pthread_stop_world does.
 *
 * The scanner lists /proc/self/task, sends each thread the stop signal with
 * tgkill, and waits. Each thread's handler saves errno, copies the
 * interrupted registers, stack pointer and thread pointer into its slot,
 * acknowledges, and waits on a futex until the world restarts; then it
 * acknowledges again and restores errno. The listing is repeated until it
 * finds no thread it has not stopped (a stopped thread cannot create one).
 * A thread that does not answer in time (it blocks the signal, or is dying)
 * is left running and marked; the scan then treats it conservatively.
 *
 * Kernel threads of the process — io_uring's workers (iou-wrk-*, and its
 * submission poller), PF_IO_WORKER in /proc/self/task/TID/stat — run no
 * user code and ignore signals: they are neither signalled nor waited for
 * (LG_TS_KERNEL), and the scan does not read them. A thread once seen to
 * be a user thread is not asked again while it stays in the listing; one
 * seen to be an io_uring worker is asked at every scan, since a user
 * thread that reused its id would otherwise go unscanned.
 *
 * A stop interrupts a blocking system call. Calls the kernel restarts
 * (SA_RESTART: read, write, accept, futex waits...) are not disturbed.
 * Sleeps and waits with a timeout (nanosleep, poll, select, epoll_wait...)
 * would return EINTR: the handler sets lg_stop_interrupted, and the shim's
 * wrappers of those calls (preload/waits.c) resume them for the time left.
 *
 * The handler does nothing but atomics and raw system calls: it is safe
 * whatever the interrupted thread was doing, inside malloc included. The
 * caller of lg_world_stop must hold every shim lock (the stopped threads
 * may then be waiting on them, never holding them). */
#ifndef LG_WORLD_H
#define LG_WORLD_H

#include <stdint.h>
#include <sys/types.h>

#define LG_MAX_THREADS 8192
#define LG_NREGS 23

enum { LG_TS_SIGNALED = 1, LG_TS_STOPPED, LG_TS_RESUMED, LG_TS_GONE, LG_TS_NO_ANSWER, LG_TS_KERNEL };

typedef struct lg_thread {
  pid_t tid;
  int state;
  uintptr_t sp, tp;     /* for LG_TS_NO_ANSWER: sp from /proc when blocked, else 0 */
  uintptr_t regs[LG_NREGS];
} lg_thread_t;

typedef struct lg_world {
  lg_thread_t *threads;
  uint32_t n;
  uint32_t no_answer; /* threads that did not stop in time */
  uint32_t kernel;    /* io_uring workers left alone (LG_TS_KERNEL) */
  int first_kernel;   /* this is the process's first stop that met one */
} lg_world_t;

/* Set by the stop handler in the thread it stopped (see above). */
extern __thread int lg_stop_interrupted __attribute__((tls_model("initial-exec")));

/* lg_world_install sets the stop signal's handler; 0 or -1. */
int lg_world_install(void);
/* lg_world_signal is the signal used to stop threads. */
int lg_world_signal(void);
/* lg_world_handler_ours tells whether the stop signal's installed handler
 * is the shim's (a program may have replaced it): one system call. */
int lg_world_handler_ours(void);
/* lg_world_stop stops every thread but the caller and `skip` (the shim's
 * scanner thread, or 0); w->threads describes them. A thread that blocks
 * the stop signal is given up on at once (its SigBlk mask says so), any
 * other after timeout_ns. lg_world_start lets them run again. */
void lg_world_stop(lg_world_t *w, uint64_t timeout_ns, pid_t skip);
void lg_world_start(lg_world_t *w);
/* lg_world_sp_hint tells a reader that does not stop thread tid (whose
 * thread pointer is tp) where its live stack likely begins: the stack
 * pointer the kernel shows while the thread is blocked (*blocked 1: exact
 * at the moment of the read), else the one it had at the last stop, else
 * the one its last allocation's capture saw (lg_world_recent_sp_from;
 * *blocked 0 for both), else 0 (unknown). The thread runs on: the hint
 * bounds nothing, it only tells which part of the stack was live lately.
 * Not with the world stopped by the caller (the last stop's slots are
 * being reused then). A reader of another thread's memory: call it under
 * a fault guard (concmark.h). */
uintptr_t lg_world_sp_hint(pid_t tid, uintptr_t tp, int *blocked);
/* lg_world_recent_sp_from gives lg_world_sp_hint its last resort: fn(tp)
 * returns where the thread with thread pointer tp stood at its last
 * capture, or 0 (the unwinder keeps it: preload registers it at start,
 * since the collector may not call into preload). */
void lg_world_recent_sp_from(uintptr_t (*fn)(uintptr_t tp));

#endif
