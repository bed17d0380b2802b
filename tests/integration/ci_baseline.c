/* --baseline=REPORT.json: a report of run A (it leaks at site "one") is the
 * baseline; the program is then rebuilt elsewhere (another file, another
 * directory: the same sources) and runs under ASLR at other addresses.
 * Run B leaks at "one" and "two": only "two" is new, so --error-exitcode
 * fires, and the report says 1 new, 1 known; run C leaks at "one" only:
 * known, nothing fails (exit 0) where without the baseline it would; run
 * D leaks nothing: "one" is fixed. The text, JUnit and SARIF outputs say
 * the same.
 * run: shell {lg} {prog} one >/dev/null 2>&1; {build}/leakgraph-report --format=json logs >base.json; mkdir rebuilt && cc -g -O0 -pthread -I{root}/preload -I{root}/tests/integration -o rebuilt/prog {root}/tests/integration/ci_baseline.c -ldl && for run in b c d; do case $run in b) a='one two';; c) a=one;; d) a=;; esac; {build}/leakgraph --quiet --log-dir={tmp}/$run rebuilt/prog $a; {build}/leakgraph-report --baseline=base.json --error-exitcode=9 --format=json {tmp}/$run >$run.json; echo ${run}_exit=$?; {build}/leakgraph-report --error-exitcode=9 --format=json {tmp}/$run >/dev/null; echo ${run}_nobase_exit=$?; done; {build}/leakgraph-report --baseline=base.json b >b.txt; {build}/leakgraph-report --baseline=base.json --format=junit b >b.xml; {build}/leakgraph-report --baseline=base.json --format=sarif b >b.sarif; {build}/leakgraph-report --baseline=nonexistent.json b; echo missing_exit=$?
 * report: none
 * expect: out_int('b_exit') == 9 and out_int('b_nobase_exit') == 9
 * expect: out_int('c_exit') == 0 and out_int('c_nobase_exit') == 9
 * expect: out_int('d_exit') == 0 and out_int('d_nobase_exit') == 0
 * expect: json.loads(read_text('b.json'))['baseline']['new'] == 1 and json.loads(read_text('b.json'))['baseline']['known'] == 1 and json.loads(read_text('b.json'))['baseline']['fixed'] == []
 * expect: sorted(s['baseline'] for c in json.loads(read_text('b.json'))['clusters'] for s in c['sites']) == ['known', 'new']
 * expect: json.loads(read_text('c.json'))['baseline']['new'] == 0 and json.loads(read_text('c.json'))['baseline']['known'] == 1
 * expect: [f['category'] for f in json.loads(read_text('d.json'))['baseline']['fixed']] == ['definitely_lost']
 * expect: 'baseline_leak_one' in json.loads(read_text('d.json'))['baseline']['fixed'][0]['key']
 * expect: '@prog' in json.loads(read_text('d.json'))['baseline']['fixed'][0]['key'] and '0x' in json.loads(read_text('d.json'))['baseline']['fixed'][0]['key']
 * expect: 'BASELINE base.json: 1 new site, 1 known, 0 fixed' in read_text('b.txt')
 * expect: re.search(r'new: +definitely lost in cluster \d+ at baseline_leak_two', read_text('b.txt'))
 * expect: '(known: in the baseline)' in read_text('b.txt') and '(new: not in the baseline)' in read_text('b.txt')
 * expect: ['baseline_leak_two' in f.get('message') for f in xml_of('b.xml').iter('failure')] == [True]
 * expect: sorted(r['baselineState'] for r in json.loads(read_text('b.sarif'))['runs'][0]['results']) == ['new', 'unchanged']
 * expect: out_int('missing_exit') == 2 and 'cannot read --baseline nonexistent.json' in stderr
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void baseline_leak_one(void) { void *p = malloc(40); memset(p, 1, 40); sink(p); }
static NOINLINE void baseline_leak_two(void) { void *p = malloc(56); memset(p, 2, 56); sink(p); }

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "one") == 0) baseline_leak_one();
    if (strcmp(argv[i], "two") == 0) baseline_leak_two();
  }
  clobber_stack();
  return 0;
}
