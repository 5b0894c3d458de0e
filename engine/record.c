/*
 * record.c: SQLite's record format and key comparison (contract in record.h).
 *
 * Design:
 *  - Varints are SQLite's: 1..8 bytes carrying 7 bits each (high bit set = more follows), and a 9th
 *    byte, if reached, carrying a full 8 bits. Values with any of the top 8 bits set always take 9
 *    bytes. Decoding is done with an explicit end pointer wherever the input is untrusted
 *    (record_get_varint_safe); record headers are always parsed that way.
 *  - A record is: header size (varint, counting itself), serial types (varints), bodies. Decoding
 *    never copies: RecValue text/blob point into the caller's buffer.
 *  - Every field access checks that the header size lies within the record, that each serial type
 *    varint lies within the header, and that each body lies within the record; anything else is
 *    MICA_CORRUPT (never a read out of bounds). Serial types 10 and 11 are reserved: corrupt.
 *  - Comparison: NULL < numbers < text < blob. Integers and reals compare exactly by value (an int64
 *    is never rounded to a double for the comparison). Text uses the field's collation (NULL cmp =
 *    BINARY); blobs memcmp then length. DESC fields invert the result.
 *  - record_compare_key compares field by field; fields beyond keyinfo->nfield compare BINARY ASC.
 *    When all of the key's fields (or all the entry's, if it has fewer) are equal, the result is
 *    the key's default_rc.
 *
 * No global state. All functions are reentrant.
 */
#include "record.h"

#include <string.h>

#include "mica.h"

/* ---------------------------------------------------------------- varints */

int record_varint_len(uint64_t v) {
  int n = 1;
  if (v & ((uint64_t)0xff << 56)) return 9;
  while (v > 0x7f && n < 9) {
    v >>= 7;
    n++;
  }
  return n;
}

int record_put_varint(uint8_t *p, uint64_t v) {
  if (v & ((uint64_t)0xff << 56)) {
    p[8] = (uint8_t)(v & 0xff);
    v >>= 8;
    for (int i = 7; i >= 0; i--) {
      p[i] = (uint8_t)((v & 0x7f) | 0x80);
      v >>= 7;
    }
    return 9;
  }
  int n = record_varint_len(v);
  for (int i = n - 1; i >= 0; i--) {
    p[i] = (uint8_t)((v & 0x7f) | (i == n - 1 ? 0 : 0x80));
    v >>= 7;
  }
  return n;
}

int record_get_varint(const uint8_t *p, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < 8; i++) {
    x = (x << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  x = (x << 8) | p[8];
  *v = x;
  return 9;
}

int record_get_varint_safe(const uint8_t *p, const uint8_t *end, uint64_t *v) {
  uint64_t x = 0;
  for (int i = 0; i < 9; i++) {
    if (p + i >= end) return 0;
    if (i == 8) {
      x = (x << 8) | p[8];
      *v = x;
      return 9;
    }
    x = (x << 7) | (p[i] & 0x7f);
    if (!(p[i] & 0x80)) {
      *v = x;
      return i + 1;
    }
  }
  return 0; /* not reached */
}

/* ---------------------------------------------------------------- serial types */

uint32_t record_serial_type(const RecValue *v, int file_format) {
  switch (v->type) {
  case REC_INT: {
    int64_t i = v->u.i;
    if (file_format >= 4 && (i == 0 || i == 1)) return i == 0 ? 8 : 9;
    if (i >= -128 && i <= 127) return 1;
    if (i >= -32768 && i <= 32767) return 2;
    if (i >= -8388608 && i <= 8388607) return 3;
    if (i >= -2147483648LL && i <= 2147483647LL) return 4;
    if (i >= -140737488355328LL && i <= 140737488355327LL) return 5;
    return 6;
  }
  case REC_REAL: return 7;
  case REC_TEXT: return v->u.s.n * 2 + 13;
  case REC_BLOB: return v->u.s.n * 2 + 12;
  default: return 0;
  }
}

uint32_t record_serial_len(uint32_t st) {
  static const uint8_t small[12] = {0, 1, 2, 3, 4, 6, 8, 8, 0, 0, 0, 0};
  if (st < 12) return small[st];
  return (st - 12) / 2;
}

/* ---------------------------------------------------------------- encoding */

static uint32_t value_serial(const RecValue *v) { return record_serial_type(v, 4); }

static size_t header_size(const RecValue *vals, int n) {
  size_t h = 0;
  for (int i = 0; i < n; i++)
    h += (size_t)record_varint_len(value_serial(&vals[i]));
  size_t hdr = h + 1;
  while ((size_t)record_varint_len(hdr) + h != hdr)
    hdr = h + (size_t)record_varint_len(hdr);
  return hdr;
}

size_t record_size(const RecValue *vals, int n) {
  size_t sz = header_size(vals, n);
  for (int i = 0; i < n; i++)
    sz += record_serial_len(value_serial(&vals[i]));
  return sz;
}

static void put_be(uint8_t *p, uint64_t x, int len) {
  for (int i = len - 1; i >= 0; i--) {
    p[i] = (uint8_t)(x & 0xff);
    x >>= 8;
  }
}

size_t record_encode(const RecValue *vals, int n, uint8_t *out) {
  size_t hdr = header_size(vals, n);
  uint8_t *h = out;
  uint8_t *b = out + hdr;
  h += record_put_varint(h, hdr);
  for (int i = 0; i < n; i++) {
    const RecValue *v = &vals[i];
    uint32_t st = value_serial(v);
    uint32_t len = record_serial_len(st);
    h += record_put_varint(h, st);
    if (st >= 1 && st <= 6) {
      put_be(b, (uint64_t)v->u.i, (int)len);
    } else if (st == 7) {
      uint64_t bits;
      memcpy(&bits, &v->u.r, 8);
      put_be(b, bits, 8);
    } else if (st >= 12 && len > 0) {
      memcpy(b, v->u.s.p, len);
    }
    b += len;
  }
  return (size_t)(b - out);
}

/* ---------------------------------------------------------------- decoding */

/* Header iteration state over an untrusted record. */
typedef struct HdrIter {
  const uint8_t *rec;
  uint32_t n;
  uint32_t hoff; /* next serial type offset */
  uint32_t hend; /* header size */
  uint32_t boff; /* next body offset */
} HdrIter;

static int hdr_init(HdrIter *it, const void *rec, uint32_t n) {
  uint64_t hs;
  it->rec = rec;
  it->n = n;
  if (n == 0) return MICA_CORRUPT;
  int k = record_get_varint_safe(it->rec, it->rec + n, &hs);
  if (k == 0 || hs < (uint64_t)k || hs > n) return MICA_CORRUPT;
  it->hoff = (uint32_t)k;
  it->hend = (uint32_t)hs;
  it->boff = (uint32_t)hs;
  return MICA_OK;
}

static int64_t get_be_signed(const uint8_t *p, int len) {
  uint64_t x = (p[0] & 0x80) ? ~(uint64_t)0 : 0;
  for (int i = 0; i < len; i++)
    x = (x << 8) | p[i];
  return (int64_t)x;
}

/* Next field: 1 with *out filled, 0 at end of header, -1 if corrupt. */
static int hdr_next(HdrIter *it, RecValue *out) {
  uint64_t st;
  if (it->hoff >= it->hend) return 0;
  int k = record_get_varint_safe(it->rec + it->hoff, it->rec + it->hend, &st);
  if (k == 0 || st > 0xffffffffu || st == 10 || st == 11) return -1;
  it->hoff += (uint32_t)k;
  uint32_t len = record_serial_len((uint32_t)st);
  if (len > it->n - it->boff) return -1;
  const uint8_t *p = it->rec + it->boff;
  it->boff += len;
  if (out == NULL) return 1;
  switch (st) {
  case 0: out->type = REC_NULL; break;
  case 1:
  case 2:
  case 3:
  case 4:
  case 5:
  case 6:
    out->type = REC_INT;
    out->u.i = get_be_signed(p, (int)len);
    break;
  case 7: {
    uint64_t bits = 0;
    for (int i = 0; i < 8; i++)
      bits = (bits << 8) | p[i];
    out->type = REC_REAL;
    memcpy(&out->u.r, &bits, 8);
    break;
  }
  case 8:
  case 9:
    out->type = REC_INT;
    out->u.i = (int64_t)(st - 8);
    break;
  default:
    out->type = (st & 1) ? REC_TEXT : REC_BLOB;
    out->u.s.p = (const char *)p;
    out->u.s.n = len;
    break;
  }
  return 1;
}

int record_decode(const void *rec, uint32_t n, RecValue *vals, int max, int *nfields) {
  HdrIter it;
  int cnt = 0, r;
  if (hdr_init(&it, rec, n) != MICA_OK) return MICA_CORRUPT;
  RecValue dummy;
  while ((r = hdr_next(&it, cnt < max ? &vals[cnt] : &dummy)) == 1)
    cnt++;
  if (r < 0) return MICA_CORRUPT;
  if (nfields) *nfields = cnt;
  return MICA_OK;
}

int record_column(const void *rec, uint32_t n, int idx, RecValue *out) {
  HdrIter it;
  RecValue dummy;
  int r;
  if (hdr_init(&it, rec, n) != MICA_OK) return MICA_CORRUPT;
  for (int i = 0;; i++) {
    r = hdr_next(&it, i == idx ? out : &dummy);
    if (r < 0) return MICA_CORRUPT;
    if (r == 0) break;
    if (i == idx) return MICA_OK;
  }
  out->type = REC_NULL;
  return MICA_OK;
}

int record_field_count(const void *rec, uint32_t n) {
  int cnt;
  if (record_decode(rec, n, NULL, 0, &cnt) != MICA_OK) return -1;
  return cnt;
}

/* ---------------------------------------------------------------- comparison */

int record_coll_binary(void *arg, int n1, const void *s1, int n2, const void *s2) {
  (void)arg;
  int m = n1 < n2 ? n1 : n2;
  int c = m > 0 ? memcmp(s1, s2, (size_t)m) : 0;
  if (c != 0) return c;
  return n1 - n2;
}

int record_coll_nocase(void *arg, int n1, const void *s1, int n2, const void *s2) {
  (void)arg;
  const uint8_t *a = s1, *b = s2;
  int m = n1 < n2 ? n1 : n2;
  for (int i = 0; i < m; i++) {
    int x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x += 'a' - 'A';
    if (y >= 'A' && y <= 'Z') y += 'a' - 'A';
    if (x != y) return x - y;
  }
  return n1 - n2;
}

int record_coll_rtrim(void *arg, int n1, const void *s1, int n2, const void *s2) {
  const char *a = s1, *b = s2;
  while (n1 > 0 && a[n1 - 1] == ' ')
    n1--;
  while (n2 > 0 && b[n2 - 1] == ' ')
    n2--;
  return record_coll_binary(arg, n1, s1, n2, s2);
}

/* Exact comparison of an integer with a double (NaN sorts as the smallest number). */
static int cmp_int_real(int64_t i, double r) {
  if (r != r) return 1;
  if (r < -9223372036854775808.0) return 1;
  if (r >= 9223372036854775808.0) return -1;
  int64_t y = (int64_t)r;
  if (i < y) return -1;
  if (i > y) return 1;
  double dy = (double)y; /* exact: |r| < 2^53 or r is an integer */
  if (dy < r) return -1;
  if (dy > r) return 1;
  return 0;
}

static int type_rank(int t) {
  switch (t) {
  case REC_NULL: return 0;
  case REC_INT:
  case REC_REAL: return 1;
  case REC_TEXT: return 2;
  default: return 3;
  }
}

int record_compare_values(const RecValue *a, const RecValue *b, const RecColl *coll) {
  int ra = type_rank(a->type), rb = type_rank(b->type);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
  case 0: return 0;
  case 1:
    if (a->type == REC_INT && b->type == REC_INT) return a->u.i < b->u.i ? -1 : a->u.i > b->u.i;
    if (a->type == REC_INT) return cmp_int_real(a->u.i, b->u.r);
    if (b->type == REC_INT) return -cmp_int_real(b->u.i, a->u.r);
    if (a->u.r < b->u.r) return -1;
    if (a->u.r > b->u.r) return 1;
    if (a->u.r == b->u.r) return 0;
    /* NaNs: order NaN lowest, equal to each other */
    if (a->u.r != a->u.r) return (b->u.r != b->u.r) ? 0 : -1;
    return 1;
  case 2:
    if (coll && coll->cmp) {
      int c = coll->cmp(coll->arg, (int)a->u.s.n, a->u.s.p, (int)b->u.s.n, b->u.s.p);
      return c < 0 ? -1 : c > 0;
    } else {
      int c = record_coll_binary(NULL, (int)a->u.s.n, a->u.s.p, (int)b->u.s.n, b->u.s.p);
      return c < 0 ? -1 : c > 0;
    }
  default: {
    int c = record_coll_binary(NULL, (int)a->u.s.n, a->u.s.p, (int)b->u.s.n, b->u.s.p);
    return c < 0 ? -1 : c > 0;
  }
  }
}

int record_compare_key(const UnpackedKey *key, const void *rec, uint32_t n, int *corrupt) {
  HdrIter ki, ei;
  RecValue kv, ev;
  const KeyInfo *kinfo = key->keyinfo;
  if (hdr_init(&ki, key->rec, key->nrec) != MICA_OK) {
    if (corrupt) *corrupt = 1;
    return 0;
  }
  if (hdr_init(&ei, rec, n) != MICA_OK) {
    if (corrupt) *corrupt = 1;
    return 0;
  }
  for (int i = 0;; i++) {
    int rk = hdr_next(&ki, &kv);
    int re = hdr_next(&ei, &ev);
    if (rk < 0 || re < 0) {
      if (corrupt) *corrupt = 1;
      return 0;
    }
    if (rk == 0 || re == 0) break;
    const RecColl *coll = NULL;
    int desc = 0;
    if (kinfo && i < kinfo->nfield) {
      if (kinfo->coll) coll = &kinfo->coll[i];
      if (kinfo->desc) desc = kinfo->desc[i];
    }
    int c = record_compare_values(&kv, &ev, coll);
    if (c != 0) return desc ? -c : c;
  }
  return key->default_rc;
}
