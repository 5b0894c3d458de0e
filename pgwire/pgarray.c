/*
 * pgarray.c: PostgreSQL one-dimensional arrays as text (see pgarray.h).
 *
 * TEXT FORM (PostgreSQL's array_in / array_out, from its documentation "Array Value Input")
 *   [ '[' lb ':' ub ']' '=' ] '{' [ element { ',' element } ] '}'
 *   Whitespace around elements and braces is ignored. An element is either double-quoted (backslash
 *   escapes any character; everything between the quotes is kept) or unquoted (backslash escapes any
 *   character; unescaped leading and trailing whitespace is dropped; the unescaped word NULL, in any
 *   case, is the SQL NULL). Output quotes an element when it is empty, spells NULL, or contains
 *   whitespace or any of { } " , \ ; inside quotes " and \ get a backslash. Mica keeps only arrays with
 *   one dimension and lower bound 1, which print without decoration: "[1:3]={1,2,3}" reads as {1,2,3};
 *   "[0:1]={1,2}" and "{{1,2},{3,4}}" are refused as not supported.
 *
 * BINARY FORM (PostgreSQL's array_send / array_recv), all integers big-endian:
 *   int32 ndim (0 for an empty array, else 1 here)  int32 flags (1: has NULLs)  int32 element oid
 *   ndim x { int32 size, int32 lower bound }        then per element: int32 length (-1 NULL), bytes
 *   Elements use the element type's own binary form (pgtypes.c).
 *
 * ELEMENTS
 *   Element text is always the element type's output form, so that stored arrays compare and print as
 *   PostgreSQL's. A value becomes element text through pgtypes' text encoding (the same bytes a DataRow
 *   would carry); a TEXT value of a non-text element type is read as that type's input first
 *   (pgtypes_decode_param), so '{1, 2}'::int[] and ARRAY['2']::int[] validate and normalise. numeric
 *   input is normalised here (sign, leading zeros, exponent; the scale is kept: 1.50 stays 1.50).
 */
#include "pgarray.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mica.h"

/* array_isspace: the whitespace array input skips and output quotes. */
static int arr_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static void malformed(char *err, size_t errlen, const char *s, size_t n) {
  snprintf(err, errlen, "malformed array literal: \"%.*s\"", (int)(n < 200 ? n : 200), s);
}

/* ------------------------------------------------------------------------------------------------
 * Parsing.
 */
/* Reads the optional "[lb:ub]=" decoration at s[*i]; 0 with *have set when present. */
static int parse_dims(const char *s, size_t n, size_t *i, int *have, long *lb, long *ub, int *ndims) {
  *have = 0;
  *ndims = 0;
  while (*i < n && s[*i] == '[') {
    long v[2];
    int nv = 0;
    (*i)++;
    for (;;) {
      while (*i < n && arr_space((unsigned char)s[*i]))
        (*i)++;
      char *end;
      char num[24];
      size_t k = 0;
      while (*i < n && k + 1 < sizeof num && (s[*i] == '-' || s[*i] == '+' || isdigit((unsigned char)s[*i])))
        num[k++] = s[(*i)++];
      num[k] = 0;
      errno = 0;
      long x = strtol(num, &end, 10);
      if (!k || *end || errno || nv == 2) return -1;
      v[nv++] = x;
      while (*i < n && arr_space((unsigned char)s[*i]))
        (*i)++;
      if (*i < n && s[*i] == ':' && nv == 1) {
        (*i)++;
        continue;
      }
      break;
    }
    if (*i >= n || s[*i] != ']') return -1;
    (*i)++;
    *lb = nv == 2 ? v[0] : 1;
    *ub = nv == 2 ? v[1] : v[0];
    (*ndims)++;
    *have = 1;
    while (*i < n && arr_space((unsigned char)s[*i]))
      (*i)++;
  }
  if (*have) {
    if (*i >= n || s[*i] != '=') return -1;
    (*i)++;
    while (*i < n && arr_space((unsigned char)s[*i]))
      (*i)++;
  }
  return 0;
}

int pgarray_parse(const char *s, size_t n, pgarray *a, char *err, size_t errlen) {
  memset(a, 0, sizeof *a);
  size_t i = 0;
  while (i < n && arr_space((unsigned char)s[i]))
    i++;
  int have_dims, ndims;
  long lb = 1, ub = 0;
  if (parse_dims(s, n, &i, &have_dims, &lb, &ub, &ndims)) {
    malformed(err, errlen, s, n);
    return -1;
  }
  if (i >= n || s[i] != '{') {
    malformed(err, errlen, s, n);
    return -1;
  }
  if (ndims > 1) {
    snprintf(err, errlen, "multidimensional arrays are not supported");
    return -1;
  }
  i++;
  /* element bytes never outgrow the input; elements are at most (n + 1) / 2 */
  a->buf = malloc(n + 1);
  a->e = malloc(sizeof *a->e * (n / 2 + 2));
  if (!a->buf || !a->e) {
    pgarray_free(a);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  size_t o = 0;
  while (i < n && arr_space((unsigned char)s[i]))
    i++;
  if (i < n && s[i] == '}') {
    i++;
  } else {
    for (;;) {
      while (i < n && arr_space((unsigned char)s[i]))
        i++;
      if (i >= n) goto bad;
      if (s[i] == '{') {
        pgarray_free(a);
        snprintf(err, errlen, "multidimensional arrays are not supported");
        return -1;
      }
      if (s[i] == ',' || s[i] == '}') goto bad;
      size_t start = o;
      int quoted = 0, escaped = 0;
      if (s[i] == '"') {
        quoted = 1;
        i++;
        for (;;) {
          if (i >= n) goto bad;
          if (s[i] == '\\') {
            if (++i >= n) goto bad;
            a->buf[o++] = s[i++];
          } else if (s[i] == '"') {
            i++;
            break;
          } else {
            a->buf[o++] = s[i++];
          }
        }
        while (i < n && arr_space((unsigned char)s[i]))
          i++;
      } else {
        size_t keep = o; /* end of the element without trailing unescaped whitespace */
        for (;;) {
          if (i >= n) goto bad;
          char c = s[i];
          if (c == ',' || c == '}') break;
          if (c == '"' || c == '{') goto bad;
          if (c == '\\') {
            if (++i >= n) goto bad;
            a->buf[o++] = s[i++];
            keep = o;
            escaped = 1;
          } else {
            a->buf[o++] = s[i++];
            if (!arr_space((unsigned char)c)) keep = o;
          }
        }
        o = keep;
      }
      pgarray_elem *e = &a->e[a->n++];
      e->p = a->buf + start;
      e->n = o - start;
      e->is_null = !quoted && !escaped && e->n == 4 && !strncasecmp(e->p, "NULL", 4);
      a->buf[o++] = 0;
      if (i >= n) goto bad;
      if (s[i] == ',') {
        i++;
        continue;
      }
      if (s[i] != '}') goto bad;
      i++;
      break;
    }
  }
  while (i < n && arr_space((unsigned char)s[i]))
    i++;
  if (i < n) goto bad;
  if (have_dims) {
    if (ub - lb + 1 != a->n) goto bad;
    if (lb != 1) {
      pgarray_free(a);
      snprintf(err, errlen, "arrays with a lower bound other than 1 are not supported");
      return -1;
    }
  }
  return 0;
bad:
  pgarray_free(a);
  malformed(err, errlen, s, n);
  return -1;
}

void pgarray_free(pgarray *a) {
  free(a->buf);
  free(a->e);
  memset(a, 0, sizeof *a);
}

/* ------------------------------------------------------------------------------------------------
 * Output.
 */
void pgarray_put_elem(pqbuf *b, int first, const char *p, size_t n) {
  if (!first) pqbuf_put_byte(b, ',');
  if (!p) {
    pqbuf_put_bytes(b, "NULL", 4);
    return;
  }
  int quote = n == 0 || (n == 4 && !strncasecmp(p, "NULL", 4));
  for (size_t i = 0; i < n && !quote; i++)
    quote = p[i] == '{' || p[i] == '}' || p[i] == ',' || p[i] == '"' || p[i] == '\\' ||
            arr_space((unsigned char)p[i]);
  if (!quote) {
    pqbuf_put_bytes(b, p, n);
    return;
  }
  pqbuf_put_byte(b, '"');
  for (size_t i = 0; i < n; i++) {
    if (p[i] == '"' || p[i] == '\\') pqbuf_put_byte(b, '\\');
    pqbuf_put_byte(b, (uint8_t)p[i]);
  }
  pqbuf_put_byte(b, '"');
}

/* ------------------------------------------------------------------------------------------------
 * Elements.
 */
static int is_int_oid(uint32_t oid) {
  return oid == PGOID_INT2 || oid == PGOID_INT4 || oid == PGOID_INT8 || oid == PGOID_OID;
}

/* Types whose input is their text as it is. */
static int is_text_oid(uint32_t oid) {
  return oid == PGOID_TEXT || oid == PGOID_VARCHAR || oid == PGOID_BPCHAR || oid == PGOID_NAME ||
         oid == PGOID_JSON || oid == PGOID_JSONB || oid == PGOID_UNKNOWN;
}

static uint32_t storage_oid(int type) {
  switch (type) {
  case MICA_INTEGER: return PGOID_INT8;
  case MICA_FLOAT: return PGOID_FLOAT8;
  case MICA_BLOB: return PGOID_BYTEA;
  default: return PGOID_TEXT;
  }
}

static void invalid_input(char *err, size_t errlen, uint32_t oid, const unsigned char *p, size_t n) {
  const char *tn = pgtypes_name(oid);
  snprintf(err, errlen, "invalid input syntax for type %s: \"%.*s\"", tn ? tn : "unknown",
           (int)(n < 200 ? n : 200), (const char *)p);
}

static int range_check(uint32_t oid, int64_t i, char *err, size_t errlen) {
  int ok = oid == PGOID_INT2   ? i >= INT16_MIN && i <= INT16_MAX
           : oid == PGOID_INT4 ? i >= INT32_MIN && i <= INT32_MAX
           : oid == PGOID_OID  ? i >= INT32_MIN && i <= UINT32_MAX
                               : 1;
  if (ok) return 0;
  snprintf(err, errlen, "value \"%lld\" is out of range for type %s", (long long)i, pgtypes_name(oid));
  return -1;
}

/* numeric input p[0..n) -> PostgreSQL's output: [-]digits[.digits], the scale being the input's
 * fraction digits less its exponent; NaN and [-]Infinity as PostgreSQL spells them. */
static int put_numeric_text(pqbuf *out, const unsigned char *p, size_t n, char *err, size_t errlen) {
  size_t i = 0, e = n;
  while (i < e && isspace(p[i]))
    i++;
  while (e > i && isspace(p[e - 1]))
    e--;
  const char *s = (const char *)p + i;
  size_t len = e - i;
  int neg = 0;
  size_t k = 0;
  if (k < len && (s[k] == '+' || s[k] == '-')) neg = s[k++] == '-';
  if (len - k == 3 && !strncasecmp(s + k, "nan", 3) && k == 0) {
    pqbuf_put_bytes(out, "NaN", 3);
    return 0;
  }
  if ((len - k == 8 && !strncasecmp(s + k, "infinity", 8)) ||
      (len - k == 3 && !strncasecmp(s + k, "inf", 3))) {
    if (neg) pqbuf_put_byte(out, '-');
    pqbuf_put_bytes(out, "Infinity", 8);
    return 0;
  }
  size_t d0 = k, nint = 0, nfrac = 0;
  while (k < len && isdigit((unsigned char)s[k]))
    k++, nint++;
  size_t f0 = k + 1;
  if (k < len && s[k] == '.') {
    k++;
    while (k < len && isdigit((unsigned char)s[k]))
      k++, nfrac++;
  }
  long exp = 0;
  if (nint + nfrac > 0 && k < len && (s[k] == 'e' || s[k] == 'E')) {
    char num[16];
    size_t m = 0;
    k++;
    if (k < len && (s[k] == '+' || s[k] == '-')) num[m++] = s[k++];
    while (k < len && isdigit((unsigned char)s[k]) && m + 1 < sizeof num)
      num[m++] = s[k++];
    num[m] = 0;
    if (m == 0 || !isdigit((unsigned char)num[m - 1])) k = len + 1;
    exp = strtol(num, NULL, 10);
    if (exp > 1000 || exp < -1000) {
      snprintf(err, errlen, "value overflows numeric format");
      return -1;
    }
  }
  if (nint + nfrac == 0 || k != len) {
    invalid_input(err, errlen, PGOID_NUMERIC, p, n);
    return -1;
  }
  /* the digits, with the decimal point after `point` of them */
  size_t nd = nint + nfrac;
  char *dig = malloc(nd + 1);
  if (!dig) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  memcpy(dig, s + d0, nint);
  memcpy(dig + nint, s + f0, nfrac);
  long point = (long)nint + exp, scale = (long)nfrac - exp;
  if (scale < 0) scale = 0;
  int nonzero = 0;
  for (size_t j = 0; j < nd; j++)
    nonzero |= dig[j] != '0';
  if (neg && nonzero) pqbuf_put_byte(out, '-');
  /* integer part: digits [0, point), without leading zeros */
  int any = 0;
  for (long j = 0; j < point; j++) {
    char c = j < (long)nd ? dig[j] : '0';
    if (c == '0' && !any) continue;
    any = 1;
    pqbuf_put_byte(out, (uint8_t)c);
  }
  if (!any) pqbuf_put_byte(out, '0');
  if (scale > 0) {
    pqbuf_put_byte(out, '.');
    for (long j = point; j < point + scale; j++)
      pqbuf_put_byte(out, (uint8_t)(j >= 0 && j < (long)nd ? dig[j] : '0'));
  }
  free(dig);
  return 0;
}

int pgarray_elem_text(pqbuf *out, uint32_t elem_oid, const pgvalue *v, char *err, size_t errlen) {
  if (!elem_oid) elem_oid = storage_oid(v->type);
  pgvalue w = *v;
  char *scratch = NULL;
  if (v->type == MICA_TEXT && !is_text_oid(elem_oid)) {
    const unsigned char *p = v->p ? v->p : (const unsigned char *)"";
    if (elem_oid == PGOID_NUMERIC) return put_numeric_text(out, p, v->n, err, errlen);
    if (pgtypes_decode_param(elem_oid, 0, p, v->n, &w, &scratch, err, errlen)) return -1;
    int bad = 0;
    switch (elem_oid) {
    case PGOID_BOOL:
    case PGOID_INT2:
    case PGOID_INT4:
    case PGOID_INT8:
    case PGOID_OID: bad = w.type != MICA_INTEGER; break;
    case PGOID_FLOAT4:
    case PGOID_FLOAT8: bad = w.type != MICA_FLOAT; break;
    case PGOID_DATE:
    case PGOID_TIMESTAMP:
    case PGOID_TIMESTAMPTZ:
    case PGOID_TIME:
    case PGOID_INTERVAL:
      /* input pgtypes could not read stays as it is: only infinity is kept */
      bad = !scratch && !(v->n == 8 && !strncasecmp((const char *)p, "infinity", 8)) &&
            !(v->n == 9 && !strncasecmp((const char *)p, "-infinity", 9));
      break;
    default: break;
    }
    if (bad) {
      free(scratch);
      invalid_input(err, errlen, elem_oid, p, v->n);
      return -1;
    }
  } else if (v->type == MICA_FLOAT && is_int_oid(elem_oid)) {
    if (!(v->d >= -9.2233720368547758e18 && v->d < 9.2233720368547758e18)) {
      snprintf(err, errlen, "%s out of range", pgtypes_name(elem_oid));
      return -1;
    }
    w.type = MICA_INTEGER;
    w.i = (int64_t)llround(v->d);
  }
  if (w.type == MICA_INTEGER && is_int_oid(elem_oid) && range_check(elem_oid, w.i, err, errlen)) {
    free(scratch);
    return -1;
  }
  int rc = pgtypes_put_text(out, elem_oid, &w);
  free(scratch);
  if (rc) snprintf(err, errlen, "out of memory");
  return rc;
}

int pgarray_elem_value(uint32_t elem_oid, const char *p, size_t n, pgvalue *out, char **scratch) {
  *scratch = NULL;
  memset(out, 0, sizeof *out);
  if (elem_oid == PGOID_NUMERIC) {
    /* NUMERIC affinity: an integer when the text is one that fits, else a real (NaN stays text) */
    char buf[64], *end;
    out->type = MICA_TEXT;
    out->p = (const unsigned char *)p;
    out->n = n;
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, p, n);
    buf[n] = 0;
    if (!isdigit((unsigned char)buf[n - 1])) return 0;
    errno = 0;
    long long i = strtoll(buf, &end, 10);
    if (!*end && !errno) {
      out->type = MICA_INTEGER;
      out->i = i;
      return 0;
    }
    double d = strtod(buf, &end);
    if (!*end) {
      out->type = MICA_FLOAT;
      out->d = d;
    }
    return 0;
  }
  char err[8];
  if (is_text_oid(elem_oid) || !elem_oid) {
    out->type = MICA_TEXT;
    out->p = (const unsigned char *)p;
    out->n = n;
    return 0;
  }
  return pgtypes_decode_param(elem_oid, 0, (const unsigned char *)p, n, out, scratch, err, sizeof err);
}

int pgarray_normalise(pqbuf *out, uint32_t elem_oid, const char *s, size_t n, char *err, size_t errlen) {
  pgarray a;
  if (pgarray_parse(s, n, &a, err, errlen)) return -1;
  pqbuf tmp;
  pqbuf_init(&tmp);
  int rc = 0;
  pqbuf_put_byte(out, '{');
  for (int i = 0; i < a.n && !rc; i++) {
    if (a.e[i].is_null) {
      pgarray_put_elem(out, i == 0, NULL, 0);
      continue;
    }
    pgvalue v = {.type = MICA_TEXT, .p = (const unsigned char *)a.e[i].p, .n = a.e[i].n};
    pqbuf_reset(&tmp);
    rc = pgarray_elem_text(&tmp, elem_oid, &v, err, errlen);
    if (!rc) pgarray_put_elem(out, i == 0, tmp.data ? tmp.data : "", tmp.len);
  }
  pqbuf_put_byte(out, '}');
  if (!rc && (tmp.oom || out->oom)) {
    snprintf(err, errlen, "out of memory");
    rc = -1;
  }
  pqbuf_free(&tmp);
  pgarray_free(&a);
  return rc;
}

/* ------------------------------------------------------------------------------------------------
 * Binary.
 */
int pgarray_put_binary(pqbuf *b, uint32_t elem_oid, const char *s, size_t n) {
  char err[256];
  pgarray a;
  if (pgarray_parse(s, n, &a, err, sizeof err)) return -1;
  size_t start = b->len;
  int has_null = 0;
  for (int i = 0; i < a.n; i++)
    has_null |= a.e[i].is_null;
  pqbuf_put_int32(b, 0); /* length, patched below */
  pqbuf_put_int32(b, a.n ? 1 : 0);
  pqbuf_put_int32(b, has_null);
  pqbuf_put_int32(b, (int32_t)elem_oid);
  if (a.n) {
    pqbuf_put_int32(b, a.n);
    pqbuf_put_int32(b, 1);
  }
  int rc = 0;
  for (int i = 0; i < a.n && !rc; i++) {
    if (a.e[i].is_null) {
      pqbuf_put_int32(b, -1);
      continue;
    }
    pgvalue v;
    char *scratch = NULL;
    if (elem_oid == PGOID_NUMERIC) { /* the text keeps the scale */
      memset(&v, 0, sizeof v);
      v.type = MICA_TEXT;
      v.p = (const unsigned char *)a.e[i].p;
      v.n = a.e[i].n;
    } else {
      rc = pgarray_elem_value(elem_oid, a.e[i].p, a.e[i].n, &v, &scratch);
    }
    if (!rc) rc = pgtypes_put_value(b, elem_oid, 1, &v);
    free(scratch);
  }
  pgarray_free(&a);
  if (rc) {
    b->len = start;
    return -1;
  }
  if (!b->oom) pqbuf_patch_int32(b, start, (int32_t)(b->len - start - 4));
  return 0;
}

static int32_t get32(const unsigned char *p) {
  return (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]);
}

int pgarray_from_binary(pqbuf *out, uint32_t elem_oid, const unsigned char *data, size_t len, char *err,
                        size_t errlen) {
  if (len < 12) goto bad;
  int32_t ndim = get32(data), flags = get32(data + 4);
  uint32_t etype = (uint32_t)get32(data + 8);
  if (ndim < 0 || ndim > 6) {
    snprintf(err, errlen, "invalid number of dimensions: %d", ndim);
    return -1;
  }
  if (ndim > 1) {
    snprintf(err, errlen, "multidimensional arrays are not supported");
    return -1;
  }
  if (flags != 0 && flags != 1) {
    snprintf(err, errlen, "invalid array flags");
    return -1;
  }
  if (etype != elem_oid) {
    const char *a = pgtypes_name(etype), *b = pgtypes_name(elem_oid);
    snprintf(err, errlen, "binary data has array element type %u (%s) instead of expected %u (%s)", etype,
             a ? a : "unknown", elem_oid, b ? b : "unknown");
    return -1;
  }
  size_t pos = 12;
  int32_t count = 0;
  if (ndim == 1) {
    if (len < 20) goto bad;
    count = get32(data + 12);
    int32_t lb = get32(data + 16);
    pos = 20;
    if (count < 0) goto bad;
    if (lb != 1 && count > 0) {
      snprintf(err, errlen, "arrays with a lower bound other than 1 are not supported");
      return -1;
    }
  }
  pqbuf tmp;
  pqbuf_init(&tmp);
  int rc = 0;
  pqbuf_put_byte(out, '{');
  for (int32_t i = 0; i < count && !rc; i++) {
    if (len - pos < 4) {
      rc = -1;
      snprintf(err, errlen, "insufficient data left in message");
      break;
    }
    int32_t el = get32(data + pos);
    pos += 4;
    if (el == -1) {
      pgarray_put_elem(out, i == 0, NULL, 0);
      continue;
    }
    if (el < 0 || (size_t)el > len - pos) {
      rc = -1;
      snprintf(err, errlen, "insufficient data left in message");
      break;
    }
    pgvalue v;
    char *scratch = NULL;
    rc = pgtypes_decode_param(elem_oid, 1, data + pos, (size_t)el, &v, &scratch, err, errlen);
    pos += (size_t)el;
    pqbuf_reset(&tmp);
    if (!rc) rc = pgarray_elem_text(&tmp, elem_oid, &v, err, errlen);
    if (!rc) pgarray_put_elem(out, i == 0, tmp.data ? tmp.data : "", tmp.len);
    free(scratch);
  }
  pqbuf_put_byte(out, '}');
  pqbuf_free(&tmp);
  if (!rc && pos != len) {
    snprintf(err, errlen, "incorrect binary data format in bind parameter");
    rc = -1;
  }
  return rc;
bad:
  snprintf(err, errlen, "incorrect binary data format in bind parameter");
  return -1;
}
