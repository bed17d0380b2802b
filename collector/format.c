/* collector/format.c — the record checksum of the log format (CRC-32, zlib
 * polynomial) and the names of its heuristic and refcount family codes. The 256-entry table is a compile-time constant built by
 * the macros below, so the function is pure and reentrant: it can run in a
 * signal handler or in a forked child without any set-up. */
#include "format.h"

#define P 0xEDB88320u
#define S1(c) (((c) >> 1) ^ (((c) & 1u) ? P : 0u))
#define S8(c) S1(S1(S1(S1(S1(S1(S1(S1(c))))))))
#define R4(i) S8(i), S8((i) + 1), S8((i) + 2), S8((i) + 3)
#define R16(i) R4(i), R4((i) + 4), R4((i) + 8), R4((i) + 12)
#define R64(i) R16(i), R16((i) + 16), R16((i) + 32), R16((i) + 48)

static const uint32_t crc_table[256] = {R64(0u), R64(64u), R64(128u),
                                        R64(192u)};

uint32_t lg_crc32(uint32_t crc, const void *p, size_t n) {
  const uint8_t *b = p;
  crc = ~crc;
  while (n--)
    crc = crc_table[(crc ^ *b++) & 0xFFu] ^ (crc >> 8);
  return ~crc;
}

const char *lg_heuristic_name(uint32_t h) {
  static const char *const names[LG_NHEURS + 1] = {
      [LG_HEUR_STDSTRING] = "stdstring",
      [LG_HEUR_LENGTH64] = "length64",
      [LG_HEUR_NEWARRAY] = "newarray",
      [LG_HEUR_MULTIPLEINHERITANCE] = "multipleinheritance",
  };
  return h <= LG_NHEURS ? names[h] : NULL;
}

const char *lg_rc_family_name(uint32_t f) {
  static const char *const names[LG_RC_NFAMILIES + 1] = {
      [LG_RC_API] = "api",
      [LG_RC_GOBJECT] = "gobject",
      [LG_RC_GSTREAMER] = "gstreamer",
      [LG_RC_OPENSSL] = "openssl",
      [LG_RC_PYTHON] = "python",
  };
  return f <= LG_RC_NFAMILIES ? names[f] : NULL;
}
