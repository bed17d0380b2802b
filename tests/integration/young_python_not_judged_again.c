/* /usr/bin/python3 (PYTHONMALLOC=malloc: every object a malloc block)
 * leaks a 1111-byte block through ctypes and waits until its log holds 4
 * periodic scans (interval=0.02, the default full_every 10 and min_age
 * 2; tests/integration/py/young_ctypes_leak.py). A young scan has no
 * refcount phase, and without it finds lost many objects a full scan finds
 * reachable (a pointer to a Python object lies inside its block): so in
 * a program with refcounted objects a young scan judges no block again
 * (young.h), and no young scan logs a cluster, neither the leak nor any
 * object of CPython's. The exit scan, full, reports the leak.
 * run: shell {direct} /usr/bin/python3 {root}/tests/integration/py/young_ctypes_leak.py
 * env: PYTHONMALLOC=malloc
 * options: interval=0.02
 * timeout: 120
 * expect: stdout == 'scans=4\n'
 * expect: all(s.young for s in log_scans() if s.kind == 'periodic' and s.scan <= 4)
 * expect: [s.scan for s in log_scans() if s.young and s.clusters] == []
 * expect: any(c.entry_size == 1111 for s in log_scans() if s.kind == 'exit' for c in s.clusters)
 */
int main(void) { return 0; }
