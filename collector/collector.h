/* collector/collector.h — everything the preload layer may call: the
 * collector's life cycle, the allocation events, the scan, annotations, and
 * fork/exit handling. The preload layer owns the hooks, the real functions
 * and stack capture; the collector owns all state.
 *
 * States of the shim:
 *   OFF      not initialised yet, disabled by the environment (set-user-ID,
 *            __lsan_is_turned_off) or failed: every call passes through.
 *   TRACING  allocations are recorded, scans run, the log is open.
 * A failure of the shim's own memory or log moves it to OFF after one
 * message; the program never notices.
 *
 * The refcount events and the families' state (refcount.h) are the
 * preload layer's too: the hook families call them directly.
 *
 * Lock order (a thread holding a lock may only take locks further down):
 *   modules -> (the dynamic loader's lock) -> stacks -> rc types
 *     -> rc shards (one at a time) -> arena -> log
 *   block shards are leaves, taken alone.
 * A scan and fork's prepare handler take all of them in this order. */
#ifndef LG_COLLECTOR_H
#define LG_COLLECTOR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "options.h"

/* What a thread scanning itself gives the scan: where its live stack
 * starts, and its registers — the callee-saved ones at the API boundary
 * (LG_CAPTURE_SELF), or every general register of the interrupted context
 * when the scan runs from a signal handler. Unused slots are zero. */
#define LG_SELF_NREGS 23
typedef struct lg_self {
  uintptr_t sp;      /* 0: no stack */
  uintptr_t regs[LG_SELF_NREGS];
  int foreign;       /* the shim's own scanner thread: nothing of it is a root */
} lg_self_t;

/* The real malloc_usable_size, set by the preload layer before init; the
 * scan asks it for the size of blocks of 4 GiB and more. */
extern size_t (*lg_real_usable_size)(void *);

/* lg_collector_init starts tracing with `opt` (its text is logged in the
 * HEADER). Safe from inside the first allocation of the process: it
 * starts no thread. Returns 0, or -1 (tracing stays OFF). */
int lg_collector_init(const lg_options_t *opt);
/* lg_collector_start starts the triggers of scans while the program runs
 * (the scanner thread for `interval` and `scan_signal`); called once the C
 * library is initialised (the shim's constructor). */
void lg_collector_start(void);
int lg_collector_tracing(void);
const lg_options_t *lg_collector_options(void);

/* Allocation events. lg_collector_alloc records a new block with the stack
 * frames[0..n); flags are LG_BLK_* (IGNORED for __lsan_disable).
 * lg_collector_alloc_id records a block with a stack id interned already
 * (lg_collector_intern_stack): for a caller that knows the id. */
void lg_collector_alloc(void *p, size_t size, const uintptr_t *frames, uint32_t n, unsigned flags);
void lg_collector_alloc_id(void *p, size_t size, uint32_t stack, unsigned flags);
/* lg_collector_replace records block p anew where it is (realloc in
 * place): size, stack and flags as given, whichever thread recorded it;
 * the refcounted objects inside it stay. */
void lg_collector_replace(void *p, size_t size, uint32_t stack, unsigned flags);
/* lg_collector_free forgets p before the real free runs (and the
 * refcounted objects inside it, if any). */
void lg_collector_free(void *p);
/* lg_collector_intern_stack interns the stack frames[0..n) of an
 * allocation or a refcount event (the module map refreshed first when the
 * stack is new); its id, or 0 when not tracing or out of memory. */
uint32_t lg_collector_intern_stack(const uintptr_t *frames, uint32_t n);
/* realloc: _realloc_begin reads the old block's entry before the real
 * realloc; _realloc_end moves it to the new address afterwards. */
typedef struct lg_realloc_state { uintptr_t old; uint32_t size, stack; int known; } lg_realloc_state_t;
void lg_collector_realloc_begin(void *old, lg_realloc_state_t *st);
void lg_collector_realloc_end(lg_realloc_state_t *st, void *p, size_t size, uint32_t stack, unsigned flags);
/* lg_collector_thread_end: the calling thread is ending (its last
 * thread-specific destructors run). */
void lg_collector_thread_end(void);

/* lg_collector_scan runs a scan of `kind` (enum lg_scan_kind) from the
 * calling thread; returns the bytes found lost, or -1. */
long lg_collector_scan(int kind, const lg_self_t *self);

/* Annotations. */
void lg_collector_ignore(const void *p);
void lg_collector_add_root(const void *p, size_t n);
void lg_collector_remove_root(const void *p, size_t n);
void lg_collector_suppressions_text(const char *text);

/* lg_collector_note writes a NOTE record (enum lg_note_code) with `text`
 * to the log; the caller holds no shim lock. */
void lg_collector_note(uint32_t code, const char *text);

/* lg_collector_stopped calls fn(ips, n, arg) with every shim lock held and
 * every other thread of the program stopped (as a scan does, and never
 * during one); ips[0..n) are the stopped threads' instruction pointers.
 * For code that rewrites code another thread could be running (entry
 * patching): fn must not take a shim lock, allocate from the arena or
 * log. Returns fn's result, or -1 without calling it when a thread did
 * not stop (its instruction pointer is unknown) or tracing is off. */
int lg_collector_stopped(int (*fn)(const uintptr_t *ips, size_t n, void *arg), void *arg);

/* lg_collector_foreign_uffd ends written-page tracking for good (the
 * program is about to register memory with a userfaultfd of its own,
 * which the shim's registrations would refuse); the caller holds no shim
 * lock. */
void lg_collector_foreign_uffd(void);

/* Modules may have changed (dlopen/dlclose returned). */
void lg_collector_modules_changed(void);

/* Fork: prepare takes every lock; parent releases them; child releases them
 * and opens its own log (or stops tracing when follow_children=no). */
void lg_collector_fork_prepare(void);
void lg_collector_fork_parent(void);
void lg_collector_fork_child(void);

/* The scan signal (the scan_signal option): lg_collector_scan_signal
 * returns it while scans are taken on it (else 0) and, in *was, the action
 * it had before the shim took it — what the program must see.
 * lg_collector_scan_signal_lost records that the program installed its own
 * action: signal scans stop, said once on stderr and, when `can_log` (the
 * caller holds no shim lock), in the log. */
struct sigaction;
int lg_collector_scan_signal(struct sigaction *was);
void lg_collector_scan_signal_lost(int can_log);
/* lg_collector_stop_triggers ends the periodic and signalled scans (the
 * final check has run). */
void lg_collector_stop_triggers(void);
/* lg_collector_end writes the END record (enum lg_end_how) and flushes. */
void lg_collector_end(int how, int status);
/* Totals of the last scan, for the exit summary and exitcode. */
typedef struct lg_totals { uint64_t bytes[5], blocks[5]; uint32_t clusters, cyclic; } lg_totals_t;
void lg_collector_last_totals(lg_totals_t *t);
const char *lg_collector_log_path(void);
/* The process the collector traces: a vfork child or a scan's snapshot
 * child shares its memory but is another process. */
pid_t lg_traced_pid(void);

#endif
