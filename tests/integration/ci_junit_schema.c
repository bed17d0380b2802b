/* --format=junit for one process: a test case named by its command line
 * (argv), classname the executable's name, a failure per failing leak
 * site (a definitely lost 48-byte block and a definitely lost 24-byte one)
 * with the allocation stack as text; none for the reachable block. With
 * --fail-on=possible, the definite sites do not fail. Valid against the
 * JUnit schema (tests/schemas/junit.xsd, xmllint).
 * run: shell {lg} {prog} one 'two words' >/dev/null 2>&1; {build}/leakgraph-report --format=junit logs >junit.xml; {build}/leakgraph-report --format=junit --fail-on=possible logs >possible.xml; xmllint --schema {root}/tests/schemas/junit.xsd --noout junit.xml possible.xml
 * report: none
 * expect: 'junit.xml validates' in stderr and 'possible.xml validates' in stderr
 * expect: [tc.get('name') for tc in xml_of('junit.xml').iter('testcase')] == [tmp + '/prog one two words']
 * expect: [tc.get('classname') for tc in xml_of('junit.xml').iter('testcase')] == ['prog']
 * expect: sorted(f.get('message').split(' bytes')[0] for f in xml_of('junit.xml').iter('failure')) == ['24', '48']
 * expect: all(f.get('type') == 'Leak_DefinitelyLost' for f in xml_of('junit.xml').iter('failure'))
 * expect: any('in junit_leak_big' in f.text and 'in main' in f.text for f in xml_of('junit.xml').iter('failure'))
 * expect: list(xml_of('possible.xml').iter('failure')) == []
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void *kept;

static NOINLINE void junit_leak_big(void) { void *p = malloc(48); memset(p, 1, 48); sink(p); }
static NOINLINE void junit_leak_small(void) { void *p = malloc(24); memset(p, 2, 24); sink(p); }
static NOINLINE void junit_keep(void) { kept = malloc(100); }

int main(void) {
  junit_leak_big();
  junit_leak_small();
  junit_keep();
  clobber_stack();
  return 0;
}
