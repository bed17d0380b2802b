/* A whole test suite under leakgraph, as the README shows it: the suite of
 * tests/ci-example is built, then `leakgraph --log-dir=DIR -- make check`
 * runs it, and one JUnit report over DIR has one test case per process
 * (make, its two shells and the three tests), named by its command line,
 * with a failure only in test_parse (its 32-byte leak in count_fields);
 * the document is valid against the JUnit schema Jenkins and GitLab read.
 * The program itself is not used.
 * run: shell make -s -C {root}/tests/ci-example O={tmp} >/dev/null && {build}/leakgraph --quiet --log-dir={tmp}/suite -- make -s -C {root}/tests/ci-example check O={tmp} >suite.out 2>&1; echo suite_exit=$?; {build}/leakgraph-report --format=junit {tmp}/suite >junit.xml; echo report_exit=$?; xmllint --schema {root}/tests/schemas/junit.xsd --noout junit.xml
 * report: none
 * expect: out_int('suite_exit') == 0 and out_int('report_exit') == 0
 * expect: 'junit.xml validates' in stderr
 * expect: len(list(xml_of('junit.xml').iter('testcase'))) == 6
 * expect: sorted(tc.get('classname') for tc in xml_of('junit.xml').iter('testcase')) == ['dash', 'dash', 'make', 'test_cache', 'test_list', 'test_parse']
 * expect: [tc.get('name') for tc in xml_of('junit.xml').iter('testcase') if tc.find('failure') is not None] == [tmp + '/test_parse']
 * expect: [f.get('type') for f in xml_of('junit.xml').iter('failure')] == ['Leak_DefinitelyLost']
 * expect: 'count_fields' in next(xml_of('junit.xml').iter('failure')).get('message')
 * expect: 'in count_fields' in next(xml_of('junit.xml').iter('failure')).text
 * expect: xml_of('junit.xml').find('testsuite').get('failures') == '1' and xml_of('junit.xml').find('testsuite').get('tests') == '6'
 */
int main(void) { return 0; }
