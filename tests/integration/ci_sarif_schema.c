/* --format=sarif: a SARIF 2.1.0 log that the official schema accepts (ajv,
 * draft 2020-12, against the schema the SARIF Multitool ships) and that
 * the SARIF Multitool's own `validate` finds no error in; one result per
 * leak site and category (the 40-byte leak, and the 16-byte block it
 * holds, indirectly lost), level "error" for the definite one; its
 * location the first frame in the program's own code (sarif_leak in this
 * file, the line of its malloc: 32) and the whole allocation stack in
 * the result.
 * require: test -x {build}/npm/node_modules/.bin/ajv -a -x {build}/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool || { echo "the SARIF validators are not installed (make deps installs them with npm; is the npm registry reachable?)"; exit 1; }
 * run: shell {lg} {prog} >/dev/null 2>&1; {build}/leakgraph-report --format=sarif logs >out.sarif; cp out.sarif out.json; {build}/npm/node_modules/.bin/ajv validate --spec=draft2020 -c {build}/npm/node_modules/ajv-formats -s {build}/npm/node_modules/@microsoft/sarif-multitool-linux/sarif-2.1.0.json -d out.json; echo ajv_exit=$?; DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 {build}/npm/node_modules/@microsoft/sarif-multitool-linux/Sarif.Multitool validate out.sarif >mt.out 2>&1; echo mt_exit=$?
 * report: none
 * timeout: 120
 * expect: out_int('ajv_exit') == 0 and 'out.json valid' in stdout + stderr
 * expect: out_int('mt_exit') == 0 and 'Analysis completed successfully' in read_text('mt.out')
 * expect: not re.search(r': error [A-Z]', read_text('mt.out'))
 * expect: json.loads(read_text('out.sarif'))['version'] == '2.1.0'
 * expect: [r['ruleId'] for r in json.loads(read_text('out.sarif'))['runs'][0]['results']] == ['definitely-lost', 'indirectly-lost']
 * expect: [r['level'] for r in json.loads(read_text('out.sarif'))['runs'][0]['results']] == ['error', 'error']
 * expect: json.loads(read_text('out.sarif'))['runs'][0]['results'][0]['locations'][0]['physicalLocation']['artifactLocation']['uri'].endswith('/ci_sarif_schema.c')
 * expect: json.loads(read_text('out.sarif'))['runs'][0]['results'][0]['locations'][0]['physicalLocation']['region']['startLine'] == 32
 * expect: [f['location']['logicalLocations'][0]['fullyQualifiedName'] for f in json.loads(read_text('out.sarif'))['runs'][0]['results'][0]['stacks'][0]['frames']][:2] == ['sarif_leak', 'main']
 * expect: '40 bytes in 1 block definitely lost' in json.loads(read_text('out.sarif'))['runs'][0]['results'][0]['message']['text']
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

struct holder { void *inner; char pad[32]; };

static NOINLINE void sarif_leak(void) {
  struct holder *h;
  h = malloc(sizeof *h); /* line 32 */
  h->inner = malloc(16);
  sink(h);
}

int main(void) {
  sarif_leak();
  clobber_stack();
  return 0;
}
