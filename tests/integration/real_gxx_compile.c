/* A real program: Debian's g++ 12 compiles a small C++ file (g++ -c x.cc
 * -o x.o): the driver, cc1plus (GCC's garbage-collected heap lives in
 * mmap'd pages: without mappings as roots, 264 KB and more of it were
 * reported lost) and as. This program execs g++ in the test directory.
 * Expected: definite + indirect, all processes together, within 10% of
 * valgrind's figure for the same command, and cc1plus's own lost bytes
 * within 100 of valgrind's 7.
 *
 * valgrind 3.19 on Debian 12 (g++ 12.2.0, binutils 2.40), measured in a
 * directory whose path is as long as the test's:
 *   valgrind --trace-children=yes --leak-check=full g++ -c x.cc -o x.o
 *   g++ 1,295 + 20, cc1plus 7 + 0, as 46,770 + 29,960 (definite + indirect)
 *   total 78,052 bytes
 * Re-measure with that command (about 40 s) after changing x.cc.
 * require: command -v g++ && test -x /usr/lib/gcc/x86_64-linux-gnu/12/cc1plus
 * run: direct
 * timeout: 120
 * file: x.cc: #include <algorithm>
 * file: x.cc: #include <map>
 * file: x.cc: #include <memory>
 * file: x.cc: #include <string>
 * file: x.cc: #include <vector>
 * file: x.cc: template <class T> struct Box { std::vector<T> v; std::map<std::string, T> m; };
 * file: x.cc: int use(int n) { Box<int> b; for (int i = 0; i < n; i++) { b.v.push_back(i); b.m[std::to_string(i)] = i; } std::sort(b.v.begin(), b.v.end()); return (int)b.m.size() + b.v.back(); }
 * file: x.cc: std::unique_ptr<std::string> name() { return std::make_unique<std::string>("leakgraph"); }
 * expect: exists('x.o')
 * expect: len([p for p in processes if p.exe.endswith('/cc1plus') and p.complete]) == 1
 * expect: abs(summary.definitely_lost.bytes + summary.indirectly_lost.bytes - 78052) <= 7805
 * expect: sum(c.bytes for c in clusters if c.kind == 'lost' and c.pid in [p.pid for p in processes if p.exe.endswith('/cc1plus')]) <= 107
 */
#include <stdio.h>
#include <unistd.h>

int main(void) {
  execlp("g++", "g++", "-c", "x.cc", "-o", "x.o", (char *)NULL);
  perror("g++");
  return 127;
}
