/* /usr/bin/python3 imports json, sqlite3 and ssl and uses them with its
 * collector on, as programs run, then drops a class it made (cyclic
 * garbage until the collector runs); it asks for a scan, then gc.collect()
 * with DEBUG_SAVEALL finds what was garbage at that moment
 * (tests/integration/py/rc_imports_gc.py writes it to gc.json) and the
 * process kills itself, so the report is the scan's. Whatever the scan
 * reports — the collector may not have run yet on some cycle of the
 * imports — is real: no object of any finding is one that CPython still
 * holds (an object its collector tracks that is not garbage, or one such
 * an object refers to), and the dropped class is among them; and the
 * scan analysed the thousands of objects of the running interpreter.
 * run: shell {direct} /usr/bin/python3 {root}/tests/integration/py/rc_imports_gc.py
 * env: PYTHONMALLOC=malloc
 * exit: 137
 * expect: out_int('rows') == 1 and out_int('held') > 5000
 * expect: r.refcount and all(f.kind == 'cyclic_garbage' and f.family == 'python' for f in r.refcount)
 * expect: any(o.type == 'type' for f in r.refcount for o in f.objects)
 * expect: not {int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['held'])
 * expect: {o.type for f in r.refcount for o in f.objects if int(o.address, 16) in set(json.loads(read_text('gc.json'))['garbage'])} >= {'type'}
 * expect: any(re.match(r'refcount scan 1: (\d+) objects analysed', n) and int(re.match(r'refcount scan 1: (\d+)', n).group(1)) >= 5000 for n in log_notes())
 */
int main(void) { return 0; }
