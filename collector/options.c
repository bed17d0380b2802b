/* collector/options.c — the option table and the LEAKGRAPH_OPTIONS parser
 * (see options.h). Every option is one line of the table: name, kind,
 * bounds, where it lives, and the text shown when a value is refused. */
#include "options.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "sys.h"

enum kind { K_STR, K_INT, K_DOUBLE, K_BOOL, K_SIGNAL, K_HEURISTICS, K_FAMILIES, K_CONC };

typedef struct opt {
  const char *name;
  enum kind kind;
  size_t offset;
  size_t size; /* K_STR: buffer size */
  double min, max;
  const char *accepted;
} opt_t;

#define OFF(f) offsetof(lg_options_t, f), sizeof(((lg_options_t *)0)->f)
static const opt_t table[] = {
    {"log", K_STR, OFF(log), 0, 0, "a file path; %p pid, %e executable name, %t start time"},
    {"interval", K_DOUBLE, OFF(interval), 0, 86400, "seconds between scans, 0 to 86400 (fractions allowed; 0 = off)"},
    {"scan_signal", K_SIGNAL, OFF(scan_signal), 0, 0, "a signal name or number such as USR2, SIGUSR1, RTMIN+3 or 'off' (not SEGV, BUS, FPE, ILL, ABRT, TRAP, SYS, KILL, STOP, CHLD, TERM, INT, QUIT, HUP, PIPE, ALRM)"},
    {"depth", K_INT, OFF(depth), 1, 256, "frames per stack, an integer from 1 to 256"},
    {"min_age", K_INT, OFF(min_age), 0, 1000, "scans, an integer from 0 to 1000"},
    {"full_every", K_INT, OFF(full_every), 1, 1000, "periodic scans, an integer from 1 (every scan full) to 1000"},
    {"born_lists", K_BOOL, OFF(born_lists), 0, 1, "yes or no"},
    {"scan_blocks", K_INT, OFF(scan_blocks), 0, 2147483647, "allocations, an integer from 0 (off) to 2147483647"},
    {"scan_bytes", K_DOUBLE, OFF(scan_bytes), 0, 1e15, "bytes allocated, a number from 0 (off) to 1e15"},
    {"suppressions", K_STR, OFF(suppressions), 0, 0, "a suppression file path"},
    {"follow_children", K_BOOL, OFF(follow_children), 0, 1, "yes or no"},
    {"refcount", K_FAMILIES, OFF(refcount), 0, 0, "a comma-separated list of api, gobject, gstreamer, openssl, python; or all, or none"},
    {"exitcode", K_INT, OFF(exitcode), 0, 255, "an exit status from 0 (off) to 255"},
    {"quiet", K_BOOL, OFF(quiet), 0, 1, "yes or no (1 or 0)"},
    {"concurrent", K_CONC, OFF(concurrent), 0, 0, "api (leakgraph_scan only), all (1, yes: periodic scans too) or no (0)"},
    {"heuristics", K_HEURISTICS, OFF(heuristics), 0, 0, "a comma-separated list of stdstring, length64, newarray, multipleinheritance; or all, or none"},
    {"manifest", K_STR, OFF(manifest), 0, 0, "a file path (internal, for the wrapper)"},
};
#define NOPTS (sizeof table / sizeof table[0])

void lg_options_defaults(lg_options_t *o) {
  memset(o, 0, sizeof *o);
  strcpy(o->log, "leakgraph.%e.%p.log");
  o->depth = 32;
  o->min_age = 2;
  o->full_every = 10;
  o->follow_children = 1;
  o->heuristics = LG_HEUR_ALL;
  o->refcount = LG_RC_ALL;
  o->concurrent = LG_CONC_API;
}

static const struct { const char *name; int num; } signames[] = {
    {"HUP", SIGHUP}, {"INT", SIGINT}, {"QUIT", SIGQUIT}, {"ILL", SIGILL},
    {"TRAP", SIGTRAP}, {"ABRT", SIGABRT}, {"BUS", SIGBUS}, {"FPE", SIGFPE},
    {"KILL", SIGKILL}, {"USR1", SIGUSR1}, {"SEGV", SIGSEGV}, {"USR2", SIGUSR2},
    {"PIPE", SIGPIPE}, {"ALRM", SIGALRM}, {"TERM", SIGTERM}, {"CHLD", SIGCHLD},
    {"CONT", SIGCONT}, {"STOP", SIGSTOP}, {"TSTP", SIGTSTP}, {"TTIN", SIGTTIN},
    {"TTOU", SIGTTOU}, {"URG", SIGURG}, {"XCPU", SIGXCPU}, {"XFSZ", SIGXFSZ},
    {"VTALRM", SIGVTALRM}, {"PROF", SIGPROF}, {"WINCH", SIGWINCH}, {"IO", SIGIO},
    {"PWR", SIGPWR}, {"SYS", SIGSYS},
};

/* Parses a decimal integer that fills the whole string; 0 or -1. */
static int parse_long(const char *s, long *out) {
  char *end;
  if (!*s) return -1;
  long v = strtol(s, &end, 10);
  if (*end) return -1;
  *out = v;
  return 0;
}

int lg_signal_parse(const char *s) {
  long n;
  if (parse_long(s, &n) == 0) return n > 0 && n < NSIG ? (int)n : 0;
  if (!strncmp(s, "SIG", 3)) s += 3;
  for (size_t i = 0; i < sizeof signames / sizeof signames[0]; i++)
    if (!strcmp(s, signames[i].name)) return signames[i].num;
  if (!strncmp(s, "RTMIN", 5) || !strncmp(s, "RTMAX", 5)) {
    long off = 0;
    if (s[5] && (parse_long(s + 5, &off) < 0)) return 0;
    long v = (s[4] == 'N' ? SIGRTMIN : SIGRTMAX) + off;
    return v >= SIGRTMIN && v <= SIGRTMAX ? (int)v : 0;
  }
  return 0;
}

/* Signals that programs and the C library rely on (faults, children), and
 * those that daemons and shells give a meaning (stop, reload, a closed
 * pipe, a timer): never taken for scans. */
static int forbidden_signal(int s, int reserved) {
  return s == SIGSEGV || s == SIGBUS || s == SIGFPE || s == SIGILL || s == SIGABRT ||
         s == SIGTRAP || s == SIGSYS || s == SIGKILL || s == SIGSTOP || s == SIGCHLD ||
         s == SIGTERM || s == SIGINT || s == SIGQUIT || s == SIGHUP || s == SIGPIPE ||
         s == SIGALRM || s == reserved || s < 1;
}

/* Returns the heuristic named by the `len` bytes at s, or 0. */
static uint32_t heuristic_named(const char *s, size_t len) {
  for (uint32_t h = 1; h <= LG_NHEURS; h++)
    if (strlen(lg_heuristic_name(h)) == len && !strncmp(s, lg_heuristic_name(h), len)) return h;
  return 0;
}

/* Parses valgrind's --leak-check-heuristics value: "all", "none", or a
 * comma-separated list of heuristic names. Returns the bits, or -1. */
static long parse_heuristics(const char *s) {
  if (!strcmp(s, "all")) return LG_HEUR_ALL;
  if (!strcmp(s, "none")) return 0;
  long bits = 0;
  for (;;) {
    size_t len = strcspn(s, ",");
    uint32_t h = heuristic_named(s, len);
    if (!h) return -1; /* an unknown name, or an empty one */
    bits |= LG_HEUR_BIT(h);
    if (!s[len]) return bits;
    s += len + 1;
  }
}

/* Parses a refcount family list: "all", "none", or a comma-separated list
 * of family names. Returns the bits, or -1. */
static long parse_families(const char *s) {
  if (!strcmp(s, "all")) return LG_RC_ALL;
  if (!strcmp(s, "none")) return 0;
  long bits = 0;
  for (;;) {
    size_t len = strcspn(s, ",");
    uint32_t f = 1;
    while (f <= LG_RC_NFAMILIES && (strlen(lg_rc_family_name(f)) != len || strncmp(s, lg_rc_family_name(f), len))) f++;
    if (f > LG_RC_NFAMILIES) return -1; /* an unknown name, or an empty one */
    bits |= LG_RC_BIT(f);
    if (!s[len]) return bits;
    s += len + 1;
  }
}

/* Stores `val` into option `op`; returns 0, or -1 if it is not acceptable. */
static int set(lg_options_t *o, const opt_t *op, const char *val, int reserved) {
  char *field = (char *)o + op->offset;
  long n;
  switch (op->kind) {
  case K_STR:
    if (strlen(val) >= op->size || (!*val && strcmp(op->name, "suppressions")))
      return -1;
    strcpy(field, val);
    return 0;
  case K_INT:
    if (parse_long(val, &n) < 0 || n < op->min || n > op->max) return -1;
    *(int *)field = (int)n;
    return 0;
  case K_DOUBLE: {
    char *end;
    double d = strtod(val, &end);
    if (!*val || *end || !(d >= op->min && d <= op->max)) return -1;
    *(double *)field = d;
    return 0;
  }
  case K_BOOL:
    if (!strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "true")) n = 1;
    else if (!strcmp(val, "no") || !strcmp(val, "0") || !strcmp(val, "false")) n = 0;
    else return -1;
    *(int *)field = (int)n;
    return 0;
  case K_SIGNAL:
    if (!strcmp(val, "off") || !strcmp(val, "0")) { *(int *)field = 0; return 0; }
    n = lg_signal_parse(val);
    if (forbidden_signal((int)n, reserved)) return -1;
    *(int *)field = (int)n;
    return 0;
  case K_HEURISTICS:
    if ((n = parse_heuristics(val)) < 0) return -1;
    *(unsigned *)field = (unsigned)n;
    return 0;
  case K_FAMILIES:
    if ((n = parse_families(val)) < 0) return -1;
    *(unsigned *)field = (unsigned)n;
    return 0;
  case K_CONC:
    if (!strcmp(val, "api")) n = LG_CONC_API;
    else if (!strcmp(val, "all") || !strcmp(val, "yes") || !strcmp(val, "1") || !strcmp(val, "true")) n = LG_CONC_ALL;
    else if (!strcmp(val, "no") || !strcmp(val, "0") || !strcmp(val, "false")) n = LG_CONC_OFF;
    else return -1;
    *(int *)field = (int)n;
    return 0;
  }
  return -1;
}

/* Reports one bad entry through warn. */
static void bad(lg_options_warn_fn warn, const char *fmt, const char *a, const char *b) {
  char msg[1024];
  lg_fmt(msg, sizeof msg, fmt, a, b);
  if (warn) warn(msg);
}

int lg_options_parse(lg_options_t *o, const char *s, int reserved, lg_options_warn_fn warn) {
  int nbad = 0;
  o->text = s;
  char item[LG_PATH_MAX + 64];
  while (s && *s) {
    const char *e = strchr(s, ':');
    size_t len = e ? (size_t)(e - s) : strlen(s);
    if (len >= sizeof item) len = sizeof item - 1;
    memcpy(item, s, len);
    item[len] = 0;
    s = e ? e + 1 : s + strlen(s);
    if (!*item) continue;
    char *eq = strchr(item, '=');
    if (!eq) {
      bad(warn, "LEAKGRAPH_OPTIONS: '%s' is not key=value%s; ignored", item, "");
      nbad++;
      continue;
    }
    *eq = 0;
    const opt_t *op = NULL;
    for (size_t i = 0; i < NOPTS; i++)
      if (!strcmp(table[i].name, item)) op = &table[i];
    if (!op) {
      bad(warn, "LEAKGRAPH_OPTIONS: unknown option '%s'; accepted: %s", item,
          "log, interval, scan_signal, depth, min_age, full_every, born_lists, scan_blocks, scan_bytes, suppressions, follow_children, refcount, exitcode, quiet, heuristics, concurrent");
      nbad++;
    } else if (set(o, op, eq + 1, reserved) < 0) {
      char msg[1024];
      lg_fmt(msg, sizeof msg, "LEAKGRAPH_OPTIONS: bad value '%s' for '%s' (accepted: %s); using the default",
             eq + 1, op->name, op->accepted);
      if (warn) warn(msg);
      nbad++;
    }
  }
  return nbad;
}
