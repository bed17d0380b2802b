/* /usr/bin/python3 with its collector disabled makes 400 list cycles, 400
 * dict cycles and 400 pairs of class instances that hold each other, and
 * keeps 50 list cycles alive; it asks for a scan, then gc.collect() with
 * DEBUG_SAVEALL finds the same garbage (tests/integration/py/rc_cycles.py
 * writes it to gc.json) and the process kills itself, so the report is
 * the scan's.
 * The refcount phase, reading Python objects from the heap, finds at least
 * 95% of the objects gc found, and reports nothing that CPython still
 * holds: no object its collector tracks that is not garbage, nor one that
 * such an object refers to (so every reported object is in gc.garbage or
 * reachable only from there), and none of the kept cycles.
 * run: shell {direct} /usr/bin/python3 {root}/tests/integration/py/rc_cycles.py
 * env: PYTHONMALLOC=malloc
 * exit: 137
 * expect: out_int('garbage') >= 1600 and out_int('alive') == 50 and out_int('held') > 1000
 * expect: r.refcount and all(f.kind == 'cyclic_garbage' and f.family == 'python' for f in r.refcount)
 * expect: len({int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['garbage'])) >= 0.95 * out_int('garbage')
 * expect: not {int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['held'])
 * expect: not {int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['alive'])
 * expect: {o.type for f in r.refcount for o in f.objects} >= {'list', 'dict', 'Node', 'str'}
 * expect: any(o.type == 'list' and [k, k] in f.edges for f in r.refcount for k, o in enumerate(f.objects))
 */
int main(void) { return 0; }
