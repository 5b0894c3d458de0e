/*
 * printf.c: SQLite-compatible formatting: mica_mprintf/mica_vmprintf/mica_snprintf (mica.h), the SQL
 * printf()/format() function's engine (strbuf_sql_printf) and a growable string buffer (StrBuf).
 *
 * FORMAT SYNTAX (as SQLite's printf): %[flags][width][.precision][l|ll]conv with
 *   flags      '-' left-justify, '+' / ' ' sign for non-negative numbers, '#' alternate form, '0'
 *              zero-pad, ',' thousands separator (decimal integers), '!' alternate form 2 (reals: up
 *              to 26 significant digits and always a ".0"; strings: width and precision in characters)
 *   width/prec digits or '*' (taken from the arguments; a negative '*' width left-justifies)
 *   conv       d i (signed), u x X o (unsigned), r (ordinal: 1st 2nd ...), c, s, z (string freed
 *              after use), q (doubles '), Q (like q, wrapped in '...'; NULL prints NULL), w (doubles
 *              "), f e E g G, p (pointer), % ; an unknown conversion ends the output.
 * In SQL mode (strbuf_sql_printf) the arguments are SQL values: integers via their integer value,
 * reals via their real value, strings via their text (NULL: "" for %s, "(NULL)" for %q/%w, "NULL"
 * for %Q), %c takes the first character of the text.
 *
 * REALS are rendered digit by digit in long double arithmetic, the way SQLite 3.40 does it: add a
 * rounding term of 5 in the last requested place, scale into [1,10) by powers of ten, then peel off
 * at most 16 (26 with '!') significant digits. This reproduces SQLite's output exactly, including
 * where it differs from the C library's correctly rounded printf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printf.h"
#include "value.h"

/* ------------------------------------------------------------------ StrBuf */

void strbuf_init(StrBuf *b) { memset(b, 0, sizeof *b); }

void strbuf_reset(StrBuf *b) {
  free(b->z);
  strbuf_init(b);
}

static int strbuf_grow(StrBuf *b, int64_t extra) {
  if (b->err) return 0;
  int64_t need = b->n + extra + 1;
  if (need > STRBUF_MAX + 1) {
    b->err = MICA_TOOBIG;
    return 0;
  }
  if (need <= b->cap) return 1;
  int64_t cap = b->cap ? b->cap * 2 : 64;
  while (cap < need)
    cap *= 2;
  char *z = realloc(b->z, (size_t)cap);
  if (!z) {
    b->err = MICA_NOMEM;
    return 0;
  }
  b->z = z;
  b->cap = cap;
  return 1;
}

void strbuf_append(StrBuf *b, const char *z, int64_t n) {
  if (n < 0) n = (int64_t)strlen(z);
  if (!strbuf_grow(b, n)) return;
  if (n) memcpy(b->z + b->n, z, (size_t)n);
  b->n += n;
  b->z[b->n] = 0;
}

void strbuf_appendc(StrBuf *b, char c, int64_t count) {
  if (count <= 0 || !strbuf_grow(b, count)) return;
  memset(b->z + b->n, c, (size_t)count);
  b->n += count;
  b->z[b->n] = 0;
}

char *strbuf_finish(StrBuf *b) {
  if (b->err) {
    strbuf_reset(b);
    return NULL;
  }
  if (!b->z && !strbuf_grow(b, 0)) return NULL;
  b->z[b->n] = 0;
  char *z = b->z;
  strbuf_init(b);
  return z;
}

/* ------------------------------------------------------------------ reals */

static char get_digit(long double *val, int *cnt) {
  if (*cnt <= 0) return '0';
  (*cnt)--;
  int digit = (int)*val;
  long double d = digit;
  *val = (*val - d) * 10.0;
  return (char)('0' + digit);
}

int printf_render_double(char *buf, double r, int type, int precision, int alt, int alt2, char prefix) {
  static const double round_tab[] = {5.0e-01, 5.0e-02, 5.0e-03, 5.0e-04, 5.0e-05,
                                     5.0e-06, 5.0e-07, 5.0e-08, 5.0e-09, 5.0e-10};
  long double val = r;
  char *p = buf;
  int generic = type == 'g' || type == 'G';
  int is_exp = type == 'e' || type == 'E';
  int upper = type == 'E' || type == 'G';
  if (precision < 0) precision = 6;
  if (val < 0.0L) {
    val = -val;
    prefix = '-';
  }
  if (generic && precision > 0) precision--;
  int idx = precision & 0xfff;
  double rounder = round_tab[idx % 10];
  while (idx >= 10) {
    rounder *= 1.0e-10;
    idx -= 10;
  }
  if (!generic && !is_exp) {
    double rx = (double)val;
    uint64_t u;
    memcpy(&u, &rx, sizeof u);
    int ex = -1023 + (int)((u >> 52) & 0x7ff);
    if (precision + (ex / 3) < 15) rounder += (double)(val * 3e-16);
    val += rounder;
  }
  int exp = 0;
  if (val != val) {
    memcpy(buf, "NaN", 4);
    return 3;
  }
  if (val > 0.0L) {
    long double scale = 1.0L;
    while (val >= 1e100 * scale && exp <= 350) {
      scale *= 1e100;
      exp += 100;
    }
    while (val >= 1e10 * scale && exp <= 350) {
      scale *= 1e10;
      exp += 10;
    }
    while (val >= 10.0 * scale && exp <= 350) {
      scale *= 10.0;
      exp++;
    }
    val /= scale;
    while (val < 1e-8) {
      val *= 1.0e8;
      exp -= 8;
    }
    while (val < 1.0L) {
      val *= 10.0;
      exp--;
    }
    if (exp > 350) {
      if (prefix) *p++ = prefix;
      memcpy(p, "Inf", 4);
      return (int)(p - buf) + 3;
    }
  }
  if (!(!generic && !is_exp)) {
    val += rounder;
    if (val >= 10.0) {
      val *= 0.1;
      exp++;
    }
  }
  int rtz;
  if (generic) {
    rtz = !alt;
    if (exp < -4 || exp > precision) {
      is_exp = 1;
    } else {
      precision = precision - exp;
      is_exp = 0;
    }
  } else {
    rtz = alt2;
  }
  int e2 = is_exp ? 0 : exp;
  int nsd = 16 + alt2 * 10;
  int dp = (precision > 0) | alt | alt2;
  char *start = p;
  if (prefix) *p++ = prefix;
  if (e2 < 0) {
    *p++ = '0';
  } else {
    for (; e2 >= 0; e2--)
      *p++ = get_digit(&val, &nsd);
  }
  if (dp) *p++ = '.';
  for (e2++; e2 < 0; precision--, e2++)
    *p++ = '0';
  while ((precision--) > 0)
    *p++ = get_digit(&val, &nsd);
  if (rtz && dp) {
    while (p[-1] == '0')
      *(--p) = 0;
    if (p[-1] == '.') {
      if (alt2)
        *p++ = '0';
      else
        *(--p) = 0;
    }
  }
  if (is_exp) {
    *p++ = upper ? 'E' : 'e';
    if (exp < 0) {
      *p++ = '-';
      exp = -exp;
    } else {
      *p++ = '+';
    }
    if (exp >= 100) {
      *p++ = (char)(exp / 100 + '0');
      exp %= 100;
    }
    *p++ = (char)(exp / 10 + '0');
    *p++ = (char)(exp % 10 + '0');
  }
  *p = 0;
  (void)start;
  return (int)(p - buf);
}

/* ------------------------------------------------------------------ the formatter */

/* Where arguments come from: a va_list (C API) or SQL values. */
typedef struct ArgSrc {
  va_list *ap;
  PrintfArgs *sql;
} ArgSrc;

static int64_t arg_int(ArgSrc *s, int flag_long, int is_signed) {
  if (s->sql) {
    if (s->sql->i >= s->sql->n) return 0;
    return value_as_int(s->sql->argv[s->sql->i++]);
  }
  if (is_signed) {
    if (flag_long == 2) return va_arg(*s->ap, long long);
    if (flag_long == 1) return va_arg(*s->ap, long);
    return va_arg(*s->ap, int);
  }
  if (flag_long == 2) return (int64_t)va_arg(*s->ap, unsigned long long);
  if (flag_long == 1) return (int64_t)va_arg(*s->ap, unsigned long);
  return (int64_t)va_arg(*s->ap, unsigned int);
}

static int arg_width(ArgSrc *s) {
  if (s->sql) {
    if (s->sql->i >= s->sql->n) return 0;
    int64_t v = value_as_int(s->sql->argv[s->sql->i++]);
    return (int)(int32_t)(uint32_t)(uint64_t)v; /* truncated to int, as SQLite does */
  }
  return va_arg(*s->ap, int);
}

static double arg_double(ArgSrc *s) {
  if (s->sql) {
    if (s->sql->i >= s->sql->n) return 0.0;
    return value_as_real(s->sql->argv[s->sql->i++]);
  }
  return va_arg(*s->ap, double);
}

/* Text of the next argument; NULL for SQL NULL / a NULL pointer. */
static const char *arg_text(ArgSrc *s) {
  if (s->sql) {
    if (s->sql->i >= s->sql->n) return NULL;
    return value_as_text(s->sql->argv[s->sql->i++], NULL);
  }
  return va_arg(*s->ap, const char *);
}

/* Appends bufpt[0..length) padded to width. */
static void emit_padded(StrBuf *b, const char *z, int64_t length, int64_t width, int left) {
  int64_t pad = width - length;
  if (pad > 0 && !left) strbuf_appendc(b, ' ', pad);
  strbuf_append(b, z, length);
  if (pad > 0 && left) strbuf_appendc(b, ' ', pad);
}

/* Adds to width the continuation bytes of z[0..length), so that width counts characters. */
static int64_t utf8_width_adjust(const char *z, int64_t length, int64_t width) {
  if (width <= 0) return width;
  for (int64_t i = 0; i < length; i++)
    if (((unsigned char)z[i] & 0xc0) == 0x80) width++;
  return width;
}

static void vformat(StrBuf *b, const char *fmt, ArgSrc *src) {
  char small[100];
  for (; *fmt; fmt++) {
    if (*fmt != '%') {
      const char *q = strchr(fmt, '%');
      int64_t n = q ? q - fmt : (int64_t)strlen(fmt);
      strbuf_append(b, fmt, n);
      fmt += n - 1;
      continue;
    }
    int c = *++fmt;
    if (c == 0) {
      strbuf_append(b, "%", 1);
      return;
    }
    int left = 0, zeropad = 0, alt = 0, alt2 = 0, flag_long = 0;
    char prefix_flag = 0, thousand = 0;
    int64_t width = 0;
    int precision = -1;
    int done = 0;
    do {
      switch (c) {
      case '-': left = 1; break;
      case '+': prefix_flag = '+'; break;
      case ' ': prefix_flag = ' '; break;
      case '#': alt = 1; break;
      case '!': alt2 = 1; break;
      case '0': zeropad = 1; break;
      case ',': thousand = ','; break;
      case 'l':
        flag_long = 1;
        c = *++fmt;
        if (c == 'l') {
          flag_long = 2;
          c = *++fmt;
        }
        done = 1;
        break;
      case '*': {
        int w = arg_width(src);
        if (w < 0) {
          left = 1;
          w = w >= -2147483647 ? -w : 0;
        }
        width = w;
        c = fmt[1];
        if (c != '.' && c != 'l') {
          c = *++fmt;
          done = 1;
        }
        break;
      }
      case '.': {
        c = *++fmt;
        if (c == '*') {
          int pr = arg_width(src);
          precision = pr < 0 ? (pr >= -2147483647 ? -pr : -1) : pr;
          c = *++fmt;
        } else {
          uint32_t pr = 0;
          while (c >= '0' && c <= '9') {
            pr = pr * 10 + (uint32_t)(c - '0');
            c = *++fmt;
          }
          precision = (int)(pr & 0x7fffffff);
        }
        if (c == 'l') {
          --fmt;
          c = 'l';
          break; /* the 'l' case runs next round */
        }
        done = 1;
        break;
      }
      default:
        if (c >= '1' && c <= '9') {
          uint32_t w = (uint32_t)(c - '0');
          while ((c = *++fmt) >= '0' && c <= '9')
            w = w * 10 + (uint32_t)(c - '0');
          width = w & 0x7fffffff;
          if (c == '.' || c == 'l') {
            fmt--;
            break; /* continue parsing at '.' or 'l' */
          }
        }
        done = 1;
        break;
      }
    } while (!done && (c = *++fmt) != 0);
    if (c == 0) return;
    if ((width > STRBUF_MAX || precision > STRBUF_MAX) && strchr("diuxXoprfeEgG", c)) {
      b->err = MICA_TOOBIG; /* SQLite cannot get a conversion buffer that big */
      return;
    }
    switch (c) {
    case 'd':
    case 'i':
    case 'r':
    case 'u':
    case 'x':
    case 'X':
    case 'o':
    case 'p': {
      int is_signed = c == 'd' || c == 'i' || c == 'r';
      uint64_t lv;
      char prefix = 0;
      if (c == 'p') {
        lv = src->sql ? (uint64_t)arg_int(src, 2, 0) : (uint64_t)(uintptr_t)va_arg(*src->ap, void *);
      } else if (is_signed) {
        int64_t v = arg_int(src, flag_long, 1);
        if (v < 0) {
          lv = ~(uint64_t)v + 1;
          prefix = '-';
        } else {
          lv = (uint64_t)v;
          prefix = prefix_flag;
        }
      } else {
        lv = (uint64_t)arg_int(src, flag_long, 0);
      }
      int base = (c == 'x' || c == 'X' || c == 'p') ? 16 : c == 'o' ? 8 : 10;
      const char *digits = (c == 'X' || c == 'p') ? "0123456789ABCDEF" : "0123456789abcdef";
      if (lv == 0) alt = 0;
      int64_t prec = precision;
      if (zeropad && prec < width - (prefix != 0)) prec = width - (prefix != 0);
      int64_t cap = (prec > 0 ? prec : 0) + 100;
      cap += cap / 3;
      char *zout = cap <= (int64_t)sizeof small ? small : malloc((size_t)cap);
      if (!zout) {
        b->err = MICA_NOMEM;
        return;
      }
      char *end = zout + cap - 1, *p = end;
      if (c == 'r') {
        static const char ord[] = "thstndrd";
        int x = (int)(lv % 10);
        if (x >= 4 || (lv / 10) % 10 == 1) x = 0;
        *(--p) = ord[x * 2 + 1];
        *(--p) = ord[x * 2];
      }
      do {
        *(--p) = digits[lv % (unsigned)base];
        lv /= (unsigned)base;
      } while (lv > 0);
      int64_t length = end - p;
      while (prec > length) {
        *(--p) = '0';
        length++;
      }
      if (thousand && base == 10 && c != 'r') { /* not for ordinals */
        int64_t nn = (length - 1) / 3, ix = (length - 1) % 3 + 1;
        p -= nn;
        for (int64_t k = 0; nn > 0; k++) {
          p[k] = p[k + nn];
          ix--;
          if (ix == 0) {
            p[++k] = thousand;
            nn--;
            ix = 3;
          }
        }
      }
      if (prefix) *(--p) = prefix;
      if (alt && base != 10) {
        const char *pre = c == 'o' ? "0" : c == 'X' ? "0X" : "0x";
        for (int k = (int)strlen(pre) - 1; k >= 0; k--)
          *(--p) = pre[k];
      }
      emit_padded(b, p, end - p, width, left);
      if (zout != small) free(zout);
      break;
    }
    case 'f':
    case 'e':
    case 'E':
    case 'g':
    case 'G': {
      double r = arg_double(src);
      int64_t need = PRINTF_DOUBLE_BUF((int64_t)(precision > 0 ? precision : 0)) + width;
      char *zout = need <= (int64_t)sizeof small ? small : malloc((size_t)need);
      if (!zout) {
        b->err = MICA_NOMEM;
        return;
      }
      int64_t length = printf_render_double(zout, r, c, precision, alt, alt2, prefix_flag);
      if (zeropad && !left && length < width && zout[length - 1] != 'f' && zout[length - 1] != 'N') {
        int64_t npad = width - length;
        int sign = zout[0] == '-' || zout[0] == '+' || zout[0] == ' ';
        memmove(zout + sign + npad, zout + sign, (size_t)(length - sign + 1));
        memset(zout + sign, '0', (size_t)npad);
        length = width;
      }
      emit_padded(b, zout, length, width, left);
      if (zout != small) free(zout);
      break;
    }
    case 'c': {
      char cbuf[8];
      int length = 1;
      if (src->sql) {
        const char *t = arg_text(src);
        cbuf[0] = 0; /* NULL or '' emits a NUL byte, as SQLite does */
        if (t && *t) {
          cbuf[0] = *t++;
          if (((unsigned char)cbuf[0] & 0xc0) == 0xc0)
            while (length < 4 && ((unsigned char)*t & 0xc0) == 0x80)
              cbuf[length++] = *t++;
        }
      } else {
        unsigned ch = va_arg(*src->ap, unsigned);
        if (ch < 0x80) {
          cbuf[0] = (char)ch;
        } else if (ch < 0x800) {
          cbuf[0] = (char)(0xc0 | (ch >> 6));
          cbuf[1] = (char)(0x80 | (ch & 0x3f));
          length = 2;
        } else if (ch < 0x10000) {
          cbuf[0] = (char)(0xe0 | (ch >> 12));
          cbuf[1] = (char)(0x80 | ((ch >> 6) & 0x3f));
          cbuf[2] = (char)(0x80 | (ch & 0x3f));
          length = 3;
        } else {
          cbuf[0] = (char)(0xf0 | ((ch >> 18) & 0x07));
          cbuf[1] = (char)(0x80 | ((ch >> 12) & 0x3f));
          cbuf[2] = (char)(0x80 | ((ch >> 6) & 0x3f));
          cbuf[3] = (char)(0x80 | (ch & 0x3f));
          length = 4;
        }
      }
      if (precision > 1) {
        width -= precision - 1;
        if (width > 1 && !left) {
          strbuf_appendc(b, ' ', width - 1);
          width = 0;
        }
        while (precision-- > 1)
          strbuf_append(b, cbuf, length);
      }
      width = utf8_width_adjust(cbuf, length, width);
      emit_padded(b, cbuf, length, width, left);
      break;
    }
    case 's':
    case 'z': {
      const char *t = arg_text(src);
      const char *to_free = (c == 'z' && !src->sql) ? t : NULL;
      if (!t) t = "";
      int64_t length;
      if (precision >= 0) {
        if (alt2) {
          const unsigned char *z = (const unsigned char *)t;
          while (precision-- > 0 && z[0]) {
            z++;
            while ((*z & 0xc0) == 0x80)
              z++;
          }
          length = (const char *)z - t;
        } else {
          for (length = 0; length < precision && t[length]; length++) {
          }
        }
      } else {
        length = (int64_t)strlen(t);
      }
      if (alt2) width = utf8_width_adjust(t, length, width);
      emit_padded(b, t, length, width, left);
      free((void *)to_free);
      break;
    }
    case 'q':
    case 'Q':
    case 'w': {
      char q = c == 'w' ? '"' : '\'';
      const char *t = arg_text(src);
      int isnull = t == NULL;
      if (isnull) t = c == 'Q' ? "NULL" : "(NULL)";
      int64_t i, k = precision;
      for (i = 0; k != 0 && t[i]; i++, k--) {
        if (alt2 && ((unsigned char)t[i] & 0xc0) == 0xc0)
          while (((unsigned char)t[i + 1] & 0xc0) == 0x80)
            i++;
      }
      int needq = !isnull && c == 'Q';
      StrBuf tmp;
      strbuf_init(&tmp);
      if (needq) strbuf_appendc(&tmp, q, 1);
      int64_t s0 = 0;
      for (int64_t j = 0; j < i; j++)
        if (t[j] == q) {
          strbuf_append(&tmp, t + s0, j + 1 - s0);
          strbuf_appendc(&tmp, q, 1);
          s0 = j + 1;
        }
      strbuf_append(&tmp, t + s0, i - s0);
      if (needq) strbuf_appendc(&tmp, q, 1);
      if (tmp.err) {
        b->err = tmp.err;
        strbuf_reset(&tmp);
        return;
      }
      if (alt2) width = utf8_width_adjust(tmp.z ? tmp.z : "", tmp.n, width);
      emit_padded(b, tmp.z ? tmp.z : "", tmp.n, width, left);
      strbuf_reset(&tmp);
      break;
    }
    case '%': emit_padded(b, "%", 1, width, left); break;
    case 'n': /* SQLite stores nothing through %n, consumes no SQL argument, and emits nothing */
      if (!src->sql) (void)va_arg(*src->ap, int *);
      strbuf_append(b, "", 0);
      break;
    default: return; /* unknown conversion: stop, as SQLite does */
    }
    if (b->err) return;
  }
}

void strbuf_vappendf(StrBuf *b, const char *fmt, va_list ap) {
  va_list cp;
  va_copy(cp, ap);
  ArgSrc src = {&cp, NULL};
  vformat(b, fmt, &src);
  va_end(cp);
}

void strbuf_appendf(StrBuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  strbuf_vappendf(b, fmt, ap);
  va_end(ap);
}

void strbuf_sql_printf(StrBuf *b, const char *fmt, PrintfArgs *args) {
  ArgSrc src = {NULL, args};
  vformat(b, fmt, &src);
}

/* ------------------------------------------------------------------ public API */

char *mica_vmprintf(const char *fmt, va_list ap) {
  if (!fmt) return NULL;
  StrBuf b;
  strbuf_init(&b);
  strbuf_vappendf(&b, fmt, ap);
  return strbuf_finish(&b);
}

char *mica_mprintf(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *z = mica_vmprintf(fmt, ap);
  va_end(ap);
  return z;
}

char *mica_snprintf(int n, char *buf, const char *fmt, ...) {
  if (n <= 0) return buf;
  va_list ap;
  va_start(ap, fmt);
  StrBuf b;
  strbuf_init(&b);
  strbuf_vappendf(&b, fmt, ap);
  va_end(ap);
  int64_t len = b.err ? 0 : b.n;
  if (len > n - 1) len = n - 1;
  if (len > 0) memcpy(buf, b.z, (size_t)len);
  buf[len] = 0;
  strbuf_reset(&b);
  return buf;
}
