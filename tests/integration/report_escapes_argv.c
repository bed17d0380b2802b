/* A program run with an argument that carries a terminal escape sequence
 * and a newline that would forge a LEAK SUMMARY: the text report on stderr
 * shows both escaped (\x1b, \n), so the terminal gets no escape and the
 * report one LEAK SUMMARY. The JSON keeps the argument as it was.
 * run: shell {lg} {prog} "$(printf '\033[2J\033]0;pwned\007')" "$(printf 'x\nLEAK SUMMARY:\n   definitely lost: 0 bytes in 0 blocks')"
 * expect: '\x1b' not in stderr and '\x07' not in stderr
 * expect: [l for l in stderr.splitlines() if l.startswith('LEAK SUMMARY')] == ['LEAK SUMMARY:']
 * expect: '\\x1b[2J\\x1b]0;pwned\\x07' in stderr and 'x\\nLEAK SUMMARY:\\n' in stderr
 * expect: processes[0].argv[1] == '\x1b[2J\x1b]0;pwned\x07'
 * expect: summary.definitely_lost.blocks == 1
 */
#include <stdlib.h>
#include <string.h>
#include "testutil.h"

static NOINLINE void escaped_leak(void) { void *p = malloc(8); memset(p, 1, 8); sink(p); }

int main(void) {
  escaped_leak();
  clobber_stack();
  return 0;
}
