/*
 * printf.h: SQLite-compatible formatted output (the mica_mprintf family of mica.h, the SQL printf()/
 * format() function) and the shared floating-point renderer.
 *
 * printf_str is a growable string buffer used by the formatter and by functions that build text
 * (group_concat, quote, json). It records an out-of-memory or too-big condition instead of failing
 * each append; check err once at the end.
 */
#ifndef MICA_PRINTF_H
#define MICA_PRINTF_H

#include <stdarg.h>
#include <stdint.h>

typedef struct StrBuf {
  char *z;   /* malloc'd, NUL-terminated when n > 0 or after strbuf_finish */
  int64_t n; /* bytes used (without the terminator) */
  int64_t cap;
  int err; /* 0, MICA_NOMEM or MICA_TOOBIG */
} StrBuf;

#define STRBUF_MAX 1000000000 /* SQLite's default SQLITE_MAX_LENGTH */

void strbuf_init(StrBuf *b);
void strbuf_append(StrBuf *b, const char *z, int64_t n); /* n < 0: strlen */
void strbuf_appendc(StrBuf *b, char c, int64_t count);
void strbuf_appendf(StrBuf *b, const char *fmt, ...);
void strbuf_vappendf(StrBuf *b, const char *fmt, va_list ap);
/* Returns the malloc'd string (NUL-terminated, never NULL unless err) and resets b; the caller owns
 * it. On error returns NULL and frees what was built. */
char *strbuf_finish(StrBuf *b);
void strbuf_reset(StrBuf *b);

/* Renders r as SQLite's printf does for conversion type ('f', 'e', 'E', 'g', 'G') with the given
 * precision (< 0: 6) and flags '#' (alt) and '!' (alt2: up to 26 significant digits instead of 16 and
 * a forced ".0"); prefix is the sign character for non-negative values (0, '+' or ' '). Writes no
 * padding. Returns the length written to buf, which needs PRINTF_DOUBLE_BUF(precision) bytes. */
#define PRINTF_DOUBLE_BUF(prec) ((prec) + 400)
int printf_render_double(char *buf, double r, int type, int precision, int alt, int alt2, char prefix);

/* Argument source for the SQL printf()/format() function: values instead of a va_list. */
typedef struct PrintfArgs {
  int n, i;
  struct mica_value **argv;
} PrintfArgs;
void strbuf_sql_printf(StrBuf *b, const char *fmt, PrintfArgs *args);

#endif /* MICA_PRINTF_H */
