/*
 * record.h: SQLite's record format (varints, serial types, record headers) and key comparison.
 *
 * A record is a header (its own length as a varint, then one serial-type varint per field) followed by
 * the field bodies. Serial types: 0 NULL; 1..6 big-endian two's-complement ints of 1,2,3,4,6,8 bytes;
 * 7 IEEE-754 big-endian double; 8 and 9 the integers 0 and 1 (schema format 4); 10, 11 reserved;
 * N>=12 even a BLOB of (N-12)/2 bytes; N>=13 odd TEXT of (N-13)/2 bytes (UTF-8 here).
 *
 * RecValue is the decoded form of one field. Text and blob values point into the record buffer they
 * were decoded from (no copy): they are valid as long as that buffer is.
 *
 * Comparison follows SQLite's rules for keys: NULL < numbers (ints and reals compared by value) <
 * text (by collation) < blob (memcmp, then length). KeyInfo gives per-field collation and order.
 */
#ifndef MICA_RECORD_H
#define MICA_RECORD_H

#include <stddef.h>
#include <stdint.h>

/* Field value types (same numbering as MICA_INTEGER...MICA_NULL). */
#define REC_INT 1
#define REC_REAL 2
#define REC_TEXT 3
#define REC_BLOB 4
#define REC_NULL 5

typedef struct RecValue {
  int type; /* REC_* */
  union {
    int64_t i;
    double r;
    struct {
      const char *p; /* not NUL-terminated */
      uint32_t n;
    } s; /* REC_TEXT and REC_BLOB */
  } u;
} RecValue;

/* A collating function over two UTF-8 strings of given lengths (same shape as mica_collation_fn). */
typedef int (*RecCollFn)(void *arg, int n1, const void *s1, int n2, const void *s2);
typedef struct RecColl {
  RecCollFn cmp; /* NULL means BINARY (memcmp, then length) */
  void *arg;
} RecColl;

/* How index keys compare. coll and desc have nfield entries (coll may be NULL: all BINARY). */
#define RECORD_MAX_KEY_FIELDS 2000
typedef struct KeyInfo {
  int nfield;
  const RecColl *coll;
  const uint8_t *desc; /* 1 for a DESC field; may be NULL: all ASC */
} KeyInfo;

/* A search key: an encoded record, compared field by field against entries. When all of the key's
 * fields are equal to an entry's first fields, the result is default_rc (0: equal; -1: key sorts
 * before such entries, so a seek finds the first of them; +1: after, so it finds the last). */
typedef struct UnpackedKey {
  const KeyInfo *keyinfo;
  const void *rec;
  uint32_t nrec;
  int default_rc;
} UnpackedKey;

/* Varints (1..9 bytes, big-endian, 9th byte contributes 8 bits). */
int record_put_varint(uint8_t *p, uint64_t v);        /* returns bytes written (<= 9) */
int record_get_varint(const uint8_t *p, uint64_t *v); /* returns bytes read; p needs 9 bytes */
int record_get_varint_safe(const uint8_t *p, const uint8_t *end, uint64_t *v); /* 0 if truncated */
int record_varint_len(uint64_t v);

/* Serial types. */
uint32_t record_serial_type(const RecValue *v, int file_format); /* format 4 uses types 8 and 9 */
uint32_t record_serial_len(uint32_t serial_type);

/* Encoding. record_size gives the exact size; record_encode writes it to out (which must have that
 * many bytes) and returns the size. */
size_t record_size(const RecValue *vals, int n);
size_t record_encode(const RecValue *vals, int n, uint8_t *out);

/* Decoding. record_decode fills up to max fields of vals and sets *nfields to the number of fields in
 * the record; missing trailing fields (records shorter than the table after ADD COLUMN) are left to the
 * caller. Returns MICA_OK or MICA_CORRUPT for a malformed record. */
int record_decode(const void *rec, uint32_t n, RecValue *vals, int max, int *nfields);
/* Decodes only field idx (NULL when the record has fewer fields). */
int record_column(const void *rec, uint32_t n, int idx, RecValue *out);
/* Number of fields in a record, or -1 if malformed. */
int record_field_count(const void *rec, uint32_t n);

/* Comparison. */
int record_compare_values(const RecValue *a, const RecValue *b, const RecColl *coll);
/* Compares a search key to an entry record (see UnpackedKey). A malformed entry sets *corrupt. */
int record_compare_key(const UnpackedKey *key, const void *rec, uint32_t n, int *corrupt);

/* Built-in collations (usable as RecColl.cmp). */
int record_coll_binary(void *arg, int n1, const void *s1, int n2, const void *s2);
int record_coll_nocase(void *arg, int n1, const void *s1, int n2, const void *s2);
int record_coll_rtrim(void *arg, int n1, const void *s1, int n2, const void *s2);

#endif /* MICA_RECORD_H */
