/*
 * value.h: the engine's in-memory value (struct mica_value), with SQLite's conversion, affinity and
 * comparison rules, and the function-call context (struct mica_context).
 *
 * A mica_value holds NULL, a 64-bit integer, a double, text (UTF-8) or a blob. Text and blob bytes are
 * either owned by the value (VAL_DYN: freed by value_release) or borrowed (VAL_STATIC/VAL_EPHEM:
 * pointing into a record buffer or a constant, valid only as long as that is). value_make_owned turns
 * a borrowed value into an owned copy. Text is always stored with a NUL terminator after its n bytes
 * when owned, so mica_value_text can return it directly.
 *
 * CONVERSIONS follow SQLite: text to number takes the longest numeric prefix (CAST) or the whole
 * text (affinity); reals print with "%!.15g" (15 significant digits, always a ".0" or exponent);
 * integers in text form outside int64 become reals.
 *
 * COMPARISON (value_compare) is the ORDER BY / index order: NULL < INTEGER/REAL (numerically, exact
 * between int64 and double) < TEXT (collation) < BLOB (memcmp then length). Affinity application
 * before comparing (the rules of "Type Affinity" section 4.2 of SQLite's datatype doc) is the
 * caller's job, using value_apply_affinity.
 *
 * mica_context carries a function call's result and error and the aggregate state.
 */
#ifndef MICA_VALUE_H
#define MICA_VALUE_H

#include <stdint.h>

#include "mica.h"
#include "record.h"

/* Storage class, same numbers as MICA_INTEGER..MICA_NULL. */
#define VAL_INT MICA_INTEGER
#define VAL_REAL MICA_FLOAT
#define VAL_TEXT MICA_TEXT
#define VAL_BLOB MICA_BLOB
#define VAL_NULL MICA_NULL

/* Ownership of z. */
#define VAL_STATIC 0 /* borrowed, lives forever (constants) */
#define VAL_EPHEM 1  /* borrowed, lives until the source (record buffer) changes */
#define VAL_DYN 2    /* owned: malloc'd, freed by value_release */

/* Column affinities (as SQLite's SQLITE_AFF_*). */
#define AFF_NONE 'A' /* BLOB affinity */
#define AFF_TEXT 'B'
#define AFF_NUMERIC 'C'
#define AFF_INTEGER 'D'
#define AFF_REAL 'E'

struct mica_value {
  uint8_t type;     /* VAL_* */
  uint8_t own;      /* VAL_STATIC / VAL_EPHEM / VAL_DYN for text and blob */
  uint8_t subtype;  /* e.g. 'J' for JSON results */
  uint8_t zeroblob; /* blob of n zero bytes with z == NULL */
  union {
    int64_t i;
    double r;
  } u;
  char *z;   /* text/blob bytes (text NUL-terminated when owned) */
  int32_t n; /* bytes of text/blob, without the terminator */
  /* Cache of the text rendering of a numeric value, filled by mica_value_text. */
  char *ztext;
};
typedef struct mica_value Value;

/* Initialisers and setters. Setters release whatever v held before. */
void value_init(Value *v); /* to NULL, owning nothing */
void value_release(Value *v);
void value_set_null(Value *v);
void value_set_int(Value *v, int64_t i);
void value_set_real(Value *v, double r);
/* own: VAL_STATIC/VAL_EPHEM borrow z; VAL_DYN takes ownership of a malloc'd z (n+1 bytes, NUL at n
 * for text). Returns MICA_NOMEM on failure. */
int value_set_text(Value *v, const char *z, int n, int own);
int value_set_blob(Value *v, const void *z, int n, int own);
/* Copies text/blob bytes (value owns the copy). */
int value_set_text_copy(Value *v, const char *z, int n);
int value_set_blob_copy(Value *v, const void *z, int n);
/* A blob of n zero bytes (materialised, owned; zeroblob flag set). */
int value_set_zeroblob(Value *v, int n);
int value_copy(Value *dst, const Value *src); /* deep copy */
void value_move(Value *dst, Value *src);      /* dst takes src's content; src becomes NULL */
int value_make_owned(Value *v);               /* copy borrowed bytes */
/* From/to the record format. from_rec borrows text/blob from the record (VAL_EPHEM). */
void value_from_rec(Value *v, const RecValue *r);
void value_to_rec(const Value *v, RecValue *r); /* borrows v's bytes */

/* Conversions (SQLite's rules). */
int64_t value_as_int(const Value *v);
double value_as_real(const Value *v);
/* Text form of v, NUL-terminated, cached/owned by v; NULL for SQL NULL. *n gets the length. */
const char *value_as_text(Value *v, int *n);
/* Whole-string numeric test used by affinity: 1 if text z[0..n) is a well-formed number; *is_int and
 * the value set accordingly. */
int value_text_is_numeric(const char *z, int n, int *is_int, int64_t *i, double *r);
/* CAST(v AS type): aff is the affinity of the type name. */
int value_cast(Value *v, char aff);
/* Applies column affinity aff (as when storing into a column or comparing). */
int value_apply_affinity(Value *v, char aff);
/* Affinity of a declared type name (the rules of SQLite's datatype doc, section 3.1). */
char value_affinity_of_type(const char *type, int n);
/* Numeric value as in arithmetic: text/blob converted by prefix rules; sets *is_int. */
void value_numeric(const Value *v, int *is_int, int64_t *i, double *r);
/* Formats a double exactly as SQLite renders reals as text ("%!.15g"). buf needs 32 bytes. */
int value_format_real(double r, char *buf);

/* Comparison: returns <0, 0, >0. coll may be NULL (BINARY). Handles every type pair. */
int value_compare(const Value *a, const Value *b, const RecColl *coll);

/* The function-call context. The executor sets it up per call; functions see only mica.h. */
typedef struct FuncDef FuncDef;
struct mica_context {
  Value *out;    /* where the result goes (initialised to NULL by the caller) */
  FuncDef *func; /* the function being called */
  mica_db *db;
  void **agg_state; /* slot holding this group's aggregate state (NULL for scalar calls) */
  int is_error;     /* set by mica_result_error* */
  int error_rc;     /* MICA_ERROR, MICA_NOMEM, MICA_TOOBIG, ... */
  char *errmsg;     /* malloc'd message when is_error */
  /* auxdata of constant arguments, kept by the caller across calls of the same expression */
  struct AuxData **aux;
  const RecColl *coll; /* collation of the call (FUNC_NEEDCOLL functions such as min/max) */
  int64_t now_ms;      /* statement start time, ms since the Unix epoch ('now' for date functions) */
  /* Window functions: the current row's partition/peer/frame information (see FuncWindow in func.h);
   * NULL outside window evaluation. */
  struct FuncWindow *win;
  /* Set by the min()/max() aggregate step when the current row did NOT become the group's new
   * extreme (or was NULL after one was found). SQLite takes bare columns of a query with a single
   * min()/max() aggregate from the row that holds the extreme: an executor that wants that rule
   * captures bare columns only when a step leaves this 0. */
  int agg_skip_capture;
};

/* A registered SQL function (owned by the connection's function table, see func.h). */
struct FuncDef {
  char *name; /* lower case */
  int nargs;  /* -1: any */
  int flags;  /* MICA_DETERMINISTIC, ... plus FUNC_* below */
  void *userdata;
  mica_func_fn xfunc;
  mica_func_fn xstep;
  mica_final_fn xfinal;
  mica_final_fn xvalue;
  mica_func_fn xinverse;
  mica_destructor destroy;
  FuncDef *next; /* next in the same hash bucket / overload chain */
};
#define FUNC_NEEDCOLL 0x10000000    /* gets the collation of its first argument (min, max, ...) */
#define FUNC_WINDOW_ONLY 0x20000000 /* row_number, rank, ...: usable only with OVER */

typedef struct AuxData {
  int arg;
  void *data;
  mica_destructor destroy;
  struct AuxData *next;
} AuxData;

void auxdata_free_all(AuxData **list);

#endif /* MICA_VALUE_H */
