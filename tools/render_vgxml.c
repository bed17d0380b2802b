/* tools/render_vgxml.c — the report as valgrind's XML output (protocol 4,
 * what `valgrind --xml=yes --leak-check=full` writes), so that tools that
 * read memcheck's results read leakgraph's: the preamble, pid, ppid and
 * command line of the report's first process, a RUNNING and a FINISHED
 * status, then one <error> per leak site and category (cisites.h) — a
 * loss record, kind Leak_DefinitelyLost, Leak_IndirectlyLost or
 * Leak_PossiblyLost, smallest first as valgrind orders them — with <xwhat>
 * (its text, leaked bytes and blocks; a definitely lost record counts the
 * indirect bytes it holds, as valgrind does) and its allocation <stack>
 * (ip, obj, fn, dir, file, line), then the error counts and the
 * suppressions used. valgrind writes one document per process; with
 * several processes this one holds every process's records (an XML
 * comment names them). Every string is escaped (escape.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cisites.h"
#include "escape.h"
#include "render.h"
#include "util.h"

/* Writes `<tag>text</tag>` with the text escaped, at `indent`. */
static void lg_vg_elem(FILE *f, const char *indent, const char *tag,
                       const char *text) {
  fprintf(f, "%s<%s>", indent, tag);
  lg_esc_xml(f, text);
  fprintf(f, "</%s>\n", tag);
}

/* Writes one <frame>: ip, obj, fn, and dir, file, line when known. */
static void lg_vg_frame(FILE *f, const lg_symframe_t *fr) {
  fprintf(f, "    <frame>\n      <ip>0x%" PRIX64 "</ip>\n", fr->address);
  if (fr->module)
    lg_vg_elem(f, "      ", "obj", fr->module);
  if (fr->function)
    lg_vg_elem(f, "      ", "fn", fr->function);
  if (fr->file) {
    const char *slash = strrchr(fr->file, '/');
    if (slash && slash != fr->file) {
      char *dir = strndup(fr->file, (size_t)(slash - fr->file));
      lg_vg_elem(f, "      ", "dir", dir ? dir : "");
      free(dir);
    }
    lg_vg_elem(f, "      ", "file", slash ? slash + 1 : fr->file);
    if (fr->line > 0)
      fprintf(f, "      <line>%d</line>\n", fr->line);
  }
  fputs("    </frame>\n", f);
}

/* Writes the loss record of site `s`, number `k` of `n`. */
static void lg_vg_error(FILE *f, const lg_csite_t *s, size_t k, size_t n) {
  uint64_t bytes = lg_util_sat_bytes(s->bytes, s->indirect);
  fprintf(f, "<error>\n  <unique>0x%zx</unique>\n  <tid>1</tid>\n", k);
  fprintf(f, "  <kind>%s</kind>\n  <xwhat>\n    <text>%" PRIu64, lg_csite_kind(s->cat),
          bytes);
  if (s->indirect)
    fprintf(f, " (%" PRIu64 " direct, %" PRIu64 " indirect)", s->bytes,
            s->indirect);
  fprintf(f, " bytes in %" PRIu64 " blocks are %s in loss record %zu of %zu"
             "</text>\n",
          s->blocks, lg_csite_words(s->cat), k + 1, n);
  fprintf(f, "    <leakedbytes>%" PRIu64 "</leakedbytes>\n    <leakedblocks>%"
             PRIu64 "</leakedblocks>\n  </xwhat>\n  <stack>\n",
          bytes, s->blocks);
  const lg_rstack_t *st = &s->site->stack;
  for (size_t i = 0; i < st->n; i++)
    lg_vg_frame(f, &st->frames[i]);
  fputs("  </stack>\n</error>\n\n", f);
}

/* Orders loss records as valgrind does: smallest first. */
static int lg_vg_order(const void *a, const void *b) {
  const lg_csite_t *x = a, *y = b;
  uint64_t bx = lg_util_sat_bytes(x->bytes, x->indirect);
  uint64_t by = lg_util_sat_bytes(y->bytes, y->indirect);
  if (bx != by)
    return bx < by ? -1 : 1;
  if (x->cat != y->cat)
    return x->cat < y->cat ? -1 : 1;
  return strcmp(x->key ? x->key : "", y->key ? y->key : "");
}

/* Writes the shim's options (LEAKGRAPH_OPTIONS, as the log's HEADER has
 * them) as the tool's arguments, one <arg> per key=value item. */
static void lg_vg_options(FILE *f, const char *opts) {
  while (*opts) {
    size_t n = strcspn(opts, ":");
    if (n) {
      char *item = strndup(opts, n);
      lg_vg_elem(f, "    ", "arg", item ? item : "");
      free(item);
    }
    opts += n + (opts[n] == ':');
  }
}

/* Writes the preamble, pid, ppid, tool and the command line of `p`. */
static void lg_vg_head(FILE *f, const lg_report_t *r, const lg_process_t *p) {
  fputs("<?xml version=\"1.0\"?>\n\n<valgrindoutput>\n\n<protocolversion>4"
        "</protocolversion>\n<protocoltool>memcheck</protocoltool>\n\n"
        "<preamble>\n  <line>leakgraph, a leak finder (valgrind's XML "
        "format)</line>\n",
        f);
  lg_sb_t cmd = {0};
  for (uint32_t a = 0; p && a < p->argc; a++)
    lg_sb_printf(&cmd, "%s%s", a ? " " : "Command: ", p->argv[a]);
  if (cmd.s)
    lg_vg_elem(f, "  ", "line", cmd.s);
  lg_sb_free(&cmd);
  fprintf(f, "</preamble>\n\n<pid>%u</pid>\n<ppid>%u</ppid>\n<tool>memcheck"
             "</tool>\n\n",
          p ? p->pid : 0, p ? p->ppid : 0);
  for (size_t i = 1; i < r->nprocs; i++)
    fprintf(f, "<!-- also pid %u -->\n", r->procs[i]->pid);
  fputs("<args>\n  <vargv>\n    <exe>leakgraph</exe>\n", f);
  lg_vg_options(f, p && p->options ? p->options : "");
  fputs("  </vargv>\n  <argv>\n", f);
  if (p && p->argc)
    lg_vg_elem(f, "    ", "exe", p->argv[0]);
  else
    lg_vg_elem(f, "    ", "exe", p && p->exe ? p->exe : "?");
  for (uint32_t a = 1; p && a < p->argc; a++)
    lg_vg_elem(f, "    ", "arg", p->argv[a]);
  fputs("  </argv>\n</args>\n\n", f);
}

/* Writes a status element at `ns` nanoseconds (valgrind's time format). */
static void lg_vg_status(FILE *f, const char *state, uint64_t ns) {
  uint64_t ms = ns / 1000000;
  fprintf(f, "<status>\n  <state>%s</state>\n  <time>%02" PRIu64 ":%02" PRIu64
             ":%02" PRIu64 ":%02" PRIu64 ".%03" PRIu64 " </time>\n</status>\n\n",
          state, ms / 86400000, ms / 3600000 % 24, ms / 60000 % 60,
          ms / 1000 % 60, ms % 1000);
}

/* Writes the suppressions used, as <suppcounts> pairs. */
static void lg_vg_supps(FILE *f, const lg_supps_t *s) {
  for (size_t i = 0; s && i < s->n; i++) {
    if (!s->v[i].hits)
      continue;
    fprintf(f, "  <pair>\n    <count>%" PRIu64 "</count>\n", s->v[i].hits);
    lg_sb_t sb = {0};
    lg_sb_printf(&sb, "leak:%s", s->v[i].pattern);
    lg_vg_elem(f, "    ", "name", sb.s);
    lg_sb_free(&sb);
    fputs("  </pair>\n", f);
  }
}

void lg_render_vgxml(FILE *f, const lg_report_t *r) {
  const lg_process_t *p = r->nprocs ? r->procs[0] : NULL;
  const lg_scan_t *last = p ? lg_analyze_scan(p) : NULL;
  lg_vg_head(f, r, p);
  lg_vg_status(f, "RUNNING", 0);
  lg_vg_status(f, "FINISHED", last ? last->time : 0);
  size_t n;
  lg_csite_t *sites = lg_csites_collect(r, NULL, &n);
  if (n > 1)
    qsort(sites, n, sizeof *sites, lg_vg_order);
  for (size_t k = 0; k < n; k++)
    lg_vg_error(f, &sites[k], k, n);
  free(sites);
  fputs("<errorcounts>\n</errorcounts>\n\n<suppcounts>\n", f);
  lg_vg_supps(f, r->global);
  for (size_t i = 0; i < r->nprocs; i++)
    lg_vg_supps(f, &r->local[i]);
  fputs("</suppcounts>\n\n</valgrindoutput>\n\n", f);
}
