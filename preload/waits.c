/* preload/waits.c — sleeps and waits that a scan's stop signal must not cut
 * short. The kernel restarts most interrupted calls (SA_RESTART), but never
 * these: nanosleep, clock_nanosleep, usleep, sleep, poll, ppoll, select,
 * pselect, epoll_wait, epoll_pwait, pause, sigsuspend, sem_wait and
 * sem_timedwait return EINTR after any signal handler. Each wrapper here
 * calls the real function and, when it failed with EINTR because the
 * shim's stop handler ran in this thread (lg_stop_interrupted, world.h),
 * calls it again for the time left until the original deadline — so the
 * program sees the call complete as it would without the shim. An EINTR
 * caused by the program's own signals is returned as always. */
#include <errno.h>
#include <poll.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <time.h>
#include <unistd.h>

#include "guard.h"
#include "shim.h"
#include "world.h"

/* ---- deadlines ---------------------------------------------------------- */

static int64_t now_ns(clockid_t clk) {
  struct timespec t;
  clock_gettime(clk, &t);
  return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static int64_t ts_ns(const struct timespec *t) { return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec; }

static struct timespec ns_ts(int64_t ns) {
  if (ns < 0) ns = 0;
  return (struct timespec){(time_t)(ns / 1000000000), (long)(ns % 1000000000)};
}

/* Was this EINTR ours? Clears the flag either way. */
static int ours(int failed_eintr) {
  int o = failed_eintr && lg_stop_interrupted;
  lg_stop_interrupted = 0;
  return o;
}

/* Milliseconds left until deadline (for poll and epoll), rounded up. */
static int ms_left(int64_t deadline) {
  int64_t left = deadline - now_ns(CLOCK_MONOTONIC);
  return left <= 0 ? 0 : (int)((left + 999999) / 1000000);
}

/* ---- sleeps ---------------------------------------------------------------- */

LG_PUBLIC int clock_nanosleep(clockid_t clk, int flags, const struct timespec *req, struct timespec *rem) {
  REAL(int (*)(clockid_t, int, const struct timespec *, struct timespec *), "clock_nanosleep");
  if (!(flags & TIMER_ABSTIME)) {
    int64_t deadline = now_ns(clk) + ts_ns(req);
    struct timespec left = *req;
    int rc;
    lg_stop_interrupted = 0;
    while ((rc = real_(clk, flags, &left, rem)) == EINTR && ours(1))
      left = ns_ts(deadline - now_ns(clk));
    return rc;
  }
  int rc;
  lg_stop_interrupted = 0;
  while ((rc = real_(clk, flags, req, rem)) == EINTR && ours(1)) {}
  return rc;
}

LG_PUBLIC int nanosleep(const struct timespec *req, struct timespec *rem) {
  if (req->tv_nsec < 0 || req->tv_nsec >= 1000000000) { errno = EINVAL; return -1; }
  int rc = clock_nanosleep(CLOCK_MONOTONIC, 0, req, rem);
  if (rc) { errno = rc; return -1; }
  return 0;
}

LG_PUBLIC int usleep(useconds_t us) {
  struct timespec t = {(time_t)(us / 1000000), (long)(us % 1000000) * 1000};
  return nanosleep(&t, NULL);
}

LG_PUBLIC unsigned int sleep(unsigned int seconds) {
  struct timespec t = {(time_t)seconds, 0}, rem = {0, 0};
  if (nanosleep(&t, &rem) == 0) return 0;
  return (unsigned int)rem.tv_sec + (rem.tv_nsec >= 500000000);
}

/* ---- waits on descriptors ----------------------------------------------------- */

LG_PUBLIC int poll(struct pollfd *fds, nfds_t n, int timeout) {
  REAL(int (*)(struct pollfd *, nfds_t, int), "poll");
  int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout * 1000000;
  int rc, t = timeout;
  lg_stop_interrupted = 0;
  while ((rc = real_(fds, n, t)) < 0 && errno == EINTR && ours(1))
    if (timeout > 0) t = ms_left(deadline);
  return rc;
}

LG_PUBLIC int ppoll(struct pollfd *fds, nfds_t n, const struct timespec *tmo, const sigset_t *mask) {
  REAL(int (*)(struct pollfd *, nfds_t, const struct timespec *, const sigset_t *), "ppoll");
  int64_t deadline = tmo ? now_ns(CLOCK_MONOTONIC) + ts_ns(tmo) : 0;
  struct timespec left = tmo ? *tmo : (struct timespec){0, 0};
  int rc;
  lg_stop_interrupted = 0;
  sigset_t copy;
  mask = lg_sigmask_strip(mask, &copy);
  while ((rc = real_(fds, n, tmo ? &left : NULL, mask)) < 0 && errno == EINTR && ours(1))
    if (tmo) left = ns_ts(deadline - now_ns(CLOCK_MONOTONIC));
  return rc;
}

LG_PUBLIC int select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *tv) {
  REAL(int (*)(int, fd_set *, fd_set *, fd_set *, struct timeval *), "select");
  int64_t deadline = tv ? now_ns(CLOCK_MONOTONIC) + (int64_t)tv->tv_sec * 1000000000 + tv->tv_usec * 1000 : 0;
  int rc;
  lg_stop_interrupted = 0;
  /* On EINTR the kernel leaves the descriptor sets unchanged. */
  while ((rc = real_(n, r, w, e, tv)) < 0 && errno == EINTR && ours(1))
    if (tv) {
      struct timespec left = ns_ts(deadline - now_ns(CLOCK_MONOTONIC));
      tv->tv_sec = left.tv_sec;
      tv->tv_usec = left.tv_nsec / 1000;
    }
  return rc;
}

LG_PUBLIC int pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *tmo, const sigset_t *mask) {
  REAL(int (*)(int, fd_set *, fd_set *, fd_set *, const struct timespec *, const sigset_t *), "pselect");
  int64_t deadline = tmo ? now_ns(CLOCK_MONOTONIC) + ts_ns(tmo) : 0;
  struct timespec left = tmo ? *tmo : (struct timespec){0, 0};
  int rc;
  lg_stop_interrupted = 0;
  sigset_t copy;
  mask = lg_sigmask_strip(mask, &copy);
  while ((rc = real_(n, r, w, e, tmo ? &left : NULL, mask)) < 0 && errno == EINTR && ours(1))
    if (tmo) left = ns_ts(deadline - now_ns(CLOCK_MONOTONIC));
  return rc;
}

LG_PUBLIC int epoll_wait(int ep, struct epoll_event *ev, int max, int timeout) {
  REAL(int (*)(int, struct epoll_event *, int, int), "epoll_wait");
  int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout * 1000000;
  int rc, t = timeout;
  lg_stop_interrupted = 0;
  while ((rc = real_(ep, ev, max, t)) < 0 && errno == EINTR && ours(1))
    if (timeout > 0) t = ms_left(deadline);
  return rc;
}

LG_PUBLIC int epoll_pwait(int ep, struct epoll_event *ev, int max, int timeout, const sigset_t *mask) {
  REAL(int (*)(int, struct epoll_event *, int, int, const sigset_t *), "epoll_pwait");
  int64_t deadline = now_ns(CLOCK_MONOTONIC) + (int64_t)timeout * 1000000;
  int rc, t = timeout;
  lg_stop_interrupted = 0;
  sigset_t copy;
  mask = lg_sigmask_strip(mask, &copy);
  while ((rc = real_(ep, ev, max, t, mask)) < 0 && errno == EINTR && ours(1))
    if (timeout > 0) t = ms_left(deadline);
  return rc;
}

/* ---- waits for signals and semaphores --------------------------------------------- */

LG_PUBLIC int pause(void) {
  REAL(int (*)(void), "pause");
  int rc;
  lg_stop_interrupted = 0;
  while ((rc = real_()) < 0 && errno == EINTR && ours(1)) {}
  return rc;
}

LG_PUBLIC int sigsuspend(const sigset_t *mask) {
  REAL(int (*)(const sigset_t *), "sigsuspend");
  int rc;
  lg_stop_interrupted = 0;
  sigset_t copy;
  mask = lg_sigmask_strip(mask, &copy);
  while ((rc = real_(mask)) < 0 && errno == EINTR && ours(1)) {}
  return rc;
}

LG_PUBLIC int sem_wait(sem_t *s) {
  REAL(int (*)(sem_t *), "sem_wait");
  int rc;
  lg_stop_interrupted = 0;
  while ((rc = real_(s)) < 0 && errno == EINTR && ours(1)) {}
  return rc;
}

LG_PUBLIC int sem_timedwait(sem_t *s, const struct timespec *abs) {
  REAL(int (*)(sem_t *, const struct timespec *), "sem_timedwait");
  int rc;
  lg_stop_interrupted = 0;
  while ((rc = real_(s, abs)) < 0 && errno == EINTR && ours(1)) {}
  return rc;
}
