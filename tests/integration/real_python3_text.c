/* A real program with hundreds of leaked blocks: Debian's /usr/bin/python3
 * with PYTHONMALLOC=malloc (every object through malloc) builds a cycle of
 * two objects hidden from its cycle collector and drops it (the demo's
 * script), and keeps about a hundred clusters of objects at exit that only
 * interior pointers reach (possibly lost). The text report's first screen
 * (the wrapper's, on stderr) starts with the definitely lost cycle, drawn
 * as its graph, then says how many possibly lost sites it left out and
 * how to see them, then the LEAK SUMMARY: about 40 lines, not thousands.
 * require: test -x /usr/bin/python3
 * timeout: 120
 * expect: stdout == 'cycle dropped\n'
 * expect: summary.definitely_lost.blocks >= 1 and summary.possibly_lost.blocks > 100 and len(clusters) > 50
 * expect: re.match(r'\d+ \(\d+ direct, \d+ indirect\) bytes in \d+ blocks are definitely lost in cluster \d+ of \d+ \(cyclic\)$', line_with(stderr, ' are '))
 * expect: count_lines(stderr, 'by _PyObject_MakeTpCall (in python3') == 1
 * expect: re.search(r'^   graph: \[0\] -> \[\d\]', stderr, re.M)
 * expect: re.search(r'^\.\.\. and \d+ more allocation sites: (\d+ lost \(.*\), )?\d+ possibly lost \(\d+ bytes in \d+ clusters\); --all shows every site', stderr, re.M)
 * expect: len(lines(stderr)) <= 50 and 'LEAK SUMMARY:' in stderr
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char script[] =
    "import ctypes\n"
    "class Node:\n"
    "    pass\n"
    "a, b = Node(), Node()\n"
    "a.peer, b.peer = b, a\n"
    "for o in (a, b):\n"
    "    ctypes.pythonapi.PyObject_GC_UnTrack(ctypes.py_object(o))\n"
    "del a, b, o\n"
    "print('cycle dropped', flush=True)\n";

int main(void) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    setenv("PYTHONMALLOC", "malloc", 1);
    unsetenv("PYTHONDEVMODE"), unsetenv("PYTHONHOME"), unsetenv("PYTHONPATH");
    execl("/usr/bin/python3", "python3", "-c", script, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) ? WEXITSTATUS(st) : 1;
}
