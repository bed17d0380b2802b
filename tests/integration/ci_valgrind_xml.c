/* --format=valgrind-xml writes what `valgrind --xml=yes --leak-check=full`
 * writes for the same program: the same elements in the same places (the
 * set of element paths of both documents is equal: valgrindoutput,
 * protocolversion 4, preamble, pid, args, status, error with unique, tid,
 * kind, xwhat (text, leakedbytes, leakedblocks), stack of frames with ip,
 * obj, fn, dir, file, line, errorcounts, suppcounts), the same leak kinds
 * and, for the definitely lost records, the same bytes (a record counts
 * the indirect bytes it holds, as valgrind's does) and blocks. The program
 * leaks a 7-node tree (one definite root, six indirect) and a plain block;
 * it clears its dead stack only under leakgraph (valgrind, which does not
 * scan below the stack pointer, stops a program writing there).
 * require: command -v valgrind || { echo "valgrind is not installed (scripts/install-deps test)"; exit 1; }
 * run: shell valgrind --xml=yes --xml-file=vg.xml --leak-check=full --show-leak-kinds=definite,indirect,possible {prog} >/dev/null 2>&1; {lg} {prog} >/dev/null 2>&1; {build}/leakgraph-report --format=valgrind-xml logs >lg.xml; xmllint --noout lg.xml vg.xml; echo xmllint_exit=$?
 * report: none
 * timeout: 120
 * expect: out_int('xmllint_exit') == 0
 * expect: xml_paths('lg.xml') == xml_paths('vg.xml')
 * expect: xml_of('lg.xml').findtext('protocolversion') == '4'
 * expect: {e.findtext('kind') for e in xml_of('lg.xml').iter('error')} == {e.findtext('kind') for e in xml_of('vg.xml').iter('error')} == {'Leak_DefinitelyLost', 'Leak_IndirectlyLost'}
 * expect: sorted((int(e.findtext('xwhat/leakedbytes')), int(e.findtext('xwhat/leakedblocks'))) for e in xml_of('lg.xml').iter('error') if e.findtext('kind') == 'Leak_DefinitelyLost') == sorted((int(e.findtext('xwhat/leakedbytes')), int(e.findtext('xwhat/leakedblocks'))) for e in xml_of('vg.xml').iter('error') if e.findtext('kind') == 'Leak_DefinitelyLost') == [(100, 1), (112, 1)]
 * expect: sum(int(e.findtext('xwhat/leakedbytes')) for e in xml_of('lg.xml').iter('error') if e.findtext('kind') == 'Leak_IndirectlyLost') == 96
 * expect: any(f.findtext('fn') == 'vg_leak_plain' and f.findtext('file') == 'ci_valgrind_xml.c' for f in xml_of('lg.xml').iter('frame'))
 * expect: [a.text for a in xml_of('lg.xml').find('args/argv')] == [tmp + '/prog']
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct node { struct node *l, *r; };

static NOINLINE struct node *vg_make(int depth) {
  if (!depth) return NULL;
  struct node *n = malloc(sizeof *n);
  n->l = vg_make(depth - 1);
  n->r = vg_make(depth - 1);
  return n;
}
static NOINLINE void vg_leak_tree(void) { sink(vg_make(3)); }
static NOINLINE void vg_leak_plain(void) { void *p = malloc(100); memset(p, 3, 100); sink(p); }

int main(void) {
  vg_leak_tree();
  vg_leak_plain();
  if (getenv("LEAKGRAPH_OPTIONS"))
    clobber_stack();
  return 0;
}
