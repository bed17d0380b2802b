/* tools/main.c — leakgraph-report's command line: options, then the logs
 * (a directory stands for the leakgraph logs in it), read every log, build
 * the report, render it, and choose the exit status. The work is done by
 * reader.c, symbolize.c, suppress.c, analyze.c and render_*.c; this file
 * only wires them together and talks to the user.
 *
 * Exit status (SPEC.md section 5):
 *   0  nothing that fails (or no --error-exitcode given)
 *   N  the report holds leaks of a kind that --fail-on names and
 *      --error-exitcode=N was given
 *   2  usage error: a bad option or value, no log (or only directories
 *      that hold none), an unreadable --suppressions or --baseline file,
 *      an unknown --cluster, an
 *      unwritable --output
 *   3  a log that cannot be read: missing, empty, not a leakgraph log, a
 *      newer format version, or corrupted (a truncated log is read up to
 *      its last complete record, with a warning, and is not an error); a
 *      directory that cannot be listed */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analyze.h"
#include "baseline.h"
#include "escape.h"
#include "reader.h"
#include "render.h"
#include "suppress.h"
#include "symbolize.h"
#include "util.h"

#define LG_VERSION "0.1"

enum lg_format {
  LG_FMT_TEXT,
  LG_FMT_JSON,
  LG_FMT_DOT,
  LG_FMT_HTML,
  LG_FMT_JUNIT,
  LG_FMT_SARIF,
  LG_FMT_VGXML,
};

typedef struct lg_opts {
  enum lg_format format;
  const char *output;
  unsigned cluster;
  unsigned fail_on;
  int exitcode;
  int symbolize;
  int growth;
  int verbose;
  int all;
  lg_supps_t supps;
  lg_baseline_t baseline;
  int has_baseline;
} lg_opts_t;

static const char lg_usage[] =
    "usage: leakgraph-report [OPTIONS] LOG|DIR...\n"
    "Try 'leakgraph-report --help' for more information.\n";

static const char lg_help[] =
    "usage: leakgraph-report [OPTIONS] LOG|DIR...\n"
    "\n"
    "Reads leakgraph logs (several processes merge into one report),\n"
    "symbolizes their stacks and prints the leaked clusters. A directory\n"
    "stands for every leakgraph log in it (not in its subdirectories), in\n"
    "name order; its other files are skipped.\n"
    "\n"
    "  --format=FORMAT          text (default), json, dot (Graphviz), html\n"
    "                           (one self-contained page: clusters drawn by\n"
    "                           Graphviz, stacks, timelines), junit (JUnit\n"
    "                           XML: a test case per process, a failure per\n"
    "                           failing leak site), sarif (SARIF 2.1.0: a\n"
    "                           result per leak site), valgrind-xml\n"
    "                           (valgrind's --xml=yes, protocol 4)\n"
    "  --output=FILE            write the report to FILE instead of stdout\n"
    "  --cluster=ID             only cluster ID, in detail: every entry,\n"
    "                           member site, block and pointer\n"
    "  --all                    text: every allocation site, not only those\n"
    "                           that fit the first screen, and every process\n"
    "  --suppressions=FILE      LeakSanitizer-style suppressions "
    "(leak:PATTERN);\n"
    "                           may be given several times\n"
    "  --fail-on=KINDS          kinds that fail, comma-separated: definite,\n"
    "                           indirect, possible, cycle, growth, refcount\n"
    "                           (default definite,indirect,cycle); cycle is a\n"
    "                           cycle of lost blocks: a cyclic cluster of\n"
    "                           possibly lost blocks fails only as possible\n"
    "  --error-exitcode=N       exit N when a failing kind is found\n"
    "  --baseline=REPORT.json   an earlier JSON report: only leak sites that\n"
    "                           are not in it fail; the report says which\n"
    "                           sites are new, known and fixed (a site is its\n"
    "                           allocation stack, each frame named by\n"
    "                           function, offset in it and module file)\n"
    "  --growth                 every site's timeline over the periodic scans\n"
    "                           (live bytes by generation per scan), its\n"
    "                           verdict and retention chain; without it only\n"
    "                           growing sites are shown\n"
    "  --verbose                text: every scan on a line of its own\n"
    "                           (kind, time, pause, totals) and every note\n"
    "                           of the shim, not only its warnings\n"
    "  --no-symbolize           show modules and offsets only (faster)\n"
    "  --help, --version\n"
    "\n"
    "Growth: a site (allocation stack) is judged on its old-generation bytes\n"
    "(blocks that survived two scans or more) at each complete scan that\n"
    "logged site statistics, over the window of its last W = min(n, 12)\n"
    "points. With n < 5 it is 'insufficient'. It is 'growing' when over the\n"
    "window (a) old bytes rose strictly in at least 70% of the W-1 steps,\n"
    "(b) no step fell by more than 10% of the window's maximum, and (c) the\n"
    "last point exceeds the first by at least max(4096 bytes, 25% of the\n"
    "first); else 'steady'. So an append-only list grows, while a bounded\n"
    "cache (it plateaus), a flat heap, a one-off jump and young churn do not.\n"
    "\n"
    "Exit status:\n"
    "  0  nothing fails (or no --error-exitcode was given)\n"
    "  N  leaks of a failing kind, with --error-exitcode=N\n"
    "  2  usage error (bad option or value, no log, unreadable suppressions)\n"
    "  3  a log cannot be read (missing, not a leakgraph log, newer version,\n"
    "     corrupted); a truncated log is read up to its last complete "
    "record\n";

/* Prints a usage error and the short usage; returns 2 for the caller. */
static int lg_main_usage(const char *fmt, const char *arg) {
  fputs("leakgraph-report: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(lg_usage, stderr);
  return 2;
}

/* Parses a decimal integer in [lo, hi]; returns 0 or -1. */
static int lg_main_int(const char *s, long lo, long hi, long *out) {
  char *end;
  errno = 0;
  long v = strtol(s, &end, 10);
  if (errno || end == s || *end || v < lo || v > hi)
    return -1;
  *out = v;
  return 0;
}

static int lg_main_format(lg_opts_t *o, const char *v) {
  if (strcmp(v, "text") == 0)
    o->format = LG_FMT_TEXT;
  else if (strcmp(v, "json") == 0)
    o->format = LG_FMT_JSON;
  else if (strcmp(v, "dot") == 0)
    o->format = LG_FMT_DOT;
  else if (strcmp(v, "junit") == 0)
    o->format = LG_FMT_JUNIT;
  else if (strcmp(v, "sarif") == 0)
    o->format = LG_FMT_SARIF;
  else if (strcmp(v, "valgrind-xml") == 0)
    o->format = LG_FMT_VGXML;
  else if (strcmp(v, "html") == 0)
    o->format = LG_FMT_HTML;
  else
    return lg_main_usage("bad --format '%s' (accepted: text, json, dot, "
                         "html, junit, sarif, valgrind-xml)",
                         v);
  return 0;
}

enum {
  LG_OPT_FORMAT = 256,
  LG_OPT_OUTPUT,
  LG_OPT_CLUSTER,
  LG_OPT_SUPP,
  LG_OPT_FAIL_ON,
  LG_OPT_EXITCODE,
  LG_OPT_BASELINE,
  LG_OPT_GROWTH,
  LG_OPT_NOSYM,
  LG_OPT_VERBOSE,
  LG_OPT_ALL,
  LG_OPT_HELP,
  LG_OPT_VERSION,
};

static const struct option lg_longopts[] = {
    {"format", required_argument, NULL, LG_OPT_FORMAT},
    {"output", required_argument, NULL, LG_OPT_OUTPUT},
    {"cluster", required_argument, NULL, LG_OPT_CLUSTER},
    {"suppressions", required_argument, NULL, LG_OPT_SUPP},
    {"fail-on", required_argument, NULL, LG_OPT_FAIL_ON},
    {"error-exitcode", required_argument, NULL, LG_OPT_EXITCODE},
    {"baseline", required_argument, NULL, LG_OPT_BASELINE},
    {"growth", no_argument, NULL, LG_OPT_GROWTH},
    {"no-symbolize", no_argument, NULL, LG_OPT_NOSYM},
    {"verbose", no_argument, NULL, LG_OPT_VERBOSE},
    {"all", no_argument, NULL, LG_OPT_ALL},
    {"help", no_argument, NULL, LG_OPT_HELP},
    {"version", no_argument, NULL, LG_OPT_VERSION},
    {NULL, 0, NULL, 0},
};

/* Handles one parsed option. Returns -1 to go on, or an exit status. */
static int lg_main_option(lg_opts_t *o, int c, const char *arg,
                          const char *word) {
  char err[512];
  long v;
  switch (c) {
  case LG_OPT_FORMAT:
    return lg_main_format(o, arg) ? 2 : -1;
  case LG_OPT_OUTPUT:
    o->output = arg;
    return -1;
  case LG_OPT_CLUSTER:
    if (lg_main_int(arg, 1, INT_MAX, &v) < 0)
      return lg_main_usage("bad --cluster '%s' (a cluster number, from 1)",
                           arg);
    o->cluster = (unsigned)v;
    return -1;
  case LG_OPT_SUPP:
    if (lg_supp_load_file(&o->supps, arg, err, sizeof err) < 0)
      return lg_main_usage("%s", err);
    return -1;
  case LG_OPT_FAIL_ON:
    if (lg_analyze_parse_fail_on(arg, &o->fail_on, err, sizeof err) < 0)
      return lg_main_usage("%s", err);
    return -1;
  case LG_OPT_EXITCODE:
    if (lg_main_int(arg, 0, 255, &v) < 0)
      return lg_main_usage("bad --error-exitcode '%s' (0 to 255)", arg);
    o->exitcode = (int)v;
    return -1;
  case LG_OPT_BASELINE:
    if (o->has_baseline)
      return lg_main_usage("%s", "--baseline given twice");
    if (lg_baseline_load(&o->baseline, arg, err, sizeof err) < 0)
      return lg_main_usage("%s", lg_esc(err));
    o->has_baseline = 1;
    return -1;
  case LG_OPT_GROWTH:
    o->growth = 1;
    return -1;
  case LG_OPT_NOSYM:
    o->symbolize = 0;
    return -1;
  case LG_OPT_VERBOSE:
    o->verbose = 1;
    return -1;
  case LG_OPT_ALL:
    o->all = 1;
    return -1;
  case LG_OPT_HELP:
    fputs(lg_help, stdout);
    return 0;
  case LG_OPT_VERSION:
    printf("leakgraph-report %s (log format version %u)\n", LG_VERSION,
           LG_FORMAT_VERSION);
    return 0;
  case ':':
    return lg_main_usage("option %s needs a value", word);
  default:
    return lg_main_usage("unknown option %s", word);
  }
}

/* Parses the command line into `o`; returns -1 to go on with the logs at
 * argv[optind..], or an exit status. */
static int lg_main_parse(lg_opts_t *o, int argc, char **argv) {
  opterr = 0;
  int c;
  while ((c = getopt_long(argc, argv, ":", lg_longopts, NULL)) != -1) {
    int rc = lg_main_option(o, c, optarg, argv[optind - 1]);
    if (rc >= 0)
      return rc;
  }
  if (optind >= argc)
    return lg_main_usage("%s", "no log given");
  return -1;
}

/* ---------------------------------------------------------- directories */

/* A growable list of log paths (owned strings); `found[i]` says that path
 * i was found in a directory (the user did not name it). */
typedef struct lg_paths {
  char **v;
  unsigned char *found;
  size_t n, cap, found_cap;
} lg_paths_t;

/* Appends a copy of `path`, `found` in a directory or not. */
static void lg_paths_put(lg_paths_t *ps, const char *path, int found) {
  ps->v = lg_util_grow(ps->v, ps->n, &ps->cap, sizeof *ps->v);
  ps->found = lg_util_grow(ps->found, ps->n, &ps->found_cap, 1);
  ps->found[ps->n] = (unsigned char)found;
  ps->v[ps->n++] = lg_util_xstrdup(path);
}

/* Appends a copy of `path`, named by the user. */
static void lg_paths_add(lg_paths_t *ps, const char *path) {
  lg_paths_put(ps, path, 0);
}

/* Releases the paths and the list, and empties it. */
static void lg_paths_free(lg_paths_t *ps) {
  for (size_t i = 0; i < ps->n; i++)
    free(ps->v[i]);
  free(ps->v);
  free(ps->found);
  memset(ps, 0, sizeof *ps);
}

/* Orders paths by name, for qsort. */
static int lg_main_strcmp(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Says whether `path` is a regular file that starts like a leakgraph log:
 * the sync word and the type of a HEADER record (tools/LOGFORMAT.md). A
 * directory may hold anything (a FIFO, a device): only a regular file is
 * opened. */
static int lg_main_sniff(const char *path) {
  unsigned char h[4];
  FILE *f = lg_util_fopen_regular(path, 0);
  if (!f)
    return 0;
  size_t n = fread(h, 1, sizeof h, f);
  fclose(f);
  return n == sizeof h && (h[0] | h[1] << 8) == LG_SYNC &&
         (h[2] | h[3] << 8) == LG_REC_HEADER;
}

/* Adds the leakgraph logs of directory `dir` (not its subdirectories) to
 * `ps`, in name order, and says on stderr how many entries it skipped.
 * Returns 0, or 3 when the directory cannot be read. */
static int lg_main_dir(const char *dir, lg_paths_t *ps) {
  DIR *d = opendir(dir);
  if (!d) {
    fprintf(stderr, "leakgraph-report: cannot read directory %s: %s\n", dir,
            strerror(errno));
    return 3;
  }
  lg_paths_t found = {0};
  size_t skipped = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
      continue;
    char *path = NULL;
    if (asprintf(&path, "%s/%s", dir, e->d_name) < 0)
      continue;
    if (lg_main_sniff(path))
      lg_paths_add(&found, path);
    else
      skipped++;
    free(path);
  }
  closedir(d);
  qsort(found.v, found.n, sizeof *found.v, lg_main_strcmp);
  for (size_t i = 0; i < found.n; i++)
    lg_paths_put(ps, found.v[i], 1);
  if (skipped)
    fprintf(stderr,
            "leakgraph-report: %s: skipped %zu %s (subdirectories are "
            "not read)\n",
            dir, skipped,
            skipped == 1 ? "entry that is not a leakgraph log"
                         : "entries that are not leakgraph logs");
  if (found.n == 0)
    fprintf(stderr, "leakgraph-report: %s holds no leakgraph log\n", dir);
  lg_paths_free(&found);
  return 0;
}

/* Turns the command line's LOG arguments into log paths: a directory
 * stands for the logs in it, anything else for itself. Returns 0, 2 when
 * no log remains, or 3 when a directory cannot be read. */
static int lg_main_expand(int n, char **args, lg_paths_t *ps) {
  for (int i = 0; i < n; i++) {
    struct stat st;
    if (stat(args[i], &st) < 0 || !S_ISDIR(st.st_mode)) {
      lg_paths_add(ps, args[i]);
      continue;
    }
    int rc = lg_main_dir(args[i], ps);
    if (rc)
      return rc;
  }
  if (ps->n == 0)
    return lg_main_usage("%s", "no log to read");
  return 0;
}

/* Reads every log (one found in a directory only if it is a regular
 * file); on failure prints why and returns 3, else 0. */
static int lg_main_read(const lg_paths_t *ps, lg_process_t **procs) {
  int rc = 0;
  for (size_t i = 0; i < ps->n; i++) {
    lg_read_result_t res;
    procs[i] = ps->found[i] ? lg_reader_read_regular(ps->v[i], &res)
                            : lg_reader_read_file(ps->v[i], &res);
    if (!procs[i]) {
      fprintf(stderr, "leakgraph-report: %s\n", lg_esc(res.message));
      rc = 3;
    } else if (procs[i]->truncated) {
      fprintf(stderr, "leakgraph-report: warning: %s\n", lg_esc(res.message));
    }
  }
  return rc;
}

/* Renders the report to the --output file or stdout. Returns 0 or 2. */
static int lg_main_render(const lg_opts_t *o, const lg_report_t *r,
                          lg_sym_t *sym) {
  FILE *f = stdout;
  if (o->output && !(f = fopen(o->output, "w"))) {
    fprintf(stderr, "leakgraph-report: cannot write %s: %s\n", o->output,
            strerror(errno));
    return 2;
  }
  if (o->format == LG_FMT_JSON)
    lg_render_json(f, r, o->cluster);
  else if (o->format == LG_FMT_DOT)
    lg_render_dot(f, r, sym, o->cluster);
  else if (o->format == LG_FMT_JUNIT)
    lg_render_junit(f, r, o->fail_on);
  else if (o->format == LG_FMT_SARIF)
    lg_render_sarif(f, r, o->fail_on);
  else if (o->format == LG_FMT_VGXML)
    lg_render_vgxml(f, r);
  else if (o->format == LG_FMT_HTML)
    lg_render_html(f, r, o->cluster);
  else
    lg_render_text_with(f, r, o->cluster,
                        (o->verbose ? LG_TEXT_VERBOSE : 0) |
                            (o->all ? LG_TEXT_ALL : 0));
  int bad = ferror(f) | (f != stdout ? fclose(f) : fflush(f));
  if (bad) {
    fprintf(stderr, "leakgraph-report: error writing the report\n");
    return 2;
  }
  return 0;
}

/* Builds, checks and renders the report; returns the exit status. */
static int lg_main_report(lg_opts_t *o, lg_process_t **procs, size_t n) {
  lg_sym_t *sym = lg_sym_new(o->symbolize, stderr);
  lg_report_t r;
  /* The HTML page charts steady sites beside the growing ones. */
  lg_analyze_build(&r, procs, n, &o->supps, sym,
                   o->growth || o->format == LG_FMT_HTML
                       ? LG_ANALYZE_GROWTH_ALL
                       : 0);
  if (o->has_baseline)
    lg_analyze_baseline(&r, &o->baseline);
  for (size_t i = 0; i < r.nwarnings; i++)
    fprintf(stderr, "leakgraph-report: warning: %s\n", lg_esc(r.warnings[i]));
  int rc;
  if (o->cluster > r.nclusters) {
    fprintf(stderr, "leakgraph-report: no cluster %u (the report has %zu)\n",
            o->cluster, r.nclusters);
    rc = 2;
  } else {
    rc = lg_main_render(o, &r, sym);
  }
  if (rc == 0 && o->exitcode && lg_analyze_failing(&r, o->fail_on))
    rc = o->exitcode;
  lg_analyze_free(&r);
  lg_sym_free(sym);
  return rc;
}

int main(int argc, char **argv) {
  lg_opts_t o = {.format = LG_FMT_TEXT,
                 .fail_on = LG_FAIL_DEFAULT,
                 .symbolize = 1};
  int rc = lg_main_parse(&o, argc, argv);
  if (rc >= 0) {
    lg_supp_free(&o.supps);
    lg_baseline_free(&o.baseline);
    return rc;
  }
  lg_paths_t paths = {0};
  rc = lg_main_expand(argc - optind, argv + optind, &paths);
  int n = (int)paths.n;
  lg_process_t **procs = lg_util_xcalloc(paths.n, sizeof *procs);
  if (rc == 0)
    rc = lg_main_read(&paths, procs);
  if (rc == 0)
    rc = lg_main_report(&o, procs, paths.n);
  for (int i = 0; i < n; i++)
    lg_reader_free(procs[i]);
  free(procs);
  lg_paths_free(&paths);
  lg_supp_free(&o.supps);
  lg_baseline_free(&o.baseline);
  return rc;
}
