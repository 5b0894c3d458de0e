/*
 * func.c: the core scalar SQL functions (abs, char, coalesce, format/printf, glob, hex, ifnull, iif,
 * instr, length, like, likelihood, likely, lower, ltrim, max, min, nullif, quote, random, randomblob,
 * replace, round, rtrim, sign, soundex, substr/substring, trim, typeof, unicode, unlikely, upper,
 * zeroblob, sqlite_version, sqlite_source_id), the LIKE/GLOB matcher, and the lookup over every
 * built-in table (func_find_builtin).
 *
 * Semantics are SQLite 3.40's, function by function: NULL in gives NULL out unless stated; numbers
 * used as strings take their text form (value_as_text); string results are text, even from blob
 * input, except substr() and the like on a blob, which stay bytes. Strings are UTF-8 and counted in
 * characters with utf8.c's tolerant rules. Upper/lower case mapping is ASCII only, as in SQLite
 * without ICU.
 *
 * The connection-level functions (changes, total_changes, last_insert_rowid) and the registration
 * loop live in func_register.c, so that this file links without the executor (mica.c).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "printf.h"
#include "utf8.h"

#define MAX_LENGTH 1000000000 /* SQLITE_MAX_LENGTH */

/* ------------------------------------------------------------------ shared helpers */

void func_error(mica_context *ctx, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char *msg = mica_vmprintf(fmt, ap);
  va_end(ap);
  if (!msg) {
    mica_result_error_nomem(ctx);
    return;
  }
  mica_result_error(ctx, msg, -1);
  free(msg);
}

void func_result_owned_text(mica_context *ctx, char *z, int64_t n) {
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  if (n > MAX_LENGTH) {
    free(z);
    mica_result_error_toobig(ctx);
    return;
  }
  value_set_text(ctx->out, z, (int)n, VAL_DYN);
}

static void result_owned_blob(mica_context *ctx, char *z, int64_t n) {
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  if (n > MAX_LENGTH) {
    free(z);
    mica_result_error_toobig(ctx);
    return;
  }
  value_set_blob(ctx->out, z, (int)n, VAL_DYN);
}

static int is_null(mica_value *v) { return v->type == VAL_NULL; }

/* Text of v with length; NULL for SQL NULL (or out of memory, which then sets the error). */
static const char *text_of(mica_context *ctx, mica_value *v, int *n) {
  if (v->type == VAL_NULL) return NULL;
  const char *z = value_as_text(v, n);
  if (!z) mica_result_error_nomem(ctx);
  return z;
}

/* ------------------------------------------------------------------ LIKE and GLOB */

#define PM_MATCH 0
#define PM_NOMATCH 1
#define PM_NOWILD 2 /* no match, and no later wildcard position can match either */

typedef struct MatchInfo {
  uint32_t one, all, other; /* '_' '%' esc (LIKE) or '?' '*' '[' (GLOB) */
  int set;                  /* GLOB: "[...]" sets */
  int nocase;
} MatchInfo;

static uint32_t rd(const unsigned char **z) {
  if (**z < 0x80) return *(*z)++;
  const unsigned char *end = *z + strlen((const char *)*z);
  return utf8_read(z, end);
}

static int lower_ascii(uint32_t c) { return c >= 'A' && c <= 'Z' ? (int)c + 32 : (int)c; }

static int pattern_match(const unsigned char *pat, const unsigned char *str, const MatchInfo *mi, int depth) {
  uint32_t c, c2;
  const unsigned char *escaped = NULL;
  if (depth > 2000) return PM_NOWILD;
  while ((c = rd(&pat)) != 0) {
    if (c == mi->all) {
      while ((c = rd(&pat)) != 0 && (c == mi->all || c == mi->one)) {
        if (c == mi->one && rd(&str) == 0) return PM_NOWILD;
      }
      if (c == 0) return PM_MATCH;
      if (c == mi->other) {
        if (!mi->set) {
          c = rd(&pat);
          if (c == 0) return PM_NOWILD;
        } else {
          const unsigned char *set_start = pat - 1;
          while (*str) {
            int m = pattern_match(set_start, str, mi, depth + 1);
            if (m != PM_NOMATCH) return m;
            rd(&str);
          }
          return PM_NOWILD;
        }
      }
      /* c is the first literal after the wildcard: try each place it occurs in str */
      while (*str) {
        const unsigned char *here = str;
        c2 = rd(&str);
        if (c2 == c || (mi->nocase && c < 0x80 && c2 < 0x80 && lower_ascii(c) == lower_ascii(c2))) {
          int m = pattern_match(pat, str, mi, depth + 1);
          if (m != PM_NOMATCH) return m;
        }
        (void)here;
      }
      return PM_NOWILD;
    }
    if (c == mi->other) {
      if (!mi->set) {
        c = rd(&pat);
        if (c == 0) return PM_NOMATCH;
        escaped = pat;
      } else {
        uint32_t prior = 0;
        int seen = 0, invert = 0;
        c = rd(&str);
        if (c == 0) return PM_NOMATCH;
        c2 = rd(&pat);
        if (c2 == '^') {
          invert = 1;
          c2 = rd(&pat);
        }
        if (c2 == ']') {
          if (c == ']') seen = 1;
          c2 = rd(&pat);
        }
        while (c2 && c2 != ']') {
          if (c2 == '-' && pat[0] != ']' && pat[0] != 0 && prior > 0) {
            c2 = rd(&pat);
            if (c >= prior && c <= c2) seen = 1;
            prior = 0;
          } else {
            if (c == c2) seen = 1;
            prior = c2;
          }
          c2 = rd(&pat);
        }
        if (c2 == 0 || (seen ^ invert) == 0) return PM_NOMATCH;
        continue;
      }
    }
    c2 = rd(&str);
    if (c == c2) continue;
    if (mi->nocase && c < 0x80 && c2 < 0x80 && lower_ascii(c) == lower_ascii(c2)) continue;
    if (c == mi->one && pat != escaped && c2 != 0) continue;
    return PM_NOMATCH;
  }
  return *str == 0 ? PM_MATCH : PM_NOMATCH;
}

int func_like_match(const char *pat, const char *str, unsigned esc, int nocase) {
  MatchInfo mi = {'_', '%', esc, 0, nocase};
  /* an ESCAPE character equal to a wildcard disables that wildcard (SQLite) */
  if (esc == '%') mi.all = 0;
  if (esc == '_') mi.one = 0;
  return pattern_match((const unsigned char *)pat, (const unsigned char *)str, &mi, 0) == PM_MATCH;
}

int func_glob_match(const char *pat, const char *str) {
  MatchInfo mi = {'?', '*', '[', 1, 0};
  return pattern_match((const unsigned char *)pat, (const unsigned char *)str, &mi, 0) == PM_MATCH;
}

#define LIKE_PATTERN_MAX 50000 /* SQLITE_MAX_LIKE_PATTERN_LENGTH */

/* like(P, S[, E]) and glob(P, S); userdata: 0 glob, 1 like (case-insensitive), 2 like (sensitive) */
static void like_func(mica_context *ctx, int argc, mica_value **argv) {
  intptr_t kind = (intptr_t)mica_user_data(ctx);
  int np = 0, ns = 0;
  if (argv[0]->type == VAL_BLOB || argv[1]->type == VAL_BLOB) { /* LIKE_DOESNT_MATCH_BLOBS, see func.h */
    mica_result_int(ctx, 0);
    return;
  }
  /* SQLite's order: pattern length, then the escape (error even when an operand is NULL), then NULLs */
  const char *p = argv[0]->type == VAL_NULL ? NULL : text_of(ctx, argv[0], &np);
  const char *s = argv[1]->type == VAL_NULL ? NULL : text_of(ctx, argv[1], &ns);
  if (ctx->is_error) return;
  if (np > LIKE_PATTERN_MAX) {
    func_error(ctx, "LIKE or GLOB pattern too complex");
    return;
  }
  unsigned esc = 0;
  if (argc == 3) {
    int ne;
    const char *e = text_of(ctx, argv[2], &ne);
    if (!e) return;
    if (utf8_count(e, (int64_t)strnlen(e, (size_t)ne)) != 1) {
      func_error(ctx, "ESCAPE expression must be a single character");
      return;
    }
    const unsigned char *ep = (const unsigned char *)e;
    esc = utf8_read(&ep, ep + ne);
  }
  if (!p || !s) return;
  int m = kind == 0 ? func_glob_match(p, s) : func_like_match(p, s, esc, kind == 1);
  mica_result_int(ctx, m);
}

int func_like_eval(mica_value *pat, mica_value *str, mica_value *esc, int glob, int nocase, Value *out,
                   char **errmsg) {
  FuncDef def = {.name = glob ? "glob" : "like", .userdata = (void *)(intptr_t)(glob ? 0 : nocase ? 1 : 2)};
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = out;
  ctx.func = &def;
  mica_value *argv[3] = {pat, str, esc};
  value_set_null(out);
  like_func(&ctx, esc ? 3 : 2, argv);
  *errmsg = NULL;
  if (!ctx.is_error) return MICA_OK;
  *errmsg = ctx.errmsg;
  return ctx.error_rc ? ctx.error_rc : MICA_ERROR;
}

/* ------------------------------------------------------------------ simple scalars */

static void abs_func(mica_context *ctx, int argc, mica_value **argv) {
  switch (argv[0]->type) {
  case VAL_NULL: return;
  case VAL_INT: {
    int64_t i = argv[0]->u.i;
    if (i < 0) {
      if (i == INT64_MIN) {
        func_error(ctx, "integer overflow");
        return;
      }
      i = -i;
    }
    mica_result_int64(ctx, i);
    return;
  }
  default: {
    double r = value_as_real(argv[0]);
    mica_result_double(ctx, r < 0 ? -r : r);
    return;
  }
  }
}

static void sign_func(mica_context *ctx, int argc, mica_value **argv) {
  int t = mica_value_numeric_type(argv[0]);
  if (t != VAL_INT && t != VAL_REAL) return; /* NULL for NULL, text and blobs */
  double r = value_as_real(argv[0]);
  mica_result_int(ctx, r < 0 ? -1 : r > 0 ? 1 : 0);
}

static void typeof_func(mica_context *ctx, int argc, mica_value **argv) {
  static const char *names[] = {"", "integer", "real", "text", "blob", "null"};
  int t = argv[0]->type;
  mica_result_text(ctx, names[t >= 1 && t <= 5 ? t : 5], -1, MICA_STATIC);
}

static void length_func(mica_context *ctx, int argc, mica_value **argv) {
  Value *v = argv[0];
  switch (v->type) {
  case VAL_NULL: return;
  case VAL_BLOB: mica_result_int(ctx, v->n); return;
  default: {
    int n;
    const char *z = text_of(ctx, v, &n);
    if (!z) return;
    const char *nul = memchr(z, 0, (size_t)n);
    if (nul) n = (int)(nul - z);
    mica_result_int64(ctx, utf8_count(z, n));
    return;
  }
  }
}

static void coalesce_func(mica_context *ctx, int argc, mica_value **argv) {
  for (int i = 0; i < argc; i++)
    if (!is_null(argv[i])) {
      mica_result_value(ctx, argv[i]);
      return;
    }
}

static void iif_func(mica_context *ctx, int argc, mica_value **argv) {
  int truth = !is_null(argv[0]) && value_as_real(argv[0]) != 0.0;
  if (argv[0]->type == VAL_INT) truth = argv[0]->u.i != 0;
  mica_result_value(ctx, truth ? argv[1] : argv[2]);
}

static void nullif_func(mica_context *ctx, int argc, mica_value **argv) {
  if (value_compare(argv[0], argv[1], ctx->coll) != 0) mica_result_value(ctx, argv[0]);
}

/* Multi-argument min()/max(): NULL if any argument is NULL; userdata 0 = min, 1 = max. On ties
 * min() takes the later argument and max() keeps the earlier one (visible as int 2 vs real 2.0). */
static void minmax_func(mica_context *ctx, int argc, mica_value **argv) {
  int want_max = (int)(intptr_t)mica_user_data(ctx);
  int best = 0;
  if (is_null(argv[0])) return;
  for (int i = 1; i < argc; i++) {
    if (is_null(argv[i])) return;
    int c = value_compare(argv[best], argv[i], ctx->coll);
    if (want_max ? c < 0 : c >= 0) best = i;
  }
  mica_result_value(ctx, argv[best]);
}

static void passthrough_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_value(ctx, argv[0]);
}

static void sqlite_version_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_text(ctx, "3.40.1", -1, MICA_STATIC);
}

static void source_id_func(mica_context *ctx, int argc, mica_value **argv) {
  mica_result_text(ctx, mica_sourceid(), -1, MICA_STATIC);
}

/* ------------------------------------------------------------------ string functions */

/* upper()/lower(), ASCII only; userdata 1 = upper */
static void case_func(mica_context *ctx, int argc, mica_value **argv) {
  int upper = (int)(intptr_t)mica_user_data(ctx);
  int n;
  const char *z = text_of(ctx, argv[0], &n);
  if (!z) return;
  char *out = malloc((size_t)n + 1);
  if (!out) {
    mica_result_error_nomem(ctx);
    return;
  }
  for (int i = 0; i < n; i++) {
    char c = z[i];
    if (upper && c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = (char)(c + 32);
    out[i] = c;
  }
  out[n] = 0;
  func_result_owned_text(ctx, out, n);
}

static void hex_func(mica_context *ctx, int argc, mica_value **argv) {
  static const char digits[] = "0123456789ABCDEF";
  Value *v = argv[0];
  const unsigned char *z;
  int n;
  if (v->type == VAL_BLOB) {
    z = (const unsigned char *)v->z;
    n = v->n;
  } else if (v->type == VAL_NULL) {
    z = (const unsigned char *)"";
    n = 0;
  } else {
    z = (const unsigned char *)text_of(ctx, v, &n);
    if (!z) return;
  }
  char *out = malloc((size_t)n * 2 + 1);
  if (!out) {
    mica_result_error_nomem(ctx);
    return;
  }
  for (int i = 0; i < n; i++) {
    out[2 * i] = digits[z[i] >> 4];
    out[2 * i + 1] = digits[z[i] & 15];
  }
  out[2 * n] = 0;
  func_result_owned_text(ctx, out, (int64_t)n * 2);
}

static void char_func(mica_context *ctx, int argc, mica_value **argv) {
  char *out = malloc((size_t)argc * 4 + 1);
  if (!out) {
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t n = 0;
  for (int i = 0; i < argc; i++) {
    int64_t x = value_as_int(argv[i]);
    uint32_t c = (x < 0 || x > 0x10ffff) ? 0xfffd : (uint32_t)x;
    n += utf8_write(c, (unsigned char *)out + n);
  }
  out[n] = 0;
  func_result_owned_text(ctx, out, n);
}

static void unicode_func(mica_context *ctx, int argc, mica_value **argv) {
  int n;
  const char *z = text_of(ctx, argv[0], &n);
  if (!z || n == 0 || z[0] == 0) return;
  const unsigned char *p = (const unsigned char *)z;
  mica_result_int64(ctx, utf8_read(&p, p + n));
}

static void instr_func(mica_context *ctx, int argc, mica_value **argv) {
  Value *a = argv[0], *b = argv[1];
  if (is_null(a) || is_null(b)) return;
  const char *h, *nd;
  int nh, nn, is_blob = a->type == VAL_BLOB && b->type == VAL_BLOB;
  if (is_blob) {
    h = a->z;
    nh = a->n;
    nd = b->z;
    nn = b->n;
  } else {
    h = text_of(ctx, a, &nh);
    if (!h) return;
    nd = text_of(ctx, b, &nn);
    if (!nd) return;
  }
  if (nn == 0) {
    mica_result_int(ctx, 1);
    return;
  }
  int64_t pos = 1;
  int i = 0;
  while (i + nn <= nh) {
    if (h[i] == nd[0] && memcmp(h + i, nd, (size_t)nn) == 0) {
      mica_result_int64(ctx, pos);
      return;
    }
    pos++;
    i += is_blob ? 1 : utf8_charlen(h + i, nh - i);
  }
  mica_result_int(ctx, 0);
}

static void substr_func(mica_context *ctx, int argc, mica_value **argv) {
  if (is_null(argv[1]) || (argc == 3 && is_null(argv[2]))) return;
  Value *v = argv[0];
  if (is_null(v)) return;
  int is_blob = v->type == VAL_BLOB;
  int64_t p1 = (int)value_as_int(argv[1]), p2, len = 0;
  int neg2 = 0;
  const char *z;
  int n;
  if (is_blob) {
    if (v->n == 0) return; /* SQLite sees no bytes at all here and returns NULL */
    z = v->z;
    n = v->n;
    len = n;
  } else {
    z = text_of(ctx, v, &n);
    if (!z) return;
    const char *nul = memchr(z, 0, (size_t)n);
    if (nul) n = (int)(nul - z);
    if (p1 < 0) len = utf8_count(z, n);
  }
  if (argc == 3) {
    p2 = (int)value_as_int(argv[2]);
    if (p2 < 0) {
      p2 = -p2;
      neg2 = 1;
    }
  } else {
    p2 = MAX_LENGTH;
  }
  if (p1 < 0) {
    p1 += len;
    if (p1 < 0) {
      p2 += p1;
      if (p2 < 0) p2 = 0;
      p1 = 0;
    }
  } else if (p1 > 0) {
    p1--;
  } else if (p2 > 0) {
    p2--;
  }
  if (neg2) {
    p1 -= p2;
    if (p1 < 0) {
      p2 += p1;
      p1 = 0;
    }
  }
  if (!is_blob) {
    int64_t start = utf8_skip(z, n, p1);
    int64_t end = start + utf8_skip(z + start, n - start, p2);
    mica_result_text(ctx, z + start, (int)(end - start), MICA_TRANSIENT);
  } else {
    if (p1 + p2 > len) {
      p2 = len - p1;
      if (p2 < 0) p2 = 0;
    }
    mica_result_blob(ctx, p2 > 0 ? z + p1 : "", (int)p2, MICA_TRANSIENT);
  }
}

/* trim family; userdata bit 1 = left, bit 2 = right */
static void trim_func(mica_context *ctx, int argc, mica_value **argv) {
  int mode = (int)(intptr_t)mica_user_data(ctx);
  int n, ns = 1;
  const char *z = text_of(ctx, argv[0], &n);
  if (!z) return;
  const char *set = " ";
  if (argc == 2) {
    set = text_of(ctx, argv[1], &ns);
    if (!set) return;
  }
  /* characters of the set */
  int nchar = 0;
  const char *cs[64];
  int cl[64];
  const char **cstart = cs;
  int *clen = cl;
  int64_t setchars = utf8_count(set, ns);
  if (setchars > 64) {
    cstart = malloc(sizeof(char *) * (size_t)setchars);
    clen = malloc(sizeof(int) * (size_t)setchars);
    if (!cstart || !clen) {
      free(cstart == cs ? NULL : cstart);
      free(clen == cl ? NULL : clen);
      mica_result_error_nomem(ctx);
      return;
    }
  }
  for (int i = 0; i < ns;) {
    int k = utf8_charlen(set + i, ns - i);
    cstart[nchar] = set + i;
    clen[nchar++] = k;
    i += k;
  }
  int b = 0, e = n;
  if (nchar > 0) {
    if (mode & 1) {
      while (b < e) {
        int j;
        for (j = 0; j < nchar; j++)
          if (clen[j] <= e - b && memcmp(z + b, cstart[j], (size_t)clen[j]) == 0) break;
        if (j == nchar) break;
        b += clen[j];
      }
    }
    if (mode & 2) {
      while (e > b) {
        int j;
        for (j = 0; j < nchar; j++)
          if (clen[j] <= e - b && memcmp(z + e - clen[j], cstart[j], (size_t)clen[j]) == 0) break;
        if (j == nchar) break;
        e -= clen[j];
      }
    }
  }
  if (cstart != cs) free(cstart);
  if (clen != cl) free(clen);
  mica_result_text(ctx, z + b, e - b, MICA_TRANSIENT);
}

static void replace_func(mica_context *ctx, int argc, mica_value **argv) {
  int n, np, nr;
  const char *z = text_of(ctx, argv[0], &n);
  if (!z) return;
  const char *p = text_of(ctx, argv[1], &np);
  if (!p) return;
  if (np == 0 || p[0] == 0) {      /* empty pattern (SQLite also treats a leading NUL byte so) */
    if (argv[0]->type == VAL_BLOB) /* SQLite has read it as text by now, which makes it text */
      mica_result_text(ctx, z, n, MICA_TRANSIENT);
    else
      mica_result_value(ctx, argv[0]);
    return;
  }
  const char *r = text_of(ctx, argv[2], &nr);
  if (!r) return;
  StrBuf b;
  strbuf_init(&b);
  int i = 0, last = 0;
  while (i <= n - np) {
    if (z[i] == p[0] && memcmp(z + i, p, (size_t)np) == 0) {
      strbuf_append(&b, z + last, i - last);
      strbuf_append(&b, r, nr);
      i += np;
      last = i;
    } else {
      i++;
    }
  }
  strbuf_append(&b, z + last, n - last);
  if (b.err) {
    int err = b.err;
    strbuf_reset(&b);
    if (err == MICA_TOOBIG)
      mica_result_error_toobig(ctx);
    else
      mica_result_error_nomem(ctx);
    return;
  }
  int64_t len = b.n;
  func_result_owned_text(ctx, strbuf_finish(&b), len);
}

static void quote_func(mica_context *ctx, int argc, mica_value **argv) {
  Value *v = argv[0];
  StrBuf b;
  strbuf_init(&b);
  switch (v->type) {
  case VAL_NULL: mica_result_text(ctx, "NULL", 4, MICA_STATIC); return;
  case VAL_INT: strbuf_appendf(&b, "%lld", (long long)v->u.i); break;
  case VAL_REAL: {
    double r1 = v->u.r, r2;
    strbuf_appendf(&b, "%!0.15g", r1);
    Value t;
    value_init(&t);
    value_set_text(&t, b.z ? b.z : "", (int)b.n, VAL_STATIC);
    r2 = value_as_real(&t);
    value_release(&t);
    if (r1 != r2) {
      strbuf_reset(&b);
      strbuf_appendf(&b, "%!0.20e", r1);
    }
    break;
  }
  case VAL_TEXT: {
    int n;
    const char *z = text_of(ctx, v, &n);
    if (!z) return;
    const char *nul = memchr(z, 0, (size_t)n);
    if (nul) n = (int)(nul - z);
    strbuf_appendc(&b, '\'', 1);
    int last = 0;
    for (int i = 0; i < n; i++)
      if (z[i] == '\'') {
        strbuf_append(&b, z + last, i + 1 - last);
        strbuf_appendc(&b, '\'', 1);
        last = i + 1;
      }
    strbuf_append(&b, z + last, n - last);
    strbuf_appendc(&b, '\'', 1);
    break;
  }
  default: {
    static const char digits[] = "0123456789ABCDEF";
    strbuf_append(&b, "X'", 2);
    for (int i = 0; i < v->n; i++) {
      char h[2] = {digits[(unsigned char)v->z[i] >> 4], digits[v->z[i] & 15]};
      strbuf_append(&b, h, 2);
    }
    strbuf_appendc(&b, '\'', 1);
    break;
  }
  }
  if (b.err) {
    strbuf_reset(&b);
    mica_result_error_nomem(ctx);
    return;
  }
  int64_t len = b.n;
  func_result_owned_text(ctx, strbuf_finish(&b), len);
}

static void printf_func(mica_context *ctx, int argc, mica_value **argv) {
  if (argc < 1) return;
  int n;
  const char *fmt = text_of(ctx, argv[0], &n);
  if (!fmt) return;
  StrBuf b;
  strbuf_init(&b);
  PrintfArgs pa = {argc - 1, 0, argv + 1};
  strbuf_sql_printf(&b, fmt, &pa);
  if (!b.z && !b.err) return; /* nothing was ever appended: NULL, as SQLite ('' vs printf('%s','')) */
  if (b.err) {
    int err = b.err;
    strbuf_reset(&b);
    if (err == MICA_TOOBIG)
      mica_result_error_toobig(ctx);
    else
      mica_result_error_nomem(ctx);
    return;
  }
  int64_t len = b.n;
  func_result_owned_text(ctx, strbuf_finish(&b), len);
}

static void soundex_func(mica_context *ctx, int argc, mica_value **argv) {
  static const char code[] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                              0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2, 0, 0, 2, 2, 4, 5,
                              5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 1, 2,
                              0, 0, 2, 2, 4, 5, 5, 0, 1, 2, 6, 2, 3, 0, 1, 0, 2, 0, 2, 0, 0, 0, 0, 0};
  int n;
  const char *z = value_as_text(argv[0], &n);
  if (!z) z = "";
  char out[5];
  int i;
  for (i = 0; z[i] && !(((unsigned char)z[i] | 32) >= 'a' && ((unsigned char)z[i] | 32) <= 'z'); i++) {
  }
  if (z[i]) {
    char prev = code[(unsigned char)z[i] & 0x7f];
    out[0] = (char)(z[i] >= 'a' ? z[i] - 32 : z[i]);
    int j;
    for (j = 1; j < 4 && z[i]; i++) {
      unsigned char c = (unsigned char)z[i];
      int cd = c < 128 ? code[c] : 0;
      if (cd > 0) {
        if (cd != prev) out[j++] = (char)(cd + '0');
        prev = (char)cd;
      } else {
        prev = 0;
      }
    }
    while (j < 4)
      out[j++] = '0';
    out[j] = 0;
    mica_result_text(ctx, out, 4, MICA_TRANSIENT);
  } else {
    mica_result_text(ctx, "?000", 4, MICA_STATIC);
  }
}

/* ------------------------------------------------------------------ numbers, random, blobs */

static void round_func(mica_context *ctx, int argc, mica_value **argv) {
  int64_t n = 0;
  if (argc == 2) {
    if (is_null(argv[1])) return;
    n = (int)value_as_int(argv[1]);
    if (n > 30) n = 30;
    if (n < 0) n = 0;
  }
  if (is_null(argv[0])) return;
  double r = value_as_real(argv[0]);
  if (r < -4503599627370496.0 || r > 4503599627370496.0) {
    /* no fractional part */
  } else if (n == 0) {
    r = (double)(int64_t)(r + (r < 0 ? -0.5 : 0.5));
  } else {
    char *z = mica_mprintf("%.*f", (int)n, r);
    if (!z) {
      mica_result_error_nomem(ctx);
      return;
    }
    Value t;
    value_init(&t);
    value_set_text(&t, z, -1, VAL_STATIC);
    r = value_as_real(&t);
    value_release(&t);
    free(z);
  }
  mica_result_double(ctx, r);
}

/* One process-wide generator for random()/randomblob(); guarded because connections may run in
 * different threads. Seeded from the clock and address-space layout on first use. */
#include <pthread.h>
#include <time.h>
static pthread_mutex_t rng_mutex = PTHREAD_MUTEX_INITIALIZER;
static uint64_t rng_state[2];

static uint64_t rng_next(void) {
  pthread_mutex_lock(&rng_mutex);
  if (!rng_state[0] && !rng_state[1]) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rng_state[0] = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ULL ^ (uint64_t)ts.tv_sec;
    rng_state[1] = (uint64_t)(uintptr_t)&ts ^ 0xbf58476d1ce4e5b9ULL;
    if (!rng_state[0] && !rng_state[1]) rng_state[0] = 1;
  }
  uint64_t s1 = rng_state[0];
  const uint64_t s0 = rng_state[1];
  uint64_t r = s0 + s1;
  rng_state[0] = s0;
  s1 ^= s1 << 23;
  rng_state[1] = s1 ^ s0 ^ (s1 >> 17) ^ (s0 >> 26);
  pthread_mutex_unlock(&rng_mutex);
  return r;
}

static void random_func(mica_context *ctx, int argc, mica_value **argv) {
  int64_t r = (int64_t)rng_next();
  if (r < 0) r = -(r & INT64_MAX); /* avoid -INT64_MIN issues: keep the range symmetric */
  mica_result_int64(ctx, r);
}

static void randomblob_func(mica_context *ctx, int argc, mica_value **argv) {
  int64_t n = value_as_int(argv[0]);
  if (n < 1) n = 1;
  if (n > MAX_LENGTH) {
    mica_result_error_toobig(ctx);
    return;
  }
  char *z = malloc((size_t)n + 1);
  if (!z) {
    mica_result_error_nomem(ctx);
    return;
  }
  for (int64_t i = 0; i < n; i += 8) {
    uint64_t r = rng_next();
    memcpy(z + i, &r, (size_t)(n - i < 8 ? n - i : 8));
  }
  result_owned_blob(ctx, z, n);
}

static void zeroblob_func(mica_context *ctx, int argc, mica_value **argv) {
  int64_t n = value_as_int(argv[0]);
  if (n < 0) n = 0;
  if (n > MAX_LENGTH) {
    mica_result_error_toobig(ctx);
    return;
  }
  mica_result_zeroblob(ctx, (int)n);
}

/* ------------------------------------------------------------------ table and lookup */

#define DET MICA_DETERMINISTIC
#define S(name, n, flags, ud, fn)                                                                            \
  { name, n, flags, ud, fn, NULL, NULL, NULL, NULL }

const FuncSpec func_core_specs[] = {
    S("abs", 1, DET, 0, abs_func),
    S("sign", 1, DET, 0, sign_func),
    S("typeof", 1, DET, 0, typeof_func),
    S("length", 1, DET, 0, length_func),
    S("coalesce", -1, DET, 0, coalesce_func),
    S("ifnull", 2, DET, 0, coalesce_func),
    S("iif", 3, DET, 0, iif_func),
    S("nullif", 2, DET | FUNC_NEEDCOLL, 0, nullif_func),
    S("min", -1, DET | FUNC_NEEDCOLL, 0, minmax_func),
    S("max", -1, DET | FUNC_NEEDCOLL, 1, minmax_func),
    S("likely", 1, DET, 0, passthrough_func),
    S("unlikely", 1, DET, 0, passthrough_func),
    S("likelihood", 2, DET, 0, passthrough_func),
    S("sqlite_version", 0, DET, 0, sqlite_version_func),
    S("sqlite_source_id", 0, DET, 0, source_id_func),
    S("upper", 1, DET, 1, case_func),
    S("lower", 1, DET, 0, case_func),
    S("hex", 1, DET, 0, hex_func),
    S("char", -1, DET, 0, char_func),
    S("unicode", 1, DET, 0, unicode_func),
    S("instr", 2, DET, 0, instr_func),
    S("substr", 2, DET, 0, substr_func),
    S("substr", 3, DET, 0, substr_func),
    S("substring", 2, DET, 0, substr_func),
    S("substring", 3, DET, 0, substr_func),
    S("trim", 1, DET, 3, trim_func),
    S("trim", 2, DET, 3, trim_func),
    S("ltrim", 1, DET, 1, trim_func),
    S("ltrim", 2, DET, 1, trim_func),
    S("rtrim", 1, DET, 2, trim_func),
    S("rtrim", 2, DET, 2, trim_func),
    S("replace", 3, DET, 0, replace_func),
    S("quote", 1, DET, 0, quote_func),
    S("printf", -1, DET, 0, printf_func),
    S("format", -1, DET, 0, printf_func),
    S("soundex", 1, DET, 0, soundex_func),
    S("round", 1, DET, 0, round_func),
    S("round", 2, DET, 0, round_func),
    S("random", 0, 0, 0, random_func),
    S("randomblob", 1, 0, 0, randomblob_func),
    S("zeroblob", 1, DET, 0, zeroblob_func),
    S("like", 2, DET, 1, like_func),
    S("like", 3, DET, 1, like_func),
    S("glob", 2, DET, 0, like_func),
};
const int func_core_nspecs = (int)(sizeof func_core_specs / sizeof func_core_specs[0]);

const FuncSpec *func_find_builtin(const char *name, int nargs) {
  const FuncSpec *tabs[] = {func_core_specs, func_agg_specs, func_math_specs, func_date_specs,
                            func_json_specs};
  const int ns[] = {func_core_nspecs, func_agg_nspecs, func_math_nspecs, func_date_nspecs, func_json_nspecs};
  const FuncSpec *any = NULL;
  for (int t = 0; t < 5; t++)
    for (int i = 0; i < ns[t]; i++) {
      const FuncSpec *f = &tabs[t][i];
      if (mica_stricmp(f->name, name) != 0) continue;
      if (f->nargs == nargs) return f;
      if (f->nargs == -1 && !any) any = f;
    }
  return any;
}
