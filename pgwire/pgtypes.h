/*
 * pgtypes.h: PostgreSQL type OIDs for Mica values, and their text and binary wire encodings.
 *
 * A result column's type comes from its declared type (pgtypes_from_decltype) when it is a table
 * column, else from the storage class of its first value (pgtypes_from_storage). Values are then
 * encoded to match the announced type whatever their storage class (SQLite columns are loosely
 * typed): an integer in a text column is sent as its decimal text, a real in a bool column as 't'/'f'.
 */
#ifndef PGTYPES_H
#define PGTYPES_H

#include <stddef.h>
#include <stdint.h>

#include "pqbuf.h"

#define PGOID_BOOL 16
#define PGOID_BYTEA 17
#define PGOID_NAME 19
#define PGOID_INT8 20
#define PGOID_INT2 21
#define PGOID_INT4 23
#define PGOID_TEXT 25
#define PGOID_OID 26
#define PGOID_JSON 114
#define PGOID_FLOAT4 700
#define PGOID_FLOAT8 701
#define PGOID_UNKNOWN 705
#define PGOID_BPCHAR 1042
#define PGOID_VARCHAR 1043
#define PGOID_DATE 1082
#define PGOID_TIME 1083
#define PGOID_TIMESTAMP 1114
#define PGOID_TIMESTAMPTZ 1184
#define PGOID_INTERVAL 1186
#define PGOID_TIMETZ 1266
#define PGOID_NUMERIC 1700
#define PGOID_UUID 2950
#define PGOID_JSONB 3802

/* Array types (one-dimensional arrays are held as text: pgarray.h). */
#define PGOID_JSON_ARRAY 199
#define PGOID_BOOL_ARRAY 1000
#define PGOID_BYTEA_ARRAY 1001
#define PGOID_NAME_ARRAY 1003
#define PGOID_INT2_ARRAY 1005
#define PGOID_INT4_ARRAY 1007
#define PGOID_TEXT_ARRAY 1009
#define PGOID_BPCHAR_ARRAY 1014
#define PGOID_VARCHAR_ARRAY 1015
#define PGOID_INT8_ARRAY 1016
#define PGOID_FLOAT4_ARRAY 1021
#define PGOID_FLOAT8_ARRAY 1022
#define PGOID_OID_ARRAY 1028
#define PGOID_TIMESTAMP_ARRAY 1115
#define PGOID_DATE_ARRAY 1182
#define PGOID_TIME_ARRAY 1183
#define PGOID_TIMESTAMPTZ_ARRAY 1185
#define PGOID_INTERVAL_ARRAY 1187
#define PGOID_NUMERIC_ARRAY 1231
#define PGOID_TIMETZ_ARRAY 1270
#define PGOID_UUID_ARRAY 2951
#define PGOID_JSONB_ARRAY 3807

typedef struct pgtype {
  uint32_t oid;
  int16_t typlen; /* -1 variable */
  int32_t typmod; /* -1 none */
} pgtype;

/* Maps a declared column type ("VARCHAR(20)", "double precision", "int8", "int4[]", ...). NULL or empty
 * gives oid 0 (unknown: decide from the value). Unknown names follow SQLite's affinity rules. A "[]" (or
 * "[N]") suffix makes it the element type's array type, with the element's typmod, as PostgreSQL
 * reports an array column; a typmod may also follow the brackets ("varchar[](20)", how the PostgreSQL
 * dialect stores varchar(20)[] so that SQLite can read the schema). */
pgtype pgtypes_from_decltype(const char *decltype);
/* Maps a MICA_INTEGER/FLOAT/TEXT/BLOB/NULL storage class. */
pgtype pgtypes_from_storage(int storage_class);
/* The typlen of a known oid (-1 when variable or unknown). */
int16_t pgtypes_typlen(uint32_t oid);
/* Name of a type oid for messages ("integer"), or NULL. */
const char *pgtypes_name(uint32_t oid);
/* OID of a PostgreSQL type name as used in casts and SET, or 0. */
uint32_t pgtypes_oid_by_name(const char *name);
/* The array type of an element type (int4 -> 1007), or 0 when it has none here. */
uint32_t pgtypes_array_of(uint32_t elem_oid);
/* The element type of an array type (1007 -> int4), or 0 when oid is not an array type. */
uint32_t pgtypes_elem_of(uint32_t array_oid);

/* A value to encode, as read from the engine. */
typedef struct pgvalue {
  int type; /* MICA_INTEGER ... MICA_NULL */
  int64_t i;
  double d;
  const unsigned char *p; /* text or blob bytes */
  size_t n;
} pgvalue;

/* Appends the value as a DataRow column (int32 length, -1 for NULL, then bytes) in the given format
 * (0 text, 1 binary) for type oid. Returns 0, or -1 when the value cannot be represented in binary for
 * that type (the caller reports 22P03/22P02). */
int pgtypes_put_value(pqbuf *b, uint32_t oid, int format, const pgvalue *v);
/* The same with the column's type modifier: numeric(p,s) values are sent rounded to s decimals ("1.50"),
 * as PostgreSQL keeps a numeric's scale (storage keeps only the number). typmod -1: none. */
int pgtypes_put_value_typmod(pqbuf *b, uint32_t oid, int32_t typmod, int format, const pgvalue *v);

/* Appends the value's text form for type oid (the bytes a text-format DataRow column carries, without
 * its length word) to b. v must not be NULL. Returns 0, or -1 when b failed to grow. */
int pgtypes_put_text(pqbuf *b, uint32_t oid, const pgvalue *v);

/* PostgreSQL's boolean spellings (t/true/on/yes/1/y and negations); 0 on success. */
int pgtypes_parse_bool(const char *s, int *out);

/* Shortest text that reads back as the same double ("Infinity", "-Infinity", "NaN" as PostgreSQL). */
void pgtypes_format_double(double d, char *out, size_t outlen);

/* Checks that n bytes at p are valid UTF-8 without NUL, as PostgreSQL checks what a client sends
 * (pg_verify_mbstr). Returns 0, or -1 with PostgreSQL's message in err (SQLSTATE 22021):
 * invalid byte sequence for encoding "UTF8": 0xe2 0x28 0xa1 (the bytes of the first bad character). */
int pgtypes_verify_utf8(const void *p, size_t n, char *err, size_t errlen);
/* Whether a binary parameter of this type carries client text (checked like text-format values). */
int pgtypes_is_text(uint32_t oid);
/* Decodes a bound parameter. Text format: bytea text ("\x..." or escapes) is decoded to bytes; uuid,
 * dates, times and intervals are normalised to PostgreSQL's output; arrays are validated and normalised
 * (pgarray_normalise); other types stay text unless the type is integral/float/bool and the text parses,
 * then *out is an INTEGER/FLOAT. Binary format: decoded per oid (ints, floats, bool, bytea, text types,
 * uuid, date, timestamp, interval, numeric, arrays of these) to a value. Text produced is written to
 * scratch (owned by the caller, freed with free()). Returns 0, or -1 with a message in err for malformed
 * input. */
int pgtypes_decode_param(uint32_t oid, int format, const unsigned char *data, size_t len, pgvalue *out,
                         char **scratch, char *err, size_t errlen);

#endif /* PGTYPES_H */
