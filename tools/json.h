/* tools/json.h — a tiny streaming JSON writer: objects, arrays, keys and
 * scalars written straight to a FILE, commas and indentation handled here,
 * strings escaped so that any bytes (invalid UTF-8 included) give valid
 * JSON. No allocation; nesting is limited to LG_JSON_MAX_DEPTH. */
#ifndef LG_JSON_H
#define LG_JSON_H

#include <stdint.h>
#include <stdio.h>

#define LG_JSON_MAX_DEPTH 32

typedef struct lg_json {
  FILE *f;
  int depth;
  int count[LG_JSON_MAX_DEPTH]; /* values written at each level */
  int after_key;
} lg_json_t;

/* lg_json_init starts a writer on `f`. */
void lg_json_init(lg_json_t *j, FILE *f);

/* Containers: begin/end an object or an array (as a value). */
void lg_json_obj(lg_json_t *j);
void lg_json_obj_end(lg_json_t *j);
void lg_json_arr(lg_json_t *j);
void lg_json_arr_end(lg_json_t *j);

/* lg_json_key writes an object key; the next call writes its value. */
void lg_json_key(lg_json_t *j, const char *k);

/* Scalars. lg_json_str writes null for a NULL string. */
void lg_json_str(lg_json_t *j, const char *s);
void lg_json_u64(lg_json_t *j, uint64_t v);
void lg_json_i64(lg_json_t *j, int64_t v);
void lg_json_bool(lg_json_t *j, int v);
void lg_json_null(lg_json_t *j);
/* lg_json_decimal writes v / 10^digits (digits at most 18) exactly, as a
 * number with at least one and at most `digits` decimals: 1500000 with 6
 * digits is 1.5, 12000000 is 12.0. */
void lg_json_decimal(lg_json_t *j, uint64_t v, unsigned digits);
/* lg_json_hex writes `v` as a "0x..." string. */
void lg_json_hex(lg_json_t *j, uint64_t v);

/* lg_json_escape writes `s` as a quoted JSON string to `f`. */
void lg_json_escape(FILE *f, const char *s);

/* lg_json_location writes a frame's keys "function", "file", "line" (null
 * without a file or a line), "module" and "address", the shape every
 * stack frame and balance-tree node of the report shares (SPEC section 5). */
void lg_json_location(lg_json_t *j, const char *function, const char *file, int line,
                      const char *module, uint64_t address);

#endif
