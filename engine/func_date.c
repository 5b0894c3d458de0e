/*
 * func_date.c: date and time functions: date, time, datetime, julianday, unixepoch, strftime.
 *
 * MODEL (SQLite's): a moment is kept as DateTime, which holds any of three representations, each
 * with a validity flag:
 *   jd   the Julian day number times 86 400 000 (milliseconds since -4713-11-24 12:00:00 UTC),
 *   ymd  year/month/day,
 *   hms  hour/minute/second (seconds as a double, fractions allowed),
 * plus a pending time-zone offset (tz minutes, applied when jd is computed) and "raw_s": the input
 * was a bare number whose meaning (Julian day, or Unix seconds with the 'unixepoch' / 'auto'
 * modifiers) is not settled yet. compute_jd / compute_ymd / compute_hms derive one representation
 * from another with SQLite's formulas (Meeus' algorithm), so results agree to the millisecond.
 * The valid range is 0000-01-01 00:00:00 .. 9999-12-31 23:59:59.999; anything outside, a malformed
 * time value or an unknown modifier gives NULL.
 *
 * INPUT: 'YYYY-MM-DD', 'YYYY-MM-DD HH:MM', '...HH:MM:SS', '...HH:MM:SS.SSS' (a 'T' may separate
 * date and time), 'HH:MM[:SS[.SSS]]' alone (date 2000-01-01), each with an optional time zone
 * '[+-]HH:MM' or 'Z'; 'now' (ctx->now_ms, the statement's start time); a number (Julian day).
 *
 * MODIFIERS, applied left to right: 'NNN days|hours|minutes|seconds|months|years' (singular too),
 * '+/-HH:MM[:SS[.SSS]]', 'start of month|year|day', 'weekday N', 'unixepoch', 'julianday', 'auto'
 * (the last three only right after a numeric time value), 'localtime', 'utc', and 'subsec' /
 * 'subsecond' (SQLite 3.42: datetime()/time() show milliseconds and unixepoch() returns a real).
 *
 * strftime conversions: %d %f %H %j %J %m %M %s %S %w %W %Y %%; any other gives NULL (3.40's set).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include "func.h"
#include "printf.h"

typedef struct DateTime {
  int64_t jd; /* milliseconds of Julian day */
  int Y, M, D;
  int h, m;
  double s;
  int tz; /* minutes east of UTC, pending */
  char valid_jd, valid_ymd, valid_hms, valid_tz;
  char tz_set; /* a time zone was given (so 'utc' is a no-op) */
  char raw_s;  /* s holds the raw numeric input */
  char error;  /* out of range */
  char subsec; /* 'subsec' modifier seen */
} DateTime;

#define JD_UNIX_EPOCH_MS 210866760000000LL /* 1970-01-01 00:00:00 as jd */
#define JD_MAX_MS 464269060799999LL        /* 9999-12-31 23:59:59.999 */

static int is_space(int c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v';
}
static int is_digit(int c) { return c >= '0' && c <= '9'; }

static int valid_jd(int64_t jd) { return jd >= 0 && jd <= JD_MAX_MS; }

/* Number in text (SQLite's numeric-text rules via the value layer); returns its classification
 * (> 0: a whole number) and the value. */
static int text_number(const char *z, int n, double *r) {
  Value v;
  value_init(&v);
  value_set_text(&v, z, n, VAL_STATIC);
  int is_int;
  int64_t i;
  int ok = value_text_is_numeric(z, n, &is_int, &i, r);
  if (ok && is_int) *r = (double)i;
  if (ok) *r = value_as_real(&v); /* the exact double SQLite would compute */
  value_release(&v);
  return ok;
}

/* getDigits: reads fixed-width fields "NminMaxSep..." where max is a code a..f. Returns the count. */
static int get_digits(const char *z, const char *fmt, int *out[]) {
  static const int mx[] = {12, 14, 24, 31, 59, 14712};
  int cnt = 0;
  char next;
  do {
    int n = fmt[0] - '0', min = fmt[1] - '0', max = mx[fmt[2] - 'a'], val = 0;
    next = fmt[3];
    while (n--) {
      if (!is_digit((unsigned char)*z)) return cnt;
      val = val * 10 + (*z - '0');
      z++;
    }
    if (val < min || val > max || (next != 0 && next != *z)) return cnt;
    *out[cnt] = val;
    z++;
    cnt++;
    fmt += 4;
  } while (next);
  return cnt;
}

/* As SQLite: an error wipes the whole state (a later 'localtime' can revive it from 2000-01-01). */
static void datetime_error(DateTime *p) {
  memset(p, 0, sizeof *p);
  p->error = 1;
}

static void compute_jd(DateTime *p) {
  int Y, M, D, A, B, X1, X2;
  if (p->valid_jd) return;
  if (p->valid_ymd) {
    Y = p->Y;
    M = p->M;
    D = p->D;
  } else {
    Y = 2000;
    M = 1;
    D = 1;
  }
  if (Y < -4713 || Y > 9999 || p->raw_s) {
    datetime_error(p);
    return;
  }
  if (M <= 2) {
    Y--;
    M += 12;
  }
  A = Y / 100;
  B = 2 - A + (A / 4);
  X1 = 36525 * (Y + 4716) / 100;
  X2 = 306001 * (M + 1) / 10000;
  p->jd = (int64_t)((X1 + X2 + D + B - 1524.5) * 86400000);
  p->valid_jd = 1;
  if (p->valid_hms) {
    p->jd += p->h * 3600000 + p->m * 60000 + (int64_t)(p->s * 1000 + 0.5);
    if (p->valid_tz) {
      p->jd -= p->tz * 60000;
      p->valid_ymd = 0;
      p->valid_hms = 0;
      p->valid_tz = 0;
    }
  }
}

static void compute_ymd(DateTime *p) {
  int Z, A, B, C, D, E, X1;
  if (p->valid_ymd) return;
  if (!p->valid_jd) {
    p->Y = 2000;
    p->M = 1;
    p->D = 1;
  } else if (!valid_jd(p->jd)) {
    datetime_error(p);
    return;
  } else {
    Z = (int)((p->jd + 43200000) / 86400000);
    A = (int)((Z - 1867216.25) / 36524.25);
    A = Z + 1 + A - (A / 4);
    B = A + 1524;
    C = (int)((B - 122.1) / 365.25);
    D = (36525 * (C & 32767)) / 100;
    E = (int)((B - D) / 30.6001);
    X1 = (int)(30.6001 * E);
    p->D = B - D - X1;
    p->M = E < 14 ? E - 1 : E - 13;
    p->Y = p->M > 2 ? C - 4716 : C - 4715;
  }
  p->valid_ymd = 1;
}

static void compute_hms(DateTime *p) {
  int s;
  if (p->valid_hms) return;
  compute_jd(p);
  s = (int)((p->jd + 43200000) % 86400000);
  p->s = s / 1000.0;
  s = (int)p->s;
  p->s -= s;
  p->h = s / 3600;
  s -= p->h * 3600;
  p->m = s / 60;
  p->s += s - p->m * 60;
  p->raw_s = 0;
  p->valid_hms = 1;
}

static void compute_ymd_hms(DateTime *p) {
  compute_ymd(p);
  compute_hms(p);
}

static void clear_ymd_hms_tz(DateTime *p) {
  p->valid_ymd = 0;
  p->valid_hms = 0;
  p->valid_tz = 0;
}

static int parse_timezone(const char *z, DateTime *p) {
  int sgn = 0, hr = 0, mn = 0;
  while (is_space((unsigned char)*z))
    z++;
  p->tz = 0;
  int c = *z;
  if (c == '-') {
    sgn = -1;
  } else if (c == '+') {
    sgn = 1;
  } else if (c == 'Z' || c == 'z') {
    z++;
    goto zulu;
  } else {
    return c != 0;
  }
  z++;
  int *outs[] = {&hr, &mn};
  if (get_digits(z, "20b:20e", outs) != 2) return 1;
  z += 5;
  p->tz = sgn * (mn + hr * 60);
zulu:
  while (is_space((unsigned char)*z))
    z++;
  p->tz_set = 1;
  return *z != 0;
}

static int parse_hms(const char *z, DateTime *p) {
  int h = 0, m = 0, s = 0;
  double ms = 0.0;
  int *outs[] = {&h, &m};
  if (get_digits(z, "20c:20e", outs) != 2) return 1;
  z += 5;
  if (*z == ':') {
    z++;
    int *outs2[] = {&s};
    if (get_digits(z, "20e", outs2) != 1) return 1;
    z += 2;
    if (*z == '.' && is_digit((unsigned char)z[1])) {
      double scale = 1.0;
      z++;
      while (is_digit((unsigned char)*z)) {
        ms = ms * 10.0 + (*z - '0');
        scale *= 10.0;
        z++;
      }
      ms /= scale;
    }
  } else {
    s = 0;
  }
  p->valid_jd = 0;
  p->raw_s = 0;
  p->valid_hms = 1;
  p->h = h;
  p->m = m;
  p->s = s + ms;
  if (parse_timezone(z, p)) return 1;
  p->valid_tz = p->tz != 0;
  return 0;
}

static int parse_ymd(const char *z, DateTime *p) {
  int Y = 0, M = 0, D = 0, neg = 0;
  if (z[0] == '-') {
    z++;
    neg = 1;
  }
  int *outs[] = {&Y, &M, &D};
  if (get_digits(z, "40f-21a-21d", outs) != 3) return 1;
  z += 10;
  while (is_space((unsigned char)*z) || *z == 'T')
    z++;
  if (parse_hms(z, p) == 0) {
    /* got the time */
  } else if (*z == 0) {
    p->valid_hms = 0;
  } else {
    return 1;
  }
  p->valid_jd = 0;
  p->valid_ymd = 1;
  p->Y = neg ? -Y : Y;
  p->M = M;
  p->D = D;
  if (p->valid_tz) compute_jd(p);
  return 0;
}

static int64_t now_ms(mica_context *ctx) {
  if (ctx->now_ms) return ctx->now_ms;
  struct timeval tv;
  gettimeofday(&tv, NULL);
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static void set_now(mica_context *ctx, DateTime *p) {
  p->jd = now_ms(ctx) + JD_UNIX_EPOCH_MS;
  p->valid_jd = 1;
}

static void set_raw_number(DateTime *p, double r) {
  p->s = r;
  p->raw_s = 1;
  if (r >= 0.0 && r < 5373484.5) {
    p->jd = (int64_t)(r * 86400000.0 + 0.5);
    p->valid_jd = 1;
  }
}

static int parse_date_or_time(mica_context *ctx, const char *z, int n, DateTime *p) {
  double r;
  if (parse_ymd(z, p) == 0) return 0;
  if (parse_hms(z, p) == 0) return 0;
  if (mica_stricmp(z, "now") == 0) {
    set_now(ctx, p);
    return 0;
  }
  if (text_number(z, n, &r) > 0) {
    set_raw_number(p, r);
    return 0;
  }
  return 1;
}

/* Local time of p via localtime_r (years outside 1970..2037 mapped into that range and back). */
static int to_localtime(DateTime *p, mica_context *ctx) {
  time_t t;
  struct tm tm;
  int year_diff;
  memset(&tm, 0, sizeof tm);
  compute_jd(p);
  if (p->jd < 2108667600LL * 100000 || p->jd > 2130141456LL * 100000) {
    DateTime x = *p;
    compute_ymd_hms(&x);
    year_diff = (2000 + x.Y % 4) - x.Y;
    x.Y += year_diff;
    x.valid_jd = 0;
    compute_jd(&x);
    t = (time_t)(x.jd / 1000 - 21086676LL * 10000);
  } else {
    year_diff = 0;
    t = (time_t)(p->jd / 1000 - 21086676LL * 10000);
  }
  if (!localtime_r(&t, &tm)) {
    func_error(ctx, "local time unavailable");
    return 1;
  }
  p->Y = tm.tm_year + 1900 - year_diff;
  p->M = tm.tm_mon + 1;
  p->D = tm.tm_mday;
  p->h = tm.tm_hour;
  p->m = tm.tm_min;
  p->s = tm.tm_sec + (double)(p->jd % 1000) * 0.001;
  p->valid_ymd = 1;
  p->valid_hms = 1;
  p->valid_jd = 0;
  p->raw_s = 0;
  p->valid_tz = 0;
  p->error = 0;
  return 0;
}

static const struct {
  int n;
  const char *name;
  float limit; /* float, as SQLite's table: the bounds compare in single precision */
  float xform;
} xform_types[] = {
    {6, "second", 4.6427e+14f, 1.0f}, {6, "minute", 7.7379e+12f, 60.0f},   {4, "hour", 1.2897e+11f, 3600.0f},
    {3, "day", 5373485.0f, 86400.0f}, {5, "month", 176546.0f, 2592000.0f}, {4, "year", 14713.0f, 31536000.0f},
};

/* Applies modifier z (n bytes) at argument position idx (1 = first modifier). 0 on success. */
static int parse_modifier(mica_context *ctx, const char *z, int n, DateTime *p, int idx) {
  int rc = 1;
  double r;
  switch (z[0] | 0x20) {
  case 'a':
    if (mica_stricmp(z, "auto") == 0) {
      if (idx > 1) return 1;
      if (!p->raw_s || p->valid_jd) {
        rc = 0;
        p->raw_s = 0;
      } else if (p->s >= -21086676.0 * 10000 && p->s <= 25340230.0 * 10000 + 799) {
        r = p->s * 1000.0 + 210866760000000.0;
        clear_ymd_hms_tz(p);
        p->jd = (int64_t)(r + 0.5);
        p->valid_jd = 1;
        p->raw_s = 0;
        rc = 0;
      }
    }
    break;
  case 'j':
    if (mica_stricmp(z, "julianday") == 0) {
      if (idx > 1) return 1;
      if (p->valid_jd && p->raw_s) {
        rc = 0;
        p->raw_s = 0;
      }
    }
    break;
  case 'l':
    if (mica_stricmp(z, "localtime") == 0) rc = to_localtime(p, ctx);
    break;
  case 'u':
    if (mica_stricmp(z, "unixepoch") == 0 && p->raw_s) {
      if (idx > 1) return 1;
      r = p->s * 1000.0 + 210866760000000.0;
      if (r >= 0.0 && r < 464269060800000.0) {
        clear_ymd_hms_tz(p);
        p->jd = (int64_t)(r + 0.5);
        p->valid_jd = 1;
        p->raw_s = 0;
        rc = 0;
      }
    } else if (mica_stricmp(z, "utc") == 0) {
      if (!p->tz_set) {
        int64_t orig, guess;
        int32_t err = 0; /* 32-bit, as in SQLite: far-off dates make it wrap, and results follow */
        int cnt = 0;
        compute_jd(p);
        guess = orig = p->jd;
        do {
          DateTime nw;
          memset(&nw, 0, sizeof nw);
          guess -= err;
          nw.jd = guess;
          nw.valid_jd = 1;
          if (to_localtime(&nw, ctx)) return 1;
          compute_jd(&nw);
          err = (int32_t)(uint32_t)(uint64_t)(nw.jd - orig);
        } while (err && cnt++ < 3);
        char subsec = p->subsec;
        memset(p, 0, sizeof *p);
        p->jd = guess;
        p->valid_jd = 1;
        p->tz_set = 1;
        p->subsec = subsec;
      }
      rc = 0;
    }
    break;
  case 'w':
    if (mica_strnicmp(z, "weekday ", 8) == 0 && text_number(z + 8, n - 8, &r) > 0) {
      int k = (int)r;
      if (k == r && k >= 0 && r < 7) {
        int64_t Z;
        compute_ymd_hms(p);
        p->valid_tz = 0;
        p->valid_jd = 0;
        compute_jd(p);
        Z = ((p->jd + 129600000) / 86400000) % 7;
        if (Z > k) Z -= 7;
        p->jd += (k - Z) * 86400000;
        clear_ymd_hms_tz(p);
        rc = 0;
      }
    }
    break;
  case 's':
    if (mica_stricmp(z, "subsec") == 0 || mica_stricmp(z, "subsecond") == 0) {
      p->subsec = 1;
      rc = 0;
      break;
    }
    if (mica_strnicmp(z, "start of ", 9) != 0) break;
    if (!p->valid_jd && !p->valid_ymd && !p->valid_hms) break;
    z += 9;
    compute_ymd(p);
    p->valid_hms = 1;
    p->h = p->m = 0;
    p->s = 0.0;
    p->raw_s = 0;
    p->valid_tz = 0;
    p->valid_jd = 0;
    if (mica_stricmp(z, "month") == 0) {
      p->D = 1;
      rc = 0;
    } else if (mica_stricmp(z, "year") == 0) {
      p->M = 1;
      p->D = 1;
      rc = 0;
    } else if (mica_stricmp(z, "day") == 0) {
      rc = 0;
    }
    break;
  case '+':
  case '-':
  case '0':
  case '1':
  case '2':
  case '3':
  case '4':
  case '5':
  case '6':
  case '7':
  case '8':
  case '9': {
    /* 0x20 maps '+' (0x2b) and '-' (0x2d) and digits to themselves */
    int k;
    for (k = 1; z[k] && z[k] != ':' && !is_space((unsigned char)z[k]); k++) {
    }
    Value num;
    value_init(&num);
    value_set_text(&num, z, k, VAL_STATIC);
    int is_int;
    int64_t iv;
    if (!value_text_is_numeric(z, k, &is_int, &iv, &r)) {
      /* "+5" "-3.5" "1e2" are numbers; anything else is not */
      rc = 1;
      break;
    }
    r = value_as_real(&num);
    if (z[k] == ':') {
      const char *z2 = z;
      DateTime tx;
      int64_t day;
      if (!is_digit((unsigned char)*z2)) z2++;
      memset(&tx, 0, sizeof tx);
      if (parse_hms(z2, &tx)) break;
      compute_jd(&tx);
      tx.jd -= 43200000;
      day = tx.jd / 86400000;
      tx.jd -= day * 86400000;
      if (z[0] == '-') tx.jd = -tx.jd;
      compute_jd(p);
      clear_ymd_hms_tz(p);
      p->jd += tx.jd;
      rc = 0;
      break;
    }
    z += k;
    while (is_space((unsigned char)*z))
      z++;
    int len = (int)strlen(z);
    if (len > 10 || len < 3) break;
    if ((z[len - 1] | 0x20) == 's') len--;
    compute_jd(p);
    rc = 1;
    double rounder = r < 0 ? -0.5 : 0.5;
    for (int i = 0; i < (int)(sizeof xform_types / sizeof xform_types[0]); i++) {
      if (xform_types[i].n == len && mica_strnicmp(xform_types[i].name, z, len) == 0 &&
          r > -(double)xform_types[i].limit && r < (double)xform_types[i].limit) {
        if (i == 4) { /* months */
          int x;
          compute_ymd_hms(p);
          p->M += (int)r;
          x = p->M > 0 ? (p->M - 1) / 12 : (p->M - 12) / 12;
          p->Y += x;
          p->M -= x * 12;
          p->valid_jd = 0;
          r -= (int)r;
        } else if (i == 5) { /* years */
          int y = (int)r;
          compute_ymd_hms(p);
          p->Y += y;
          p->valid_jd = 0;
          r -= (int)r;
        }
        compute_jd(p);
        p->jd += (int64_t)(r * 1000.0 * (double)xform_types[i].xform + rounder);
        rc = 0;
        break;
      }
    }
    clear_ymd_hms_tz(p);
    break;
  }
  default: break;
  }
  return rc;
}

/* Parses the time value and modifiers of a date function call. 0 on success; 1 for NULL result
 * (errors such as "local time unavailable" are set on ctx). */
static int is_date(mica_context *ctx, int argc, mica_value **argv, DateTime *p) {
  memset(p, 0, sizeof *p);
  if (argc == 0) {
    set_now(ctx, p);
  } else if (argv[0]->type == VAL_INT || argv[0]->type == VAL_REAL) {
    set_raw_number(p, value_as_real(argv[0]));
  } else {
    int n;
    const char *z = argv[0]->type == VAL_NULL ? NULL : value_as_text(argv[0], &n);
    if (!z || parse_date_or_time(ctx, z, n, p)) return 1;
  }
  for (int i = 1; i < argc; i++) {
    int n;
    const char *z = argv[i]->type == VAL_NULL ? NULL : value_as_text(argv[i], &n);
    if (!z || parse_modifier(ctx, z, n, p, i)) return 1;
  }
  compute_jd(p);
  if (p->error || !valid_jd(p->jd)) return 1;
  return 0;
}

static void result_printf(mica_context *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *z = mica_vmprintf(fmt, ap);
  va_end(ap);
  func_result_owned_text(ctx, z, z ? (int64_t)strlen(z) : 0);
}

static void julianday_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (is_date(ctx, argc, argv, &x) == 0) mica_result_double(ctx, (double)x.jd / 86400000.0);
}

static void unixepoch_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (is_date(ctx, argc, argv, &x) == 0) {
    if (x.subsec)
      mica_result_double(ctx, (double)(x.jd - JD_UNIX_EPOCH_MS) / 1000.0);
    else
      mica_result_int64(ctx, x.jd / 1000 - 21086676LL * 10000);
  }
}

static void datetime_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (is_date(ctx, argc, argv, &x)) return;
  compute_ymd_hms(&x);
  if (x.subsec)
    result_printf(ctx, "%s%04d-%02d-%02d %02d:%02d:%06.3f", x.Y < 0 ? "-" : "", abs(x.Y), x.M, x.D, x.h, x.m,
                  x.s);
  else
    result_printf(ctx, "%s%04d-%02d-%02d %02d:%02d:%02d", x.Y < 0 ? "-" : "", abs(x.Y), x.M, x.D, x.h, x.m,
                  (int)x.s);
}

static void time_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (is_date(ctx, argc, argv, &x)) return;
  compute_hms(&x);
  if (x.subsec)
    result_printf(ctx, "%02d:%02d:%06.3f", x.h, x.m, x.s);
  else
    result_printf(ctx, "%02d:%02d:%02d", x.h, x.m, (int)x.s);
}

static void date_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (is_date(ctx, argc, argv, &x)) return;
  compute_ymd(&x);
  result_printf(ctx, "%s%04d-%02d-%02d", x.Y < 0 ? "-" : "", abs(x.Y), x.M, x.D); /* sign + 4 digits */
}

static void strftime_func(mica_context *ctx, int argc, mica_value **argv) {
  DateTime x;
  if (argc == 0 || argv[0]->type == VAL_NULL) return;
  int nf;
  const char *fmt = value_as_text(argv[0], &nf);
  if (!fmt || is_date(ctx, argc - 1, argv + 1, &x)) return;
  StrBuf b;
  strbuf_init(&b);
  compute_jd(&x);
  compute_ymd_hms(&x);
  size_t i, j;
  for (i = j = 0; fmt[i]; i++) {
    if (fmt[i] != '%') continue;
    if (j < i) strbuf_append(&b, fmt + j, (int64_t)(i - j));
    i++;
    j = i + 1;
    switch (fmt[i]) {
    case 'd': strbuf_appendf(&b, "%02d", x.D); break;
    case 'f': {
      double s = x.s;
      if (s > 59.999) s = 59.999;
      strbuf_appendf(&b, "%06.3f", s);
      break;
    }
    case 'H': strbuf_appendf(&b, "%02d", x.h); break;
    case 'W':
    case 'j': {
      DateTime y = x;
      y.valid_jd = 0;
      y.M = 1;
      y.D = 1;
      compute_jd(&y);
      int nday = (int)((x.jd - y.jd + 43200000) / 86400000);
      if (fmt[i] == 'W') {
        int wd = (int)(((x.jd + 43200000) / 86400000) % 7);
        strbuf_appendf(&b, "%02d", (nday + 7 - wd) / 7);
      } else {
        strbuf_appendf(&b, "%03d", nday + 1);
      }
      break;
    }
    case 'J': strbuf_appendf(&b, "%.16g", (double)x.jd / 86400000.0); break;
    case 'm': strbuf_appendf(&b, "%02d", x.M); break;
    case 'M': strbuf_appendf(&b, "%02d", x.m); break;
    case 's': strbuf_appendf(&b, "%lld", (long long)(x.jd / 1000 - 21086676LL * 10000)); break;
    case 'S': strbuf_appendf(&b, "%02d", (int)x.s); break;
    case 'w': strbuf_appendc(&b, (char)(((x.jd + 129600000) / 86400000) % 7 + '0'), 1); break;
    case 'Y': strbuf_appendf(&b, "%04d", x.Y); break;
    case '%': strbuf_appendc(&b, '%', 1); break;
    default: strbuf_reset(&b); return;
    }
  }
  if (j < i) strbuf_append(&b, fmt + j, (int64_t)(i - j));
  if (b.err) {
    strbuf_reset(&b);
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t len = b.n;
  func_result_owned_text(ctx, strbuf_finish(&b), len);
}

/* Not MICA_DETERMINISTIC: 'now' and 'localtime' depend on when and where the statement runs. */
#define DF(name, fn)                                                                                         \
  { name, -1, 0, 0, fn, NULL, NULL, NULL, NULL }

const FuncSpec func_date_specs[] = {
    DF("julianday", julianday_func),
    DF("unixepoch", unixepoch_func),
    DF("date", date_func),
    DF("time", time_func),
    DF("datetime", datetime_func),
    DF("strftime", strftime_func),
    {"current_time", 0, 0, 0, time_func, NULL, NULL, NULL, NULL},
    {"current_timestamp", 0, 0, 0, datetime_func, NULL, NULL, NULL, NULL},
    {"current_date", 0, 0, 0, date_func, NULL, NULL, NULL, NULL},
};
const int func_date_nspecs = (int)(sizeof func_date_specs / sizeof func_date_specs[0]);
