/*
 * pgtypes.c: type OID mapping and value encodings for the wire (see pgtypes.h).
 *
 * BINARY FORMATS (all big-endian, from PostgreSQL's protocol documentation)
 *   bool 1 byte; int2/int4/int8/oid fixed-width integers; float4/float8 IEEE 754;
 *   text, varchar, bpchar, name, json: the UTF-8 bytes; jsonb: version byte 1 then the text;
 *   bytea: the bytes; uuid: 16 bytes; date: int32 days since 2000-01-01;
 *   time: int64 microseconds since midnight; timestamp(tz): int64 microseconds since 2000-01-01 00:00 (UTC
 *   for timestamptz); interval: int64 microseconds, int32 days, int32 months;
 *   numeric: int16 ndigits, int16 weight, int16 sign (0 +, 0x4000 -, 0xC000 NaN), int16 dscale, then
 *   ndigits int16 base-10000 digits, the first having weight `weight`.
 *   Arrays (int4[] 1007, text[] 1009, ...): the element type's array type; the value is stored as array
 *   text, which is also its text form; pgarray.c converts it to and from the binary array format.
 * Dates are converted with the proleptic Gregorian day-count algorithm (days_from_civil).
 */
#include "pgtypes.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mica.h"
#include "pgarray.h"

static const struct {
  const char *name;
  uint32_t oid;
} type_names[] = {
    {"int", PGOID_INT4},
    {"integer", PGOID_INT4},
    {"int4", PGOID_INT4},
    {"serial", PGOID_INT4},
    {"serial4", PGOID_INT4},
    {"mediumint", PGOID_INT4},
    {"bigint", PGOID_INT8},
    {"int8", PGOID_INT8},
    {"bigserial", PGOID_INT8},
    {"serial8", PGOID_INT8},
    {"smallint", PGOID_INT2},
    {"int2", PGOID_INT2},
    {"smallserial", PGOID_INT2},
    {"serial2", PGOID_INT2},
    {"tinyint", PGOID_INT2},
    {"text", PGOID_TEXT},
    {"clob", PGOID_TEXT},
    {"string", PGOID_TEXT},
    {"varchar", PGOID_VARCHAR},
    {"character varying", PGOID_VARCHAR},
    {"varying character", PGOID_VARCHAR},
    {"nvarchar", PGOID_VARCHAR},
    {"native character", PGOID_BPCHAR},
    {"char", PGOID_BPCHAR},
    {"character", PGOID_BPCHAR},
    {"bpchar", PGOID_BPCHAR},
    {"nchar", PGOID_BPCHAR},
    {"bool", PGOID_BOOL},
    {"boolean", PGOID_BOOL},
    {"real", PGOID_FLOAT4},
    {"float4", PGOID_FLOAT4},
    {"double", PGOID_FLOAT8},
    {"double precision", PGOID_FLOAT8},
    {"float8", PGOID_FLOAT8},
    {"float", PGOID_FLOAT8},
    {"numeric", PGOID_NUMERIC},
    {"decimal", PGOID_NUMERIC},
    {"bytea", PGOID_BYTEA},
    {"blob", PGOID_BYTEA},
    {"date", PGOID_DATE},
    {"time", PGOID_TIME},
    {"time without time zone", PGOID_TIME},
    {"timetz", PGOID_TIMETZ},
    {"time with time zone", PGOID_TIMETZ},
    {"timestamp", PGOID_TIMESTAMP},
    {"timestamp without time zone", PGOID_TIMESTAMP},
    {"datetime", PGOID_TIMESTAMP},
    {"timestamptz", PGOID_TIMESTAMPTZ},
    {"timestamp with time zone", PGOID_TIMESTAMPTZ},
    {"interval", PGOID_INTERVAL},
    {"uuid", PGOID_UUID},
    {"json", PGOID_JSON},
    {"jsonb", PGOID_JSONB},
    {"name", PGOID_NAME},
    {"oid", PGOID_OID},
    {"unknown", PGOID_UNKNOWN},
};

/* Element type <-> array type, with the array type's name as PostgreSQL's format_type spells it. */
static const struct {
  uint32_t elem, array;
  const char *name;
} array_types[] = {
    {PGOID_BOOL, PGOID_BOOL_ARRAY, "boolean[]"},
    {PGOID_BYTEA, PGOID_BYTEA_ARRAY, "bytea[]"},
    {PGOID_NAME, PGOID_NAME_ARRAY, "name[]"},
    {PGOID_INT2, PGOID_INT2_ARRAY, "smallint[]"},
    {PGOID_INT4, PGOID_INT4_ARRAY, "integer[]"},
    {PGOID_TEXT, PGOID_TEXT_ARRAY, "text[]"},
    {PGOID_BPCHAR, PGOID_BPCHAR_ARRAY, "character[]"},
    {PGOID_VARCHAR, PGOID_VARCHAR_ARRAY, "character varying[]"},
    {PGOID_INT8, PGOID_INT8_ARRAY, "bigint[]"},
    {PGOID_FLOAT4, PGOID_FLOAT4_ARRAY, "real[]"},
    {PGOID_FLOAT8, PGOID_FLOAT8_ARRAY, "double precision[]"},
    {PGOID_OID, PGOID_OID_ARRAY, "oid[]"},
    {PGOID_TIMESTAMP, PGOID_TIMESTAMP_ARRAY, "timestamp without time zone[]"},
    {PGOID_DATE, PGOID_DATE_ARRAY, "date[]"},
    {PGOID_TIME, PGOID_TIME_ARRAY, "time without time zone[]"},
    {PGOID_TIMESTAMPTZ, PGOID_TIMESTAMPTZ_ARRAY, "timestamp with time zone[]"},
    {PGOID_INTERVAL, PGOID_INTERVAL_ARRAY, "interval[]"},
    {PGOID_NUMERIC, PGOID_NUMERIC_ARRAY, "numeric[]"},
    {PGOID_TIMETZ, PGOID_TIMETZ_ARRAY, "time with time zone[]"},
    {PGOID_UUID, PGOID_UUID_ARRAY, "uuid[]"},
    {PGOID_JSON, PGOID_JSON_ARRAY, "json[]"},
    {PGOID_JSONB, PGOID_JSONB_ARRAY, "jsonb[]"},
};

uint32_t pgtypes_array_of(uint32_t elem_oid) {
  for (size_t i = 0; i < sizeof array_types / sizeof array_types[0]; i++)
    if (array_types[i].elem == elem_oid) return array_types[i].array;
  return 0;
}

uint32_t pgtypes_elem_of(uint32_t array_oid) {
  for (size_t i = 0; i < sizeof array_types / sizeof array_types[0]; i++)
    if (array_types[i].array == array_oid) return array_types[i].elem;
  return 0;
}

uint32_t pgtypes_oid_by_name(const char *name) {
  for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
    if (!strcasecmp(type_names[i].name, name)) return type_names[i].oid;
  return 0;
}

const char *pgtypes_name(uint32_t oid) {
  switch (oid) {
  case PGOID_INT4: return "integer";
  case PGOID_INT8: return "bigint";
  case PGOID_INT2: return "smallint";
  case PGOID_FLOAT4: return "real";
  case PGOID_FLOAT8: return "double precision";
  case PGOID_BOOL: return "boolean";
  case PGOID_VARCHAR: return "character varying";
  case PGOID_BPCHAR: return "character";
  case PGOID_TIMESTAMP: return "timestamp without time zone";
  case PGOID_TIMESTAMPTZ: return "timestamp with time zone";
  case PGOID_TIME: return "time without time zone";
  default: break;
  }
  for (size_t i = 0; i < sizeof type_names / sizeof type_names[0]; i++)
    if (type_names[i].oid == oid) return type_names[i].name;
  for (size_t i = 0; i < sizeof array_types / sizeof array_types[0]; i++)
    if (array_types[i].array == oid) return array_types[i].name;
  return NULL;
}

int16_t pgtypes_typlen(uint32_t oid) {
  switch (oid) {
  case PGOID_BOOL: return 1;
  case PGOID_INT2: return 2;
  case PGOID_INT4:
  case PGOID_OID:
  case PGOID_FLOAT4:
  case PGOID_DATE: return 4;
  case PGOID_INT8:
  case PGOID_FLOAT8:
  case PGOID_TIME:
  case PGOID_TIMESTAMP:
  case PGOID_TIMESTAMPTZ: return 8;
  case PGOID_TIMETZ: return 12;
  case PGOID_INTERVAL:
  case PGOID_UUID: return 16;
  case PGOID_NAME: return 64;
  default: return -1;
  }
}

pgtype pgtypes_from_decltype(const char *decl) {
  pgtype t = {0, -1, -1};
  if (!decl || !*decl) return t;
  /* Normalise: lower case, single spaces, typmod "(a,b)" split off, "[]" / "[N]" noted and dropped. */
  char name[128] = {0};
  size_t n = 0;
  int mods[2] = {-1, -1}, nmods = 0, is_array = 0;
  const char *p = decl;
  while (*p && n < sizeof name - 1) {
    if (*p == '[') {
      is_array = 1;
      while (*p && *p != ']')
        p++;
      if (*p) p++;
      continue;
    }
    if (*p == '(') {
      p++;
      while (*p && *p != ')') {
        while (isspace((unsigned char)*p))
          p++;
        if (isdigit((unsigned char)*p) && nmods < 2)
          mods[nmods++] = (int)strtol(p, (char **)&p, 10);
        else if (*p && *p != ')')
          p++;
      }
      if (*p == ')') p++;
      continue;
    }
    if (isspace((unsigned char)*p)) {
      if (n && name[n - 1] != ' ') name[n++] = ' ';
      p++;
      continue;
    }
    name[n++] = (char)tolower((unsigned char)*p++);
  }
  while (n && name[n - 1] == ' ')
    n--;
  name[n] = 0;
  t.oid = pgtypes_oid_by_name(name);
  if (!t.oid) {
    /* SQLite's affinity rules, in its order. */
    if (strstr(name, "int"))
      t.oid = PGOID_INT8;
    else if (strstr(name, "char") || strstr(name, "clob") || strstr(name, "text"))
      t.oid = PGOID_TEXT;
    else if (strstr(name, "blob"))
      t.oid = PGOID_BYTEA;
    else if (strstr(name, "real") || strstr(name, "floa") || strstr(name, "doub"))
      t.oid = PGOID_FLOAT8;
    else
      t.oid = PGOID_TEXT;
  }
  t.typlen = pgtypes_typlen(t.oid);
  if ((t.oid == PGOID_VARCHAR || t.oid == PGOID_BPCHAR) && nmods >= 1) t.typmod = mods[0] + 4;
  if (t.oid == PGOID_NUMERIC && nmods >= 1) t.typmod = ((mods[0] << 16) | (nmods == 2 ? mods[1] : 0)) + 4;
  if (is_array) {
    uint32_t a = pgtypes_array_of(t.oid);
    t.oid = a ? a : PGOID_TEXT_ARRAY;
    t.typlen = -1;
  }
  return t;
}

pgtype pgtypes_from_storage(int storage_class) {
  pgtype t = {PGOID_TEXT, -1, -1};
  switch (storage_class) {
  case MICA_INTEGER: t.oid = PGOID_INT8; break;
  case MICA_FLOAT: t.oid = PGOID_FLOAT8; break;
  case MICA_BLOB: t.oid = PGOID_BYTEA; break;
  default: break;
  }
  t.typlen = pgtypes_typlen(t.oid);
  return t;
}

void pgtypes_format_double(double d, char *out, size_t outlen) {
  if (isnan(d)) {
    snprintf(out, outlen, "NaN");
    return;
  }
  if (isinf(d)) {
    snprintf(out, outlen, d > 0 ? "Infinity" : "-Infinity");
    return;
  }
  /* The fewest significant digits that read back as d (PostgreSQL's shortest-exact output), written
   * in fixed notation when the decimal exponent is in [-4, 15) and as d.ddde+XX otherwise (so 86400
   * is "86400", not "8.64e+04"; 1e15 is "1e+15"). */
  int prec = 1;
  for (; prec <= 17; prec++) {
    snprintf(out, outlen, "%.*e", prec - 1, d);
    if (strtod(out, NULL) == d) break;
  }
  if (prec > 17) prec = 17;
  const char *e = strchr(out, 'e');
  int x = e ? atoi(e + 1) : 0;
  if (x >= -4 && x < 15) {
    int decimals = prec - 1 - x;
    snprintf(out, outlen, "%.*f", decimals > 0 ? decimals : 0, d);
  }
}

static void put_text_column(pqbuf *b, const void *p, size_t n) {
  pqbuf_put_int32(b, (int32_t)n);
  pqbuf_put_bytes(b, p, n);
}

/* The value as text in a stack buffer or pointing at its bytes. */
static const char *value_text(const pgvalue *v, char *buf, size_t buflen, size_t *len) {
  switch (v->type) {
  case MICA_INTEGER: snprintf(buf, buflen, "%lld", (long long)v->i); break;
  case MICA_FLOAT: pgtypes_format_double(v->d, buf, buflen); break;
  default: *len = v->n; return v->p ? (const char *)v->p : "";
  }
  *len = strlen(buf);
  return buf;
}

int pgtypes_parse_bool(const char *s, int *out) {
  static const char *yes[] = {"t", "true", "on", "yes", "1", "y"};
  static const char *no[] = {"f", "false", "off", "no", "0", "n"};
  for (size_t i = 0; i < 6; i++) {
    if (!strcasecmp(s, yes[i])) return *out = 1, 0;
    if (!strcasecmp(s, no[i])) return *out = 0, 0;
  }
  return -1;
}

static int text_is_true(const unsigned char *p, size_t n, int *out) {
  char s[8];
  if (n == 0 || n >= sizeof s) return -1;
  memcpy(s, p, n);
  s[n] = 0;
  return pgtypes_parse_bool(s, out);
}

static int value_as_int(const pgvalue *v, int64_t *out) {
  if (v->type == MICA_INTEGER) return *out = v->i, 0;
  if (v->type == MICA_FLOAT) {
    if (!(v->d >= -9.2233720368547758e18 && v->d < 9.2233720368547758e18)) return -1;
    *out = (int64_t)llround(v->d);
    return 0;
  }
  char s[64];
  if (!v->p || v->n == 0 || v->n >= sizeof s) return -1;
  memcpy(s, v->p, v->n);
  s[v->n] = 0;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end) return -1;
  *out = x;
  return 0;
}

static int value_as_double(const pgvalue *v, double *out) {
  if (v->type == MICA_INTEGER) return *out = (double)v->i, 0;
  if (v->type == MICA_FLOAT) return *out = v->d, 0;
  char s[128];
  if (!v->p || v->n == 0 || v->n >= sizeof s) return -1;
  memcpy(s, v->p, v->n);
  s[v->n] = 0;
  if (!strcasecmp(s, "Infinity")) return *out = INFINITY, 0;
  if (!strcasecmp(s, "-Infinity")) return *out = -INFINITY, 0;
  if (!strcasecmp(s, "NaN")) return *out = NAN, 0;
  char *end;
  *out = strtod(s, &end);
  return *end ? -1 : 0;
}

/* Days since 1970-01-01 of a civil date (proleptic Gregorian). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = (unsigned)(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = (unsigned)(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

#define PG_EPOCH_DAYS 10957 /* 2000-01-01 in days since 1970-01-01 */

/* Parses "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+hh[:mm]|-hh[:mm]]" pieces. Returns 0 on success. */
/* ------------------------------------------------------------------------------------------------
 * Intervals. PostgreSQL's binary form is int64 microseconds, int32 days, int32 months; its text form
 * (IntervalStyle postgres) is "[N year[s]] [N mon[s]] [N day[s]] [[+|-]HH:MM:SS[.ffffff]]", each
 * part signed on its own, with a '+' before a positive part that follows a negative one, and
 * "00:00:00" for zero.
 */
static char *append_int_part(char *o, int64_t v, const char *unit, int *is_zero, int *is_before) {
  if (v == 0) return o;
  o += sprintf(o, "%s%s%lld %s%s", *is_zero ? "" : " ", *is_before && v > 0 ? "+" : "", (long long)v, unit,
               v != 1 ? "s" : "");
  *is_before = v < 0;
  *is_zero = 0;
  return o;
}

/* Writes the text form of (months, days, usec) to out (at least 96 bytes); returns its length. */
static size_t format_interval(int32_t months, int32_t days, int64_t usec, char *out) {
  char *o = out;
  int is_zero = 1, is_before = 0;
  o = append_int_part(o, months / 12, "year", &is_zero, &is_before);
  o = append_int_part(o, months % 12, "mon", &is_zero, &is_before);
  o = append_int_part(o, days, "day", &is_zero, &is_before);
  int64_t hour = usec / 3600000000LL, rest = usec % 3600000000LL;
  int64_t min = rest / 60000000LL, sec = rest % 60000000LL / 1000000, frac = rest % 1000000;
  if (is_zero || usec != 0) {
    int minus = hour < 0 || min < 0 || sec < 0 || frac < 0;
    o += sprintf(o, "%s%s%02lld:%02lld:%02lld", is_zero ? "" : " ",
                 minus       ? "-"
                 : is_before ? "+"
                             : "",
                 (long long)llabs(hour), (long long)llabs(min), (long long)llabs(sec));
    if (frac) {
      o += sprintf(o, ".%06lld", (long long)llabs(frac));
      while (o[-1] == '0')
        *--o = 0;
    }
  }
  *o = 0;
  return (size_t)(o - out);
}

/* Parses an interval in PostgreSQL's postgres style (as format_interval writes it) or as
 * "N unit ..." with units year(s), mon(s)/month(s), week(s), day(s), hour(s), min(s)/minute(s),
 * sec(s)/second(s), followed by an optional [+-]H:MM[:SS[.f]] and "ago". 0 on success. */
static int parse_interval(const char *s, size_t n, int32_t *months, int32_t *days, int64_t *usec) {
  int64_t mo = 0, d = 0, us = 0;
  size_t i = 0;
  int any = 0;
  while (i < n) {
    while (i < n && isspace((unsigned char)s[i]))
      i++;
    if (i >= n) break;
    if (n - i >= 3 && !strncasecmp(s + i, "ago", 3) && (n - i == 3 || isspace((unsigned char)s[i + 3]))) {
      mo = -mo, d = -d, us = -us;
      i += 3;
      continue;
    }
    int neg = 0;
    if (s[i] == '+' || s[i] == '-') neg = s[i++] == '-';
    if (i >= n || !isdigit((unsigned char)s[i])) return -1;
    int64_t v = 0;
    while (i < n && isdigit((unsigned char)s[i])) {
      if (v > INT32_MAX) return -1;
      v = v * 10 + (s[i++] - '0');
    }
    if (i < n && s[i] == ':') { /* H:MM[:SS[.f]] */
      int64_t mm = 0, ss = 0, f = 0;
      int fd = 0;
      i++;
      while (i < n && isdigit((unsigned char)s[i]))
        mm = mm * 10 + (s[i++] - '0');
      if (i < n && s[i] == ':') {
        i++;
        while (i < n && isdigit((unsigned char)s[i]))
          ss = ss * 10 + (s[i++] - '0');
        if (i < n && s[i] == '.') {
          i++;
          while (i < n && isdigit((unsigned char)s[i])) {
            if (fd < 6) f = f * 10 + (s[i] - '0'), fd++;
            i++;
          }
          while (fd < 6)
            f *= 10, fd++;
        }
      }
      if (mm > 59 || ss > 59) return -1;
      int64_t t = ((v * 60 + mm) * 60 + ss) * 1000000 + f;
      if (__builtin_add_overflow(us, neg ? -t : t, &us)) return -1;
      any++;
      continue;
    }
    int64_t frac = 0; /* fractional seconds only */
    int fd = 0;
    if (i < n && s[i] == '.') {
      i++;
      while (i < n && isdigit((unsigned char)s[i])) {
        if (fd < 6) frac = frac * 10 + (s[i] - '0'), fd++;
        i++;
      }
      while (fd < 6)
        frac *= 10, fd++;
    }
    while (i < n && isspace((unsigned char)s[i]))
      i++;
    size_t u = i;
    while (i < n && isalpha((unsigned char)s[i]))
      i++;
    size_t ul = i - u;
    if (neg) v = -v, frac = -frac;
#define UNIT(name) (ul == strlen(name) && !strncasecmp(s + u, name, ul))
    if (any > 64) return -1; /* bounds the sums below */
    if (UNIT("year") || UNIT("years") || UNIT("yr") || UNIT("yrs"))
      mo += v * 12;
    else if (UNIT("mon") || UNIT("mons") || UNIT("month") || UNIT("months"))
      mo += v;
    else if (UNIT("week") || UNIT("weeks"))
      d += v * 7;
    else if (UNIT("day") || UNIT("days"))
      d += v;
    else if (UNIT("hour") || UNIT("hours")) {
      if (__builtin_add_overflow(us, v * 3600000000LL, &us)) return -1;
    } else if (UNIT("min") || UNIT("mins") || UNIT("minute") || UNIT("minutes")) {
      if (__builtin_add_overflow(us, v * 60000000LL, &us)) return -1;
    } else if (UNIT("sec") || UNIT("secs") || UNIT("second") || UNIT("seconds") || ul == 0) {
      if (__builtin_add_overflow(us, v * 1000000 + frac, &us)) return -1;
    } else
      return -1;
#undef UNIT
    if (frac && !(ul == 0 || s[u] == 's' || s[u] == 'S')) return -1;
    any++;
  }
  if (!any || mo > INT32_MAX || mo < INT32_MIN || d > INT32_MAX || d < INT32_MIN) return -1;
  *months = (int32_t)mo;
  *days = (int32_t)d;
  *usec = us;
  return 0;
}

static int parse_datetime(const char *s, int want_date, int64_t *days, int64_t *usec, int *tz_sec,
                          int *has_tz) {
  *days = 0;
  *usec = 0;
  *tz_sec = 0;
  *has_tz = 0;
  const char *p = s;
  if (want_date) {
    char *end;
    long y = strtol(p, &end, 10);
    if (end == p || *end != '-') return -1;
    p = end + 1;
    long mo = strtol(p, &end, 10);
    if (end == p || *end != '-' || mo < 1 || mo > 12) return -1;
    p = end + 1;
    long d = strtol(p, &end, 10);
    if (end == p || d < 1 || d > 31) return -1;
    p = end;
    *days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    if (!*p) return 0;
    if (*p != ' ' && *p != 'T') return -1;
    p++;
  }
  char *end;
  long h = strtol(p, &end, 10);
  if (end == p || *end != ':' || h < 0 || h > 24) return -1;
  p = end + 1;
  long mi = strtol(p, &end, 10);
  if (end == p || mi < 0 || mi > 59) return -1;
  p = end;
  double sec = 0;
  if (*p == ':') {
    p++;
    sec = strtod(p, &end);
    if (end == p || sec < 0 || sec >= 61) return -1;
    p = end;
  }
  *usec = ((int64_t)h * 3600 + mi * 60) * 1000000 + (int64_t)llround(sec * 1e6);
  while (*p == ' ')
    p++;
  if (*p == 'Z' || *p == 'z') {
    *has_tz = 1;
    p++;
  } else if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1;
    p++;
    long th = strtol(p, &end, 10);
    if (end == p) return -1;
    long tm = 0;
    if (end - p == 4) { /* +hhmm */
      tm = th % 100;
      th /= 100;
    }
    p = end;
    if (*p == ':') {
      p++;
      tm = strtol(p, &end, 10);
      p = end;
    }
    *tz_sec = sign * (int)(th * 3600 + tm * 60);
    *has_tz = 1;
  }
  return *p ? -1 : 0;
}

static int put_numeric_binary(pqbuf *b, const char *s) {
  /* Split into sign, integer digits and fraction digits. */
  int neg = 0;
  if (*s == '-' || *s == '+') neg = *s++ == '-';
  if (!strcasecmp(s, "nan")) {
    pqbuf_put_int32(b, 8);
    pqbuf_put_int16(b, 0);
    pqbuf_put_int16(b, 0);
    pqbuf_put_int16(b, (int16_t)0xC000);
    pqbuf_put_int16(b, 0);
    return 0;
  }
  char ip[400], fp[400];
  size_t ni = 0, nf = 0;
  const char *p = s;
  while (isdigit((unsigned char)*p) && ni < sizeof ip - 4)
    ip[ni++] = *p++;
  if (*p == '.') {
    p++;
    while (isdigit((unsigned char)*p) && nf < sizeof fp - 4)
      fp[nf++] = *p++;
  }
  if (*p || (ni == 0 && nf == 0)) return -1;
  int dscale = (int)nf;
  /* Pad integer part on the left and fraction on the right to multiples of 4 digits. */
  size_t padl = (4 - ni % 4) % 4;
  char digits[820];
  size_t nd = 0;
  for (size_t i = 0; i < padl; i++)
    digits[nd++] = '0';
  memcpy(digits + nd, ip, ni);
  nd += ni;
  size_t int_groups = (padl + ni) / 4;
  memcpy(digits + nd, fp, nf);
  nd += nf;
  while (nd % 4)
    digits[nd++] = '0';
  size_t ngroups = nd / 4;
  int16_t groups[205] = {0};
  for (size_t g = 0; g < ngroups; g++)
    groups[g] = (int16_t)((digits[g * 4] - '0') * 1000 + (digits[g * 4 + 1] - '0') * 100 +
                          (digits[g * 4 + 2] - '0') * 10 + (digits[g * 4 + 3] - '0'));
  int weight = (int)int_groups - 1;
  size_t first = 0;
  while (first < ngroups && groups[first] == 0)
    first++, weight--;
  size_t last = ngroups;
  while (last > first && groups[last - 1] == 0)
    last--;
  if (first == last) weight = 0;
  size_t count = last - first;
  pqbuf_put_int32(b, (int32_t)(8 + 2 * count));
  pqbuf_put_int16(b, (int16_t)count);
  pqbuf_put_int16(b, (int16_t)weight);
  pqbuf_put_int16(b, (int16_t)(neg && count ? 0x4000 : 0));
  pqbuf_put_int16(b, (int16_t)dscale);
  for (size_t g = first; g < last; g++)
    pqbuf_put_int16(b, groups[g]);
  return 0;
}

static int parse_uuid(const unsigned char *p, size_t n, unsigned char out[16]) {
  size_t k = 0;
  int hi = -1;
  for (size_t i = 0; i < n; i++) {
    int c = p[i], v;
    if (c == '-' || c == '{' || c == '}') continue;
    if (c >= '0' && c <= '9')
      v = c - '0';
    else if (c >= 'a' && c <= 'f')
      v = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v = c - 'A' + 10;
    else
      return -1;
    if (hi < 0)
      hi = v;
    else {
      if (k >= 16) return -1;
      out[k++] = (unsigned char)(hi << 4 | v);
      hi = -1;
    }
  }
  return k == 16 && hi < 0 ? 0 : -1;
}

/* The canonical text form of a uuid (lowercase, hyphenated 8-4-4-4-12) into s[37]. */
static void format_uuid(const unsigned char u[16], char s[37]) {
  snprintf(s, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2],
           u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

static int put_binary(pqbuf *b, uint32_t oid, const pgvalue *v) {
  char buf[64];
  size_t len;
  const char *txt;
  switch (oid) {
  case PGOID_BOOL: {
    int64_t i;
    int t;
    if (v->type == MICA_TEXT && !text_is_true(v->p, v->n, &t))
      i = t;
    else if (value_as_int(v, &i))
      return -1;
    pqbuf_put_int32(b, 1);
    pqbuf_put_byte(b, i != 0);
    return 0;
  }
  case PGOID_INT2:
  case PGOID_INT4:
  case PGOID_INT8:
  case PGOID_OID: {
    int64_t i;
    if (value_as_int(v, &i)) return -1;
    if (oid == PGOID_INT2) {
      if (i < INT16_MIN || i > INT16_MAX) return -1;
      pqbuf_put_int32(b, 2);
      pqbuf_put_int16(b, (int16_t)i);
    } else if (oid == PGOID_INT8) {
      pqbuf_put_int32(b, 8);
      pqbuf_put_int64(b, i);
    } else {
      if (oid == PGOID_INT4 ? (i < INT32_MIN || i > INT32_MAX) : (i < 0 || i > UINT32_MAX)) return -1;
      pqbuf_put_int32(b, 4);
      pqbuf_put_int32(b, (int32_t)(uint32_t)i);
    }
    return 0;
  }
  case PGOID_FLOAT4:
  case PGOID_FLOAT8: {
    double d;
    if (value_as_double(v, &d)) return -1;
    if (oid == PGOID_FLOAT4) {
      float f = (float)d;
      uint32_t u;
      memcpy(&u, &f, 4);
      pqbuf_put_int32(b, 4);
      pqbuf_put_int32(b, (int32_t)u);
    } else {
      uint64_t u;
      memcpy(&u, &d, 8);
      pqbuf_put_int32(b, 8);
      pqbuf_put_int64(b, (int64_t)u);
    }
    return 0;
  }
  case PGOID_NUMERIC: {
    txt = value_text(v, buf, sizeof buf, &len);
    char s[400];
    if (len >= sizeof s) return -1;
    memcpy(s, txt, len);
    s[len] = 0;
    if (strchr(s, 'e') || strchr(s, 'E')) {
      double d;
      if (value_as_double(v, &d)) return -1;
      snprintf(s, sizeof s, "%.15f", d);
    }
    return put_numeric_binary(b, s);
  }
  case PGOID_UUID: {
    unsigned char u[16];
    if (v->type == MICA_BLOB && v->n == 16)
      memcpy(u, v->p, 16);
    else if (v->type != MICA_TEXT || parse_uuid(v->p, v->n, u))
      return -1;
    put_text_column(b, u, 16);
    return 0;
  }
  case PGOID_DATE:
  case PGOID_TIMESTAMP:
  case PGOID_TIMESTAMPTZ:
  case PGOID_TIME: {
    char s[80];
    if (v->type != MICA_TEXT || v->n >= sizeof s) return -1;
    memcpy(s, v->p, v->n);
    s[v->n] = 0;
    int64_t days, usec;
    int tz, has_tz;
    if (parse_datetime(s, oid != PGOID_TIME, &days, &usec, &tz, &has_tz)) return -1;
    if (oid == PGOID_DATE) {
      pqbuf_put_int32(b, 4);
      pqbuf_put_int32(b, (int32_t)(days - PG_EPOCH_DAYS));
    } else if (oid == PGOID_TIME) {
      pqbuf_put_int32(b, 8);
      pqbuf_put_int64(b, usec);
    } else {
      int64_t t = (days - PG_EPOCH_DAYS) * 86400000000LL + usec - (int64_t)tz * 1000000;
      pqbuf_put_int32(b, 8);
      pqbuf_put_int64(b, t);
    }
    return 0;
  }
  case PGOID_INTERVAL: {
    int32_t mo, d;
    int64_t us;
    if (v->type != MICA_TEXT || parse_interval((const char *)v->p, v->n, &mo, &d, &us)) return -1;
    pqbuf_put_int32(b, 16);
    pqbuf_put_int64(b, us);
    pqbuf_put_int32(b, d);
    pqbuf_put_int32(b, mo);
    return 0;
  }
  case PGOID_JSONB:
    txt = value_text(v, buf, sizeof buf, &len);
    pqbuf_put_int32(b, (int32_t)len + 1);
    pqbuf_put_byte(b, 1);
    pqbuf_put_bytes(b, txt, len);
    return 0;
  default: /* bytea, text types, json: the bytes */
    txt = value_text(v, buf, sizeof buf, &len);
    put_text_column(b, txt, len);
    return 0;
  }
}

/* The decimal digits of a numeric value: *neg, digits (no leading zeros needed, NUL-terminated) and pt,
 * the number of digits before the decimal point (may be <= 0 or beyond the digits). Doubles give their
 * shortest round-trip digits (1.005 stays 1.005, as the text that made it). -1 if not a finite number. */
static int decimal_digits(const pgvalue *v, int *neg, char *digits, size_t dn, int *pt) {
  char tmp[64];
  *neg = 0;
  if (v->type == MICA_INTEGER) {
    snprintf(tmp, sizeof tmp, "%llu", v->i < 0 ? 0ULL - (unsigned long long)v->i : (unsigned long long)v->i);
    *neg = v->i < 0;
    snprintf(digits, dn, "%s", tmp);
    *pt = (int)strlen(digits);
    return 0;
  }
  if (v->type == MICA_FLOAT) {
    if (!isfinite(v->d)) return -1;
    double a = fabs(v->d);
    *neg = v->d < 0;
    int prec = 1;
    for (; prec < 17; prec++) {
      snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
      if (strtod(tmp, NULL) == a) break;
    }
    snprintf(tmp, sizeof tmp, "%.*e", prec - 1, a);
    size_t n = 0;
    const char *q = tmp;
    for (; *q && *q != 'e' && n + 1 < dn; q++)
      if (isdigit((unsigned char)*q)) digits[n++] = *q;
    digits[n] = 0;
    *pt = (*q == 'e' ? atoi(q + 1) : 0) + 1;
    return 0;
  }
  if (v->type != MICA_TEXT || v->n == 0 || v->n >= dn) return -1;
  const char *q = (const char *)v->p, *e = q + v->n;
  if (*q == '-' || *q == '+') *neg = *q++ == '-';
  size_t n = 0;
  int seen_point = 0, before = 0, any = 0;
  for (; q < e && (isdigit((unsigned char)*q) || (*q == '.' && !seen_point)); q++) {
    if (*q == '.') {
      seen_point = 1;
      continue;
    }
    any = 1;
    digits[n++] = *q;
    if (!seen_point) before++;
  }
  digits[n] = 0;
  int exp = 0;
  if (q < e && (*q == 'e' || *q == 'E')) {
    char ebuf[16];
    size_t el = (size_t)(e - q - 1);
    if (el == 0 || el >= sizeof ebuf) return -1;
    memcpy(ebuf, q + 1, el);
    ebuf[el] = 0;
    char *end;
    long x = strtol(ebuf, &end, 10);
    if (*end || x > 1000 || x < -1000) return -1;
    exp = (int)x;
    q = e;
  }
  if (!any || q != e) return -1;
  *pt = before + exp;
  return 0;
}

/* A numeric value as text rounded to scale decimals (half away from zero), as a numeric(p,s) column
 * or cast prints it in PostgreSQL: 1.5 -> "1.50". -1 if v is not a number. */
static int numeric_scaled(const pgvalue *v, int scale, char *out, size_t outlen) {
  char d[420] = {0};
  int neg, pt;
  if (scale < 0 || scale > 100 || decimal_digits(v, &neg, d + 1, sizeof d - 1, &pt)) return -1;
  d[0] = '0'; /* room for a carry */
  pt++;
  int nd = (int)strlen(d), keep = pt + scale;
  if (keep < 0) keep = 0, pt = -scale;
  if (keep < nd && d[keep] >= '5') {
    int k = keep - 1;
    while (k >= 0 && d[k] == '9')
      d[k--] = '0';
    if (k >= 0) d[k]++;
  }
  char digs[520];
  int m = 0;
  for (int i = 0; i < keep && m < (int)sizeof digs - 1; i++)
    digs[m++] = i < nd ? d[i] : '0';
  digs[m] = 0;
  /* digs holds keep digits, pt of them before the point; drop leading zeros of the integer part */
  int start = 0;
  while (start < pt - 1 && digs[start] == '0')
    start++;
  int zero = 1;
  for (int i = 0; i < m; i++)
    if (digs[i] != '0') zero = 0;
  size_t o = 0;
  if (neg && !zero && o + 1 < outlen) out[o++] = '-';
  if (pt <= 0 && o + 1 < outlen) out[o++] = '0';
  for (int i = start; i < pt && o + 1 < outlen; i++)
    out[o++] = i < m ? digs[i] : '0';
  if (scale > 0 && o + 1 < outlen) out[o++] = '.';
  for (int i = pt; i < pt + scale && o + 1 < outlen; i++)
    out[o++] = i < 0 ? '0' : (i < m ? digs[i] : '0');
  out[o] = 0;
  return o + 1 < outlen ? 0 : -1;
}

int pgtypes_put_value(pqbuf *b, uint32_t oid, int format, const pgvalue *v) {
  return pgtypes_put_value_typmod(b, oid, -1, format, v);
}

int pgtypes_put_value_typmod(pqbuf *b, uint32_t oid, int32_t typmod, int format, const pgvalue *v) {
  if (v->type == MICA_NULL) {
    pqbuf_put_int32(b, -1);
    return 0;
  }
  if (oid == PGOID_NUMERIC && typmod >= 4) {
    char scaled[600];
    if (numeric_scaled(v, (typmod - 4) & 0xffff, scaled, sizeof scaled) == 0) {
      if (format == 1) return put_numeric_binary(b, scaled);
      put_text_column(b, scaled, strlen(scaled));
      return 0;
    }
  }
  uint32_t elem = pgtypes_elem_of(oid);
  if (elem && format == 1) {
    if (v->type != MICA_TEXT) return -1;
    return pgarray_put_binary(b, elem, v->p ? (const char *)v->p : "", v->n);
  }
  if (elem) oid = PGOID_TEXT; /* the stored text is the array's output form */
  if (format == 1) return put_binary(b, oid, v);
  char buf[64];
  size_t len;
  const char *txt;
  switch (oid) {
  case PGOID_BOOL: {
    int t;
    int64_t i;
    if (v->type == MICA_TEXT && !text_is_true(v->p, v->n, &t))
      i = t;
    else if (v->type == MICA_INTEGER)
      i = v->i;
    else if (v->type == MICA_FLOAT)
      i = v->d != 0;
    else
      break;
    put_text_column(b, i ? "t" : "f", 1);
    return 0;
  }
  case PGOID_BYTEA: {
    static const char hex[] = "0123456789abcdef";
    txt = value_text(v, buf, sizeof buf, &len);
    pqbuf_put_int32(b, (int32_t)(2 + 2 * len));
    if (pqbuf_reserve(b, 2 + 2 * len)) return 0;
    char *o = b->data + b->len;
    *o++ = '\\';
    *o++ = 'x';
    for (size_t i = 0; i < len; i++) {
      *o++ = hex[(unsigned char)txt[i] >> 4];
      *o++ = hex[(unsigned char)txt[i] & 15];
    }
    b->len += 2 + 2 * len;
    return 0;
  }
  case PGOID_INT2:
  case PGOID_INT4:
  case PGOID_INT8:
    if (v->type == MICA_FLOAT && v->d == floor(v->d) && fabs(v->d) < 9e18) {
      snprintf(buf, sizeof buf, "%lld", (long long)v->d);
      put_text_column(b, buf, strlen(buf));
      return 0;
    }
    break;
  case PGOID_FLOAT4:
    if (v->type == MICA_FLOAT) {
      float f = (float)v->d;
      if (isfinite(f)) {
        for (int prec = 1; prec <= 9; prec++) {
          snprintf(buf, sizeof buf, "%.*g", prec, (double)f);
          if (strtof(buf, NULL) == f) break;
        }
        put_text_column(b, buf, strlen(buf));
        return 0;
      }
    }
    break;
  default: break;
  }
  txt = value_text(v, buf, sizeof buf, &len);
  put_text_column(b, txt, len);
  return 0;
}

int pgtypes_put_text(pqbuf *b, uint32_t oid, const pgvalue *v) {
  /* the DataRow column's bytes, then its length word dropped */
  size_t start = b->len;
  pgtypes_put_value(b, oid, 0, v);
  if (b->oom) return -1;
  memmove(b->data + start, b->data + start + 4, b->len - start - 4);
  b->len -= 4;
  return 0;
}

static int hexval(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static char *dup_n(const unsigned char *p, size_t n) {
  char *s = malloc(n + 1);
  if (!s) return NULL;
  if (n) memcpy(s, p, n);
  s[n] = 0;
  return s;
}

static uint64_t be(const unsigned char *p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; i++)
    v = v << 8 | p[i];
  return v;
}

/* Length of the UTF-8 character starting with byte c as its lead byte announces it (1 for a bad lead). */
static int utf8_lead_length(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c & 0xe0) == 0xc0) return 2;
  if ((c & 0xf0) == 0xe0) return 3;
  if ((c & 0xf8) == 0xf0) return 4;
  return 1;
}

/* Whether the l bytes at s are one well-formed character: no overlong forms, no surrogates, nothing
 * above U+10FFFF (the ranges of RFC 3629). */
static int utf8_legal(const unsigned char *s, int l) {
  if (l == 1) return s[0] < 0x80;
  if (s[0] < 0xc2 || s[0] > 0xf4) return 0;
  for (int i = 2; i < l; i++)
    if (s[i] < 0x80 || s[i] > 0xbf) return 0;
  unsigned char a = s[1], lo = 0x80, hi = 0xbf;
  if (s[0] == 0xe0) lo = 0xa0;
  if (s[0] == 0xed) hi = 0x9f;
  if (s[0] == 0xf0) lo = 0x90;
  if (s[0] == 0xf4) hi = 0x8f;
  return a >= lo && a <= hi;
}

int pgtypes_verify_utf8(const void *p, size_t n, char *err, size_t errlen) {
  const unsigned char *s = p;
  size_t i = 0;
  while (i < n) {
    if (s[i] && s[i] < 0x80) {
      i++;
      continue;
    }
    int l = utf8_lead_length(s[i]);
    if (s[i] && (size_t)l <= n - i && utf8_legal(s + i, l)) {
      i += (size_t)l;
      continue;
    }
    size_t show = n - i < (size_t)l ? n - i : (size_t)l, o = 0;
    o += (size_t)snprintf(err, errlen, "invalid byte sequence for encoding \"UTF8\":");
    for (size_t k = 0; k < show && o < errlen; k++)
      o += (size_t)snprintf(err + o, errlen - o, " 0x%02x", s[i + k]);
    return -1;
  }
  return 0;
}

int pgtypes_is_text(uint32_t oid) {
  return oid == PGOID_TEXT || oid == PGOID_VARCHAR || oid == PGOID_BPCHAR || oid == PGOID_NAME ||
         oid == PGOID_UNKNOWN || oid == PGOID_JSON;
}

int pgtypes_decode_param(uint32_t oid, int format, const unsigned char *data, size_t len, pgvalue *out,
                         char **scratch, char *err, size_t errlen) {
  *scratch = NULL;
  memset(out, 0, sizeof *out);
  uint32_t elem = pgtypes_elem_of(oid);
  if (elem) {
    pqbuf o;
    pqbuf_init(&o);
    int rc = format == 0 ? pgarray_normalise(&o, elem, (const char *)data, len, err, errlen)
                         : pgarray_from_binary(&o, elem, data, len, err, errlen);
    if (!rc && o.oom) rc = -1, snprintf(err, errlen, "out of memory");
    if (rc) {
      pqbuf_free(&o);
      return -1;
    }
    *scratch = o.data;
    out->type = MICA_TEXT;
    out->p = (const unsigned char *)o.data;
    out->n = o.len;
    return 0;
  }
  if (format == 0 && oid == PGOID_INTERVAL) {
    /* PostgreSQL's output form when the text reads as an interval; other spellings are kept */
    int32_t mo, d;
    int64_t us;
    if (!parse_interval((const char *)data, len, &mo, &d, &us)) {
      char *s = malloc(128);
      if (!s) return snprintf(err, errlen, "out of memory"), -1;
      *scratch = s;
      out->type = MICA_TEXT;
      out->p = (unsigned char *)s;
      out->n = format_interval(mo, d, us, s);
      return 0;
    }
  }
  if (format == 0) {
    if (oid == PGOID_BYTEA) {
      unsigned char *o = malloc(len + 1);
      if (!o) return snprintf(err, errlen, "out of memory"), -1;
      size_t n = 0;
      if (len >= 2 && data[0] == '\\' && data[1] == 'x') {
        for (size_t i = 2; i < len;) {
          if (isspace(data[i])) {
            i++;
            continue;
          }
          int h = i + 1 < len ? hexval(data[i]) : -1, l = i + 1 < len ? hexval(data[i + 1]) : -1;
          if (h < 0 || l < 0) {
            free(o);
            snprintf(err, errlen, "invalid hexadecimal data: odd number of digits or invalid digit");
            return -1;
          }
          o[n++] = (unsigned char)(h << 4 | l);
          i += 2;
        }
      } else {
        for (size_t i = 0; i < len;) {
          if (data[i] != '\\')
            o[n++] = data[i++];
          else if (i + 1 < len && data[i + 1] == '\\')
            o[n++] = '\\', i += 2;
          else if (i + 3 < len && data[i + 1] >= '0' && data[i + 1] <= '3' && data[i + 2] >= '0' &&
                   data[i + 2] <= '7' && data[i + 3] >= '0' && data[i + 3] <= '7')
            o[n++] = (unsigned char)((data[i + 1] - '0') * 64 + (data[i + 2] - '0') * 8 + data[i + 3] - '0'),
            i += 4;
          else {
            free(o);
            snprintf(err, errlen, "invalid input syntax for type bytea");
            return -1;
          }
        }
      }
      *scratch = (char *)o;
      out->type = MICA_BLOB;
      out->p = o;
      out->n = n;
      return 0;
    }
    if (oid == PGOID_UUID) {
      /* Every accepted spelling (no hyphens, braces, upper case) becomes the canonical text, as a uuid
       * sent in binary does: 32 bare digits would otherwise be a number to the column's affinity. */
      unsigned char u[16];
      if (parse_uuid(data, len, u)) {
        snprintf(err, errlen, "invalid input syntax for type uuid: \"%.*s\"", (int)(len < 64 ? len : 64),
                 (const char *)data);
        return -1;
      }
      char *s = malloc(37);
      if (!s) return snprintf(err, errlen, "out of memory"), -1;
      format_uuid(u, s);
      *scratch = s;
      out->type = MICA_TEXT;
      out->p = (unsigned char *)s;
      out->n = 36;
      return 0;
    }
    if ((oid == PGOID_DATE || oid == PGOID_TIMESTAMP || oid == PGOID_TIMESTAMPTZ || oid == PGOID_TIME) &&
        len < 80) {
      /* Dates and times are stored in PostgreSQL's output form, so what a driver sends (node-postgres:
       * 2024-01-02T03:04:05.006+00:00) reads back the way PostgreSQL would print it. Input this does
       * not parse (now, infinity, BC) is kept as it is. */
      char t[80];
      memcpy(t, data, len);
      t[len] = 0;
      int64_t days, usec;
      int tz, has_tz;
      if (!parse_datetime(t, oid != PGOID_TIME, &days, &usec, &tz, &has_tz) && usec >= 0 &&
          usec <= 86400000000LL) {
        unsigned char bin[8];
        int64_t v = oid == PGOID_DATE   ? days - PG_EPOCH_DAYS
                    : oid == PGOID_TIME ? usec
                                        : (days - PG_EPOCH_DAYS) * 86400000000LL + usec -
                                              (oid == PGOID_TIMESTAMPTZ ? (int64_t)tz * 1000000 : 0);
        size_t n = oid == PGOID_DATE ? 4 : 8;
        for (size_t k = 0; k < n; k++)
          bin[k] = (unsigned char)((uint64_t)v >> (8 * (n - 1 - k)));
        if (pgtypes_decode_param(oid, 1, bin, n, out, scratch, err, errlen)) return -1;
        /* A day past the month's end (2024-02-30) would have moved on to the next month: keep the text. */
        if (oid == PGOID_TIME || len < 10 || t[4] != '-' || !memcmp(out->p, t, 10)) return 0;
        free(*scratch);
        *scratch = NULL;
        memset(out, 0, sizeof *out);
      }
    }
    out->type = MICA_TEXT;
    out->p = data;
    out->n = len;
    char s[128];
    if (len > 0 && len < sizeof s) {
      memcpy(s, data, len);
      s[len] = 0;
      char *end;
      if (oid == PGOID_INT2 || oid == PGOID_INT4 || oid == PGOID_INT8 || oid == PGOID_OID) {
        errno = 0;
        long long v = strtoll(s, &end, 10);
        while (isspace((unsigned char)*end))
          end++;
        if (!errno && !*end)
          out->type = MICA_INTEGER, out->i = v;
        else {
          snprintf(err, errlen, "invalid input syntax for type %s: \"%s\"", pgtypes_name(oid), s);
          return -1;
        }
      } else if (oid == PGOID_FLOAT4 || oid == PGOID_FLOAT8) {
        pgvalue tv = *out;
        double d;
        if (!value_as_double(&tv, &d)) out->type = MICA_FLOAT, out->d = d;
      } else if (oid == PGOID_BOOL) {
        int t;
        if (!pgtypes_parse_bool(s, &t)) out->type = MICA_INTEGER, out->i = t;
      }
    }
    return 0;
  }
  /* Binary. */
  switch (oid) {
  case PGOID_BOOL:
    if (len != 1) goto bad;
    out->type = MICA_INTEGER;
    out->i = data[0] != 0;
    return 0;
  case PGOID_INT2:
    if (len != 2) goto bad;
    out->type = MICA_INTEGER;
    out->i = (int16_t)(uint16_t)be(data, 2);
    return 0;
  case PGOID_INT4:
    if (len != 4) goto bad;
    out->type = MICA_INTEGER;
    out->i = (int32_t)(uint32_t)be(data, 4);
    return 0;
  case PGOID_OID:
    if (len != 4) goto bad;
    out->type = MICA_INTEGER;
    out->i = (int64_t)be(data, 4);
    return 0;
  case PGOID_INT8:
    if (len != 8) goto bad;
    out->type = MICA_INTEGER;
    out->i = (int64_t)be(data, 8);
    return 0;
  case PGOID_FLOAT4: {
    if (len != 4) goto bad;
    uint32_t u = (uint32_t)be(data, 4);
    float f;
    memcpy(&f, &u, 4);
    out->type = MICA_FLOAT;
    out->d = f;
    return 0;
  }
  case PGOID_FLOAT8: {
    if (len != 8) goto bad;
    uint64_t u = be(data, 8);
    memcpy(&out->d, &u, 8);
    out->type = MICA_FLOAT;
    return 0;
  }
  case PGOID_BYTEA:
    out->type = MICA_BLOB;
    out->p = data;
    out->n = len;
    return 0;
  case PGOID_UUID: {
    if (len != 16) goto bad;
    char *s = malloc(37);
    if (!s) goto nomem;
    format_uuid(data, s);
    *scratch = s;
    out->type = MICA_TEXT;
    out->p = (unsigned char *)s;
    out->n = 36;
    return 0;
  }
  case PGOID_DATE:
  case PGOID_TIMESTAMP:
  case PGOID_TIMESTAMPTZ: {
    if (len != (oid == PGOID_DATE ? 4u : 8u)) goto bad;
    int64_t days, usec = 0;
    if (oid == PGOID_DATE)
      days = (int32_t)(uint32_t)be(data, 4);
    else {
      int64_t t = (int64_t)be(data, 8);
      days = t / 86400000000LL;
      usec = t % 86400000000LL;
      if (usec < 0) usec += 86400000000LL, days--;
    }
    int64_t y;
    unsigned m, d;
    civil_from_days(days + PG_EPOCH_DAYS, &y, &m, &d);
    char *s = malloc(64);
    if (!s) goto nomem;
    if (oid == PGOID_DATE)
      snprintf(s, 64, "%04lld-%02u-%02u", (long long)y, m, d);
    else {
      int64_t secs = usec / 1000000, frac = usec % 1000000;
      int n = snprintf(s, 64, "%04lld-%02u-%02u %02d:%02d:%02d", (long long)y, m, d, (int)(secs / 3600),
                       (int)(secs / 60 % 60), (int)(secs % 60));
      if (frac) {
        n += snprintf(s + n, 64 - (size_t)n, ".%06d", (int)frac);
        while (s[n - 1] == '0')
          s[--n] = 0;
      }
      if (oid == PGOID_TIMESTAMPTZ) snprintf(s + n, 64 - (size_t)n, "+00");
    }
    *scratch = s;
    out->type = MICA_TEXT;
    out->p = (unsigned char *)s;
    out->n = strlen(s);
    return 0;
  }
  case PGOID_TIME: {
    if (len != 8) goto bad;
    int64_t t = (int64_t)be(data, 8);
    if (t < 0 || t > 86400000000LL) goto bad;
    char *s = malloc(32);
    if (!s) goto nomem;
    int64_t secs = t / 1000000, frac = t % 1000000;
    int n = snprintf(s, 32, "%02d:%02d:%02d", (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
    if (frac) {
      n += snprintf(s + n, 32 - (size_t)n, ".%06d", (int)frac);
      while (s[n - 1] == '0')
        s[--n] = 0;
    }
    *scratch = s;
    out->type = MICA_TEXT;
    out->p = (unsigned char *)s;
    out->n = (size_t)n;
    return 0;
  }
  case PGOID_INTERVAL: {
    if (len != 16) goto bad;
    char *s = malloc(128);
    if (!s) goto nomem;
    size_t n = format_interval((int32_t)(uint32_t)be(data + 12, 4), (int32_t)(uint32_t)be(data + 8, 4),
                               (int64_t)be(data, 8), s);
    *scratch = s;
    out->type = MICA_TEXT;
    out->p = (unsigned char *)s;
    out->n = n;
    return 0;
  }
  case PGOID_NUMERIC: {
    if (len < 8) goto bad;
    int nd = (int16_t)be(data, 2), weight = (int16_t)be(data + 2, 2), sign = (uint16_t)be(data + 4, 2),
        dscale = (int16_t)be(data + 6, 2);
    if (nd < 0 || len != 8 + 2 * (size_t)nd || dscale < 0 || dscale > 1000 || weight > 1000 || weight < -1000)
      goto bad;
    if (sign == 0xC000) {
      *scratch = dup_n((const unsigned char *)"NaN", 3);
      if (!*scratch) goto nomem;
      out->type = MICA_TEXT;
      out->p = (unsigned char *)*scratch;
      out->n = 3;
      return 0;
    }
    size_t cap = (size_t)(4 * (nd + (weight > 0 ? weight : 0) + 2) + dscale + 8);
    char *s = malloc(cap), *o = s;
    if (!s) goto nomem;
    if (sign == 0x4000) *o++ = '-';
    if (weight < 0)
      *o++ = '0';
    else
      for (int w = 0; w <= weight; w++) {
        int dig = w < nd ? (int)be(data + 8 + 2 * w, 2) : 0;
        if (dig > 9999) {
          free(s);
          goto bad;
        }
        o += w == 0 ? sprintf(o, "%d", dig) : sprintf(o, "%04d", dig);
      }
    if (dscale > 0) {
      *o++ = '.';
      int produced = 0;
      for (int w = weight + 1; produced < dscale; w++) {
        int dig = (w >= 0 && w < nd) ? (int)be(data + 8 + 2 * w, 2) : 0;
        char g[8];
        snprintf(g, sizeof g, "%04d", dig % 10000);
        for (int k = 0; k < 4 && produced < dscale; k++, produced++)
          *o++ = g[k];
      }
    }
    *o = 0;
    *scratch = s;
    out->type = MICA_TEXT;
    out->p = (unsigned char *)s;
    out->n = strlen(s);
    return 0;
  }
  case PGOID_JSONB:
    if (len < 1 || data[0] != 1) goto bad;
    out->type = MICA_TEXT;
    out->p = data + 1;
    out->n = len - 1;
    return 0;
  default: /* text, varchar, bpchar, name, json, unknown: UTF-8 text */
    out->type = MICA_TEXT;
    out->p = data;
    out->n = len;
    return 0;
  }
bad:
  snprintf(err, errlen, "incorrect binary data format in bind parameter");
  return -1;
nomem:
  snprintf(err, errlen, "out of memory");
  return -1;
}
