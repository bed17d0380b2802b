/* A real program: Debian's /usr/bin/python3 runs a small script (objects
 * in a linked list, sqlite3 in memory, json, re, collections, decimal, a
 * thread) twice, with its default allocator (pymalloc keeps objects in
 * 1 MiB mmap'd arenas: without mappings as roots, objects held only from
 * them were reported lost) and again with -I (isolated mode). This
 * program forks and execs both, with PYTHONMALLOC and friends unset.
 * Expected: both runs succeed and no process has a definite or indirect
 * leak (valgrind finds none either).
 * require: test -x /usr/bin/python3
 * timeout: 120
 * expect: count_lines(stdout, 'py-ok 15096 111 300 0.142857 1313400') == 2
 * expect: out_int('runs') == 2 and out_int('ok') == 2
 * expect: len([p for p in processes if p.exe.startswith('/usr/bin/python3') and p.complete and p.end == 'exit']) == 2
 * expect: summary.definitely_lost.blocks == 0 and summary.indirectly_lost.blocks == 0
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static const char script[] =
    "import json, sqlite3, re, collections, decimal, threading, functools\n"
    "class Node:\n"
    "    def __init__(self, v, nxt=None): self.v, self.nxt = v, nxt\n"
    "head = None\n"
    "for i in range(2000): head = Node({'i': i, 's': str(i) * 3}, head)\n"
    "db = sqlite3.connect(':memory:')\n"
    "db.execute('create table t(a integer, b text)')\n"
    "db.executemany('insert into t values(?, ?)', [(i, 'x%d' % i) for i in range(500)])\n"
    "total = db.execute(\"select sum(a), count(*) from t where b like 'x1%'\").fetchone()\n"
    "words = collections.Counter(re.findall(r'\\w+', json.dumps([n for n in range(300)]) * 3))\n"
    "d = decimal.Decimal(1) / decimal.Decimal(7)\n"
    "out = []\n"
    "t = threading.Thread(target=lambda: out.append(sum(functools.reduce(lambda a, b: a + b, range(k))"
    " for k in range(1, 200))))\n"
    "t.start(); t.join()\n"
    "print('py-ok', total[0], total[1], len(words), str(d)[:8], out[0], flush=True)\n";

/* Runs /usr/bin/python3 [flag] -c script; returns 1 when it exits 0. */
static int run_python(const char *flag) {
  fflush(stdout);
  pid_t pid = fork();
  if (pid == 0) {
    const char *unset[] = {"PYTHONMALLOC", "PYTHONDEVMODE", "PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"};
    for (size_t i = 0; i < sizeof unset / sizeof unset[0]; i++) unsetenv(unset[i]);
    if (flag) execl("/usr/bin/python3", "python3", flag, "-c", script, (char *)NULL);
    else execl("/usr/bin/python3", "python3", "-c", script, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  return pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

int main(void) {
  int ok = run_python(NULL) + run_python("-I");
  printf("runs=2 ok=%d\n", ok);
  return 0;
}
