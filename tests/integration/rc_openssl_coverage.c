/* Hook coverage of the openssl family: X509, EVP_PKEY, BIO, SSL_CTX and
 * SSL_SESSION objects made, up_refd and freed by the program and by
 * OpenSSL itself, an X509 read from PEM (d2i: no X509_new, so adopted at
 * its first up_ref), whose key OpenSSL makes and refs itself. Where each type keeps its count is read from its up_ref's
 * code; for every live object the shim's count equals that field, which
 * a wrong offset would not.
 * pkg: libssl libcrypto
 * run: direct
 * expect: stdout == 'ok\n' and exit_code == 0
 * expect: any('refcount openssl: 9 functions patched in' in n and 'libcrypto' in n for n in log_notes())
 * expect: any('refcount openssl: 6 functions patched in' in n and 'libssl' in n for n in log_notes())
 * expect: rc_stats('openssl')['mismatched'] == 0 and rc_stats('openssl')['adopted'] >= 1
 * expect: rc_stats('openssl')['live'] >= 6 and rc_stats('openssl')['born'] >= 7
 * expect: rc_stats('openssl')['refs'] >= 6 and rc_stats('openssl')['died'] >= 2
 */
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <stdio.h>

static const char cert[] =
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBiTCCAS+gAwIBAgIUM1agGQmokac4bt6HcwjgXPMdtBowCgYIKoZIzj0EAwIw\n"
    "GTEXMBUGA1UEAwwObGVha2dyYXBoLXRlc3QwIBcNMjYxMjAxMTIwODM1WhgPMjEy\n"
    "NjExMDcxMjA4MzVaMBkxFzAVBgNVBAMMDmxlYWtncmFwaC10ZXN0MFkwEwYHKoZI\n"
    "zj0CAQYIKoZIzj0DAQcDQgAEMiveGkzUBB8zN/bkMOSpfC88IZIi5+MTN3nNbzAd\n"
    "eg+TO0HKAm/06SD2B6ZP+tH4KcXQfYYOVcihy7ZRl6XQNKNTMFEwHQYDVR0OBBYE\n"
    "FEPT7K78Yc6EU6mXxzlbvOVx49AHMB8GA1UdIwQYMBaAFEPT7K78Yc6EU6mXxzlb\n"
    "vOVx49AHMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDSAAwRQIgKow5xyHm\n"
    "aI0lXwXAIHMi6qrZiSQHbOXS1hwDy0Ce+44CIQCS5YZf95xZ2vM3MhdcXWijMbPT\n"
    "NIECvwKVumVTU/afnQ==\n"
    "-----END CERTIFICATE-----\n";

static X509 *x, *x2;
static EVP_PKEY *pub;
static EVP_PKEY *k;
static BIO *b;
static SSL_CTX *ctx;
static SSL_SESSION *sess;

int main(void) {
  x = X509_new();
  X509_set_version(x, 2);
  X509_up_ref(x);
  k = EVP_PKEY_new();
  EVP_PKEY_up_ref(k);
  b = BIO_new(BIO_s_mem());
  BIO_up_ref(b);
  BIO_free(b);
  ctx = SSL_CTX_new(TLS_method());
  SSL_CTX_up_ref(ctx);
  sess = SSL_SESSION_new();
  SSL_SESSION_up_ref(sess);
  /* An X509 that d2i makes: no X509_new. */
  BIO *mem = BIO_new_mem_buf(cert, -1);
  x2 = PEM_read_bio_X509(mem, NULL, NULL, NULL);
  BIO_free(mem);
  if (!x2) return 1;
  X509_up_ref(x2);
  pub = X509_get_pubkey(x2); /* EVP_PKEY_up_ref inside libcrypto */
  /* Short-lived ones. */
  X509 *t = X509_new();
  X509_free(t);
  EVP_PKEY *tk = EVP_PKEY_new();
  EVP_PKEY_free(tk);
  printf("%s\n", pub && ctx && sess ? "ok" : "failed");
  return 0;
}
