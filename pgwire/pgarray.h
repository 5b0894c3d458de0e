/*
 * pgarray.h: PostgreSQL one-dimensional arrays, held by Mica as TEXT in PostgreSQL's array output form.
 *
 * The engine stores SQLite values only, so an array value is the text PostgreSQL's array_out writes
 * ('{1,2,NULL}', '{"a b","x\"y",""}'), kept in a column whose declared type names an array (int4[],
 * text[], varchar(20)[]; pgtypes.c maps those to the array type OIDs). That text reads back the same
 * through sqlite3 and any driver. This module owns the text form (parsing PostgreSQL's array input,
 * writing its output), the conversion of element values to and from it, and the binary wire form.
 *
 * INTERFACE ROUTINES
 *   pgarray_parse / pgarray_free     array input text -> elements (de-quoted, NULL-aware)
 *   pgarray_put_elem                 append one element to array text being built, quoted as array_out
 *   pgarray_elem_text                a value -> the canonical text of an element of a given type
 *   pgarray_elem_value               element text -> the value the engine holds for that element type
 *   pgarray_normalise                array input text -> canonical array text (validating each element)
 *   pgarray_put_binary               array text -> binary wire form (DataRow column)
 *   pgarray_from_binary              binary wire form (Bind parameter) -> canonical array text
 *
 * Errors are -1 with PostgreSQL's primary message in err ("malformed array literal: ...", "invalid input
 * syntax for type integer: ..."); multidimensional arrays and lower bounds other than 1 are refused
 * ("... are not supported").
 */
#ifndef PGARRAY_H
#define PGARRAY_H

#include <stddef.h>
#include <stdint.h>

#include "pgtypes.h"
#include "pqbuf.h"

/* One element of a parsed array: p[0..n) de-quoted and de-escaped (NUL-terminated), or is_null. */
typedef struct pgarray_elem {
  const char *p;
  size_t n;
  int is_null;
} pgarray_elem;

/* A parsed array. Owns buf, where the element bytes live. */
typedef struct pgarray {
  int n;
  pgarray_elem *e;
  char *buf;
} pgarray;

/* Parses array input text s[0..n) (PostgreSQL's rules: optional [1:N]= decoration, whitespace around
 * elements, double quotes, backslash escapes, unquoted NULL). Returns 0, or -1 with a message in err
 * (a->e and a->buf are then NULL). Free a with pgarray_free. */
int pgarray_parse(const char *s, size_t n, pgarray *a, char *err, size_t errlen);
void pgarray_free(pgarray *a);

/* Appends an element (p NULL: SQL NULL) to array text in b, with a comma unless first; quotes it when
 * array_out would (empty, "NULL", whitespace, or any of {}",\). The caller writes the braces. */
void pgarray_put_elem(pqbuf *b, int first, const char *p, size_t n);

/* Appends (unquoted) the canonical text of v as an element of type elem_oid: the value's output form
 * (t/f, \x hex, shortest floats). A TEXT value of a non-text type is read as that type's input
 * ('2' as an int4 element, 'yes' as a bool) and must be valid. elem_oid 0: decided by v's storage class.
 * v must not be NULL. Returns 0, or -1 with a message in err. */
int pgarray_elem_text(pqbuf *out, uint32_t elem_oid, const pgvalue *v, char *err, size_t errlen);

/* The value the engine holds for element text p[0..n) of type elem_oid: INTEGER for integers and
 * booleans, FLOAT for floats, INTEGER or FLOAT for numerics (as NUMERIC affinity stores them), BLOB for
 * bytea, TEXT otherwise. Bytes may point into p or into *scratch (caller frees with free()). 0 or -1. */
int pgarray_elem_value(uint32_t elem_oid, const char *p, size_t n, pgvalue *out, char **scratch);

/* Appends the canonical text of array input s[0..n) with elements of type elem_oid. 0 or -1 (err). */
int pgarray_normalise(pqbuf *out, uint32_t elem_oid, const char *s, size_t n, char *err, size_t errlen);

/* Appends a DataRow column (int32 length, then PostgreSQL's binary array: int32 ndim, int32 has-null
 * flag, int32 element oid, ndim x (int32 size, int32 lower bound), then each element as int32 length
 * (-1 NULL) and its binary form) for array text s[0..n). Returns 0, or -1 when s is not an array of
 * elem_oid values; nothing is appended then. */
int pgarray_put_binary(pqbuf *b, uint32_t elem_oid, const char *s, size_t n);

/* Appends the canonical array text of a binary array data[0..len) whose elements must be elem_oid.
 * Returns 0, or -1 with a message in err. */
int pgarray_from_binary(pqbuf *out, uint32_t elem_oid, const unsigned char *data, size_t len, char *err,
                        size_t errlen);

#endif /* PGARRAY_H */
