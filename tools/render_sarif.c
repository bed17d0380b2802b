/* tools/render_sarif.c — the report as a SARIF 2.1.0 log, what GitHub code
 * scanning reads (checked against the official schema in the tests): one
 * run of the tool "leakgraph" with a rule per leak kind, and one result
 * per leak site and category (cisites.h), its level "error" when the site
 * fails (--fail-on; with a baseline only new sites) and "warning" else.
 * A result's location is the first frame in the program's own code, its
 * file relative to the working directory when it lies under it (base id
 * %SRCROOT%, which originalUriBaseIds sets to the working directory), else
 * an absolute file: URI; the whole allocation stack is the result's stack.
 * partialFingerprints carry the site key (it survives rebuilds), and with
 * a baseline baselineState says "new" or "unchanged"; the baseline's fixed
 * sites are results of baselineState "absent". */
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cisites.h"
#include "json.h"
#include "render.h"
#include "util.h"

#define LG_VERSION "0.1"

static const struct {
  uint32_t cat;
  const char *id, *name, *text;
} lg_sarif_rules[] = {
    {LG_CAT_DEFINITE, "definitely-lost", "DefinitelyLost",
     "Memory that nothing points at any more: a leak."},
    {LG_CAT_INDIRECT, "indirectly-lost", "IndirectlyLost",
     "Memory that only other lost blocks point at: it leaks with them."},
    {LG_CAT_POSSIBLE, "possibly-lost", "PossiblyLost",
     "Memory reachable only through pointers into its middle."},
};

/* Returns the index of the rule of category `cat`. */
static int lg_sarif_rule(uint32_t cat) {
  return cat == LG_CAT_DEFINITE ? 0 : cat == LG_CAT_INDIRECT ? 1 : 2;
}

/* Appends `s` to `sb` percent-encoded for a URI path (RFC 3986: unreserved
 * characters and '/' as they are). */
static void lg_sarif_uri_path(lg_sb_t *sb, const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
    if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
        (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
      lg_sb_append(sb, (const char *)p, 1);
    else
      lg_sb_printf(sb, "%%%02X", *p);
  }
}

/* Writes an artifactLocation for source file `file`: relative to `cwd`
 * (base %SRCROOT%) when under it, else an absolute file: URI. */
static void lg_sarif_artifact(lg_json_t *j, const char *file, const char *cwd) {
  size_t n = cwd ? strlen(cwd) : 0;
  lg_sb_t uri = {0};
  int rel = n && strncmp(file, cwd, n) == 0 && file[n] == '/';
  if (rel)
    lg_sarif_uri_path(&uri, file + n + 1);
  else if (file[0] == '/')
    lg_sb_printf(&uri, "file://"), lg_sarif_uri_path(&uri, file);
  else
    lg_sarif_uri_path(&uri, file);
  lg_json_key(j, "artifactLocation");
  lg_json_obj(j);
  lg_json_key(j, "uri");
  lg_json_str(j, uri.s ? uri.s : "");
  if (rel) {
    lg_json_key(j, "uriBaseId");
    lg_json_str(j, "%SRCROOT%");
  }
  lg_json_obj_end(j);
  lg_sb_free(&uri);
}

/* Writes a location object for frame `fr`. */
static void lg_sarif_location(lg_json_t *j, const lg_symframe_t *fr,
                              const char *cwd) {
  lg_json_obj(j);
  if (fr->file) {
    lg_json_key(j, "physicalLocation");
    lg_json_obj(j);
    lg_sarif_artifact(j, fr->file, cwd);
    if (fr->line > 0) {
      lg_json_key(j, "region");
      lg_json_obj(j);
      lg_json_key(j, "startLine");
      lg_json_u64(j, (uint64_t)fr->line);
      lg_json_obj_end(j);
    }
    lg_json_obj_end(j);
  }
  if (fr->function) {
    lg_json_key(j, "logicalLocations");
    lg_json_arr(j);
    lg_json_obj(j);
    lg_json_key(j, "fullyQualifiedName");
    lg_json_str(j, fr->function);
    lg_json_key(j, "kind");
    lg_json_str(j, "function");
    lg_json_obj_end(j);
    lg_json_arr_end(j);
  }
  lg_json_key(j, "message");
  lg_json_obj(j);
  lg_json_key(j, "text");
  lg_sb_t sb = {0};
  lg_sb_printf(&sb, "%s (%s+0x%" PRIx64 ")",
               fr->function ? fr->function : "??",
               fr->module ? fr->module : "?", fr->offset);
  lg_json_str(j, sb.s);
  lg_sb_free(&sb);
  lg_json_obj_end(j);
  lg_json_obj_end(j);
}

/* Writes a result's "stacks": its allocation stack. */
static void lg_sarif_stack(lg_json_t *j, const lg_rstack_t *st,
                           const char *cwd) {
  lg_json_key(j, "stacks");
  lg_json_arr(j);
  lg_json_obj(j);
  lg_json_key(j, "message");
  lg_json_obj(j);
  lg_json_key(j, "text");
  lg_json_str(j, "allocation stack");
  lg_json_obj_end(j);
  lg_json_key(j, "frames");
  lg_json_arr(j);
  for (size_t i = 0; i < st->n; i++) {
    lg_json_obj(j);
    lg_json_key(j, "location");
    lg_sarif_location(j, &st->frames[i], cwd);
    if (st->frames[i].module) {
      lg_json_key(j, "module");
      lg_json_str(j, st->frames[i].module);
    }
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
  lg_json_obj_end(j);
  lg_json_arr_end(j);
}

/* Writes the "message" of a result for site `s`. */
static void lg_sarif_message(lg_json_t *j, const lg_csite_t *s) {
  lg_sb_t sb = {0};
  const lg_rstack_t *st = &s->site->stack;
  const lg_symframe_t *fr = st->n ? &st->frames[lg_csite_own_frame(st)] : NULL;
  lg_sb_printf(&sb, "%" PRIu64 " bytes in %" PRIu64 " %s %s%s, allocated in %s",
               s->bytes, s->blocks, s->blocks == 1 ? "block" : "blocks",
               lg_csite_words(s->cat), s->cyclic ? " (in a cycle)" : "",
               fr && fr->function ? fr->function : "??");
  lg_sb_printf(&sb, " (pid %u, %zu %s)", s->cluster->proc->pid, s->nclusters,
               s->nclusters == 1 ? "cluster" : "clusters");
  lg_json_key(j, "message");
  lg_json_obj(j);
  lg_json_key(j, "text");
  lg_json_str(j, sb.s);
  lg_json_obj_end(j);
  lg_sb_free(&sb);
}

/* Writes one result for site `s`. */
static void lg_sarif_result(lg_json_t *j, const lg_report_t *r,
                            const lg_csite_t *s, unsigned fail_on,
                            const char *cwd) {
  const lg_rstack_t *st = &s->site->stack;
  lg_json_obj(j);
  lg_json_key(j, "ruleId");
  lg_json_str(j, lg_sarif_rules[lg_sarif_rule(s->cat)].id);
  lg_json_key(j, "ruleIndex");
  lg_json_u64(j, (uint64_t)lg_sarif_rule(s->cat));
  lg_json_key(j, "level");
  lg_json_str(j, lg_csite_fails(r, s, fail_on) ? "error" : "warning");
  lg_sarif_message(j, s);
  lg_json_key(j, "locations");
  lg_json_arr(j);
  if (st->n)
    lg_sarif_location(j, &st->frames[lg_csite_own_frame(st)], cwd);
  lg_json_arr_end(j);
  lg_sarif_stack(j, st, cwd);
  lg_json_key(j, "partialFingerprints");
  lg_json_obj(j);
  lg_json_key(j, "leakgraphSite/v1");
  lg_json_str(j, s->key ? s->key : "");
  lg_json_obj_end(j);
  if (r->base.b) {
    lg_json_key(j, "baselineState");
    lg_json_str(j, s->baseline == LG_BASE_NEW ? "new" : "unchanged");
  }
  lg_json_obj_end(j);
}

/* Writes the baseline's fixed sites as results that are "absent". */
static void lg_sarif_fixed(lg_json_t *j, const lg_report_t *r) {
  for (size_t i = 0; i < r->base.nfixed; i++) {
    const lg_bsite_t *b = r->base.fixed[i];
    lg_json_obj(j);
    lg_json_key(j, "ruleId");
    lg_json_str(j, strcmp(b->category, "indirectly_lost") == 0 ? "indirectly-lost"
                   : strcmp(b->category, "possibly_lost") == 0 ? "possibly-lost"
                                                               : "definitely-lost");
    lg_json_key(j, "level");
    lg_json_str(j, "note");
    lg_json_key(j, "message");
    lg_json_obj(j);
    lg_json_key(j, "text");
    lg_sb_t sb = {0};
    lg_sb_printf(&sb, "fixed since the baseline: %s site %s", b->category,
                 b->key);
    lg_json_str(j, sb.s);
    lg_sb_free(&sb);
    lg_json_obj_end(j);
    lg_json_key(j, "partialFingerprints");
    lg_json_obj(j);
    lg_json_key(j, "leakgraphSite/v1");
    lg_json_str(j, b->key);
    lg_json_obj_end(j);
    lg_json_key(j, "baselineState");
    lg_json_str(j, "absent");
    lg_json_obj_end(j);
  }
}

/* Writes tool.driver with its rules. */
static void lg_sarif_driver(lg_json_t *j) {
  lg_json_key(j, "tool");
  lg_json_obj(j);
  lg_json_key(j, "driver");
  lg_json_obj(j);
  lg_json_key(j, "name");
  lg_json_str(j, "leakgraph");
  lg_json_key(j, "version");
  lg_json_str(j, LG_VERSION);
  lg_json_key(j, "rules");
  lg_json_arr(j);
  for (size_t i = 0; i < sizeof lg_sarif_rules / sizeof lg_sarif_rules[0]; i++) {
    lg_json_obj(j);
    lg_json_key(j, "id");
    lg_json_str(j, lg_sarif_rules[i].id);
    lg_json_key(j, "name");
    lg_json_str(j, lg_sarif_rules[i].name);
    lg_json_key(j, "shortDescription");
    lg_json_obj(j);
    lg_json_key(j, "text");
    lg_json_str(j, lg_sarif_rules[i].text);
    lg_json_obj_end(j);
    lg_json_obj_end(j);
  }
  lg_json_arr_end(j);
  lg_json_obj_end(j);
  lg_json_obj_end(j);
}

/* Writes originalUriBaseIds: %SRCROOT% is the working directory. */
static void lg_sarif_bases(lg_json_t *j, const char *cwd) {
  if (!cwd)
    return;
  lg_sb_t uri = {0};
  lg_sb_printf(&uri, "file://");
  lg_sarif_uri_path(&uri, cwd);
  lg_sb_append(&uri, "/", 1);
  lg_json_key(j, "originalUriBaseIds");
  lg_json_obj(j);
  lg_json_key(j, "%SRCROOT%");
  lg_json_obj(j);
  lg_json_key(j, "uri");
  lg_json_str(j, uri.s);
  lg_json_obj_end(j);
  lg_json_obj_end(j);
  lg_sb_free(&uri);
}

void lg_render_sarif(FILE *f, const lg_report_t *r, unsigned fail_on) {
  char cwdbuf[PATH_MAX];
  const char *cwd = getcwd(cwdbuf, sizeof cwdbuf) ? cwdbuf : NULL;
  if (cwd && strcmp(cwd, "/") == 0)
    cwd = NULL;
  size_t n;
  lg_csite_t *sites = lg_csites_collect(r, NULL, &n);
  lg_json_t j;
  lg_json_init(&j, f);
  lg_json_obj(&j);
  lg_json_key(&j, "$schema");
  lg_json_str(&j, "https://json.schemastore.org/sarif-2.1.0.json");
  lg_json_key(&j, "version");
  lg_json_str(&j, "2.1.0");
  lg_json_key(&j, "runs");
  lg_json_arr(&j);
  lg_json_obj(&j);
  lg_sarif_driver(&j);
  lg_sarif_bases(&j, cwd);
  lg_json_key(&j, "results");
  lg_json_arr(&j);
  for (size_t i = 0; i < n; i++)
    lg_sarif_result(&j, r, &sites[i], fail_on, cwd);
  lg_sarif_fixed(&j, r);
  lg_json_arr_end(&j);
  lg_json_obj_end(&j);
  lg_json_arr_end(&j);
  lg_json_obj_end(&j);
  free(sites);
}
