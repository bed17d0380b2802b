/* /usr/bin/python3 holds an lru_cache wrapper with an empty cache (its
 * list's root links, inside the wrapper, name the wrapper) and four
 * functions that a specialised LOAD_METHOD's inline cache in another
 * function's bytecode still names after they left their class, each held
 * only by a local of a running frame; it also drops 100 list cycles
 * (tests/integration/py/rc_borrowed.py). Neither kind of word is a
 * reference CPython counts, so none of these objects is cyclic garbage:
 * the refcount phase reports none of them, nor anything else CPython
 * holds, and still finds 95% of the list cycles.
 * run: shell {direct} /usr/bin/python3 {root}/tests/integration/py/rc_borrowed.py
 * env: PYTHONMALLOC=malloc
 * exit: 137
 * expect: out_int('garbage') >= 100 and out_int('watch') == 5
 * expect: r.refcount and all(f.kind == 'cyclic_garbage' and f.family == 'python' for f in r.refcount)
 * expect: not {int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['watch'])
 * expect: not {int(o.address, 16) for f in r.refcount for o in f.objects} & set(json.loads(read_text('gc.json'))['held'])
 * expect: sum(1 for f in r.refcount for k, o in enumerate(f.objects) if o.type == 'list' and [k, k] in f.edges) >= 95
 */
int main(void) { return 0; }
