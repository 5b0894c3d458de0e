/*
 * value.c: the engine's in-memory value (value.h) and the value/result/context half of the public API
 * (mica_value_*, mica_result_*, mica_aggregate_context, mica_user_data, mica_context_db_handle,
 * mica_get/set_auxdata, mica_malloc/realloc/free, mica_stricmp/strnicmp).
 *
 * DESIGN
 *   A Value is a small tagged union (value.h). Text and blob bytes are owned (VAL_DYN, malloc'd,
 *   text NUL-terminated) or borrowed (VAL_STATIC / VAL_EPHEM, not necessarily NUL-terminated). Every
 *   setter first releases what the value held, so a Value is always in a valid state and
 *   value_release is idempotent. The text form of a number, or a NUL-terminated copy of borrowed text
 *   or of a blob, is cached in ztext by value_as_text / mica_value_text and freed with the value.
 *
 *   Zero-filled blobs (zeroblob(), mica_result_zeroblob) are materialised with calloc, so z is never
 *   NULL for a blob with n > 0 and value_to_rec can always borrow the bytes; the zeroblob flag is only
 *   a hint.
 *
 *   A NaN real becomes SQL NULL when it is stored into a Value (value_set_real, mica_result_double),
 *   as SQLite does: arithmetic that yields NaN (inf-inf) gives NULL.
 *
 * NUMERIC TEXT. One scanner (scan_real) recognises SQLite's numeric literal syntax in text: optional
 * surrounding whitespace, an optional sign, digits with an optional '.', an optional exponent. It
 * classifies the text like SQLite's internal string-to-double routine does:
 *     1   the whole text is an integer literal          ("12", " -7 ")
 *     2   the whole text is a real literal              ("1.5", "1e3", "1.")
 *    -1   a real prefix followed by other text          ("1.5x", "1e3x", "1.5e")
 *     0   anything else (no digits, or an integer prefix followed by other text, or "1e")
 * and gives the value of the longest numeric prefix (0.0 when there is none). scan_int does the same
 * for integers: the value of the longest integer prefix (clamped to the int64 range) and whether the
 * text was a whole integer (0), had trailing text or no digits (1), overflowed (2), or was exactly
 * 9223372036854775808 (3). The conversions are then built from these two, following SQLite's rules:
 *   - CAST AS INTEGER / value_as_int: the integer prefix ("1e3" -> 1, "1.9" -> 1, "abc" -> 0).
 *   - CAST AS REAL / value_as_real: the numeric prefix as a double.
 *   - CAST AS NUMERIC: integer when the prefix is integral (and fits), else real.
 *   - affinity (value_apply_affinity): converts only whole well-formed numbers; with NUMERIC or
 *     INTEGER affinity an exactly-integral real becomes an integer ("1e3" -> 1000); REAL affinity
 *     always gives a real. Hex ("0x10") is never converted from text.
 *   - arithmetic (value_numeric): like CAST AS NUMERIC but a real that is integral stays real.
 *
 * REAL TO TEXT: "%!.15g" (rendered by printf.c exactly as SQLite's printf does): 15 significant
 * digits, trailing zeros removed, but always with a '.' in the mantissa ("1.0", "1.0e+20",
 * "1.0e-05"); infinities print as "Inf" / "-Inf".
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printf.h"
#include "value.h"

#define VALUE_MAX_LENGTH 1000000000 /* SQLite's default SQLITE_MAX_LENGTH */

/* ------------------------------------------------------------------ basic lifecycle */

void value_init(Value *v) {
  memset(v, 0, sizeof *v);
  v->type = VAL_NULL;
}

void value_release(Value *v) {
  if ((v->type == VAL_TEXT || v->type == VAL_BLOB) && v->own == VAL_DYN) free(v->z);
  free(v->ztext);
  value_init(v);
}

void value_set_null(Value *v) { value_release(v); }

void value_set_int(Value *v, int64_t i) {
  value_release(v);
  v->type = VAL_INT;
  v->u.i = i;
}

void value_set_real(Value *v, double r) {
  value_release(v);
  if (isnan(r)) return;
  v->type = VAL_REAL;
  v->u.r = r;
}

int value_set_text(Value *v, const char *z, int n, int own) {
  value_release(v);
  if (!z) {
    if (own == VAL_DYN) free((void *)z);
    return MICA_OK;
  }
  if (n < 0) n = (int)strlen(z);
  v->type = VAL_TEXT;
  v->own = (uint8_t)own;
  v->z = (char *)z;
  v->n = n;
  return MICA_OK;
}

int value_set_blob(Value *v, const void *z, int n, int own) {
  value_release(v);
  if (n < 0) n = 0;
  v->type = VAL_BLOB;
  v->own = (uint8_t)own;
  v->z = (char *)z;
  v->n = n;
  if (!z && n > 0) {
    v->type = VAL_NULL;
    v->n = 0;
    v->own = 0;
    return MICA_MISUSE;
  }
  return MICA_OK;
}

int value_set_text_copy(Value *v, const char *z, int n) {
  value_release(v);
  if (!z) return MICA_OK;
  if (n < 0) n = (int)strlen(z);
  char *p = malloc((size_t)n + 1);
  if (!p) return MICA_NOMEM;
  memcpy(p, z, (size_t)n);
  p[n] = 0;
  return value_set_text(v, p, n, VAL_DYN);
}

int value_set_blob_copy(Value *v, const void *z, int n) {
  value_release(v);
  if (n < 0) n = 0;
  char *p = malloc((size_t)n + 1);
  if (!p) return MICA_NOMEM;
  if (n) memcpy(p, z, (size_t)n);
  p[n] = 0;
  return value_set_blob(v, p, n, VAL_DYN);
}

int value_set_zeroblob(Value *v, int n) {
  value_release(v);
  if (n < 0) n = 0;
  char *p = calloc((size_t)n + 1, 1);
  if (!p) return MICA_NOMEM;
  value_set_blob(v, p, n, VAL_DYN);
  v->zeroblob = 1;
  return MICA_OK;
}

int value_copy(Value *dst, const Value *src) {
  if (dst == src) return MICA_OK;
  value_release(dst);
  switch (src->type) {
  case VAL_INT: value_set_int(dst, src->u.i); break;
  case VAL_REAL: value_set_real(dst, src->u.r); break;
  case VAL_TEXT: {
    int rc = value_set_text_copy(dst, src->z, src->n);
    if (rc) return rc;
    break;
  }
  case VAL_BLOB: {
    int rc = value_set_blob_copy(dst, src->z, src->n);
    if (rc) return rc;
    dst->zeroblob = src->zeroblob;
    break;
  }
  default: break;
  }
  dst->subtype = src->subtype;
  return MICA_OK;
}

void value_move(Value *dst, Value *src) {
  if (dst == src) return;
  value_release(dst);
  *dst = *src;
  value_init(src);
}

int value_make_owned(Value *v) {
  if ((v->type != VAL_TEXT && v->type != VAL_BLOB) || v->own == VAL_DYN) return MICA_OK;
  char *p = malloc((size_t)v->n + 1);
  if (!p) return MICA_NOMEM;
  if (v->n) memcpy(p, v->z, (size_t)v->n);
  p[v->n] = 0;
  v->z = p;
  v->own = VAL_DYN;
  return MICA_OK;
}

void value_from_rec(Value *v, const RecValue *r) {
  value_release(v);
  switch (r->type) {
  case REC_INT: value_set_int(v, r->u.i); break;
  case REC_REAL: value_set_real(v, r->u.r); break;
  case REC_TEXT:
  case REC_BLOB:
    v->type = (uint8_t)r->type;
    v->own = VAL_EPHEM;
    v->z = (char *)r->u.s.p;
    v->n = (int32_t)r->u.s.n;
    if (!v->z && r->type == REC_BLOB) v->z = (char *)"";
    if (!v->z) v->z = (char *)"";
    break;
  default: break;
  }
}

void value_to_rec(const Value *v, RecValue *r) {
  memset(r, 0, sizeof *r);
  r->type = v->type;
  switch (v->type) {
  case VAL_INT: r->u.i = v->u.i; break;
  case VAL_REAL: r->u.r = v->u.r; break;
  case VAL_TEXT:
  case VAL_BLOB:
    r->u.s.p = v->z ? v->z : "";
    r->u.s.n = (uint32_t)v->n;
    break;
  default: r->type = REC_NULL; break;
  }
}

/* ------------------------------------------------------------------ numeric text scanning */

static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }

/* See the header comment: classifies z[0..n) and stores the numeric prefix's value in *out. The value
 * is computed the way SQLite 3.40 computes it (a 64-bit significand of at most 18 digits scaled by
 * powers of ten in long double), not by strtod: the two differ in the last bit for long mantissas,
 * and round() and CAST show it. */
static int scan_real(const char *z, int n, double *out) {
  const char *end = z + n;
  int sign = 1, d = 0, esign = 1, e = 0, evalid = 1, ndigit = 0, etype = 1;
  int64_t s = 0;
  double result;
  *out = 0.0;
  while (z < end && is_space((unsigned char)*z))
    z++;
  if (z >= end) return 0;
  if (*z == '-') {
    sign = -1;
    z++;
  } else if (*z == '+') {
    z++;
  }
  while (z < end && is_digit((unsigned char)*z)) {
    s = s * 10 + (*z - '0');
    z++;
    ndigit++;
    if (s >= (INT64_MAX - 9) / 10) {
      while (z < end && is_digit((unsigned char)*z))
        z++, d++;
    }
  }
  if (z >= end) goto calc;
  if (*z == '.') {
    z++;
    etype++;
    while (z < end && is_digit((unsigned char)*z)) {
      if (s < (INT64_MAX - 9) / 10) {
        s = s * 10 + (*z - '0');
        d--;
        ndigit++;
      }
      z++;
    }
  }
  if (z >= end) goto calc;
  if (*z == 'e' || *z == 'E') {
    z++;
    evalid = 0;
    etype++;
    if (z >= end) goto calc;
    if (*z == '-') {
      esign = -1;
      z++;
    } else if (*z == '+') {
      z++;
    }
    while (z < end && is_digit((unsigned char)*z)) {
      e = e < 10000 ? (e * 10 + (*z - '0')) : 10000;
      z++;
      evalid = 1;
    }
  }
  while (z < end && is_space((unsigned char)*z))
    z++;
calc:
  e = e * esign + d;
  if (e < 0) {
    esign = -1;
    e = -e;
  } else {
    esign = 1;
  }
  if (s == 0) {
    result = sign < 0 ? -0.0 : 0.0;
  } else {
    while (e > 0) {
      if (esign > 0) {
        if (s >= INT64_MAX / 10) break;
        s *= 10;
      } else {
        if (s % 10 != 0) break;
        s /= 10;
      }
      e--;
    }
    s = sign < 0 ? -s : s;
    if (e == 0) {
      result = (double)s;
    } else {
      long double scale = 1.0;
      if (e > 307) {
        if (e < 342) {
          while (e % 308) {
            scale *= 1.0e+1;
            e -= 1;
          }
          if (esign < 0) {
            result = (double)(s / scale);
            result /= 1.0e+308;
          } else {
            result = (double)(s * scale);
            result *= 1.0e+308;
          }
        } else {
          result = esign < 0 ? 0.0 * (double)s : INFINITY * (double)s;
        }
      } else {
        while (e % 22) {
          scale *= 1.0e+1;
          e -= 1;
        }
        while (e > 0) {
          scale *= 1.0e+22;
          e -= 22;
        }
        result = (double)(esign < 0 ? s / scale : s * scale);
      }
    }
  }
  *out = result;
  if (z == end && ndigit > 0 && evalid && etype > 0) return etype;
  if (etype >= 2 && (etype == 3 || evalid) && ndigit > 0) return -1;
  return 0;
}

/* Compares the 19 digits at z with 9223372036854775808: <0, 0, >0. */
static int cmp_2pow63(const char *z) {
  static const char pow63[] = "9223372036854775808";
  for (int i = 0; i < 19; i++) {
    int c = z[i] - pow63[i];
    if (c) return c;
  }
  return 0;
}

/* See the header comment: integer prefix of z[0..n) into *out, clamped; returns 0..3. */
static int scan_int(const char *z, int n, int64_t *out) {
  int i = 0, neg = 0, rc = 0;
  uint64_t u = 0;
  *out = 0;
  while (i < n && is_space((unsigned char)z[i]))
    i++;
  if (i < n && (z[i] == '-' || z[i] == '+')) neg = z[i++] == '-';
  int first = i; /* first digit, leading zeros included */
  while (i < n && z[i] == '0')
    i++;
  int d0 = i; /* first significant digit */
  while (i < n && is_digit((unsigned char)z[i])) {
    u = u * 10 + (uint64_t)(z[i] - '0'); /* wraps past 19 digits; the length check below decides */
    i++;
  }
  int nd = i - d0;
  if (i == first) rc = 1; /* no digits at all */
  for (int k = i; k < n && rc == 0; k++)
    if (!is_space((unsigned char)z[k])) rc = 1;
  if (nd < 19 || (nd == 19 && cmp_2pow63(z + d0) < 0)) {
    *out = neg ? -(int64_t)u : (int64_t)u;
    return rc;
  }
  *out = neg ? INT64_MIN : INT64_MAX;
  if (nd > 19 || cmp_2pow63(z + d0) > 0) return 2;
  return neg ? rc : 3;
}

/* Saturating double -> int64 (SQLite's doubleToInt64). */
static int64_t real_to_int(double r) {
  if (isnan(r)) return 0;
  if (r <= -9223372036854775808.0) return INT64_MIN;
  if (r >= 9223372036854775808.0) return INT64_MAX;
  return (int64_t)r;
}

/* 1 if r is exactly the integer i and i is small enough that the round trip is exact (|i| < 2^51). */
static int real_same_as_int(double r, int64_t i) {
  double r2 = (double)i;
  return r == 0.0 || (memcmp(&r, &r2, sizeof r) == 0 && i >= -2251799813685248LL && i < 2251799813685248LL);
}

int value_text_is_numeric(const char *z, int n, int *is_int, int64_t *i, double *r) {
  double rv;
  int64_t iv;
  int rc = scan_real(z, n, &rv);
  if (rc <= 0) return 0;
  if (rc == 1) {
    int64_t t = real_to_int(rv);
    if (real_same_as_int(rv, t)) {
      iv = t;
      goto is_integer;
    }
    if (scan_int(z, n, &iv) == 0) goto is_integer;
  }
  if (is_int) *is_int = 0;
  if (r) *r = rv;
  if (i) *i = real_to_int(rv);
  return 1;
is_integer:
  if (is_int) *is_int = 1;
  if (i) *i = iv;
  if (r) *r = (double)iv;
  return 1;
}

/* ------------------------------------------------------------------ conversions */

int64_t value_as_int(const Value *v) {
  switch (v->type) {
  case VAL_INT: return v->u.i;
  case VAL_REAL: return real_to_int(v->u.r);
  case VAL_TEXT:
  case VAL_BLOB: {
    int64_t i;
    scan_int(v->z, v->n, &i);
    return i;
  }
  default: return 0;
  }
}

double value_as_real(const Value *v) {
  switch (v->type) {
  case VAL_INT: return (double)v->u.i;
  case VAL_REAL: return v->u.r;
  case VAL_TEXT:
  case VAL_BLOB: {
    double r;
    scan_real(v->z, v->n, &r);
    return r;
  }
  default: return 0.0;
  }
}

void value_numeric(const Value *v, int *is_int, int64_t *i, double *r) {
  switch (v->type) {
  case VAL_INT:
    *is_int = 1;
    *i = v->u.i;
    *r = (double)v->u.i;
    return;
  case VAL_REAL:
    *is_int = 0;
    *r = v->u.r;
    *i = real_to_int(v->u.r);
    return;
  case VAL_TEXT:
  case VAL_BLOB: {
    double rv;
    int64_t iv;
    int rc = scan_real(v->z, v->n, &rv);
    if ((rc == 0 && scan_int(v->z, v->n, &iv) <= 1) || (rc == 1 && scan_int(v->z, v->n, &iv) == 0)) {
      *is_int = 1;
      *i = iv;
      *r = (double)iv;
    } else {
      *is_int = 0;
      *r = rv;
      *i = real_to_int(rv);
    }
    return;
  }
  default:
    *is_int = 1;
    *i = 0;
    *r = 0.0;
    return;
  }
}

int value_format_real(double r, char *buf) {
  char tmp[PRINTF_DOUBLE_BUF(15)];
  int n = printf_render_double(tmp, r, 'g', 15, 0, 1, 0);
  if (n > 31) n = 31; /* cannot happen: %g switches to exponent form beyond 15 digits */
  memcpy(buf, tmp, (size_t)n);
  buf[n] = 0;
  return n;
}

const char *value_as_text(Value *v, int *n) {
  char buf[40];
  int len;
  switch (v->type) {
  case VAL_TEXT:
    if (v->own == VAL_DYN) {
      if (n) *n = v->n;
      return v->z;
    }
    /* borrowed text may lack a terminator: copy it like a blob */
    /* fall through */
  case VAL_BLOB:
    if (!v->ztext) {
      v->ztext = malloc((size_t)v->n + 1);
      if (!v->ztext) {
        if (n) *n = 0;
        return NULL;
      }
      if (v->n) memcpy(v->ztext, v->z, (size_t)v->n);
      v->ztext[v->n] = 0;
    }
    if (n) *n = v->n;
    return v->ztext;
  case VAL_INT:
  case VAL_REAL:
    if (!v->ztext) {
      if (v->type == VAL_INT)
        len = snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
      else
        len = value_format_real(v->u.r, buf);
      v->ztext = malloc((size_t)len + 1);
      if (!v->ztext) {
        if (n) *n = 0;
        return NULL;
      }
      memcpy(v->ztext, buf, (size_t)len + 1);
    }
    if (n) *n = (int)strlen(v->ztext);
    return v->ztext;
  default:
    if (n) *n = 0;
    return NULL;
  }
}

/* Replaces a numeric v by its text form (owned). */
static int stringify(Value *v) {
  char buf[40];
  int len;
  if (v->type == VAL_INT)
    len = snprintf(buf, sizeof buf, "%lld", (long long)v->u.i);
  else
    len = value_format_real(v->u.r, buf);
  uint8_t st = v->subtype;
  int rc = value_set_text_copy(v, buf, len);
  v->subtype = st;
  return rc;
}

/* Converts text/blob v to a number in place (types only; keeps nothing of the bytes). */
static void set_number(Value *v, int is_int, int64_t i, double r) {
  if (is_int)
    value_set_int(v, i);
  else
    value_set_real(v, r);
}

#define H4(a, b, c, d) (((uint32_t)(a) << 24) | ((uint32_t)(b) << 16) | ((uint32_t)(c) << 8) | (uint32_t)(d))

/* Section 3.1 of SQLite's datatype doc, applied left to right as SQLite does ("INT" anywhere wins;
 * "BLOB" and the REAL spellings only count while nothing stronger was seen). No type: BLOB. */
char value_affinity_of_type(const char *type, int n) {
  if (!type) return AFF_NONE;
  if (n < 0) n = (int)strlen(type);
  if (n == 0) return AFF_NONE;
  char aff = AFF_NUMERIC;
  uint32_t h = 0;
  for (int i = 0; i < n; i++) {
    uint32_t c = (unsigned char)type[i];
    if (c >= 'A' && c <= 'Z') c += 32;
    h = (h << 8) | c;
    if (h == H4('c', 'h', 'a', 'r') || h == H4('c', 'l', 'o', 'b') || h == H4('t', 'e', 'x', 't'))
      aff = AFF_TEXT;
    else if (h == H4('b', 'l', 'o', 'b') && (aff == AFF_NUMERIC || aff == AFF_REAL))
      aff = AFF_NONE;
    else if ((h == H4('r', 'e', 'a', 'l') || h == H4('f', 'l', 'o', 'a') || h == H4('d', 'o', 'u', 'b')) &&
             aff == AFF_NUMERIC)
      aff = AFF_REAL;
    else if ((h & 0xffffff) == H4(0, 'i', 'n', 't'))
      return AFF_INTEGER;
  }
  return aff;
}

int value_apply_affinity(Value *v, char aff) {
  if (v->type == VAL_NULL) return MICA_OK;
  if (aff == AFF_TEXT) {
    if (v->type == VAL_INT || v->type == VAL_REAL) return stringify(v);
    return MICA_OK;
  }
  if (aff == AFF_NUMERIC || aff == AFF_INTEGER || aff == AFF_REAL) {
    if (v->type == VAL_TEXT) {
      double r;
      int rc = scan_real(v->z, v->n, &r);
      if (rc <= 0) return MICA_OK;
      int64_t i = real_to_int(r);
      if (rc == 1 && (real_same_as_int(r, i) || scan_int(v->z, v->n, &i) == 0)) {
        value_set_int(v, i);
      } else {
        value_set_real(v, r);
        if (v->type == VAL_REAL && aff != AFF_REAL) {
          i = real_to_int(r);
          if (r == (double)i && i > INT64_MIN && i < INT64_MAX) value_set_int(v, i);
        }
      }
    } else if (v->type == VAL_REAL && aff != AFF_REAL) {
      double r = v->u.r;
      int64_t i = real_to_int(r);
      if (r == (double)i && i > INT64_MIN && i < INT64_MAX) value_set_int(v, i);
    }
    if (aff == AFF_REAL && v->type == VAL_INT) value_set_real(v, (double)v->u.i);
  }
  return MICA_OK;
}

int value_cast(Value *v, char aff) {
  if (v->type == VAL_NULL) return MICA_OK;
  switch (aff) {
  case AFF_NONE: /* CAST AS BLOB */
    if (v->type == VAL_INT || v->type == VAL_REAL) {
      int rc = stringify(v);
      if (rc) return rc;
    }
    v->type = VAL_BLOB;
    v->subtype = 0;
    return MICA_OK;
  case AFF_TEXT:
    if (v->type == VAL_INT || v->type == VAL_REAL) return stringify(v);
    v->type = VAL_TEXT;
    v->subtype = 0;
    v->zeroblob = 0;
    return value_make_owned(v); /* blob bytes may hold no terminator */
  case AFF_INTEGER: value_set_int(v, value_as_int(v)); return MICA_OK;
  case AFF_REAL: value_set_real(v, value_as_real(v)); return MICA_OK;
  default: /* NUMERIC */
    if (v->type == VAL_TEXT || v->type == VAL_BLOB) {
      double r;
      int64_t i = 0;
      int rc = scan_real(v->z, v->n, &r);
      if (((rc == 0 || rc == 1) && scan_int(v->z, v->n, &i) <= 1) ||
          real_same_as_int(r, (i = real_to_int(r))))
        set_number(v, 1, i, r);
      else
        set_number(v, 0, i, r);
    }
    return MICA_OK;
  }
}

/* ------------------------------------------------------------------ comparison */

/* Compares integer i with real r exactly: <0, 0, >0. A NaN r sorts below every integer. */
static int cmp_int_real(int64_t i, double r) {
  if (isnan(r)) return 1;
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  int64_t y = (int64_t)r;
  if (i < y) return -1;
  if (i > y) return 1;
  double s = (double)i;
  if (s < r) return -1;
  if (s > r) return 1;
  return 0;
}

static int bytes_cmp(const char *a, int na, const char *b, int nb) {
  int m = na < nb ? na : nb;
  int c = m ? memcmp(a, b, (size_t)m) : 0;
  if (c) return c;
  return na - nb;
}

/* Type rank for ordering: NULL 0, numbers 1, text 2, blob 3. */
static int type_rank(int t) {
  switch (t) {
  case VAL_NULL: return 0;
  case VAL_INT:
  case VAL_REAL: return 1;
  case VAL_TEXT: return 2;
  default: return 3;
  }
}

int value_compare(const Value *a, const Value *b, const RecColl *coll) {
  int ra = type_rank(a->type), rb = type_rank(b->type);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
  case 0: return 0;
  case 1:
    if (a->type == VAL_INT && b->type == VAL_INT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    if (a->type == VAL_REAL && b->type == VAL_REAL) {
      if (a->u.r < b->u.r) return -1;
      if (a->u.r > b->u.r) return 1;
      return 0;
    }
    if (a->type == VAL_INT) return cmp_int_real(a->u.i, b->u.r);
    return -cmp_int_real(b->u.i, a->u.r);
  case 2:
    if (coll && coll->cmp) return coll->cmp(coll->arg, a->n, a->z, b->n, b->z);
    return bytes_cmp(a->z, a->n, b->z, b->n);
  default: return bytes_cmp(a->z, a->n, b->z, b->n);
  }
}

/* ------------------------------------------------------------------ public value API */

int mica_value_type(const mica_value *v) { return v->type; }

int mica_value_numeric_type(mica_value *v) {
  if (v->type == VAL_TEXT) {
    double r;
    int rc = scan_real(v->z, v->n, &r);
    if (rc > 0) {
      int64_t i = real_to_int(r);
      if (rc == 1 && (real_same_as_int(r, i) || scan_int(v->z, v->n, &i) == 0))
        value_set_int(v, i);
      else
        value_set_real(v, r);
    }
  }
  return v->type;
}

mica_int64 mica_value_int64(const mica_value *v) { return value_as_int(v); }

int mica_value_int(const mica_value *v) { return (int)value_as_int(v); }

double mica_value_double(const mica_value *v) { return value_as_real(v); }

const unsigned char *mica_value_text(mica_value *v) { return (const unsigned char *)value_as_text(v, NULL); }

const void *mica_value_blob(mica_value *v) {
  if (v->type == VAL_BLOB) return v->n ? v->z : NULL;
  if (v->type == VAL_NULL) return NULL;
  int n;
  const char *z = value_as_text(v, &n);
  return n ? z : NULL;
}

int mica_value_bytes(mica_value *v) {
  if (v->type == VAL_BLOB || v->type == VAL_TEXT) return v->n;
  if (v->type == VAL_NULL) return 0;
  int n;
  value_as_text(v, &n);
  return n;
}

mica_value *mica_value_dup(const mica_value *v) {
  Value *d = malloc(sizeof *d);
  if (!d) return NULL;
  value_init(d);
  if (v && value_copy(d, v) != MICA_OK) {
    free(d);
    return NULL;
  }
  return d;
}

void mica_value_free(mica_value *v) {
  if (!v) return;
  value_release(v);
  free(v);
}

unsigned mica_value_subtype(const mica_value *v) { return v->subtype; }

/* ------------------------------------------------------------------ results */

static void result_reset(mica_context *ctx) { value_set_null(ctx->out); }

void mica_result_null(mica_context *ctx) { result_reset(ctx); }

void mica_result_int(mica_context *ctx, int v) { value_set_int(ctx->out, v); }

void mica_result_int64(mica_context *ctx, mica_int64 v) { value_set_int(ctx->out, v); }

void mica_result_double(mica_context *ctx, double v) { value_set_real(ctx->out, v); }

/* Stores text or blob bytes per SQLite's destructor convention. */
static void result_bytes(mica_context *ctx, int type, const void *z, int n, mica_destructor destroy) {
  if (!z) {
    result_reset(ctx);
    if (type == VAL_BLOB && n > 0) mica_result_error_nomem(ctx);
    return;
  }
  if (n < 0) n = type == VAL_TEXT ? (int)strlen(z) : 0;
  if (n > VALUE_MAX_LENGTH) {
    if (destroy != MICA_STATIC && destroy != MICA_TRANSIENT) destroy((void *)z);
    mica_result_error_toobig(ctx);
    return;
  }
  int rc;
  if (destroy == MICA_STATIC) {
    rc = type == VAL_TEXT ? value_set_text(ctx->out, z, n, VAL_STATIC)
                          : value_set_blob(ctx->out, z, n, VAL_STATIC);
  } else {
    rc = type == VAL_TEXT ? value_set_text_copy(ctx->out, z, n) : value_set_blob_copy(ctx->out, z, n);
    if (destroy != MICA_TRANSIENT) destroy((void *)z);
  }
  if (rc) mica_result_error_nomem(ctx);
}

void mica_result_text(mica_context *ctx, const char *v, int nbytes, mica_destructor destroy) {
  result_bytes(ctx, VAL_TEXT, v, nbytes, destroy);
}

void mica_result_blob(mica_context *ctx, const void *v, int nbytes, mica_destructor destroy) {
  if (v && nbytes < 0) nbytes = 0;
  result_bytes(ctx, VAL_BLOB, v ? v : "", v ? nbytes : 0, v ? destroy : MICA_STATIC);
}

void mica_result_zeroblob(mica_context *ctx, int nbytes) {
  if (nbytes > VALUE_MAX_LENGTH) {
    mica_result_error_toobig(ctx);
    return;
  }
  if (value_set_zeroblob(ctx->out, nbytes)) mica_result_error_nomem(ctx);
}

void mica_result_value(mica_context *ctx, mica_value *v) {
  if (value_copy(ctx->out, v)) mica_result_error_nomem(ctx);
}

static void set_error(mica_context *ctx, int rc, const char *msg, int n) {
  ctx->is_error = 1;
  ctx->error_rc = rc;
  free(ctx->errmsg);
  ctx->errmsg = NULL;
  if (msg) {
    if (n < 0) n = (int)strlen(msg);
    ctx->errmsg = malloc((size_t)n + 1);
    if (ctx->errmsg) {
      memcpy(ctx->errmsg, msg, (size_t)n);
      ctx->errmsg[n] = 0;
    }
  }
}

void mica_result_error(mica_context *ctx, const char *msg, int nbytes) {
  set_error(ctx, MICA_ERROR, msg, nbytes);
}

void mica_result_error_code(mica_context *ctx, int rc) {
  static const struct {
    int rc;
    const char *msg;
  } msgs[] = {{MICA_ERROR, "SQL logic error"},
              {MICA_NOMEM, "out of memory"},
              {MICA_TOOBIG, "string or blob too big"},
              {MICA_CONSTRAINT, "constraint failed"},
              {MICA_MISMATCH, "datatype mismatch"},
              {MICA_MISUSE, "bad parameter or other API misuse"},
              {MICA_RANGE, "column index out of range"},
              {MICA_ABORT, "query aborted"},
              {MICA_INTERRUPT, "interrupted"}};
  if (ctx->is_error && ctx->errmsg) {
    ctx->error_rc = rc;
    return;
  }
  const char *m = "unknown error";
  for (size_t i = 0; i < sizeof msgs / sizeof msgs[0]; i++)
    if (msgs[i].rc == (rc & 0xff)) m = msgs[i].msg;
  set_error(ctx, rc, m, -1);
}

void mica_result_error_nomem(mica_context *ctx) {
  set_error(ctx, MICA_NOMEM, "out of memory", -1);
  value_set_null(ctx->out);
}

void mica_result_error_toobig(mica_context *ctx) {
  set_error(ctx, MICA_TOOBIG, "string or blob too big", -1);
  value_set_null(ctx->out);
}

void mica_result_subtype(mica_context *ctx, unsigned subtype) { ctx->out->subtype = (uint8_t)subtype; }

/* ------------------------------------------------------------------ context */

void *mica_user_data(mica_context *ctx) { return ctx->func ? ctx->func->userdata : NULL; }

mica_db *mica_context_db_handle(mica_context *ctx) { return ctx->db; }

void *mica_aggregate_context(mica_context *ctx, int nbytes) {
  if (!ctx->agg_state) return NULL;
  if (!*ctx->agg_state && nbytes > 0) {
    *ctx->agg_state = calloc(1, (size_t)nbytes);
    if (!*ctx->agg_state) mica_result_error_nomem(ctx);
  }
  return *ctx->agg_state;
}

void *mica_get_auxdata(mica_context *ctx, int arg) {
  if (!ctx->aux) return NULL;
  for (AuxData *a = *ctx->aux; a; a = a->next)
    if (a->arg == arg) return a->data;
  return NULL;
}

void mica_set_auxdata(mica_context *ctx, int arg, void *data, mica_destructor destroy) {
  if (!ctx->aux) { /* nowhere to keep it: release at once, as SQLite does for non-constant args */
    if (destroy) destroy(data);
    return;
  }
  AuxData *a;
  for (a = *ctx->aux; a; a = a->next)
    if (a->arg == arg) break;
  if (!a) {
    a = calloc(1, sizeof *a);
    if (!a) {
      if (destroy) destroy(data);
      mica_result_error_nomem(ctx);
      return;
    }
    a->arg = arg;
    a->next = *ctx->aux;
    *ctx->aux = a;
  } else if (a->destroy) {
    a->destroy(a->data);
  }
  a->data = data;
  a->destroy = destroy;
}

void auxdata_free_all(AuxData **list) {
  AuxData *a = *list;
  while (a) {
    AuxData *next = a->next;
    if (a->destroy) a->destroy(a->data);
    free(a);
    a = next;
  }
  *list = NULL;
}

/* ------------------------------------------------------------------ memory and strings */

void *mica_malloc(int n) { return n > 0 ? malloc((size_t)n) : NULL; }

void *mica_malloc64(uint64_t n) { return n > 0 && n < SIZE_MAX ? malloc((size_t)n) : NULL; }

void *mica_realloc(void *p, int n) {
  if (n <= 0) {
    free(p);
    return NULL;
  }
  return realloc(p, (size_t)n);
}

void mica_free(void *p) { free(p); }

static int fold(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

int mica_stricmp(const char *a, const char *b) {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  for (;; a++, b++) {
    int c = fold((unsigned char)*a) - fold((unsigned char)*b);
    if (c || !*a) return c;
  }
}

int mica_strnicmp(const char *a, const char *b, int n) {
  if (!a) return b ? -1 : 0;
  if (!b) return 1;
  for (; n > 0; n--, a++, b++) {
    int c = fold((unsigned char)*a) - fold((unsigned char)*b);
    if (c || !*a) return c;
  }
  return 0;
}
