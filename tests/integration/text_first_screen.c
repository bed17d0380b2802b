/* The text report scales: 60 allocation sites (60 functions, leak_1001 to
 * leak_1060, each leaking one block of its number of bytes) leak a block
 * each, definitely lost, and 5 sites leak blocks that only interior
 * pointers reach (possibly lost, larger still). The first screen (the
 * wrapper's report on stderr) lists the definitely lost sites first, the
 * largest first, then one line saying how many more sites there are and
 * how to see them (--all, --cluster=ID), then the LEAK SUMMARY, in about
 * 40 lines; `leakgraph-report --all` lists every site.
 * run: shell {lg} {prog} 2>{tmp}/first.txt; s=$?; {build}/leakgraph-report --all {tmp}/logs/*.log >{tmp}/all.txt 2>&1; exit $s
 * expect: summary.definitely_lost.blocks == 60 and summary.possibly_lost.blocks == 5
 * expect: len(lines(read_text('first.txt'))) <= 45
 * expect: 'LEAK SUMMARY:' in read_text('first.txt')
 * expect: re.search(r'^\.\.\. and \d+ more allocation sites: \d+ lost \(\d+ bytes in \d+ clusters\), 5 possibly lost \(\d+ bytes in 5 clusters\); --all shows every site, --cluster=ID one cluster in detail$', read_text('first.txt'), re.M)
 * expect: line_with(read_text('first.txt'), 'are definitely lost in').startswith('1060 bytes in 1 block are definitely lost in cluster 6 of 65')
 * expect: 'at leak (' in read_text('first.txt') and 'by leak_1060 (' in read_text('first.txt') and 'by leak_1001 (' not in read_text('first.txt')
 * expect: 'possibly lost in cluster' not in read_text('first.txt')
 * expect: count_lines(read_text('all.txt'), 'are definitely lost in cluster') == 60
 * expect: count_lines(read_text('all.txt'), 'are possibly lost in cluster') == 5
 * expect: 'more allocation sites' not in read_text('all.txt')
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static void *volatile interior[5];

static NOINLINE void leak(size_t n) {
  void *p = malloc(n);
  memset(p, 0, n);
  sink(p);
}

static NOINLINE void keep_interior(int i, size_t n) {
  char *p = malloc(n);
  memset(p, 0, n);
  interior[i] = p + 8;
}

/* One site per function: leak_N leaks N bytes. */
#define DEF(n) static NOINLINE void leak_##n(void) { leak(n); }
#define CALL(n) leak_##n();
#define ALL(X) \
  X(1001) X(1002) X(1003) X(1004) X(1005) X(1006) X(1007) X(1008) X(1009) X(1010) \
  X(1011) X(1012) X(1013) X(1014) X(1015) X(1016) X(1017) X(1018) X(1019) X(1020) \
  X(1021) X(1022) X(1023) X(1024) X(1025) X(1026) X(1027) X(1028) X(1029) X(1030) \
  X(1031) X(1032) X(1033) X(1034) X(1035) X(1036) X(1037) X(1038) X(1039) X(1040) \
  X(1041) X(1042) X(1043) X(1044) X(1045) X(1046) X(1047) X(1048) X(1049) X(1050) \
  X(1051) X(1052) X(1053) X(1054) X(1055) X(1056) X(1057) X(1058) X(1059) X(1060)
ALL(DEF)

static NOINLINE void keep_0(void) { keep_interior(0, 5000); }
static NOINLINE void keep_1(void) { keep_interior(1, 5001); }
static NOINLINE void keep_2(void) { keep_interior(2, 5002); }
static NOINLINE void keep_3(void) { keep_interior(3, 5003); }
static NOINLINE void keep_4(void) { keep_interior(4, 5004); }

static NOINLINE void leak_everywhere(void) {
  ALL(CALL)
  keep_0(); keep_1(); keep_2(); keep_3(); keep_4();
}

int main(void) {
  leak_everywhere();
  clobber_stack();
  return 0;
}
