/* For a CPython program (Debian's /usr/bin/python3 exports PyType_Type),
 * the wrapper sets PYTHONMALLOC=malloc (and G_SLICE, for GLib loaded
 * through gi) when the user has not, says so once, and the shim finds
 * PyType_Type; a PYTHONMALLOC the user set is kept, without a word about
 * it (the shim's NOTE then warns that CPython's pools hide its objects).
 * With --quiet the wrapper says nothing.
 * run: shell {lg} /usr/bin/python3 -c 'import os; print(os.environ.get("PYTHONMALLOC"), os.environ.get("G_SLICE"))'; PYTHONMALLOC=pymalloc {lg} /usr/bin/python3 -c 'import os; print(os.environ.get("PYTHONMALLOC"), os.environ.get("G_SLICE"))'; {lg} --quiet /usr/bin/python3 -c 'print("quiet")'
 * expect: stdout == 'malloc always-malloc\npymalloc always-malloc\nquiet\n' and exit_code == 0
 * expect: count_lines(stderr, 'PYTHONMALLOC=malloc') == 1 and count_lines(stderr, 'G_SLICE=always-malloc') == 2
 * expect: count_lines(stderr, 'pymalloc') == 0
 * expect: sum('refcount python: CPython in the program' in n for n in log_notes()) == 3
 * expect: sum('PYTHONMALLOC is not malloc' in n for n in log_notes()) == 1
 */
int main(void) { return 0; }
