/* OpenSSL: an X509 built by the program and handed to balanced users
 * (X509_up_ref, then X509_free), refd once more by keep_forever, which
 * never frees it; then the program frees its own reference and drops the
 * certificate. The refcount phase finds it unbalanced — its count 1 that
 * no pointer accounts for — with a balance tree ending in keep_forever,
 * and nothing else (OpenSSL's own objects at exit are not findings).
 * pkg: openssl
 * expect: [(f.kind, f.family) for f in r.refcount] == [('unbalanced', 'openssl')]
 * expect: r.refcount[0].objects[0].type == 'X509' and r.refcount[0].objects[0].refcount == 1
 * expect: has_frame(r.refcount[0].objects[0], 'make_cert')
 * expect: re.search(r'"function": "keep_forever", [^{]*"refs": 1, "unrefs": 0, "balance": 1,', json.dumps(r.refcount[0].tree))
 * expect: 'use_cert' not in json.dumps(r.refcount[0].tree)
 * expect: set(re.findall(r'"balance": (-?[0-9]+)', json.dumps(r.refcount[0].tree))) == {'1'}
 */
#include <openssl/x509.h>

#include "testutil.h"

static NOINLINE void use_cert(X509 *c) {
  X509_up_ref(c);
  X509_free(c);
}

static NOINLINE void keep_forever(X509 *c) { X509_up_ref(c); }

static NOINLINE void make_cert(void) {
  X509 *c = X509_new();
  X509_set_version(c, 2);
  for (int i = 0; i < 3; i++) use_cert(c);
  keep_forever(c);
  X509_free(c);
}

int main(void) {
  make_cert();
  clobber_stack();
  return 0;
}
