/* Unit tests for the built-in SQL functions (func*.c), LIKE/GLOB and printf.
 *
 * The harness calls functions directly through their FuncSpec (func_find_builtin) with constructed
 * Values and a local mica_context. Most checks are differential: the same function with the same
 * arguments (bound as parameters) runs in the installed SQLite 3.40, and result type, value and
 * error message must agree. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "func.h"
#include "printf.h"

static uint64_t rnd_state = 0x853c49e6748fea9bULL;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

/* ------------------------------------------------------------------ argument pool */

typedef struct Arg {
  int type;
  int64_t i;
  double r;
  const char *z;
  int n;
} Arg;

#define I(x)                                                                                                 \
  { VAL_INT, x, 0, NULL, 0 }
#define R(x)                                                                                                 \
  { VAL_REAL, 0, x, NULL, 0 }
#define T(x)                                                                                                 \
  { VAL_TEXT, 0, 0, x, -1 }
#define B(x, n)                                                                                              \
  { VAL_BLOB, 0, 0, x, n }
static const Arg pool[] = {
    {VAL_NULL, 0, 0, NULL, 0},
    I(0),
    I(1),
    I(-1),
    I(2),
    I(3),
    I(-7),
    I(42),
    I(100),
    I(INT64_MAX),
    I(INT64_MIN),
    I(65),
    I(0x10ffff),
    I(1114112),
    I(-3),
    I(31),
    I(5),
    R(0.5),
    R(-2.5),
    R(2.5),
    R(1.005),
    R(3.0),
    R(1e20),
    R(-1e-5),
    R(123.456),
    R(0.1),
    R(-0.0),
    R(1e300),
    R(2.0),
    R(-1.5),
    T("abc"),
    T(""),
    T("Hello World"),
    T(" x "),
    T("12"),
    T("-3.5"),
    T("1e3"),
    T("\xc3\xa4\xe2\x82\xac\xf0\x9f\x98\x80x"),
    T("a%b_c"),
    T("%"),
    T("a'b"),
    T("_"),
    T("a*c"),
    T("[a-c]*"),
    T("*"),
    T("?b?"),
    T("x"),
    T("  12abc  "),
    T("%d|%5s|%-5s|%.2f|%q|%Q|%w|%x|%o|%c|%r|%e|%g|%%|%,d|%!.3s"),
    T("%10.3g %+d % d %05d %#x %lld %.3e"),
    T("ABCdef"),
    T("aBc"),
    T("b"),
    T("%b%"),
    T("ab\\_"),
    T("\\"),
    T("[^a]b"),
    T("[]]"),
    T("0x1F"),
    B("\x00\xff", 2),
    B("", 0),
    B("A", 1),
    B("ab", 2),
    B("b", 1),
};
#define NPOOL ((int)(sizeof pool / sizeof pool[0]))

static void arg_to_value(const Arg *a, Value *v) {
  value_init(v);
  switch (a->type) {
  case VAL_INT: value_set_int(v, a->i); break;
  case VAL_REAL: value_set_real(v, a->r); break;
  case VAL_TEXT: value_set_text_copy(v, a->z, a->n); break;
  case VAL_BLOB: value_set_blob_copy(v, a->z, a->n); break;
  default: break;
  }
}

static void bind_arg(sqlite3_stmt *st, int idx, const Arg *a) {
  switch (a->type) {
  case VAL_INT: sqlite3_bind_int64(st, idx, a->i); break;
  case VAL_REAL: sqlite3_bind_double(st, idx, a->r); break;
  case VAL_TEXT: sqlite3_bind_text(st, idx, a->z, a->n, SQLITE_STATIC); break;
  case VAL_BLOB: sqlite3_bind_blob(st, idx, a->z, a->n, SQLITE_STATIC); break;
  default: sqlite3_bind_null(st, idx); break;
  }
}

static void describe(char *buf, size_t cap, const char *name, const Arg **args, int n) {
  size_t k = (size_t)snprintf(buf, cap, "%s(", name);
  for (int i = 0; i < n && k < cap; i++) {
    const Arg *a = args[i];
    switch (a->type) {
    case VAL_INT: k += (size_t)snprintf(buf + k, cap - k, "%s%lld", i ? "," : "", (long long)a->i); break;
    case VAL_REAL: k += (size_t)snprintf(buf + k, cap - k, "%s%.17g", i ? "," : "", a->r); break;
    case VAL_TEXT: k += (size_t)snprintf(buf + k, cap - k, "%s'%s'", i ? "," : "", a->z); break;
    case VAL_BLOB: k += (size_t)snprintf(buf + k, cap - k, "%sx(%d bytes)", i ? "," : "", a->n); break;
    default: k += (size_t)snprintf(buf + k, cap - k, "%sNULL", i ? "," : ""); break;
    }
  }
  if (k < cap) snprintf(buf + k, cap - k, ")");
}

/* Compares our result (or error) with SQLite's current row / step outcome. */
static void assert_same_result(sqlite3 *db, sqlite3_stmt *st, int src, Value *out, struct mica_context *ctx,
                               const char *what) {
  if (src != SQLITE_ROW) {
    ck_assert_msg(ctx->is_error, "%s: sqlite error '%s', mica gave no error", what, sqlite3_errmsg(db));
    ck_assert_msg(ctx->errmsg && strcmp(ctx->errmsg, sqlite3_errmsg(db)) == 0,
                  "%s: sqlite error '%s', mica '%s'", what, sqlite3_errmsg(db),
                  ctx->errmsg ? ctx->errmsg : "(none)");
    return;
  }
  ck_assert_msg(!ctx->is_error, "%s: mica error '%s', sqlite ok", what, ctx->errmsg ? ctx->errmsg : "");
  int t = sqlite3_column_type(st, 0);
  ck_assert_msg(t == out->type, "%s: sqlite type %d ('%s'), mica type %d ('%s')", what, t,
                sqlite3_column_text(st, 0) ? (const char *)sqlite3_column_text(st, 0) : "NULL", out->type,
                value_as_text(out, NULL) ? value_as_text(out, NULL) : "NULL");
  switch (t) {
  case SQLITE_INTEGER:
    ck_assert_msg(sqlite3_column_int64(st, 0) == out->u.i, "%s: sqlite %lld, mica %lld", what,
                  (long long)sqlite3_column_int64(st, 0), (long long)out->u.i);
    break;
  case SQLITE_FLOAT:
    ck_assert_msg(sqlite3_column_double(st, 0) == out->u.r, "%s: sqlite %.17g, mica %.17g", what,
                  sqlite3_column_double(st, 0), out->u.r);
    break;
  case SQLITE_TEXT:
  case SQLITE_BLOB: {
    const void *p = t == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, 0) : sqlite3_column_blob(st, 0);
    int n = sqlite3_column_bytes(st, 0);
    ck_assert_msg(n == out->n && (n == 0 || memcmp(p, out->z, (size_t)n) == 0),
                  "%s: sqlite '%.*s' (%d), mica '%.*s' (%d)", what, n, (const char *)p, n, out->n,
                  out->z ? out->z : "", out->n);
    break;
  }
  default: break;
  }
}

/* Calls a scalar built-in with the given pool arguments. */
static void call_scalar(const FuncSpec *f, const Arg **args, int n, Value *out, struct mica_context *ctx,
                        AuxData **aux) {
  Value av[8];
  mica_value *argv[8];
  FuncDef def = {
      .name = (char *)f->name, .nargs = f->nargs, .flags = f->flags, .userdata = (void *)f->userdata};
  for (int i = 0; i < n; i++) {
    arg_to_value(args[i], &av[i]);
    argv[i] = &av[i];
  }
  memset(ctx, 0, sizeof *ctx);
  value_init(out);
  ctx->out = out;
  ctx->func = &def;
  ctx->aux = aux;
  f->xfunc(ctx, n, argv);
  ctx->func = NULL;
  for (int i = 0; i < n; i++)
    value_release(&av[i]);
}

/* Runs name with random argument tuples of arity n, drawn from apool, through both engines. Argument 0
 * comes from apool0 when given (e.g. format strings), the others from apool. */
static void diff_scalar_sql(sqlite3 *db, const char *name, int n, int iters, const Arg *apool0, int npool0,
                            const Arg *apool, int npool, const char *sql_override);
static void diff_scalar_pools(sqlite3 *db, const char *name, int n, int iters, const Arg *apool0, int npool0,
                              const Arg *apool, int npool) {
  diff_scalar_sql(db, name, n, iters, apool0, npool0, apool, npool, NULL);
}

/* As diff_scalar_pools; sql_override (e.g. "SELECT ?1 -> ?2") replaces the generated call. */
static void diff_scalar_sql(sqlite3 *db, const char *name, int n, int iters, const Arg *apool0, int npool0,
                            const Arg *apool, int npool, const char *sql_override) {
  const FuncSpec *f = func_find_builtin(name, n);
  ck_assert_msg(f != NULL && f->xfunc != NULL, "no scalar %s/%d", name, n);
  char sql[256];
  int k = snprintf(sql, sizeof sql, "SELECT %s(", name);
  for (int i = 0; i < n; i++)
    k += snprintf(sql + k, sizeof sql - (size_t)k, "%s?%d", i ? "," : "", i + 1);
  snprintf(sql + k, sizeof sql - (size_t)k, ")");
  if (sql_override) snprintf(sql, sizeof sql, "%s", sql_override);
  sqlite3_stmt *st;
  ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql, sqlite3_errmsg(db));
  for (int it = 0; it < iters; it++) {
    const Arg *args[8];
    for (int i = 0; i < n; i++) {
      args[i] = (i == 0 && apool0) ? &apool0[rnd() % (uint64_t)npool0] : &apool[rnd() % (uint64_t)npool];
      bind_arg(st, i + 1, args[i]);
    }
    int src = sqlite3_step(st);
    Value out;
    struct mica_context ctx;
    call_scalar(f, args, n, &out, &ctx, NULL);
    char what[512];
    describe(what, sizeof what, name, args, n);
    assert_same_result(db, st, src, &out, &ctx, what);
    free(ctx.errmsg);
    value_release(&out);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
}

static void diff_scalar(sqlite3 *db, const char *name, int n, int iters) {
  diff_scalar_pools(db, name, n, iters, NULL, 0, pool, NPOOL);
}

START_TEST(test_core_scalars_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  static const struct {
    const char *name;
    int nmin, nmax;
  } fns[] = {
      {"abs", 1, 1},    {"sign", 1, 1},     {"typeof", 1, 1},        {"length", 1, 1},  {"coalesce", 2, 4},
      {"ifnull", 2, 2}, {"iif", 3, 3},      {"nullif", 2, 2},        {"min", 2, 4},     {"max", 2, 4},
      {"likely", 1, 1}, {"unlikely", 1, 1}, {"upper", 1, 1},         {"lower", 1, 1},   {"hex", 1, 1},
      {"char", 0, 4},   {"unicode", 1, 1},  {"instr", 2, 2},         {"substr", 2, 3},  {"substring", 2, 3},
      {"trim", 1, 2},   {"ltrim", 1, 2},    {"rtrim", 1, 2},         {"replace", 3, 3}, {"quote", 1, 1},
      {"printf", 1, 5}, {"format", 1, 5},   {"soundex", 1, 1},       {"round", 1, 2},   {"zeroblob", 1, 1},
      {"like", 2, 3},   {"glob", 2, 2},     {"sqlite_version", 0, 0}};
  for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
    for (int n = fns[i].nmin; n <= fns[i].nmax; n++)
      diff_scalar(db, fns[i].name, n, 400);
  sqlite3_close(db);
}
END_TEST

/* ------------------------------------------------------------------ date and time */

static const Arg date_values[] = {T("2024-02-29"),
                                  T("2023-01-31 13:45"),
                                  T("2023-01-31T13:45:10"),
                                  T("2023-06-15 23:59:59.999"),
                                  T("2000-01-01 00:00:00.5"),
                                  T("1970-01-01"),
                                  T("0000-01-01"),
                                  T("9999-12-31 23:59:59"),
                                  T("-0044-03-15"),
                                  T("12:30"),
                                  T("12:30:45.123"),
                                  T("24:00"),
                                  T("2023-02-31"),
                                  T("2023-13-01"),
                                  T("2023-1-01"),
                                  T("20230101"),
                                  T("2023-05-05 10:00+05:30"),
                                  T("2023-05-05 10:00 -02:00"),
                                  T("2023-05-05 10:00Z"),
                                  T("2023-05-05 10:00:00.123456"),
                                  T("2459000.5"),
                                  T(" 2459000.5 "),
                                  T("junk"),
                                  T(""),
                                  I(2459000),
                                  R(2459000.25),
                                  I(0),
                                  I(1700000000),
                                  R(1700000000.5),
                                  I(-1),
                                  R(5373484.4),
                                  I(5373485),
                                  R(1e10),
                                  {VAL_NULL, 0, 0, NULL, 0},
                                  T("2023-05-05 10:00:60"),
                                  T("1899-12-31 12:00"),
                                  T("2038-01-19 03:14:08"),
                                  T("1600-02-29 06:00"),
                                  T("2023-05-05   08:09"),
                                  T("2023-05-05 8:09")};
static const Arg date_mods[] = {T("+1 day"),
                                T("-1 days"),
                                T("+1.5 hours"),
                                T("+90 minutes"),
                                T("-30 seconds"),
                                T("+1 month"),
                                T("-1 month"),
                                T("+13 months"),
                                T("+1 year"),
                                T("-2000 years"),
                                T("+0.5 years"),
                                T("1.25 months"),
                                T("start of month"),
                                T("start of year"),
                                T("start of day"),
                                T("weekday 0"),
                                T("weekday 3"),
                                T("weekday 7"),
                                T("weekday 1.5"),
                                T("unixepoch"),
                                T("julianday"),
                                T("auto"),
                                T("utc"),
                                T("localtime"),
                                T("+01:30"),
                                T("-12:00:30.5"),
                                T("+5"),
                                T("+5 decades"),
                                T("bogus"),
                                T("  +1 day"),
                                T("+1 DAY"),
                                T("+1 dayss"),
                                T("1e2 days"),
                                T("+10000000 days"),
                                T("+5000 years"),
                                T("+12:00"),
                                {VAL_NULL, 0, 0, NULL, 0},
                                I(5),
                                T("Start Of Month"),
                                T("+ 1 day"),
                                T("+1day"),
                                T("-0.5 day")};
static const Arg date_formats[] = {T("%Y-%m-%d %H:%M:%S"),
                                   T("%f|%j|%J|%s|%w|%W"),
                                   T("%d/%m/%Y %%"),
                                   T("no conversions"),
                                   T("%e"),
                                   T("%"),
                                   T(""),
                                   T("%H%M%S%f%j%W%w%J"),
                                   T("%Y%Y%Y")};

START_TEST(test_date_functions_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  int nv = (int)(sizeof date_values / sizeof date_values[0]),
      nm = (int)(sizeof date_mods / sizeof date_mods[0]);
  int nfmt = (int)(sizeof date_formats / sizeof date_formats[0]);
  static const char *fns[] = {"date", "time", "datetime", "julianday", "unixepoch"};
  for (size_t f = 0; f < sizeof fns / sizeof fns[0]; f++) {
    diff_scalar_pools(db, fns[f], 1, 200, NULL, 0, date_values, nv);
    for (int n = 2; n <= 4; n++)
      diff_scalar_pools(db, fns[f], n, 600, date_values, nv, date_mods, nm);
  }
  /* strftime: format, value, modifiers */
  Arg mixed[64];
  int nmixed = 0;
  for (int i = 0; i < nv && nmixed < 64; i++)
    mixed[nmixed++] = date_values[i];
  for (int n = 2; n <= 3; n++)
    diff_scalar_pools(db, "strftime", n, 500, date_formats, nfmt, mixed, nmixed);
  sqlite3_close(db);
}
END_TEST

START_TEST(test_date_now_uses_statement_time) {
  const FuncSpec *f = func_find_builtin("datetime", 1);
  Value out, arg;
  value_init(&out);
  value_init(&arg);
  value_set_text(&arg, "now", -1, VAL_STATIC);
  mica_value *argv[] = {&arg};
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = &out;
  ctx.now_ms = 1700000000123LL; /* 2023-11-14 22:13:20.123 UTC */
  f->xfunc(&ctx, 1, argv);
  ck_assert_str_eq(value_as_text(&out, NULL), "2023-11-14 22:13:20");
  value_set_null(&out);
  func_find_builtin("unixepoch", 0)->xfunc(&ctx, 0, argv);
  ck_assert_int_eq(out.type, VAL_INT);
  ck_assert_int_eq(out.u.i, 1700000000);
  /* subsec (3.42) */
  Value mod;
  value_init(&mod);
  value_set_text(&mod, "subsec", -1, VAL_STATIC);
  mica_value *argv2[] = {&arg, &mod};
  f->xfunc(&ctx, 2, argv2);
  ck_assert_str_eq(value_as_text(&out, NULL), "2023-11-14 22:13:20.123");
  func_find_builtin("unixepoch", 2)->xfunc(&ctx, 2, argv2);
  ck_assert_int_eq(out.type, VAL_REAL);
  ck_assert(out.u.r == 1700000000.123);
  value_release(&out);
  value_release(&arg);
  value_release(&mod);
}
END_TEST

/* ------------------------------------------------------------------ JSON */

static void diff_aggregate(sqlite3 *db, const char *name, int n, const Arg **rows, int nrows);

static const Arg json_docs[] = {
    T("{\"a\":1,\"b\":[1,2,{\"c\":\"x\"}],\"d\":null,\"e\":true,\"f\":1.5e3,\"g\":\"h\\u00e9\\n\",\"a\":2}"),
    T("[1,2,3]"),
    T("[]"),
    T("{}"),
    T("\"str\""),
    T("123"),
    T("-0.5"),
    T("null"),
    T("true"),
    T("false"),
    T(" [ 1 , {\"x\" : [ ] } ] "),
    T("{\"a\":1,}"),
    T("[1,2"),
    T("01"),
    T("1."),
    T("\"\x01\""),
    T("nul"),
    T("{\"a\" 1}"),
    T(""),
    T("abc"),
    T("[1e5, -1E-2, 1.25, 0, -0]"),
    T("{\"a b\":{\"c.d\":5}}"),
    T("[[1,[2,[3]]]]"),
    T("{\"x\":\"\\ud83d\\ude00\"}"),
    T("{\"k\":[{\"k\":1},{\"k\":2}]}"),
    T("9223372036854775808"),
    T("-9223372036854775808"),
    T("12345678901234567890"),
    T("[\"a\\\"b\", \"\\/\"]"),
    T("{\"x\":{\"y\":{\"z\":[true,false,null]}}}"),
    T("[1,]"),
    T("[-]"),
    T("1e"),
    T("truex"),
    T("{\"\":0}"),
    T("\t\n{\"a\" :\r[ ]}\n"),
    T("2.5E+3"),
    T("-1.e5"),
    T("[\"\\u0000x\"]"),
    I(5),
    R(2.5),
    {VAL_NULL, 0, 0, NULL, 0},
    B("[1]", 3)};
static const Arg json_paths[] = {T("$"),
                                 T("$.a"),
                                 T("$.b"),
                                 T("$.b[0]"),
                                 T("$.b[2].c"),
                                 T("$.b[#-1]"),
                                 T("$.b[#]"),
                                 T("$[0]"),
                                 T("$[1]"),
                                 T("$[#-1]"),
                                 T("$[#-9]"),
                                 T("$[5]"),
                                 T("$.x"),
                                 T("$.x.y"),
                                 T("$.\"a b\""),
                                 T("$.\"a b\".\"c.d\""),
                                 T("$."),
                                 T("$["),
                                 T("a"),
                                 T("$[a]"),
                                 T("$.k[1].k"),
                                 T("$[0][1][1]"),
                                 {VAL_NULL, 0, 0, NULL, 0},
                                 T("$.g"),
                                 T("$.f"),
                                 T("$.e"),
                                 T("$.d"),
                                 T("$.x[0]"),
                                 T("$.x.y.z[2]"),
                                 T("$.\"unterminated"),
                                 T("$[0]x"),
                                 T("$[#-1"),
                                 T("$.k[#]"),
                                 T("$.new"),
                                 T("$.new.deep"),
                                 T("$[3]"),
                                 T("$[#]"),
                                 T("$[#].q"),
                                 T("$[0].q"),
                                 T("$.b[5]"),
                                 T("$.b[#][0]"),
                                 T("$.b[#].z"),
                                 T("$.b[#][1]")};
static const Arg json_vals[] = {
    I(1),       I(-7),        R(2.5),       R(1e300), T("txt"), T("q\"u\\o\nte"), {VAL_NULL, 0, 0, NULL, 0},
    T("[1,2]"), B("\x01", 1), I(INT64_MAX), R(-0.0),  T("")};
static const Arg json_abpaths[] = {T("a"),  T("b"),       T("$.a"), T("[1]"),  T("1"), T("$[0]"),
                                   T("-1"), T("$x"),      T("x.y"), T("k[0]"), I(0),   I(2),
                                   R(1.5),  T("\"a b\""), T(""),    T("$")};

START_TEST(test_json_functions_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  int nd = (int)(sizeof json_docs / sizeof json_docs[0]),
      np = (int)(sizeof json_paths / sizeof json_paths[0]);
  int nv = (int)(sizeof json_vals / sizeof json_vals[0]),
      na = (int)(sizeof json_abpaths / sizeof json_abpaths[0]);
  diff_scalar_pools(db, "json", 1, 300, NULL, 0, json_docs, nd);
  diff_scalar_pools(db, "json_valid", 1, 300, NULL, 0, json_docs, nd);
  diff_scalar_pools(db, "json_type", 1, 200, NULL, 0, json_docs, nd);
  diff_scalar_pools(db, "json_array_length", 1, 200, NULL, 0, json_docs, nd);
  diff_scalar_pools(db, "json_type", 2, 800, json_docs, nd, json_paths, np);
  diff_scalar_pools(db, "json_array_length", 2, 800, json_docs, nd, json_paths, np);
  for (int n = 2; n <= 4; n++)
    diff_scalar_pools(db, "json_extract", n, 1000, json_docs, nd, json_paths, np);
  for (int n = 2; n <= 3; n++)
    diff_scalar_pools(db, "json_remove", n, 1000, json_docs, nd, json_paths, np);
  diff_scalar_pools(db, "json_patch", 2, 1500, json_docs, nd, json_docs, nd);
  diff_scalar_pools(db, "json_quote", 1, 100, NULL, 0, json_vals, nv);
  for (int n = 0; n <= 3; n++)
    diff_scalar_pools(db, "json_array", n, 200, NULL, 0, json_vals, nv);
  for (int n = 0; n <= 4; n++)
    diff_scalar_pools(db, "json_object", n, 300, NULL, 0, json_vals, nv);
  diff_scalar_sql(db, "->", 2, 1000, json_docs, nd, json_abpaths, na, "SELECT ?1 -> ?2");
  diff_scalar_sql(db, "->>", 2, 1000, json_docs, nd, json_abpaths, na, "SELECT ?1 ->> ?2");
  diff_scalar_sql(db, "->", 2, 1000, json_docs, nd, json_paths, np, "SELECT ?1 -> ?2");
  /* edits: doc, then (path, value) pairs; paths and values alternate, so draw both from a mixed pool */
  static const char *edits[] = {"json_set", "json_insert", "json_replace"};
  for (size_t e = 0; e < 3; e++) {
    char sql[128];
    for (int pairs = 0; pairs <= 2; pairs++) {
      const FuncSpec *f = func_find_builtin(edits[e], 1 + 2 * pairs);
      ck_assert_ptr_nonnull(f);
      int k = snprintf(sql, sizeof sql, "SELECT %s(?1", edits[e]);
      for (int i = 0; i < 2 * pairs; i++)
        k += snprintf(sql + k, sizeof sql - (size_t)k, ",?%d", i + 2);
      snprintf(sql + k, sizeof sql - (size_t)k, ")");
      sqlite3_stmt *st;
      ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
      for (int it = 0; it < 1500; it++) {
        const Arg *args[5];
        int n = 1 + 2 * pairs;
        args[0] = &json_docs[rnd() % (uint64_t)nd];
        for (int i = 1; i < n; i++)
          args[i] = (i % 2) ? &json_paths[rnd() % (uint64_t)np] : &json_vals[rnd() % (uint64_t)nv];
        for (int i = 0; i < n; i++)
          bind_arg(st, i + 1, args[i]);
        int src = sqlite3_step(st);
        Value out;
        struct mica_context ctx;
        call_scalar(f, args, n, &out, &ctx, NULL);
        char what[512];
        describe(what, sizeof what, edits[e], args, n);
        assert_same_result(db, st, src, &out, &ctx, what);
        free(ctx.errmsg);
        value_release(&out);
        sqlite3_reset(st);
      }
      sqlite3_finalize(st);
    }
  }
  /* aggregates */
  const Arg *rows[2 * 8];
  for (int it = 0; it < 200; it++) {
    int nrows = (int)(rnd() % 8);
    for (int r = 0; r < 2 * nrows; r++)
      rows[r] = &json_vals[rnd() % (uint64_t)nv];
    diff_aggregate(db, "json_group_array", 1, rows, nrows);
    diff_aggregate(db, "json_group_object", 2, rows, nrows);
  }
  sqlite3_close(db);
}
END_TEST

START_TEST(test_json_subtype_passes_json_through) {
  /* json_array(json('[1,2]')) nests the array; a plain text '[1,2]' is quoted */
  Value doc, out;
  value_init(&doc);
  value_init(&out);
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = &out;
  value_set_text(&doc, " [1, 2] ", -1, VAL_STATIC);
  mica_value *argv[] = {&doc};
  func_find_builtin("json", 1)->xfunc(&ctx, 1, argv);
  ck_assert_str_eq(value_as_text(&out, NULL), "[1,2]");
  ck_assert_uint_eq(mica_value_subtype(&out), 'J');
  Value nested;
  value_init(&nested);
  value_move(&nested, &out);
  mica_value *argv2[] = {&nested, &doc};
  func_find_builtin("json_array", 2)->xfunc(&ctx, 2, argv2);
  ck_assert_str_eq(value_as_text(&out, NULL), "[[1,2],\" [1, 2] \"]");
  /* json_set with a JSON value inserts it, and later paths do not see inside it (as SQLite) */
  Value path, path2, nine;
  value_init(&path);
  value_init(&path2);
  value_init(&nine);
  value_set_text(&doc, "{\"a\":1}", -1, VAL_STATIC);
  value_set_text(&path, "$.a", -1, VAL_STATIC);
  value_set_text(&path2, "$.a[0]", -1, VAL_STATIC);
  value_set_int(&nine, 9);
  mica_value *argv3[] = {&doc, &path, &nested, &path2, &nine};
  func_find_builtin("json_set", 5)->xfunc(&ctx, 5, argv3);
  ck_assert_str_eq(value_as_text(&out, NULL), "{\"a\":[1,2]}");
  value_release(&out);
  value_release(&doc);
  value_release(&nested);
  value_release(&path);
  value_release(&path2);
}
END_TEST

/* ------------------------------------------------------------------ aggregates */

/* Runs an aggregate over rows of pool args (one or two columns) through both engines. */
static void diff_aggregate(sqlite3 *db, const char *name, int n, const Arg **rows, int nrows) {
  const FuncSpec *f = func_find_builtin(name, n);
  ck_assert_msg(f != NULL && f->xstep != NULL, "no aggregate %s/%d", name, n);
  sqlite3_exec(db, "DROP TABLE IF EXISTS t; CREATE TABLE t(a, b)", 0, 0, 0);
  sqlite3_stmt *ins;
  ck_assert_int_eq(sqlite3_prepare_v2(db, "INSERT INTO t VALUES(?1, ?2)", -1, &ins, NULL), SQLITE_OK);
  for (int r = 0; r < nrows; r++) {
    bind_arg(ins, 1, rows[2 * r]);
    bind_arg(ins, 2, rows[2 * r + 1]);
    ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
  }
  sqlite3_finalize(ins);
  char sql[128];
  snprintf(sql, sizeof sql, "SELECT %s(%s) FROM t", name, n == 0 ? "*" : n == 1 ? "a" : "a, b");
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  int src = sqlite3_step(st);

  FuncDef def = {
      .name = (char *)f->name, .nargs = f->nargs, .flags = f->flags, .userdata = (void *)f->userdata};
  void *state = NULL;
  Value out;
  value_init(&out);
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = &out;
  ctx.func = &def;
  ctx.agg_state = &state;
  for (int r = 0; r < nrows && !ctx.is_error; r++) {
    Value av[2];
    mica_value *argv[2] = {&av[0], &av[1]};
    arg_to_value(rows[2 * r], &av[0]);
    arg_to_value(rows[2 * r + 1], &av[1]);
    f->xstep(&ctx, n, argv);
    value_release(&av[0]);
    value_release(&av[1]);
  }
  if (!ctx.is_error)
    f->xfinal(&ctx);
  else
    f->xfinal(&ctx); /* releases the state either way */
  free(state);
  char what[256];
  snprintf(what, sizeof what, "%s over %d rows", sql, nrows);
  assert_same_result(db, st, src, &out, &ctx, what);
  free(ctx.errmsg);
  value_release(&out);
  sqlite3_finalize(st);
}

START_TEST(test_aggregates_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  static const struct {
    const char *name;
    int n;
  } fns[] = {{"count", 0}, {"count", 1}, {"sum", 1},          {"total", 1},       {"avg", 1},
             {"min", 1},   {"max", 1},   {"group_concat", 1}, {"group_concat", 2}};
  const Arg *rows[2 * 12];
  for (int it = 0; it < 150; it++) {
    int nrows = (int)(rnd() % 12);
    int numeric_only = rnd() % 2;
    for (int r = 0; r < 2 * nrows; r++) {
      const Arg *a;
      do
        a = &pool[rnd() % NPOOL];
      while (numeric_only && a->type != VAL_INT && a->type != VAL_NULL && a->type != VAL_REAL);
      rows[r] = a;
    }
    for (size_t i = 0; i < sizeof fns / sizeof fns[0]; i++)
      diff_aggregate(db, fns[i].name, fns[i].n, rows, nrows);
  }
  /* integer overflow in sum(), but not in total() */
  Arg big = I(INT64_MAX), one = I(1);
  const Arg *ov[] = {&big, &one, &one, &one};
  diff_aggregate(db, "sum", 1, ov, 2);
  diff_aggregate(db, "total", 1, ov, 2);
  diff_aggregate(db, "avg", 1, ov, 2);
  sqlite3_close(db);
}
END_TEST

/* Sliding a frame with xinverse gives the same results as recomputing each frame from scratch. */
START_TEST(test_window_aggregates_inverse_matches_recompute) {
  static const char *names[] = {"count", "sum", "total", "avg", "group_concat"};
  for (size_t fi = 0; fi < sizeof names / sizeof names[0]; fi++) {
    for (int nargs = (fi == 0 ? 0 : 1); nargs <= (fi == 4 ? 2 : 1); nargs++) {
      const FuncSpec *f = func_find_builtin(names[fi], nargs);
      ck_assert_ptr_nonnull(f->xinverse);
      FuncDef def = {.name = (char *)f->name, .flags = f->flags, .userdata = (void *)f->userdata};
      for (int trial = 0; trial < 30; trial++) {
        const Arg *rows[40];
        for (int r = 0; r < 40; r++) {
          const Arg *a;
          do
            a = &pool[rnd() % NPOOL];
          while ((a->type == VAL_INT && (a->i == INT64_MAX || a->i == INT64_MIN)) ||
                 (a->type == VAL_REAL && fabs(a->r) > 1e15) || /* keep clear of cancellation */
                 ((a->type == VAL_TEXT || a->type == VAL_BLOB) && (a->n == 0 || !a->z[0])));
          /* (empty strings make group_concat's sliding result depend on call order, as in SQLite) */
          rows[r] = a;
        }
        int width = 1 + (int)(rnd() % 4);
        void *slide = NULL;
        struct mica_context sctx;
        for (int end = 0; end < 20; end++) {
          Value av[2], sout, rout;
          mica_value *argv[2] = {&av[0], &av[1]};
          value_init(&sout);
          memset(&sctx, 0, sizeof sctx);
          sctx.out = &sout;
          sctx.func = &def;
          sctx.agg_state = &slide;
          arg_to_value(rows[2 * end], &av[0]);
          arg_to_value(rows[2 * end + 1], &av[1]);
          f->xstep(&sctx, nargs, argv);
          value_release(&av[0]);
          value_release(&av[1]);
          int start = end - width + 1;
          if (start > 0) {
            arg_to_value(rows[2 * (start - 1)], &av[0]);
            arg_to_value(rows[2 * (start - 1) + 1], &av[1]);
            f->xinverse(&sctx, nargs, argv);
            value_release(&av[0]);
            value_release(&av[1]);
          } else {
            start = 0;
          }
          f->xvalue(&sctx);
          /* recompute */
          void *fresh = NULL;
          struct mica_context rctx;
          value_init(&rout);
          memset(&rctx, 0, sizeof rctx);
          rctx.out = &rout;
          rctx.func = &def;
          rctx.agg_state = &fresh;
          for (int r = start; r <= end; r++) {
            arg_to_value(rows[2 * r], &av[0]);
            arg_to_value(rows[2 * r + 1], &av[1]);
            f->xstep(&rctx, nargs, argv);
            value_release(&av[0]);
            value_release(&av[1]);
          }
          f->xvalue(&rctx);
          Value fin;
          value_init(&fin);
          f->xfinal(&(struct mica_context){.out = &fin, .func = &def, .agg_state = &fresh});
          value_release(&fin);
          free(fresh);
          /* once a real was added, sum() stays approximate (real) even after it leaves the frame, as
           * in SQLite: compare numerically then */
          int numeric = (sout.type == VAL_REAL || rout.type == VAL_REAL) && sout.type != VAL_NULL &&
                        rout.type != VAL_NULL;
          if (!numeric)
            ck_assert_msg(sout.type == rout.type, "%s/%d frame [%d,%d]: slide type %d, recompute type %d",
                          names[fi], nargs, start, end, sout.type, rout.type);
          if (numeric) {
            double a = value_as_real(&sout), b = value_as_real(&rout);
            ck_assert_msg(fabs(a - b) <= 1e-9 * (1 + fabs(b)), "%s: %.17g vs %.17g", names[fi], a, b);
          } else if (sout.type == VAL_REAL)
            ck_assert_msg(fabs(sout.u.r - rout.u.r) <= 1e-9 * (1 + fabs(rout.u.r)), "%s: %.17g vs %.17g",
                          names[fi], sout.u.r, rout.u.r);
          else
            ck_assert_int_eq(value_compare(&sout, &rout, NULL), 0);
          value_release(&sout);
          value_release(&rout);
        }
        sctx.out = &(Value){.type = VAL_NULL};
        f->xfinal(&sctx);
        value_release(sctx.out);
        free(slide);
      }
    }
  }
}
END_TEST

/* ------------------------------------------------------------------ LIKE / GLOB */

START_TEST(test_like_and_glob_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(
      sqlite3_prepare_v2(db, "SELECT ?2 LIKE ?1, ?2 GLOB ?1, ?2 LIKE ?1 ESCAPE '\\'", -1, &st, NULL),
      SQLITE_OK);
  static const char *pats[] = {"%",
                               "_",
                               "a%",
                               "%c",
                               "%b%",
                               "a_c",
                               "A%",
                               "[a-c]*",
                               "*",
                               "?b?",
                               "[^a]*",
                               "[]]*",
                               "a\\%",
                               "a\\_c",
                               "%\\%%",
                               "",
                               "%%%_",
                               "*[0-9]",
                               "a*c",
                               "\xc3\xa4%",
                               "_\xe2\x82\xac%",
                               "[!a]",
                               "%a%b%c%",
                               "[z-a]",
                               "a[-]c",
                               "*\xf0\x9f\x98\x80*"};
  static const char *strs[] = {"",
                               "a",
                               "abc",
                               "ABC",
                               "aXc",
                               "a%c",
                               "a_c",
                               "b",
                               "]",
                               "]]",
                               "xbx",
                               "abcabc",
                               "a-c",
                               "9",
                               "x9",
                               "\xc3\xa4\xc3\xa4",
                               "\xc3\x84",
                               "x\xe2\x82\xac",
                               "aabbcc",
                               "!",
                               "\xf0\x9f\x98\x80",
                               "%",
                               "a\\c"};
  for (size_t i = 0; i < sizeof pats / sizeof pats[0]; i++)
    for (size_t j = 0; j < sizeof strs / sizeof strs[0]; j++) {
      sqlite3_bind_text(st, 1, pats[i], -1, SQLITE_STATIC);
      sqlite3_bind_text(st, 2, strs[j], -1, SQLITE_STATIC);
      ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
      ck_assert_msg(func_like_match(pats[i], strs[j], 0, 1) == sqlite3_column_int(st, 0), "'%s' LIKE '%s'",
                    strs[j], pats[i]);
      ck_assert_msg(func_glob_match(pats[i], strs[j]) == sqlite3_column_int(st, 1), "'%s' GLOB '%s'", strs[j],
                    pats[i]);
      ck_assert_msg(func_like_match(pats[i], strs[j], '\\', 1) == sqlite3_column_int(st, 2),
                    "'%s' LIKE '%s' ESCAPE", strs[j], pats[i]);
      sqlite3_reset(st);
    }
  sqlite3_finalize(st);
  sqlite3_close(db);
  /* case-sensitive LIKE (PRAGMA case_sensitive_like) */
  ck_assert_int_eq(func_like_match("a%", "ABC", 0, 0), 0);
  ck_assert_int_eq(func_like_match("A%", "ABC", 0, 0), 1);
  /* pathological pattern finishes */
  ck_assert_int_eq(func_like_match("%a%a%a%a%a%a%a%a%a%b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 0, 1),
                   0);
}
END_TEST

/* Random patterns and strings over a small alphabet, through the whole operator. */
START_TEST(test_like_eval_random_patterns_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  sqlite3_stmt *st;
  ck_assert_int_eq(
      sqlite3_prepare_v2(db, "SELECT ?2 LIKE ?1, ?2 GLOB ?1, ?2 LIKE ?1 ESCAPE ?3", -1, &st, NULL),
      SQLITE_OK);
  static const char *alpha[] = {"a", "b", "A", "%", "_", "*", "?", "[", "]", "^", "-", "\\", "\xc3\xa4", "!"};
  for (int it = 0; it < 20000; it++) {
    char pat[40] = "", str[40] = "", esc[8] = "";
    int np = (int)(rnd() % 7), ns = (int)(rnd() % 7);
    for (int i = 0; i < np; i++)
      strcat(pat, alpha[rnd() % 14]);
    for (int i = 0; i < ns; i++)
      strcat(str, alpha[rnd() % 14]);
    strcat(esc, rnd() % 4 ? alpha[rnd() % 14] : "xy");
    sqlite3_bind_text(st, 1, pat, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, str, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, esc, -1, SQLITE_STATIC);
    int src = sqlite3_step(st);
    Value p, s, e, out;
    value_init(&p);
    value_init(&s);
    value_init(&e);
    value_init(&out);
    value_set_text(&p, pat, -1, VAL_STATIC);
    value_set_text(&s, str, -1, VAL_STATIC);
    value_set_text(&e, esc, -1, VAL_STATIC);
    char *err;
    if (src == SQLITE_ROW) {
      ck_assert_int_eq(func_like_eval(&p, &s, NULL, 0, 1, &out, &err), MICA_OK);
      ck_assert_msg(out.u.i == sqlite3_column_int(st, 0), "'%s' LIKE '%s'", str, pat);
      ck_assert_int_eq(func_like_eval(&p, &s, NULL, 1, 0, &out, &err), MICA_OK);
      ck_assert_msg(out.u.i == sqlite3_column_int(st, 1), "'%s' GLOB '%s'", str, pat);
      ck_assert_int_eq(func_like_eval(&p, &s, &e, 0, 1, &out, &err), MICA_OK);
      ck_assert_msg(out.u.i == sqlite3_column_int(st, 2), "'%s' LIKE '%s' ESCAPE '%s'", str, pat, esc);
    } else {
      ck_assert_int_eq(func_like_eval(&p, &s, &e, 0, 1, &out, &err), MICA_ERROR);
      ck_assert_str_eq(err, sqlite3_errmsg(db));
      free(err);
    }
    sqlite3_reset(st);
    value_release(&out);
    value_release(&p);
    value_release(&s);
    value_release(&e);
  }
  /* blob operands give 0, NULL gives NULL */
  Value b, n, out;
  value_init(&b);
  value_init(&n);
  value_init(&out);
  value_set_blob(&b, "a", 1, VAL_STATIC);
  char *err;
  ck_assert_int_eq(func_like_eval(&b, &n, NULL, 0, 1, &out, &err), MICA_OK);
  ck_assert_int_eq(out.type, VAL_INT);
  ck_assert_int_eq(out.u.i, 0);
  ck_assert_int_eq(func_like_eval(&n, &n, NULL, 1, 0, &out, &err), MICA_OK);
  ck_assert_int_eq(out.type, VAL_NULL);
  sqlite3_finalize(st);
  sqlite3_close(db);
}
END_TEST

/* ------------------------------------------------------------------ printf */

START_TEST(test_mprintf_matches_sqlite) {
  static const char *fmts[] = {"%d",     "%5d",    "%-5d|",    "%05d",    "%+d",  "% d",   "%,d",  "%x",
                               "%X",     "%#x",    "%o",       "%#o",     "%u",   "%.3d",  "%r",   "%f",
                               "%.2f",   "%10.3f", "%-10.1f|", "%e",      "%.3E", "%g",    "%G",   "%#g",
                               "%!.15g", "%!.20e", "%.0f",     "%010.2f", "%s",   "%.2s",  "%10s", "%-10s|",
                               "%q",     "%Q",     "%w",       "%c",      "%%",   "%!.2s", "%5c"};
  for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
    char fc = fmts[i][strlen(fmts[i]) - 1];
    for (int k = 0; k < 12; k++) {
      char *a, *b;
      if (strchr("dxXoru", fc)) {
        long long v = k == 0   ? 0
                      : k == 1 ? -1
                      : k == 2 ? 1234567
                               : (long long)(rnd() >> (rnd() % 64)) * (k % 2 ? -1 : 1);
        char f2[32];
        snprintf(f2, sizeof f2, "%.*sll%c", (int)strlen(fmts[i]) - 1, fmts[i], fc);
        a = sqlite3_mprintf(f2, v);
        b = mica_mprintf(f2, v);
      } else if (strchr("feEgG", fc)) {
        double vals[] = {0.0,        -1.5, 2.5,           1e20, 1e-7,   3.14159265358979,
                         123456.789, -0.0, 1e300 * 1e300, 0.5,  99.995, 1.0 / 3};
        a = sqlite3_mprintf(fmts[i], vals[k]);
        b = mica_mprintf(fmts[i], vals[k]);
      } else if (fc == 'c') {
        a = sqlite3_mprintf(fmts[i], 'A' + k);
        b = mica_mprintf(fmts[i], 'A' + k);
      } else if (fc == '%') {
        a = sqlite3_mprintf(fmts[i]);
        b = mica_mprintf(fmts[i]);
      } else {
        const char *strs[] = {
            "hello", "",   "it's", NULL,       "a\"b", "\xc3\xa4\xc3\xb6\xc3\xbc", "x", "longer string here",
            "''",    "\"", "%",    "tab\there"};
        a = sqlite3_mprintf(fmts[i], strs[k]);
        b = mica_mprintf(fmts[i], strs[k]);
      }
      ck_assert_msg(strcmp(a, b) == 0, "format %s case %d: sqlite '%s' mica '%s'", fmts[i], k, a, b);
      sqlite3_free(a);
      mica_free(b);
    }
  }
  char buf[8];
  mica_snprintf(sizeof buf, buf, "%s", "truncate me");
  ck_assert_str_eq(buf, "truncat");
  char *z = mica_mprintf("%z and %d", mica_mprintf("dyn"), 5);
  ck_assert_str_eq(z, "dyn and 5");
  mica_free(z);
}
END_TEST

/* Random format strings through SQL printf() in both engines. */
START_TEST(test_sql_printf_random_formats_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  static const char flags[] = "-+ #0,!";
  static const char convs[] = "diuxXorcsqQwfeEgG%zpTn";
  static char fmtbuf[64][48];
  static Arg fmts[64];
  for (int it = 0; it < 40; it++) {
    for (int k = 0; k < 64; k++) {
      char *f = fmtbuf[k];
      int n = 0;
      if (rnd() % 3 == 0) f[n++] = 'a';
      f[n++] = '%';
      for (int j = (int)(rnd() % 3); j > 0; j--)
        f[n++] = flags[rnd() % 7];
      if (rnd() % 2)
        n += snprintf(f + n, 8, "%d", (int)(rnd() % 25));
      else if (rnd() % 5 == 0)
        f[n++] = '*';
      if (rnd() % 2) {
        f[n++] = '.';
        if (rnd() % 5 == 0)
          f[n++] = '*';
        else
          n += snprintf(f + n, 8, "%d", (int)(rnd() % 20));
      }
      if (rnd() % 6 == 0) f[n++] = 'l';
      f[n++] = convs[rnd() % (sizeof convs - 1)];
      if (rnd() % 2) n += snprintf(f + n, 8, "|%%d");
      f[n] = 0;
      fmts[k] = (Arg){VAL_TEXT, 0, 0, f, -1};
    }
    for (int n = 1; n <= 3; n++)
      diff_scalar_pools(db, "printf", n, 64, fmts, 64, pool, NPOOL);
  }
  sqlite3_close(db);
}
END_TEST

/* Malformed and random JSON never crashes; validity agrees with SQLite. */
START_TEST(test_json_random_text_agrees_on_validity) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  static const char alphabet[] = "{}[]\",:.-+eE0123456789 tnrufalse\\/\x01";
  static char docs[200][40];
  static Arg pool_docs[200];
  for (int k = 0; k < 200; k++) {
    int n = (int)(rnd() % 39);
    for (int j = 0; j < n; j++)
      docs[k][j] = alphabet[rnd() % (sizeof alphabet - 1)];
    docs[k][n] = 0;
    pool_docs[k] = (Arg){VAL_TEXT, 0, 0, docs[k], -1};
  }
  diff_scalar_pools(db, "json_valid", 1, 2000, NULL, 0, pool_docs, 200);
  diff_scalar_pools(db, "json", 1, 2000, NULL, 0, pool_docs, 200);
  /* deep nesting: limit is 2000 levels */
  char *deep = malloc(5003);
  for (int d = 0; d < 2; d++) {
    int levels = d ? 2001 : 1999, n = 0;
    for (int j = 0; j < levels; j++)
      deep[n++] = '[';
    for (int j = 0; j < levels; j++)
      deep[n++] = ']';
    deep[n] = 0;
    Arg a = {VAL_TEXT, 0, 0, deep, -1};
    diff_scalar_pools(db, "json_valid", 1, 1, NULL, 0, &a, 1);
  }
  free(deep);
  sqlite3_close(db);
}
END_TEST

/* ------------------------------------------------------------------ window-only functions */

/* A partition of values sorted by key; the harness computes peers and frames like an executor. */
typedef struct WinRows {
  const Value *vals;  /* argument 0 per row (1-based row r -> vals[r-1]) */
  const Value *extra; /* arguments 1.. (same for every row) */
  int nextra;
} WinRows;

static int win_arg_cb(void *cookie, int64_t row, int argi, Value *out) {
  WinRows *w = cookie;
  if (argi == 0) return value_copy(out, &w->vals[row - 1]);
  return value_copy(out, &w->extra[argi - 1]);
}

START_TEST(test_window_functions_match_sqlite) {
  sqlite3 *db;
  ck_assert_int_eq(sqlite3_open(":memory:", &db), SQLITE_OK);
  static const struct {
    const char *name;
    int nargs;
    const char *extra; /* SQL for extra args, also fed to mica */
    int64_t e1, e2;
  } fns[] = {{"row_number", 0, "", 0, 0},    {"rank", 0, "", 0, 0},          {"dense_rank", 0, "", 0, 0},
             {"percent_rank", 0, "", 0, 0},  {"cume_dist", 0, "", 0, 0},     {"ntile", 1, "", 3, 0},
             {"ntile", 1, "", 1, 0},         {"ntile", 1, "", 10, 0},        {"lag", 1, "x", 0, 0},
             {"lag", 2, "x, 2", 2, 0},       {"lag", 3, "x, 1, -1", 1, -1},  {"lead", 1, "x", 0, 0},
             {"lead", 2, "x, 3", 3, 0},      {"lead", 3, "x, 2, 99", 2, 99}, {"first_value", 1, "x", 0, 0},
             {"last_value", 1, "x", 0, 0},   {"nth_value", 2, "x, 2", 2, 0}, {"lag", 2, "x, -1", -1, 0},
             {"lead", 3, "x, -2, 7", -2, 7}, {"nth_value", 2, "x, 9", 9, 0}};
  for (int trial = 0; trial < 20; trial++) {
    int n = 1 + (int)(rnd() % 9);
    int64_t keys[16];
    for (int i = 0; i < n; i++)
      keys[i] = (int64_t)(rnd() % 4);
    /* sort keys (the partition order) */
    for (int i = 1; i < n; i++)
      for (int j = i; j > 0 && keys[j - 1] > keys[j]; j--) {
        int64_t t = keys[j];
        keys[j] = keys[j - 1];
        keys[j - 1] = t;
      }
    sqlite3_exec(db, "DROP TABLE IF EXISTS w; CREATE TABLE w(id INTEGER PRIMARY KEY, k, x)", 0, 0, 0);
    Value vals[16];
    for (int i = 0; i < n; i++) {
      char sql[128];
      snprintf(sql, sizeof sql, "INSERT INTO w VALUES(%d, %lld, %d)", i + 1, (long long)keys[i], (i * 7) % 5);
      sqlite3_exec(db, sql, 0, 0, 0);
      value_init(&vals[i]);
      value_set_int(&vals[i], (i * 7) % 5);
    }
    for (size_t fi = 0; fi < sizeof fns / sizeof fns[0]; fi++) {
      char sql[256];
      const char *args = fns[fi].extra;
      char ntile_arg[16];
      if (strcmp(fns[fi].name, "ntile") == 0) {
        snprintf(ntile_arg, sizeof ntile_arg, "%lld", (long long)fns[fi].e1);
        args = ntile_arg;
      }
      snprintf(
          sql, sizeof sql,
          "SELECT %s(%s) OVER (ORDER BY k ROWS BETWEEN 1 PRECEDING AND 1 FOLLOWING) FROM w ORDER BY k, id",
          fns[fi].name, args);
      if (strncmp(fns[fi].name, "first", 5) && strncmp(fns[fi].name, "last", 4) &&
          strncmp(fns[fi].name, "nth", 3))
        snprintf(sql, sizeof sql, "SELECT %s(%s) OVER (ORDER BY k) FROM w ORDER BY k, id", fns[fi].name,
                 args);
      sqlite3_stmt *st;
      ck_assert_msg(sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK, "%s: %s", sql,
                    sqlite3_errmsg(db));
      const FuncSpec *f = func_find_builtin(fns[fi].name, fns[fi].nargs);
      ck_assert_ptr_nonnull(f);
      ck_assert(f->flags & FUNC_WINDOW_ONLY);
      Value extra[2];
      value_init(&extra[0]);
      value_init(&extra[1]);
      if (strcmp(fns[fi].name, "ntile") == 0) {
        value_set_int(&vals[0], 0); /* unused */
      }
      WinRows wr = {vals, extra, 2};
      Value ntile_vals[16];
      if (strcmp(fns[fi].name, "ntile") == 0) {
        for (int i = 0; i < n; i++) {
          value_init(&ntile_vals[i]);
          value_set_int(&ntile_vals[i], fns[fi].e1);
        }
        wr.vals = ntile_vals;
      } else {
        value_set_int(&vals[0], 0);
        value_set_int(&extra[0], fns[fi].e1);
        value_set_int(&extra[1], fns[fi].e2);
      }
      FuncDef def = {.name = (char *)f->name, .flags = f->flags, .userdata = (void *)f->userdata};
      int group = 0;
      for (int r = 1; r <= n; r++) {
        ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
        FuncWindow w = {0};
        w.row = r;
        w.part_size = n;
        int ps = r, pe = r;
        while (ps > 1 && keys[ps - 2] == keys[r - 1])
          ps--;
        while (pe < n && keys[pe] == keys[r - 1])
          pe++;
        if (ps == r) group++;
        w.peer_start = ps;
        w.peer_end = pe;
        w.peer_group = group;
        w.frame_start = r > 1 ? r - 1 : 1;
        w.frame_end = r < n ? r + 1 : n;
        w.nargs = fns[fi].nargs;
        w.arg = win_arg_cb;
        w.cookie = &wr;
        Value out;
        value_init(&out);
        struct mica_context ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.out = &out;
        ctx.func = &def;
        ctx.win = &w;
        f->xvalue(&ctx);
        char what[300];
        snprintf(what, sizeof what, "%s row %d of %d", sql, r, n);
        assert_same_result(db, st, SQLITE_ROW, &out, &ctx, what);
        free(ctx.errmsg);
        value_release(&out);
      }
      if (wr.vals == ntile_vals)
        for (int i = 0; i < n; i++)
          value_release(&ntile_vals[i]);
      value_set_int(&vals[0], 0);
      sqlite3_finalize(st);
      value_release(&extra[0]);
      value_release(&extra[1]);
    }
    for (int i = 0; i < n; i++)
      value_release(&vals[i]);
  }
  sqlite3_close(db);
}
END_TEST

static Suite *func_suite(void) {
  Suite *s = suite_create("func");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 120);
  tcase_add_test(tc, test_core_scalars_match_sqlite);
  tcase_add_test(tc, test_aggregates_match_sqlite);
  tcase_add_test(tc, test_date_functions_match_sqlite);
  tcase_add_test(tc, test_date_now_uses_statement_time);
  tcase_add_test(tc, test_json_functions_match_sqlite);
  tcase_add_test(tc, test_json_subtype_passes_json_through);
  tcase_add_test(tc, test_window_aggregates_inverse_matches_recompute);
  tcase_add_test(tc, test_like_and_glob_match_sqlite);
  tcase_add_test(tc, test_like_eval_random_patterns_match_sqlite);
  tcase_add_test(tc, test_mprintf_matches_sqlite);
  tcase_add_test(tc, test_sql_printf_random_formats_match_sqlite);
  tcase_add_test(tc, test_json_random_text_agrees_on_validity);
  tcase_add_test(tc, test_window_functions_match_sqlite);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(func_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
