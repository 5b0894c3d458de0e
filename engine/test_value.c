/* Unit tests for value.c: conversions, affinity, CAST, real formatting, comparison, results/context.
 * Most conversion checks are differential: the same input goes through the installed SQLite (3.40)
 * and through value.c, and the two must agree in type and value. */
#include <check.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "value.h"

static uint64_t rnd_state = 0x2545f4914f6cdd1dULL;
static uint64_t rnd(void) {
  rnd_state ^= rnd_state << 13;
  rnd_state ^= rnd_state >> 7;
  rnd_state ^= rnd_state << 17;
  return rnd_state;
}

/* Texts that probe the numeric scanner's corners. */
static const char *probe_texts[] = {"0",
                                    "12",
                                    "-7",
                                    "+5",
                                    " 12 ",
                                    "\t-3\n",
                                    "1.5",
                                    "-1.5",
                                    ".5",
                                    "5.",
                                    ".",
                                    "-",
                                    "+",
                                    "",
                                    " ",
                                    "1e3",
                                    "1E3",
                                    "1e+3",
                                    "1e-3",
                                    "1e",
                                    "1e+",
                                    "1.5e",
                                    "1.5e3x",
                                    "1e3x",
                                    "1.5x",
                                    "12abc",
                                    "abc",
                                    "0x10",
                                    "0X1F",
                                    "00012",
                                    "-0",
                                    "-0.0",
                                    "0.0",
                                    "9223372036854775807",
                                    "9223372036854775808",
                                    "-9223372036854775808",
                                    "-9223372036854775809",
                                    "12345678901234567890",
                                    "12345678901234567890abc",
                                    "1e308",
                                    "1e309",
                                    "-1e309",
                                    "4.9e-324",
                                    "1e-400",
                                    "123456789012345678",
                                    "3.0",
                                    "3.0000000000000001",
                                    "2251799813685248",
                                    "2251799813685248.0",
                                    "9007199254740993",
                                    "1 2",
                                    "1.2.3",
                                    "--1",
                                    "1_000",
                                    "inf",
                                    "nan",
                                    "  +.5e-2  ",
                                    "0000000000000000000000001",
                                    "1.7976931348623157e308",
                                    "100000000000000000000.0",
                                    "0.1",
                                    "1e15",
                                    "1e16",
                                    "123456789012345.0",
                                    "2.5e-5",
                                    "-2.5e-5"};
#define NPROBE ((int)(sizeof probe_texts / sizeof probe_texts[0]))

static sqlite3 *sdb;

static void open_sqlite(void) { ck_assert_int_eq(sqlite3_open(":memory:", &sdb), SQLITE_OK); }
static void close_sqlite(void) { sqlite3_close(sdb); }

/* Checks that v matches column col of a SQLite row exactly (type and value). */
static void assert_same(sqlite3_stmt *st, int col, Value *v, const char *what, const char *input) {
  int t = sqlite3_column_type(st, col);
  if (t != v->type) ck_abort_msg("%s(%s): sqlite type %d, mica type %d", what, input, t, v->type);
  switch (t) {
  case SQLITE_INTEGER:
    ck_assert_msg(sqlite3_column_int64(st, col) == v->u.i, "%s(%s): sqlite %lld, mica %lld", what, input,
                  (long long)sqlite3_column_int64(st, col), (long long)v->u.i);
    break;
  case SQLITE_FLOAT: {
    double a = sqlite3_column_double(st, col), b = v->u.r;
    ck_assert_msg(a == b || (isnan(a) && isnan(b)), "%s(%s): sqlite %.17g, mica %.17g", what, input, a, b);
    break;
  }
  case SQLITE_TEXT:
  case SQLITE_BLOB: {
    int n = sqlite3_column_bytes(st, col);
    const void *p =
        t == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, col) : sqlite3_column_blob(st, col);
    ck_assert_msg(n == v->n && (n == 0 || memcmp(p, v->z, (size_t)n) == 0),
                  "%s(%s): sqlite '%.*s', mica '%.*s'", what, input, n, (const char *)p, v->n, v->z);
    break;
  }
  default: break;
  }
}

START_TEST(test_cast_matches_sqlite_for_probe_texts) {
  open_sqlite();
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(sdb,
                                      "SELECT CAST(?1 AS INTEGER), CAST(?1 AS REAL), CAST(?1 AS NUMERIC), "
                                      "CAST(?1 AS TEXT), CAST(?1 AS BLOB), CAST(CAST(?1 AS BLOB) AS NUMERIC)",
                                      -1, &st, NULL),
                   SQLITE_OK);
  static const char affs[] = {AFF_INTEGER, AFF_REAL, AFF_NUMERIC, AFF_TEXT, AFF_NONE};
  static const char *names[] = {"INTEGER", "REAL", "NUMERIC", "TEXT", "BLOB"};
  for (int k = 0; k < NPROBE; k++) {
    const char *in = probe_texts[k];
    sqlite3_bind_text(st, 1, in, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    for (int c = 0; c < 5; c++) {
      Value v;
      value_init(&v);
      value_set_text(&v, in, -1, VAL_STATIC);
      ck_assert_int_eq(value_cast(&v, affs[c]), MICA_OK);
      assert_same(st, c, &v, names[c], in);
      value_release(&v);
    }
    Value b;
    value_init(&b);
    value_set_blob(&b, in, (int)strlen(in), VAL_EPHEM);
    value_cast(&b, AFF_NUMERIC);
    assert_same(st, 5, &b, "blob NUMERIC", in);
    value_release(&b);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  close_sqlite();
}
END_TEST

START_TEST(test_affinity_matches_sqlite_column_storage) {
  open_sqlite();
  ck_assert_int_eq(sqlite3_exec(sdb, "CREATE TABLE t(a INTEGER, b NUMERIC, c REAL, d TEXT, e BLOB)", 0, 0, 0),
                   SQLITE_OK);
  sqlite3_stmt *ins, *sel;
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "INSERT INTO t VALUES(?1,?1,?1,?1,?1)", -1, &ins, NULL),
                   SQLITE_OK);
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "SELECT a,b,c,d,e FROM t", -1, &sel, NULL), SQLITE_OK);
  static const char affs[] = {AFF_INTEGER, AFF_NUMERIC, AFF_REAL, AFF_TEXT, AFF_NONE};
  static const char *names[] = {"INTEGER", "NUMERIC", "REAL", "TEXT", "BLOB"};
  /* inputs: every probe text, plus some reals and integers */
  double reals[] = {3.0, 1.5, -0.0, 1e20, 1e15, 0.1, 9.2233720368547758e18, -9.2233720368547758e18, 1e300};
  int64_t ints[] = {0, 1, -1, INT64_MAX, INT64_MIN, 1234567};
  int total = NPROBE + 9 + 6;
  for (int k = 0; k < total; k++) {
    Value in;
    value_init(&in);
    char label[64];
    if (k < NPROBE) {
      sqlite3_bind_text(ins, 1, probe_texts[k], -1, SQLITE_STATIC);
      value_set_text(&in, probe_texts[k], -1, VAL_STATIC);
      snprintf(label, sizeof label, "'%s'", probe_texts[k]);
    } else if (k < NPROBE + 9) {
      sqlite3_bind_double(ins, 1, reals[k - NPROBE]);
      value_set_real(&in, reals[k - NPROBE]);
      snprintf(label, sizeof label, "%.17g", reals[k - NPROBE]);
    } else {
      sqlite3_bind_int64(ins, 1, ints[k - NPROBE - 9]);
      value_set_int(&in, ints[k - NPROBE - 9]);
      snprintf(label, sizeof label, "%lld", (long long)ints[k - NPROBE - 9]);
    }
    ck_assert_int_eq(sqlite3_exec(sdb, "DELETE FROM t", 0, 0, 0), SQLITE_OK);
    ck_assert_int_eq(sqlite3_step(ins), SQLITE_DONE);
    sqlite3_reset(ins);
    ck_assert_int_eq(sqlite3_step(sel), SQLITE_ROW);
    for (int c = 0; c < 5; c++) {
      Value v;
      value_init(&v);
      value_copy(&v, &in);
      ck_assert_int_eq(value_apply_affinity(&v, affs[c]), MICA_OK);
      assert_same(sel, c, &v, names[c], label);
      value_release(&v);
    }
    sqlite3_reset(sel);
    value_release(&in);
  }
  sqlite3_finalize(ins);
  sqlite3_finalize(sel);
  close_sqlite();
}
END_TEST

START_TEST(test_arithmetic_numeric_view_matches_sqlite) {
  open_sqlite();
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "SELECT ?1 + 0", -1, &st, NULL), SQLITE_OK);
  for (int k = 0; k < NPROBE; k++) {
    const char *in = probe_texts[k];
    sqlite3_bind_text(st, 1, in, -1, SQLITE_STATIC);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    Value t, v;
    value_init(&t);
    value_init(&v);
    value_set_text(&t, in, -1, VAL_STATIC);
    int is_int;
    int64_t i;
    double r;
    value_numeric(&t, &is_int, &i, &r);
    if (is_int)
      value_set_int(&v, i);
    else
      value_set_real(&v, r);
    assert_same(st, 0, &v, "+0", in);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  close_sqlite();
}
END_TEST

START_TEST(test_real_text_form_matches_sqlite) {
  open_sqlite();
  sqlite3_stmt *st;
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "SELECT CAST(?1 AS TEXT)", -1, &st, NULL), SQLITE_OK);
  double fixed[] = {1.0,       1e20,       0.1,         1e-5,  0.0001, -0.0,   123456789012345.0,
                    1e15,      1e16,       1.5,         -2.25, 1e100,  1e-100, 3.14159,
                    2.0 / 3.0, 1e300 * 10, -1e300 * 10, 100.0, 0.5e-4};
  int nfixed = (int)(sizeof fixed / sizeof fixed[0]);
  for (int k = 0; k < nfixed + 3000; k++) {
    double d;
    if (k < nfixed)
      d = fixed[k];
    else if (k % 3 == 0) {
      uint64_t bits = rnd();
      memcpy(&d, &bits, sizeof d);
      if (isnan(d)) continue;
    } else
      d = (double)(int64_t)(rnd() >> (rnd() % 60)) / (double)(1 + rnd() % 1000) *
          pow(10.0, (double)(rnd() % 40) - 20);
    char buf[32];
    int n = value_format_real(d, buf);
    ck_assert_int_eq(n, (int)strlen(buf));
    sqlite3_bind_double(st, 1, d);
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    const char *s = (const char *)sqlite3_column_text(st, 0);
    ck_assert_msg(strcmp(s, buf) == 0, "%.17g: sqlite %s, mica %s", d, s, buf);
    sqlite3_reset(st);
  }
  sqlite3_finalize(st);
  close_sqlite();
}
END_TEST

START_TEST(test_text_of_numbers_and_blobs) {
  Value v;
  value_init(&v);
  int n;
  value_set_real(&v, 1.0);
  ck_assert_str_eq(value_as_text(&v, &n), "1.0");
  ck_assert_int_eq(n, 3);
  value_set_real(&v, 1e20);
  ck_assert_str_eq(value_as_text(&v, NULL), "1.0e+20");
  value_set_real(&v, 1e-5);
  ck_assert_str_eq(value_as_text(&v, NULL), "1.0e-05");
  value_set_int(&v, INT64_MIN);
  ck_assert_str_eq((const char *)mica_value_text(&v), "-9223372036854775808");
  ck_assert_int_eq(mica_value_bytes(&v), 20);
  /* borrowed text without a terminator gets one in the text form */
  const char raw[] = {'a', 'b', 'c', 'X'};
  value_set_text(&v, raw, 3, VAL_EPHEM);
  ck_assert_str_eq(value_as_text(&v, &n), "abc");
  ck_assert_int_eq(n, 3);
  value_set_blob(&v, raw, 2, VAL_EPHEM);
  ck_assert_str_eq(value_as_text(&v, &n), "ab");
  ck_assert_int_eq(mica_value_bytes(&v), 2);
  value_set_null(&v);
  ck_assert_ptr_null(value_as_text(&v, &n));
  ck_assert_ptr_null(mica_value_blob(&v));
  /* NaN is stored as NULL */
  value_set_real(&v, NAN);
  ck_assert_int_eq(v.type, VAL_NULL);
  value_release(&v);
}
END_TEST

START_TEST(test_as_int_and_as_real_take_prefixes) {
  Value v;
  value_init(&v);
  value_set_text(&v, "  -42xyz", -1, VAL_STATIC);
  ck_assert_int_eq(value_as_int(&v), -42);
  ck_assert(value_as_real(&v) == -42.0);
  value_set_text(&v, "99999999999999999999", -1, VAL_STATIC);
  ck_assert(value_as_int(&v) == INT64_MAX);
  value_set_text(&v, "-99999999999999999999", -1, VAL_STATIC);
  ck_assert(value_as_int(&v) == INT64_MIN);
  value_set_real(&v, 1e300);
  ck_assert(value_as_int(&v) == INT64_MAX);
  value_set_real(&v, -3.99);
  ck_assert_int_eq(value_as_int(&v), -3);
  value_set_text(&v, "2.5e1junk", -1, VAL_STATIC);
  ck_assert(value_as_real(&v) == 25.0);
  ck_assert_int_eq(mica_value_int(&v), 2);
  value_release(&v);
}
END_TEST

START_TEST(test_text_is_numeric_whole_strings_only) {
  int is_int = -1;
  int64_t i = 0;
  double r = 0;
  ck_assert_int_eq(value_text_is_numeric(" 12 ", 4, &is_int, &i, &r), 1);
  ck_assert_int_eq(is_int, 1);
  ck_assert_int_eq(i, 12);
  ck_assert_int_eq(value_text_is_numeric("1.5", 3, &is_int, &i, &r), 1);
  ck_assert_int_eq(is_int, 0);
  ck_assert(r == 1.5);
  ck_assert_int_eq(value_text_is_numeric("12abc", 5, &is_int, &i, &r), 0);
  ck_assert_int_eq(value_text_is_numeric("0x10", 4, &is_int, &i, &r), 0);
  ck_assert_int_eq(value_text_is_numeric("", 0, &is_int, &i, &r), 0);
  ck_assert_int_eq(value_text_is_numeric("1e3", 3, &is_int, &i, &r), 1);
  ck_assert_int_eq(is_int, 0);
  ck_assert(r == 1000.0);
}
END_TEST

START_TEST(test_affinity_of_declared_types) {
  struct {
    const char *t;
    char aff;
  } cases[] = {{"INT", AFF_INTEGER},
               {"integer", AFF_INTEGER},
               {"TINYINT", AFF_INTEGER},
               {"UNSIGNED BIG INT", AFF_INTEGER},
               {"CHARINT", AFF_INTEGER},
               {"POINT", AFF_INTEGER}, /* "INT" inside "POINT" */
               {"VARCHAR(255)", AFF_TEXT},
               {"NCHAR(55)", AFF_TEXT},
               {"CLOB", AFF_TEXT},
               {"text", AFF_TEXT},
               {"BLOB", AFF_NONE},
               {"", AFF_NONE},
               {NULL, AFF_NONE},
               {"REAL", AFF_REAL},
               {"DOUBLE PRECISION", AFF_REAL},
               {"FLOAT", AFF_REAL},
               {"NUMERIC", AFF_NUMERIC},
               {"DECIMAL(10,5)", AFF_NUMERIC},
               {"BOOLEAN", AFF_NUMERIC},
               {"DATETIME", AFF_NUMERIC},
               {"STRING", AFF_NUMERIC},
               {"FLOATING POINT", AFF_INTEGER},
               {"CHARBLOB", AFF_TEXT},
               {"BLOBCHAR", AFF_TEXT},
               {"REALBLOB", AFF_NONE}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
    ck_assert_msg(value_affinity_of_type(cases[k].t, -1) == cases[k].aff, "type %s: got %c want %c",
                  cases[k].t ? cases[k].t : "(null)", value_affinity_of_type(cases[k].t, -1), cases[k].aff);
}
END_TEST

/* Builds a random value of any class. */
static void random_value(Value *v) {
  static const char *texts[] = {"", "a", "ab", "B", "abc", "10", "9"};
  switch (rnd() % 6) {
  case 0: value_set_null(v); break;
  case 1: value_set_int(v, (int64_t)(rnd() % 11) - 5 + (rnd() % 4 == 0 ? INT64_MAX - 5 : 0)); break;
  case 2: {
    double choices[] = {0.5, -0.5, 3.0, 1e19, -1e19, 9223372036854775807.0, 2.0, -10.0};
    value_set_real(v, choices[rnd() % 8]);
    break;
  }
  case 3:
  case 4: value_set_text(v, texts[rnd() % 7], -1, VAL_STATIC); break;
  default: value_set_blob(v, texts[rnd() % 7], (int)strlen(texts[rnd() % 7]) > 0 ? 1 : 0, VAL_STATIC); break;
  }
}

START_TEST(test_compare_orders_like_sqlite) {
  open_sqlite();
  sqlite3_stmt *st;
  /* SQLite's ORDER BY on a VALUES pair tells which comes first; ties compared via = too. */
  ck_assert_int_eq(sqlite3_prepare_v2(sdb, "SELECT ?1 < ?2, ?1 = ?2, ?1 > ?2", -1, &st, NULL), SQLITE_OK);
  for (int k = 0; k < 3000; k++) {
    Value a, b;
    value_init(&a);
    value_init(&b);
    random_value(&a);
    random_value(&b);
    if (a.type == VAL_NULL || b.type == VAL_NULL) { /* comparison operators yield NULL: check order only */
      int c = value_compare(&a, &b, NULL);
      if (a.type == VAL_NULL && b.type == VAL_NULL)
        ck_assert_int_eq(c, 0);
      else if (a.type == VAL_NULL)
        ck_assert_int_lt(c, 0);
      else
        ck_assert_int_gt(c, 0);
      continue;
    }
    Value *vv[2] = {&a, &b};
    for (int j = 0; j < 2; j++) {
      Value *v = vv[j];
      switch (v->type) {
      case VAL_INT: sqlite3_bind_int64(st, j + 1, v->u.i); break;
      case VAL_REAL: sqlite3_bind_double(st, j + 1, v->u.r); break;
      case VAL_TEXT: sqlite3_bind_text(st, j + 1, v->z, v->n, SQLITE_STATIC); break;
      default: sqlite3_bind_blob(st, j + 1, v->z, v->n, SQLITE_STATIC); break;
      }
    }
    ck_assert_int_eq(sqlite3_step(st), SQLITE_ROW);
    int c = value_compare(&a, &b, NULL);
    int want = sqlite3_column_int(st, 0) ? -1 : sqlite3_column_int(st, 2) ? 1 : 0;
    ck_assert_msg((c > 0) - (c < 0) == want, "compare type %d vs %d: got %d want %d", a.type, b.type, c,
                  want);
    ck_assert_int_eq(sqlite3_column_int(st, 1), c == 0);
    sqlite3_reset(st);
    value_release(&a);
    value_release(&b);
  }
  sqlite3_finalize(st);
  close_sqlite();
}
END_TEST

START_TEST(test_compare_int_real_exactly_and_collation) {
  Value a, b;
  value_init(&a);
  value_init(&b);
  value_set_int(&a, 9007199254740993LL); /* 2^53+1 is not representable as a double */
  value_set_real(&b, 9007199254740992.0);
  ck_assert_int_gt(value_compare(&a, &b, NULL), 0);
  ck_assert_int_lt(value_compare(&b, &a, NULL), 0);
  value_set_int(&a, INT64_MAX);
  value_set_real(&b, 9223372036854775808.0);
  ck_assert_int_lt(value_compare(&a, &b, NULL), 0);
  value_set_text(&a, "ABC", -1, VAL_STATIC);
  value_set_text(&b, "abc", -1, VAL_STATIC);
  ck_assert_int_lt(value_compare(&a, &b, NULL), 0);
  RecColl nocase = {record_coll_nocase, NULL};
  ck_assert_int_eq(value_compare(&a, &b, &nocase), 0);
  value_set_blob(&b, "", 0, VAL_STATIC);
  ck_assert_int_lt(value_compare(&a, &b, NULL), 0); /* text < blob */
  value_release(&a);
  value_release(&b);
}
END_TEST

START_TEST(test_ownership_copy_move_and_records) {
  Value a, b;
  value_init(&a);
  value_init(&b);
  char buf[8] = "hello";
  value_set_text(&a, buf, 5, VAL_EPHEM);
  ck_assert_int_eq(value_copy(&b, &a), MICA_OK);
  buf[0] = 'J';
  ck_assert_int_eq(b.own, VAL_DYN);
  ck_assert_str_eq(b.z, "hello");
  ck_assert_int_eq(value_make_owned(&a), MICA_OK);
  buf[0] = 'X';
  ck_assert_str_eq(a.z, "Jello");
  value_move(&a, &b);
  ck_assert_int_eq(b.type, VAL_NULL);
  ck_assert_str_eq(a.z, "hello");
  RecValue r;
  value_to_rec(&a, &r);
  ck_assert_int_eq(r.type, REC_TEXT);
  ck_assert_int_eq(r.u.s.n, 5);
  value_from_rec(&b, &r);
  ck_assert_int_eq(b.own, VAL_EPHEM);
  ck_assert_int_eq(value_compare(&a, &b, NULL), 0);
  ck_assert_int_eq(value_set_zeroblob(&b, 4), MICA_OK);
  ck_assert_int_eq(b.type, VAL_BLOB);
  ck_assert_int_eq(b.n, 4);
  ck_assert_int_eq(b.z[3], 0);
  mica_value *d = mica_value_dup(&a);
  ck_assert_ptr_nonnull(d);
  ck_assert_str_eq((const char *)mica_value_text(d), "hello");
  mica_value_free(d);
  value_release(&a);
  value_release(&b);
  value_release(&b); /* idempotent */
}
END_TEST

START_TEST(test_numeric_type_converts_numeric_text_in_place) {
  Value v;
  value_init(&v);
  value_set_text(&v, " 42 ", -1, VAL_STATIC);
  ck_assert_int_eq(mica_value_numeric_type(&v), MICA_INTEGER);
  ck_assert_int_eq(v.u.i, 42);
  value_set_text(&v, "4.5", -1, VAL_STATIC);
  ck_assert_int_eq(mica_value_numeric_type(&v), MICA_FLOAT);
  value_set_text(&v, "4x", -1, VAL_STATIC);
  ck_assert_int_eq(mica_value_numeric_type(&v), MICA_TEXT);
  value_release(&v);
}
END_TEST

static int destroyed;
static void count_destroy(void *p) {
  destroyed++;
  free(p);
}

START_TEST(test_results_errors_and_context) {
  Value out;
  value_init(&out);
  struct mica_context ctx;
  memset(&ctx, 0, sizeof ctx);
  ctx.out = &out;
  mica_result_int64(&ctx, 7);
  ck_assert_int_eq(out.type, VAL_INT);
  mica_result_double(&ctx, 2.5);
  ck_assert_int_eq(out.type, VAL_REAL);
  mica_result_text(&ctx, "static", -1, MICA_STATIC);
  ck_assert_int_eq(out.own, VAL_STATIC);
  ck_assert_int_eq(out.n, 6);
  char *heap = strdup("heap!");
  destroyed = 0;
  mica_result_text(&ctx, heap, 4, count_destroy);
  ck_assert_int_eq(destroyed, 1);
  ck_assert_str_eq(out.z, "heap");
  mica_result_blob(&ctx, "\x01\x02", 2, MICA_TRANSIENT);
  ck_assert_int_eq(out.type, VAL_BLOB);
  ck_assert_int_eq(out.n, 2);
  mica_result_zeroblob(&ctx, 3);
  ck_assert_int_eq(out.n, 3);
  mica_result_subtype(&ctx, 'J');
  ck_assert_uint_eq(mica_value_subtype(&out), 'J');
  ck_assert_int_eq(ctx.is_error, 0);
  mica_result_error(&ctx, "boom!", 4);
  ck_assert_int_eq(ctx.is_error, 1);
  ck_assert_int_eq(ctx.error_rc, MICA_ERROR);
  ck_assert_str_eq(ctx.errmsg, "boom");
  mica_result_error_toobig(&ctx);
  ck_assert_int_eq(ctx.error_rc, MICA_TOOBIG);
  ck_assert_str_eq(ctx.errmsg, "string or blob too big");
  free(ctx.errmsg);
  ctx.errmsg = NULL;

  /* aggregate context: zeroed, same pointer on later calls */
  void *slot = NULL;
  ctx.agg_state = &slot;
  ck_assert_ptr_null(mica_aggregate_context(&ctx, 0));
  int64_t *p = mica_aggregate_context(&ctx, 16);
  ck_assert_ptr_nonnull(p);
  ck_assert_int_eq(p[0], 0);
  p[0] = 5;
  ck_assert_ptr_eq(mica_aggregate_context(&ctx, 16), p);
  free(slot);

  /* auxdata */
  AuxData *aux = NULL;
  ctx.aux = &aux;
  ck_assert_ptr_null(mica_get_auxdata(&ctx, 0));
  destroyed = 0;
  mica_set_auxdata(&ctx, 1, strdup("x"), count_destroy);
  ck_assert_str_eq((char *)mica_get_auxdata(&ctx, 1), "x");
  mica_set_auxdata(&ctx, 1, strdup("y"), count_destroy);
  ck_assert_int_eq(destroyed, 1);
  ck_assert_str_eq((char *)mica_get_auxdata(&ctx, 1), "y");
  auxdata_free_all(&aux);
  ck_assert_int_eq(destroyed, 2);
  ck_assert_ptr_null(aux);

  FuncDef f = {.userdata = &destroyed};
  ctx.func = &f;
  ck_assert_ptr_eq(mica_user_data(&ctx), &destroyed);
  value_release(&out);
}
END_TEST

START_TEST(test_stricmp_and_malloc) {
  ck_assert_int_eq(mica_stricmp("HeLLo", "hello"), 0);
  ck_assert_int_lt(mica_stricmp("abc", "abd"), 0);
  ck_assert_int_gt(mica_stricmp("abcd", "ABC"), 0);
  ck_assert_int_eq(mica_strnicmp("ABCx", "abcy", 3), 0);
  ck_assert_int_ne(mica_strnicmp("ABCx", "abcy", 4), 0);
  char *p = mica_malloc(10);
  ck_assert_ptr_nonnull(p);
  p = mica_realloc(p, 100);
  ck_assert_ptr_nonnull(p);
  mica_free(p);
  ck_assert_ptr_null(mica_malloc(0));
}
END_TEST

static Suite *value_suite(void) {
  Suite *s = suite_create("value");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_cast_matches_sqlite_for_probe_texts);
  tcase_add_test(tc, test_affinity_matches_sqlite_column_storage);
  tcase_add_test(tc, test_arithmetic_numeric_view_matches_sqlite);
  tcase_add_test(tc, test_real_text_form_matches_sqlite);
  tcase_add_test(tc, test_text_of_numbers_and_blobs);
  tcase_add_test(tc, test_as_int_and_as_real_take_prefixes);
  tcase_add_test(tc, test_text_is_numeric_whole_strings_only);
  tcase_add_test(tc, test_affinity_of_declared_types);
  tcase_add_test(tc, test_compare_orders_like_sqlite);
  tcase_add_test(tc, test_compare_int_real_exactly_and_collation);
  tcase_add_test(tc, test_ownership_copy_move_and_records);
  tcase_add_test(tc, test_numeric_type_converts_numeric_text_in_place);
  tcase_add_test(tc, test_results_errors_and_context);
  tcase_add_test(tc, test_stricmp_and_malloc);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  SRunner *sr = srunner_create(value_suite());
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
