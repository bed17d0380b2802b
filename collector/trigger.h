/* collector/trigger.h — what starts scans while the program runs (the
 * scanner thread of trigger.c). */
#ifndef LG_TRIGGER_H
#define LG_TRIGGER_H

#include "options.h"

/* lg_trigger_start starts the scanner thread when the options call for
 * it; `fresh` (process start, not a forked child) also takes the scan
 * signal if its disposition is the default. Returns 0, or -1. */
int lg_trigger_start(const lg_options_t *o, int fresh);
/* lg_trigger_stop asks the scanner thread to end (it ends after any scan
 * it is running). */
void lg_trigger_stop(void);

#endif
