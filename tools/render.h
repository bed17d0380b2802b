/* tools/render.h — the report's output formats: text (for people, in the
 * style of valgrind's leak report), JSON (for machines; the keys of SPEC.md
 * section 5 plus those the integration tests use), Graphviz DOT (blocks
 * as nodes, pointers as edges, cycles in red), a self-contained HTML page
 * (the clusters' pictures laid out by Graphviz, stacks, timelines), and for
 * CI JUnit XML, SARIF 2.1.0 and valgrind's XML. Renderers only print what
 * analyze.c built. */
#ifndef LG_RENDER_H
#define LG_RENDER_H

#include <stdio.h>

#include "analyze.h"

/* lg_render_text prints the report as text to `f`: the loss records
 * (records.h) that fit the first screen, lost ones first, each with its
 * folded stack and, for a small cluster, its graph, then a line on the
 * others. With `cluster` > 0 only that cluster is shown, in detail (every
 * entry, every member site, every listed block and pointer). */
void lg_render_text(FILE *f, const lg_report_t *r, unsigned cluster);

/* Flags of lg_render_text_with. */
enum lg_text_flags {
  LG_TEXT_VERBOSE = 1, /* --verbose: every scan, and the shim's info notes */
  LG_TEXT_ALL = 2,     /* --all: every loss record and every process */
};

/* lg_render_text_with is lg_render_text with lg_text_flags: without
 * LG_TEXT_VERBOSE the scans are one line of the summary and only the
 * warnings among the shim's notes are shown; LG_TEXT_ALL shows every loss
 * record and every process. */
void lg_render_text_with(FILE *f, const lg_report_t *r, unsigned cluster,
                         unsigned flags);

/* lg_render_json prints the report as one JSON object to `f`; with
 * `cluster` > 0 the "clusters" array holds only that cluster. */
void lg_render_json(FILE *f, const lg_report_t *r, unsigned cluster);

/* lg_render_html prints the report as one self-contained HTML page to
 * `f` (render_html.c); with `cluster` > 0 only that cluster is drawn. */
void lg_render_html(FILE *f, const lg_report_t *r, unsigned cluster);

/* lg_render_dot prints the clusters (or only cluster `cluster` when > 0)
 * as one Graphviz digraph to `f`; `sym` labels blocks with functions. */
void lg_render_dot(FILE *f, const lg_report_t *r, lg_sym_t *sym,
                   unsigned cluster);

/* lg_render_junit prints the report as JUnit XML (render_junit.c): one
 * test case per process, a failure per failing leak site of it (its kinds
 * in `fail_on`, lg_fail_kind; with a baseline only new sites). */
void lg_render_junit(FILE *f, const lg_report_t *r, unsigned fail_on);

/* lg_render_sarif prints the report as a SARIF 2.1.0 log (render_sarif.c):
 * one result per leak site and category, level "error" for the kinds of
 * `fail_on`, else "warning". */
void lg_render_sarif(FILE *f, const lg_report_t *r, unsigned fail_on);

/* lg_render_vgxml prints the report as valgrind's XML output, protocol 4
 * (render_vgxml.c): a Leak_* error per leak site. */
void lg_render_vgxml(FILE *f, const lg_report_t *r);

/* lg_render_end_name returns how a process ended, as the JSON "end" value
 * ("exit", "_exit", "abort", "exec", "stopped", "signal"), or NULL if it
 * did not. */
const char *lg_render_end_name(const lg_process_t *p);

/* lg_render_scan_kind returns the name of a scan kind: "exit", "api",
 * "periodic", "signal", or "unknown". */
const char *lg_render_scan_kind(uint32_t kind);

#endif
