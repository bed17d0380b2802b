/* tools/render_refcount.h — the refcount parts of the text and JSON
 * reports (render_refcount.c), called by render_text.c and render_json.c:
 * the REFCOUNT FINDINGS section and its summary line, the JSON "refcount"
 * array (SPEC section 5) and summary counts, and for each cluster the
 * refcounted objects among its blocks. */
#ifndef LG_RENDER_REFCOUNT_H
#define LG_RENDER_REFCOUNT_H

#include <stdio.h>

#include "analyze.h"
#include "json.h"

/* Text: the section (nothing when there is no finding; `all`: every
 * finding in full, else the first screen's share), the summary line,
 * and a cluster's line naming the types of its refcounted blocks (nothing
 * when it has none). */
void lg_render_text_refcount(FILE *f, const lg_report_t *r, int all);
void lg_render_text_refcount_summary(FILE *f, const lg_report_t *r);
void lg_render_text_cluster_refcounted(FILE *f, const lg_rcluster_t *c);
/* The same for the clusters of loss record `rec`, together. */
void lg_render_text_record_refcounted(FILE *f, const lg_report_t *r, const lg_rrecord_t *rec);

/* JSON: the "refcount" key and array; the summary's "refcount" key; a
 * cluster's "refcounted" key. */
void lg_render_json_refcount(lg_json_t *j, const lg_report_t *r);
void lg_render_json_refcount_summary(lg_json_t *j, const lg_report_t *r);
void lg_render_json_cluster_refcounted(lg_json_t *j, const lg_rcluster_t *c);

#endif
