/* tools/records.h — the report's grouping by allocation site (sites.h):
 * each cluster's members merged by folded site and category, and the loss
 * records — the clusters grouped by the folded site of their first entry
 * block, lost clusters apart from possibly lost ones, each record summing
 * its clusters' bytes and blocks and members. Every renderer reads them;
 * nothing here prints. Called by lg_analyze_build once the clusters are
 * numbered. */
#ifndef LG_RECORDS_H
#define LG_RECORDS_H

#include "analyze.h"

/* lg_records_build fills every cluster's members, entry_site and record,
 * and r->records, sorted lost before possibly lost, then by bytes
 * (largest first), then by their first cluster's id. */
void lg_records_build(lg_report_t *r);

/* lg_records_free releases what lg_records_build allocated. */
void lg_records_free(lg_report_t *r);

#endif
