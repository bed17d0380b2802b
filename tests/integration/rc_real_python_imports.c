/* /usr/bin/python3 imports json, sqlite3 and ssl and uses them
 * (tests/integration/py/rc_imports.py); it asks for a scan while the
 * interpreter runs (which analyses thousands of Python objects read from
 * the heap: rc_real_python_imports_scan checks what such a scan reports
 * against gc), then exits. At exit, after CPython's finalization, what is
 * left of its heap holds no finding (its leftovers are not analysed at all
 * when the finalization cleared PyType_Type's ready flag, which it does
 * unless a metatype outlived it — ctypes' do): the report has none.
 * run: shell {direct} /usr/bin/python3 {root}/tests/integration/py/rc_imports.py
 * env: PYTHONMALLOC=malloc
 * expect: out_int('rows') == 1
 * expect: r.refcount == []
 * expect: any(re.match(r'refcount scan 1: (\d+) objects analysed', n) and int(re.match(r'refcount scan 1: (\d+)', n).group(1)) >= 5000 for n in log_notes())
 * expect: any(re.match(r'refcount scan 2: \d+ objects analysed .*, 0 in 0 groups of cyclic garbage, 0 unbalanced', n) or 'interpreter has finalized' in n for n in log_notes())
 */
int main(void) { return 0; }
