/*
 * pgdate.c: PostgreSQL's date/time functions that clients and reports use, registered on each
 * session's connection next to pgfunc.c's: date_trunc(field, ts), date_part(field, ts) and
 * extract(field FROM ts) (the parser's PostgreSQL dialect turns EXTRACT into a call of "extract"),
 * to_char(ts, format), to_timestamp(epoch) and to_timestamp(text, format).
 *
 * Values. Mica stores PostgreSQL dates and timestamps as text in PostgreSQL's ISO output format
 * ("2024-03-05", "2024-03-05 12:34:56.5", "2024-03-05 12:34:56+00"); the session time zone is UTC.
 * A value is parsed into a PgTime (proleptic Gregorian date, time of day in microseconds, and whether
 * it carried a zone); a value with a zone offset is moved to UTC first, as PostgreSQL converts a
 * timestamptz to the session zone. Results keep the kind of the input: a timestamptz stays
 * timestamptz ("+00"), a timestamp stays a timestamp. Unparseable input is an error
 * (invalid input syntax for type timestamp), as in PostgreSQL.
 *
 * Calendar arithmetic uses days since 1970-01-01 (days_from_civil / civil_from_days, valid for any
 * year of the proleptic Gregorian calendar that fits an int).
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "session_int.h"

typedef struct PgTime {
  int year, month, day;
  int64_t usec; /* time of day, microseconds */
  int has_time; /* the input had a time part (a timestamp rather than a date) */
  int has_zone; /* timestamptz */
} PgTime;

static int64_t days_from_civil(int64_t y, int m, int d) {
  y -= m <= 2;
  int64_t era = (y >= 0 ? y : y - 399) / 400;
  int64_t yoe = y - era * 400;
  int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d) {
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  *d = (int)(doy - (153 * mp + 2) / 5 + 1);
  *m = (int)(mp < 10 ? mp + 3 : mp - 9);
  *y = (int)(yy + (*m <= 2));
}

static int days_in_month(int y, int m) {
  static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : dm[m - 1];
}

static int64_t pt_epoch_usec(const PgTime *t) {
  return days_from_civil(t->year, t->month, t->day) * 86400000000LL + t->usec;
}

static void pt_from_epoch_usec(PgTime *t, int64_t us) {
  int64_t days = us >= 0 ? us / 86400000000LL : -((-us + 86400000000LL - 1) / 86400000000LL);
  t->usec = us - days * 86400000000LL;
  civil_from_days(days, &t->year, &t->month, &t->day);
}

static int digits(const char **p, int max, int *out) {
  int n = 0, v = 0;
  while (n < max && isdigit((unsigned char)**p)) {
    v = v * 10 + (**p - '0');
    (*p)++;
    n++;
  }
  *out = v;
  return n;
}

/* Parses PostgreSQL's ISO forms: date, date time, date time zone ('T' also separates). 0 or -1. */
static int pt_parse(const char *z, PgTime *t) {
  memset(t, 0, sizeof *t);
  const char *p = z;
  while (isspace((unsigned char)*p))
    p++;
  int neg_year = 0;
  if (*p == '-') neg_year = 1, p++;
  if (digits(&p, 9, &t->year) < 4 || *p++ != '-' || digits(&p, 2, &t->month) < 1 || *p++ != '-' ||
      digits(&p, 2, &t->day) < 1)
    return -1;
  if (neg_year) t->year = -t->year;
  if (t->month < 1 || t->month > 12 || t->day < 1 || t->day > days_in_month(t->year, t->month)) return -2;
  if (*p == ' ' || *p == 'T' || *p == 't') {
    const char *q = p + 1;
    while (*q == ' ')
      q++;
    int hh, mi, ss = 0;
    if (digits(&q, 2, &hh) >= 1 && *q == ':') {
      q++;
      if (digits(&q, 2, &mi) < 1) return -1;
      if (*q == ':') {
        q++;
        if (digits(&q, 2, &ss) < 1) return -1;
      }
      int64_t frac = 0;
      if (*q == '.') {
        q++;
        int n = 0;
        while (isdigit((unsigned char)*q)) {
          if (n < 6) frac = frac * 10 + (*q - '0'), n++;
          q++;
        }
        for (; n < 6; n++)
          frac *= 10;
      }
      if (hh > 24 || mi > 59 || ss > 60 || (hh == 24 && (mi || ss || frac))) return -2;
      t->usec = ((int64_t)hh * 3600 + mi * 60 + ss) * 1000000 + frac;
      t->has_time = 1;
      p = q;
    }
  }
  while (*p == ' ')
    p++;
  if (*p == '+' || *p == '-') {
    int sign = *p == '-' ? -1 : 1, zh, zm = 0;
    p++;
    if (digits(&p, 2, &zh) < 1) return -1;
    if (*p == ':') p++;
    digits(&p, 2, &zm);
    t->has_zone = 1;
    int64_t off = sign * ((int64_t)zh * 3600 + zm * 60) * 1000000;
    pt_from_epoch_usec(t, pt_epoch_usec(t) - off);
    t->has_time = 1;
  } else if (*p == 'Z' || *p == 'z' || !strncasecmp(p, "UTC", 3)) {
    p += (*p == 'Z' || *p == 'z') ? 1 : 3;
    t->has_zone = 1;
    t->has_time = 1;
  }
  while (isspace((unsigned char)*p))
    p++;
  return *p ? -1 : 0;
}

/* PostgreSQL's output: 2024-03-05 12:34:56[.fraction without trailing zeros][+00] */
static void pt_format(const PgTime *t, int with_time, int with_zone, char *out, size_t n) {
  int y = t->year;
  int len = snprintf(out, n, "%04d-%02d-%02d", y < 0 ? -y : y, t->month, t->day);
  if (with_time) {
    int64_t s = t->usec / 1000000, f = t->usec % 1000000;
    len += snprintf(out + len, n - (size_t)len, " %02d:%02d:%02d", (int)(s / 3600), (int)(s / 60 % 60),
                    (int)(s % 60));
    if (f) {
      char fr[8];
      snprintf(fr, sizeof fr, "%06d", (int)f);
      for (int k = 5; k > 0 && fr[k] == '0'; k--)
        fr[k] = 0;
      len += snprintf(out + len, n - (size_t)len, ".%s", fr);
    }
    if (with_zone) len += snprintf(out + len, n - (size_t)len, "+00");
  }
  if (y < 0 && (size_t)len + 4 < n) snprintf(out + len, n - (size_t)len, " BC");
}

int pgdate_parse_ts(const char *z, int64_t *usec, int *has_zone) {
  PgTime t;
  if (!z || pt_parse(z, &t)) return -1;
  *usec = pt_epoch_usec(&t);
  *has_zone = t.has_zone;
  return 0;
}

void pgdate_format_ts(int64_t usec, int has_zone, char *out, size_t n) {
  PgTime t;
  pt_from_epoch_usec(&t, usec);
  pt_format(&t, 1, has_zone, out, n);
}

int pgdate_parse_interval(const char *z, int *months, int *days, int64_t *usec) {
  static const struct {
    const char *name;
    int months, days;
    int64_t usec;
  } units[] = {{"millennium", 12000, 0, 0},
               {"millennia", 12000, 0, 0},
               {"century", 1200, 0, 0},
               {"centuries", 1200, 0, 0},
               {"decade", 120, 0, 0},
               {"decades", 120, 0, 0},
               {"year", 12, 0, 0},
               {"years", 12, 0, 0},
               {"y", 12, 0, 0},
               {"mon", 1, 0, 0},
               {"mons", 1, 0, 0},
               {"month", 1, 0, 0},
               {"months", 1, 0, 0},
               {"week", 0, 7, 0},
               {"weeks", 0, 7, 0},
               {"w", 0, 7, 0},
               {"day", 0, 1, 0},
               {"days", 0, 1, 0},
               {"d", 0, 1, 0},
               {"hour", 0, 0, 3600000000},
               {"hours", 0, 0, 3600000000},
               {"h", 0, 0, 3600000000},
               {"minute", 0, 0, 60000000},
               {"minutes", 0, 0, 60000000},
               {"min", 0, 0, 60000000},
               {"mins", 0, 0, 60000000},
               {"m", 0, 0, 60000000},
               {"second", 0, 0, 1000000},
               {"seconds", 0, 0, 1000000},
               {"sec", 0, 0, 1000000},
               {"secs", 0, 0, 1000000},
               {"s", 0, 0, 1000000},
               {"millisecond", 0, 0, 1000},
               {"milliseconds", 0, 0, 1000},
               {"ms", 0, 0, 1000},
               {"microsecond", 0, 0, 1},
               {"microseconds", 0, 0, 1},
               {"us", 0, 0, 1}};
  *months = *days = 0;
  *usec = 0;
  if (!z) return -1;
  const char *p = z;
  int any = 0;
  while (isspace((unsigned char)*p))
    p++;
  if (*p == '@') p++;
  for (;;) {
    while (isspace((unsigned char)*p))
      p++;
    if (!*p) break;
    char *end;
    double v = strtod(p, &end);
    if (end == p) return -1;
    if (*end == ':') { /* [-]hh:mm[:ss[.frac]] */
      int neg = *p == '-';
      long hh = labs(strtol(p, &end, 10)), mi = 0;
      double ss = 0;
      const char *q = end + 1;
      mi = strtol(q, &end, 10);
      if (end == q) return -1;
      if (*end == ':') {
        q = end + 1;
        ss = strtod(q, &end);
        if (end == q) return -1;
      }
      int64_t us = (int64_t)hh * 3600000000 + (int64_t)mi * 60000000 + (int64_t)(ss * 1e6 + 0.5);
      *usec += neg ? -us : us;
      p = end;
      any = 1;
      continue;
    }
    p = end;
    while (isspace((unsigned char)*p))
      p++;
    const char *w = p;
    while (isalpha((unsigned char)*p))
      p++;
    size_t wl = (size_t)(p - w);
    if (!wl) { /* a bare number is seconds */
      *usec += (int64_t)(v * 1e6);
      any = 1;
      continue;
    }
    size_t k = 0;
    while (k < sizeof units / sizeof units[0] &&
           (strlen(units[k].name) != wl || strncasecmp(units[k].name, w, wl)))
      k++;
    if (k == sizeof units / sizeof units[0]) return -1;
    /* fractional months and days spill into the smaller units, as PostgreSQL does */
    double m = v * units[k].months, d = v * units[k].days;
    *months += (int)m;
    d += (m - (int)m) * 30;
    *days += (int)d;
    *usec += (int64_t)((d - (int)d) * 86400e6 + v * (double)units[k].usec);
    any = 1;
  }
  return any ? 0 : -1;
}

int64_t pgdate_add_interval(int64_t usec, int months, int days, int64_t iusec) {
  PgTime t;
  pt_from_epoch_usec(&t, usec);
  if (months) {
    int64_t m = (int64_t)t.year * 12 + (t.month - 1) + months;
    t.year = (int)(m >= 0 ? m / 12 : -((-m + 11) / 12));
    t.month = (int)(m - (int64_t)t.year * 12) + 1;
    int dim = days_in_month(t.year, t.month);
    if (t.day > dim) t.day = dim;
  }
  return pt_epoch_usec(&t) + (int64_t)days * 86400000000 + iusec;
}

/* The error for unparseable input: out-of-range fields (2024-02-30) or a malformed value. */
static void time_error(mica_context *ctx, int prc, const char *tname, const char *z) {
  char msg[200];
  if (prc == -2)
    snprintf(msg, sizeof msg, "date/time field value out of range: \"%.100s\"", z);
  else
    snprintf(msg, sizeof msg, "invalid input syntax for type %s: \"%.100s\"", tname, z);
  mica_result_error(ctx, msg, -1);
}

static int arg_time(mica_context *ctx, mica_value *v, PgTime *t) {
  const char *z = (const char *)mica_value_text(v);
  int prc = z ? pt_parse(z, t) : -1;
  if (prc) {
    time_error(ctx, prc, "timestamp", z ? z : "");
    return -1;
  }
  return 0;
}

static void field_name(mica_value *v, char *out, size_t n) {
  const char *z = (const char *)mica_value_text(v);
  size_t i = 0;
  for (; z && z[i] && i + 1 < n; i++)
    out[i] = (char)tolower((unsigned char)z[i]);
  out[i] = 0;
  if (i > 1 && out[i - 1] == 's' && strcmp(out, "microseconds") && strcmp(out, "milliseconds")) {
    /* plural abbreviations PostgreSQL accepts: years, months, days, hours, minutes, seconds */
    if (!strcmp(out, "years") || !strcmp(out, "months") || !strcmp(out, "days") || !strcmp(out, "hours") ||
        !strcmp(out, "minutes") || !strcmp(out, "seconds") || !strcmp(out, "weeks"))
      out[i - 1] = 0;
  }
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

/* date_trunc(field, ts) */
static void fn_date_trunc(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  if (mica_value_type(argv[0]) == MICA_NULL || mica_value_type(argv[1]) == MICA_NULL) return;
  char f[32];
  field_name(argv[0], f, sizeof f);
  PgTime t;
  if (arg_time(ctx, argv[1], &t)) return;
  int64_t u = t.usec;
  if (!strcmp(f, "microsecond") || !strcmp(f, "microseconds")) {
  } else if (!strcmp(f, "millisecond") || !strcmp(f, "milliseconds")) {
    t.usec = u - u % 1000;
  } else if (!strcmp(f, "second")) {
    t.usec = u - u % 1000000;
  } else if (!strcmp(f, "minute")) {
    t.usec = u - u % 60000000;
  } else if (!strcmp(f, "hour")) {
    t.usec = u - u % 3600000000LL;
  } else if (!strcmp(f, "day")) {
    t.usec = 0;
  } else if (!strcmp(f, "week")) { /* to the Monday */
    int64_t days = days_from_civil(t.year, t.month, t.day);
    int64_t dow = (days + 3) % 7;
    if (dow < 0) dow += 7; /* 0 = Monday */
    civil_from_days(days - dow, &t.year, &t.month, &t.day);
    t.usec = 0;
  } else if (!strcmp(f, "month")) {
    t.day = 1, t.usec = 0;
  } else if (!strcmp(f, "quarter")) {
    t.month = (t.month - 1) / 3 * 3 + 1, t.day = 1, t.usec = 0;
  } else if (!strcmp(f, "year")) {
    t.month = 1, t.day = 1, t.usec = 0;
  } else if (!strcmp(f, "decade")) {
    t.year = (int)floor_div(t.year, 10) * 10, t.month = 1, t.day = 1, t.usec = 0;
  } else if (!strcmp(f, "century")) {
    t.year = t.year > 0 ? (t.year - 1) / 100 * 100 + 1 : t.year, t.month = 1, t.day = 1, t.usec = 0;
  } else if (!strcmp(f, "millennium")) {
    t.year = t.year > 0 ? (t.year - 1) / 1000 * 1000 + 1 : t.year, t.month = 1, t.day = 1, t.usec = 0;
  } else {
    char msg[100];
    snprintf(msg, sizeof msg, "unit \"%s\" not recognized for type timestamp", f);
    mica_result_error(ctx, msg, -1);
    return;
  }
  char out[64];
  pt_format(&t, 1, t.has_zone || !t.has_time, out, sizeof out); /* a date truncates as timestamptz */
  mica_result_text(ctx, out, -1, MICA_TRANSIENT);
}

/* date_part(field, ts) as double precision; extract(field FROM ts) the same value (PostgreSQL
 * returns numeric there: integral values come back as integers, the others as doubles). */
static void date_part(mica_context *ctx, mica_value **argv, int is_extract) {
  if (mica_value_type(argv[0]) == MICA_NULL || mica_value_type(argv[1]) == MICA_NULL) return;
  char f[32];
  field_name(argv[0], f, sizeof f);
  PgTime t;
  if (arg_time(ctx, argv[1], &t)) return;
  int64_t days = days_from_civil(t.year, t.month, t.day);
  int64_t dow = (days + 4) % 7;
  if (dow < 0) dow += 7; /* 0 = Sunday */
  double v;
  int integral = 1;
  if (!strcmp(f, "year"))
    v = t.year;
  else if (!strcmp(f, "month"))
    v = t.month;
  else if (!strcmp(f, "day"))
    v = t.day;
  else if (!strcmp(f, "hour"))
    v = (double)(t.usec / 3600000000LL);
  else if (!strcmp(f, "minute"))
    v = (double)(t.usec / 60000000 % 60);
  else if (!strcmp(f, "second")) {
    v = (double)(t.usec % 60000000) / 1e6;
    integral = t.usec % 1000000 == 0;
  } else if (!strcmp(f, "millisecond") || !strcmp(f, "milliseconds")) {
    v = (double)(t.usec % 60000000) / 1e3;
    integral = t.usec % 1000 == 0;
  } else if (!strcmp(f, "microsecond") || !strcmp(f, "microseconds"))
    v = (double)(t.usec % 60000000);
  else if (!strcmp(f, "dow"))
    v = (double)dow;
  else if (!strcmp(f, "isodow"))
    v = dow == 0 ? 7 : (double)dow;
  else if (!strcmp(f, "doy"))
    v = (double)(days - days_from_civil(t.year, 1, 1) + 1);
  else if (!strcmp(f, "quarter"))
    v = (t.month - 1) / 3 + 1;
  else if (!strcmp(f, "decade"))
    v = (double)floor_div(t.year, 10);
  else if (!strcmp(f, "century"))
    v = t.year > 0 ? (t.year + 99) / 100 : -((99 - t.year) / 100);
  else if (!strcmp(f, "millennium"))
    v = t.year > 0 ? (t.year + 999) / 1000 : -((999 - t.year) / 1000);
  else if (!strcmp(f, "epoch")) {
    int64_t us = pt_epoch_usec(&t);
    v = (double)us / 1e6;
    integral = us % 1000000 == 0;
  } else if (!strcmp(f, "week") || !strcmp(f, "isoyear")) {
    /* ISO 8601: the week with the year's first Thursday is week 1 */
    int64_t isodow = dow == 0 ? 7 : dow;
    int64_t thursday = days - isodow + 4;
    int ty, tm, td;
    civil_from_days(thursday, &ty, &tm, &td);
    if (!strcmp(f, "isoyear"))
      v = ty;
    else
      v = (double)((thursday - days_from_civil(ty, 1, 1)) / 7 + 1);
  } else if (!strcmp(f, "julian")) {
    v = (double)(days + 2440588) + (double)t.usec / 86400e6;
    integral = t.usec == 0;
  } else if (!strcmp(f, "timezone"))
    v = 0;
  else {
    char msg[100];
    snprintf(msg, sizeof msg, "unit \"%s\" not recognized for type timestamp", f);
    mica_result_error(ctx, msg, -1);
    return;
  }
  if (is_extract) {
    /* numeric, with PostgreSQL's scale: 6 digits for epoch and second, 3 for milliseconds */
    char buf[64];
    if (!strcmp(f, "epoch") || !strcmp(f, "second"))
      snprintf(buf, sizeof buf, "%.6f", v);
    else if (!strcmp(f, "millisecond") || !strcmp(f, "milliseconds"))
      snprintf(buf, sizeof buf, "%.3f", v);
    else if (integral && fabs(v) < 9e15) {
      mica_result_int64(ctx, (int64_t)v);
      return;
    } else
      snprintf(buf, sizeof buf, "%.17g", v);
    mica_result_text(ctx, buf, -1, MICA_TRANSIENT);
  } else {
    mica_result_double(ctx, v);
  }
}

static void fn_date_part(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  date_part(ctx, argv, 0);
}

static void fn_extract(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  date_part(ctx, argv, 1);
}

static const char *const month_names[] = {"January",   "February", "March",    "April",
                                          "May",       "June",     "July",     "August",
                                          "September", "October",  "November", "December"};
static const char *const day_names[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                        "Thursday", "Friday", "Saturday"};

/* Appends a name in the case the pattern asks for: "Month" capitalised, "MONTH" upper, "month" lower;
 * padded to 9 characters unless fm. */
static size_t put_name(char *out, size_t o, size_t n, const char *name, const char *pat, size_t plen, int fm,
                       int abbrev) {
  char buf[16];
  size_t len = abbrev ? 3 : strlen(name);
  for (size_t i = 0; i < len; i++) {
    char c = name[i];
    if (isupper((unsigned char)pat[0]) && isupper((unsigned char)pat[1]))
      c = (char)toupper((unsigned char)c);
    else if (islower((unsigned char)pat[0]))
      c = (char)tolower((unsigned char)c);
    buf[i] = c;
  }
  while (!fm && !abbrev && len < 9)
    buf[len++] = ' ';
  buf[len] = 0;
  (void)plen;
  return o + (size_t)snprintf(out + o, o < n ? n - o : 0, "%s", buf);
}

/* to_char(timestamp, format): the template patterns of PostgreSQL's formatting functions for dates
 * and times; other characters are copied, "double-quoted text" literally. */
static void fn_to_char(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  if (mica_value_type(argv[0]) == MICA_NULL || mica_value_type(argv[1]) == MICA_NULL) return;
  if (mica_value_type(argv[0]) == MICA_INTEGER || mica_value_type(argv[0]) == MICA_FLOAT) {
    mica_result_error(ctx, "to_char() of numbers is not supported yet", -1);
    return;
  }
  PgTime t;
  if (arg_time(ctx, argv[0], &t)) return;
  const char *fmt = (const char *)mica_value_text(argv[1]);
  size_t cap = strlen(fmt) * 10 + 16, o = 0;
  char *out = malloc(cap);
  if (!out) {
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t days = days_from_civil(t.year, t.month, t.day);
  int dow = (int)((days + 4) % 7 + 7) % 7;
  int hh = (int)(t.usec / 3600000000LL), mi = (int)(t.usec / 60000000 % 60),
      ss = (int)(t.usec / 1000000 % 60);
  for (const char *p = fmt; *p && o + 32 < cap;) {
    int fm = 0;
    if (!strncasecmp(p, "FM", 2)) fm = 1, p += 2;
#define PAT(s) (!strncmp(p, s, strlen(s)) ? (p += strlen(s), 1) : 0)
#define IPAT(s) (!strncasecmp(p, s, strlen(s)) ? (p += strlen(s), 1) : 0)
#define NUM(w, v) (o += (size_t)snprintf(out + o, cap - o, fm ? "%d" : "%0" #w "d", (int)(v)))
    if (*p == '"') {
      for (p++; *p && *p != '"'; p++) {
        if (*p == '\\' && p[1]) p++;
        out[o++] = *p;
      }
      if (*p) p++;
    } else if (IPAT("YYYY"))
      NUM(4, t.year);
    else if (IPAT("YYY"))
      NUM(3, t.year % 1000);
    else if (IPAT("YY"))
      NUM(2, t.year % 100);
    else if (IPAT("HH24"))
      NUM(2, hh);
    else if (IPAT("HH12") || IPAT("HH"))
      NUM(2, hh % 12 == 0 ? 12 : hh % 12);
    else if (IPAT("MI"))
      NUM(2, mi);
    else if (IPAT("SS"))
      NUM(2, ss);
    else if (IPAT("MS"))
      NUM(3, t.usec / 1000 % 1000);
    else if (IPAT("US"))
      NUM(6, t.usec % 1000000);
    else if (PAT("AM") || PAT("PM"))
      o += (size_t)snprintf(out + o, cap - o, "%s", hh < 12 ? "AM" : "PM");
    else if (PAT("am") || PAT("pm"))
      o += (size_t)snprintf(out + o, cap - o, "%s", hh < 12 ? "am" : "pm");
    else if (PAT("MONTH") || PAT("Month") || PAT("month"))
      o = put_name(out, o, cap, month_names[t.month - 1], p - 5, 5, fm, 0);
    else if (PAT("MON") || PAT("Mon") || PAT("mon"))
      o = put_name(out, o, cap, month_names[t.month - 1], p - 3, 3, fm, 1);
    else if (IPAT("MM"))
      NUM(2, t.month);
    else if (PAT("DAY") || PAT("Day") || PAT("day"))
      o = put_name(out, o, cap, day_names[dow], p - 3, 3, fm, 0);
    else if (PAT("DY") || PAT("Dy") || PAT("dy"))
      o = put_name(out, o, cap, day_names[dow], p - 2, 2, fm, 1);
    else if (IPAT("DDD"))
      NUM(3, days - days_from_civil(t.year, 1, 1) + 1);
    else if (IPAT("DD"))
      NUM(2, t.day);
    else if (PAT("D"))
      NUM(1, dow + 1);
    else if (PAT("Q"))
      NUM(1, (t.month - 1) / 3 + 1);
    else if (PAT("TZ") || PAT("tz"))
      o += (size_t)snprintf(out + o, cap - o, "%s", t.has_zone ? "UTC" : "");
    else
      out[o++] = *p++;
#undef PAT
#undef IPAT
#undef NUM
  }
  out[o] = 0;
  mica_result_text(ctx, out, (int)o, MICA_TRANSIENT);
  free(out);
}

/* to_timestamp(epoch seconds): timestamptz */
static void fn_to_timestamp1(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  if (mica_value_type(argv[0]) == MICA_NULL) return;
  double secs = mica_value_double(argv[0]);
  if (!isfinite(secs) || fabs(secs) > 9.2e12) {
    mica_result_error(ctx, "timestamp out of range", -1);
    return;
  }
  PgTime t = {0};
  pt_from_epoch_usec(&t, (int64_t)llround(secs * 1e6));
  char out[64];
  pt_format(&t, 1, 1, out, sizeof out);
  mica_result_text(ctx, out, -1, MICA_TRANSIENT);
}

/* to_timestamp(text, format): reads the fields the format names (YYYY MM DD HH24 HH12 HH MI SS MS US
 * AM/PM Mon/Month); other format characters skip one input character. */
static void fn_to_timestamp2(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  if (mica_value_type(argv[0]) == MICA_NULL || mica_value_type(argv[1]) == MICA_NULL) return;
  const char *s = (const char *)mica_value_text(argv[0]);
  const char *p = (const char *)mica_value_text(argv[1]);
  int y = 1, mo = 1, d = 1, h = 0, mi = 0, sec = 0, pm = -1;
  int64_t frac = 0;
  while (*p && *s) {
    int v;
    if (!strncasecmp(p, "FM", 2)) {
      p += 2;
      continue;
    }
#define RD(pat, w, dst)                                                                                      \
  if (!strncmp(p, pat, strlen(pat))) {                                                                       \
    p += strlen(pat);                                                                                        \
    while (*s == ' ')                                                                                        \
      s++;                                                                                                   \
    if (digits(&s, w, &v) < 1) goto bad;                                                                     \
    (dst) = v;                                                                                               \
    continue;                                                                                                \
  }
    RD("YYYY", 4, y)
    RD("MM", 2, mo)
    RD("DD", 2, d)
    RD("HH24", 2, h)
    RD("HH12", 2, h)
    RD("HH", 2, h)
    RD("MI", 2, mi)
    RD("SS", 2, sec)
#undef RD
    if (!strncmp(p, "MS", 2) || !strncmp(p, "US", 2)) {
      int ms = p[0] == 'M';
      p += 2;
      int n = 0;
      frac = 0;
      while (isdigit((unsigned char)*s) && n < (ms ? 3 : 6))
        frac = frac * 10 + (*s++ - '0'), n++;
      if (!n) goto bad;
      for (; n < (ms ? 3 : 6); n++)
        frac *= 10;
      if (ms) frac *= 1000;
      continue;
    }
    if (!strncasecmp(p, "AM", 2) || !strncasecmp(p, "PM", 2)) {
      if (strncasecmp(s, "AM", 2) && strncasecmp(s, "PM", 2)) goto bad;
      pm = toupper((unsigned char)*s) == 'P';
      p += 2, s += 2;
      continue;
    }
    if (!strncasecmp(p, "MONTH", 5) || !strncasecmp(p, "MON", 3)) {
      int full = !strncasecmp(p, "MONTH", 5), found = 0;
      p += full ? 5 : 3;
      for (int k = 0; k < 12 && !found; k++) {
        size_t l = full ? strlen(month_names[k]) : 3;
        if (!strncasecmp(s, month_names[k], l)) mo = k + 1, s += l, found = 1;
      }
      if (!found) goto bad;
      continue;
    }
    p++;
    s++;
  }
  if (pm == 1 && h < 12) h += 12;
  if (pm == 0 && h == 12) h = 0;
  if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || h > 23 || mi > 59 || sec > 60) goto bad;
  PgTime t = {.year = y, .month = mo, .day = d, .usec = ((int64_t)h * 3600 + mi * 60 + sec) * 1000000 + frac};
  char out[64];
  pt_format(&t, 1, 1, out, sizeof out);
  mica_result_text(ctx, out, -1, MICA_TRANSIENT);
  return;
bad:;
  char msg[200];
  snprintf(msg, sizeof msg, "invalid value \"%.60s\" for the format \"%.60s\"",
           (const char *)mica_value_text(argv[0]), (const char *)mica_value_text(argv[1]));
  mica_result_error(ctx, msg, -1);
}

/* CAST(x AS date | timestamp | timestamptz) in the PostgreSQL dialect (the planner calls
 * pg_cast_<type>): the value normalised to PostgreSQL's output, or invalid input syntax. Also the
 * special inputs 'epoch', 'now', 'today'. */
static void cast_time(mica_context *ctx, mica_value *v, int with_time, int with_zone, const char *tname) {
  if (mica_value_type(v) == MICA_NULL) return;
  char msg[200];
  if (mica_value_type(v) != MICA_TEXT) {
    snprintf(msg, sizeof msg, "cannot cast type %s to %s",
             mica_value_type(v) == MICA_INTEGER ? "integer"
             : mica_value_type(v) == MICA_FLOAT ? "double precision"
                                                : "bytea",
             tname);
    mica_result_error(ctx, msg, -1);
    return;
  }
  const char *z = (const char *)mica_value_text(v);
  PgTime t;
  if (!strcasecmp(z, "epoch")) {
    pt_from_epoch_usec(&t, 0);
  } else if (!strcasecmp(z, "now") || !strcasecmp(z, "today")) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    pt_from_epoch_usec(&t, (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
    if (!strcasecmp(z, "today")) t.usec = 0;
  } else {
    int prc = pt_parse(z, &t);
    if (prc) {
      time_error(ctx, prc, tname, z);
      return;
    }
  }
  char out[64];
  pt_format(&t, with_time, with_zone, out, sizeof out);
  mica_result_text(ctx, out, -1, MICA_TRANSIENT);
}

static void fn_cast_date(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  cast_time(ctx, argv[0], 0, 0, "date");
}

static void fn_cast_timestamp(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  cast_time(ctx, argv[0], 1, 0, "timestamp");
}

static void fn_cast_timestamptz(mica_context *ctx, int argc, mica_value **argv) {
  (void)argc;
  cast_time(ctx, argv[0], 1, 1, "timestamp with time zone");
}

int pgw_date_functions_register(pgw_session *s) {
  static const struct {
    const char *name;
    int nargs;
    mica_func_fn fn;
  } fns[] = {
      {"date_trunc", 2, fn_date_trunc},
      {"date_part", 2, fn_date_part},
      {"extract", 2, fn_extract},
      {"to_char", 2, fn_to_char},
      {"to_timestamp", 1, fn_to_timestamp1},
      {"to_timestamp", 2, fn_to_timestamp2},
      {"pg_cast_date", 1, fn_cast_date},
      {"pg_cast_timestamp", 1, fn_cast_timestamp},
      {"pg_cast_timestamptz", 1, fn_cast_timestamptz},
  };
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++) {
    int rc = mica_create_function(s->db, fns[i].name, fns[i].nargs, MICA_UTF8 | MICA_DETERMINISTIC, s,
                                  fns[i].fn, NULL, NULL, NULL, NULL, NULL);
    if (rc != MICA_OK) return rc;
  }
  return MICA_OK;
}
