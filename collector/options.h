/* collector/options.h — the shim's options: one table, one parser for the
 * `LEAKGRAPH_OPTIONS` string (key=value pairs separated by ':'), the
 * sanitizers' convention. A bad key or value is reported once, with the
 * accepted values, and the default is kept: the shim never stops or changes
 * the program because of its own configuration. Pure: no allocation, the
 * warnings go through a callback. */
#ifndef LG_OPTIONS_H
#define LG_OPTIONS_H

#include <stddef.h>

#define LG_PATH_MAX 4096

typedef struct lg_options {
  char log[LG_PATH_MAX];          /* log path pattern */
  double interval;                /* seconds between periodic scans; 0 off */
  int scan_signal;                /* signal number that triggers a scan; 0 off */
  int depth;                      /* frames kept per stack */
  int min_age;                    /* scans a block must stay lost */
  int full_every;                 /* every Nth periodic scan is full, the others young (default 10); 1: all full */
  int born_lists;                 /* keep the born lists for young scans' snapshots (born.h); default no */
  int scan_blocks;                /* a periodic scan after this many allocations; 0 off */
  double scan_bytes;              /* ... or after this many bytes allocated; 0 off */
  char suppressions[LG_PATH_MAX]; /* suppression file or "" */
  int follow_children;            /* 1: trace forked and exec'd children */
  unsigned refcount;              /* LG_RC_BIT of each refcount family enabled */
  int exitcode;                   /* exit status when leaks are found; 0 off */
  int quiet;                      /* no summary on stderr at exit */
  int concurrent;                 /* 1: API scans mark with the world running (concmark.h) */
  unsigned heuristics;            /* LG_HEUR_BIT of each enabled heuristic */
  char manifest[LG_PATH_MAX];     /* internal: the wrapper's list of logs */
  const char *text;               /* the string parsed, as given (not copied), or NULL */
} lg_options_t;

/* The bit of heuristic h (enum lg_heuristic, format.h) in `heuristics`;
 * valgrind's default, and ours, is all of them. */
#define LG_HEUR_BIT(h) (1u << (h))
#define LG_HEUR_ALL (LG_HEUR_BIT(1) | LG_HEUR_BIT(2) | LG_HEUR_BIT(3) | LG_HEUR_BIT(4))
/* The bit of refcount family f (enum lg_rc_family, format.h) in
 * `refcount`; the default is all of them (each is used only when the
 * process loads its library). */
#define LG_RC_BIT(f) (1u << (f))
#define LG_RC_ALL (LG_RC_BIT(1) | LG_RC_BIT(2) | LG_RC_BIT(3) | LG_RC_BIT(4) | LG_RC_BIT(5))

typedef void (*lg_options_warn_fn)(const char *msg);

/* lg_options_defaults fills `o` with the documented defaults. */
void lg_options_defaults(lg_options_t *o);
/* lg_options_parse applies `s` over `o` and remembers `s` in o->text; it
 * returns the number of bad entries, each reported once through `warn`.
 * The stop signal of the shim (`reserved_signal`) is refused for
 * scan_signal, as are signals programs rely on for faults and children and
 * those that mean something to daemons and shells (TERM, INT, QUIT, HUP,
 * PIPE, ALRM). */
int lg_options_parse(lg_options_t *o, const char *s, int reserved_signal,
                     lg_options_warn_fn warn);
/* lg_signal_parse turns "USR2", "SIGUSR2", "12" or "RTMIN+3" into a number,
 * or returns 0. */
int lg_signal_parse(const char *s);

#endif
