/* Every scan that clones a snapshot says, in a NOTE after its SCAN_END,
 * how long each step of its pause took (lock, stop, begin, remember,
 * clone, unlock, resume, in microseconds), the clone's CPU time, and how
 * many threads it stopped: the first six steps are the pause itself (they
 * add up to the SCAN_END's pause_ns, to the microseconds lost in
 * rounding), the resume comes after. A second thread, asleep, is stopped
 * at each of the program's two scans; the exit scan, in process, says
 * nothing of the kind.
 * run: direct
 * expect: summary.definitely_lost.blocks == 1
 * expect: [int(m.group(1)) for m in (re.match(r'scan (\d+) pause \(us\): lock \d+, stop \d+, begin \d+, remember \d+, clone \d+, unlock \d+, resume \d+; the clone.s CPU time \d+; (\d+) threads stopped$', t) for t in log_notes()) if m and int(m.group(2)) >= 1] == [s.scan for s in r.scans if s.kind == 'api']
 * expect: len([s for s in r.scans if s.kind == 'api']) == 2
 * expect: all(abs(sum(int(x) for x in re.findall(r'\d+', t.split(':', 1)[1].split(', resume')[0])) - round(s.pause_ms * 1000)) <= 8 for s in r.scans if s.kind == 'api' for t in log_notes() if t.startswith('scan %d pause (us):' % s.scan))
 * expect: not [t for t in log_notes() if t.startswith('scan %d pause' % r.scans[-1].scan)]
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include "leakgraph.h"
#include "testutil.h"

static volatile int done;

static void *sleeper(void *arg) {
  (void)arg;
  while (!done) sleep_for(0.01);
  return NULL;
}

static NOINLINE void leak_64(void) { void *p = malloc(64); memset(p, 2, 64); sink(p); }

int main(void) {
  pthread_t t;
  if (pthread_create(&t, NULL, sleeper, NULL) != 0) return 1;
  leak_64();
  clobber_stack();
  leakgraph_scan();
  leakgraph_scan();
  done = 1;
  pthread_join(t, NULL);
  return 0;
}
