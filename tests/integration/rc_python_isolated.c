/* /usr/bin/python3 -I ignores PYTHONMALLOC=malloc: CPython keeps every
 * object of 512 bytes or less in its own arenas, and only bigger ones are
 * malloc blocks. The scan it asks for says so in the log (and in the
 * report's notes), analyses only those bigger objects, and reports no
 * finding.
 * run: shell {direct} /usr/bin/python3 -I -c 'import ctypes; x = [list(range(100)) for i in range(50)]; ctypes.CDLL(None).leakgraph__scan(); print("ok")'
 * env: PYTHONMALLOC=malloc
 * expect: stdout == 'ok\n'
 * expect: any('no Python object of 512 bytes or less lies in a malloc block' in n and 'python3 -I and -E ignore the environment' in n for n in log_notes())
 * expect: any(re.match(r'refcount scan 1: \d+ objects analysed \(\d+ read from the Python heap\), 0 in 0 groups', n) for n in log_notes())
 * expect: r.refcount == []
 */
int main(void) { return 0; }
