/* test_pgtypes.c: declared-type -> OID mapping and text/binary value encodings. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"
#include "pgtypes.h"

START_TEST(test_declared_types_map_to_postgres_oids) {
  static const struct {
    const char *decl;
    uint32_t oid;
  } t[] = {{"int", 23},
           {"INTEGER", 23},
           {"bigint", 20},
           {"int8", 20},
           {"smallint", 21},
           {"text", 25},
           {"varchar(20)", 1043},
           {"character varying(5)", 1043},
           {"bool", 16},
           {"boolean", 16},
           {"real", 700},
           {"float4", 700},
           {"double precision", 701},
           {"float8", 701},
           {"numeric(10,2)", 1700},
           {"decimal", 1700},
           {"bytea", 17},
           {"blob", 17},
           {"date", 1082},
           {"timestamp", 1114},
           {"timestamptz", 1184},
           {"timestamp with time zone", 1184},
           {"uuid", 2950},
           {"json", 114},
           {"jsonb", 3802},
           {"serial", 23},
           {"bigserial", 20},
           {"char(3)", 1042},
           {"UNSIGNED BIG INT", 20},
           {"NVARCHAR(100)", 1043},
           {"whatever", 25}};
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
    pgtype pt = pgtypes_from_decltype(t[i].decl);
    ck_assert_msg(pt.oid == t[i].oid, "%s -> %u, want %u", t[i].decl, pt.oid, t[i].oid);
  }
  ck_assert_uint_eq(pgtypes_from_decltype(NULL).oid, 0);
  ck_assert_int_eq(pgtypes_from_decltype("varchar(20)").typmod, 24);
  ck_assert_int_eq(pgtypes_from_decltype("numeric(10,2)").typmod, ((10 << 16) | 2) + 4);
  ck_assert_int_eq(pgtypes_from_decltype("int").typlen, 4);
}
END_TEST

START_TEST(test_storage_classes_map_for_expressions) {
  ck_assert_uint_eq(pgtypes_from_storage(MICA_INTEGER).oid, 20);
  ck_assert_uint_eq(pgtypes_from_storage(MICA_FLOAT).oid, 701);
  ck_assert_uint_eq(pgtypes_from_storage(MICA_TEXT).oid, 25);
  ck_assert_uint_eq(pgtypes_from_storage(MICA_BLOB).oid, 17);
}
END_TEST

/* Encodes v and returns the column bytes (after the length word) in out; returns the length. */
static int enc(uint32_t oid, int fmt, pgvalue v, unsigned char *out) {
  pqbuf b;
  pqbuf_init(&b);
  int rc = pgtypes_put_value(&b, oid, fmt, &v);
  if (rc) {
    pqbuf_free(&b);
    return -2;
  }
  pqmsg m;
  pqmsg_init(&m, 0, b.data, b.len);
  int32_t n = pqmsg_get_int32(&m);
  if (n > 0) memcpy(out, pqmsg_get_bytes(&m, (size_t)n), (size_t)n);
  pqbuf_free(&b);
  return n;
}

static pgvalue ival(int64_t i) { return (pgvalue){MICA_INTEGER, i, 0, NULL, 0}; }
static pgvalue dval(double d) { return (pgvalue){MICA_FLOAT, 0, d, NULL, 0}; }
static pgvalue tval(const char *s) { return (pgvalue){MICA_TEXT, 0, 0, (const unsigned char *)s, strlen(s)}; }

START_TEST(test_text_encodings) {
  unsigned char o[128];
  int n = enc(PGOID_BOOL, 0, ival(1), o);
  ck_assert(n == 1 && o[0] == 't');
  n = enc(PGOID_BOOL, 0, ival(0), o);
  ck_assert(n == 1 && o[0] == 'f');
  n = enc(PGOID_INT8, 0, ival(-9000000000LL), o);
  ck_assert(n == 11 && !memcmp(o, "-9000000000", 11));
  n = enc(PGOID_FLOAT8, 0, dval(0.1), o);
  ck_assert(n == 3 && !memcmp(o, "0.1", 3));
  n = enc(PGOID_FLOAT8, 0, dval(INFINITY), o);
  ck_assert(n == 8 && !memcmp(o, "Infinity", 8));
  n = enc(PGOID_INT4, 0, dval(3.0), o);
  ck_assert(n == 1 && o[0] == '3');
  pgvalue blob = {MICA_BLOB, 0, 0, (const unsigned char *)"\x01\xab", 2};
  n = enc(PGOID_BYTEA, 0, blob, o);
  ck_assert(n == 6 && !memcmp(o, "\\x01ab", 6));
  pgvalue null = {MICA_NULL, 0, 0, NULL, 0};
  ck_assert_int_eq(enc(PGOID_TEXT, 0, null, o), -1);
}
END_TEST

/* float8 text output is PostgreSQL's: shortest exact digits, fixed notation for exponents in
 * [-4, 15) (86400 came out as 8.64e+04). */
START_TEST(test_double_text_like_postgres) {
  static const struct {
    double d;
    const char *want;
  } cases[] = {{86400, "86400"},
               {0.1, "0.1"},
               {1.5, "1.5"},
               {100000, "100000"},
               {1e15, "1e+15"},
               {1e14, "100000000000000"},
               {0.0001, "0.0001"},
               {0.00001, "1e-05"},
               {-2.5e-7, "-2.5e-07"},
               {123456789.125, "123456789.125"},
               {0, "0"},
               {-0.5, "-0.5"},
               {1.0 / 3, "0.3333333333333333"},
               {1234567890123456789.0, "1.2345678901234568e+18"}};
  char buf[64];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    pgtypes_format_double(cases[i].d, buf, sizeof buf);
    ck_assert_str_eq(buf, cases[i].want);
  }
}
END_TEST

START_TEST(test_binary_encodings) {
  unsigned char o[128];
  ck_assert_int_eq(enc(PGOID_INT4, 1, ival(258), o), 4);
  ck_assert(o[0] == 0 && o[1] == 0 && o[2] == 1 && o[3] == 2);
  ck_assert_int_eq(enc(PGOID_INT2, 1, ival(-2), o), 2);
  ck_assert(o[0] == 0xff && o[1] == 0xfe);
  ck_assert_int_eq(enc(PGOID_INT2, 1, ival(70000), o), -2); /* out of range */
  ck_assert_int_eq(enc(PGOID_INT4, 1, tval("abc"), o), -2);
  ck_assert_int_eq(enc(PGOID_FLOAT8, 1, dval(1.0), o), 8);
  ck_assert(o[0] == 0x3f && o[1] == 0xf0 && o[7] == 0);
  ck_assert_int_eq(enc(PGOID_BOOL, 1, tval("t"), o), 1);
  ck_assert_int_eq(o[0], 1);
  ck_assert_int_eq(enc(PGOID_DATE, 1, tval("2000-01-02"), o), 4);
  ck_assert(o[3] == 1 && o[0] == 0);
  ck_assert_int_eq(enc(PGOID_TIMESTAMP, 1, tval("2000-01-01 00:00:01.5"), o), 8);
  ck_assert(o[4] == 0 && o[5] == 0x16 && o[6] == 0xe3 && o[7] == 0x60); /* 1500000 us */
  ck_assert_int_eq(enc(PGOID_UUID, 1, tval("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), o), 16);
  ck_assert(o[0] == 0xa0 && o[15] == 0x11);
  ck_assert_int_eq(enc(PGOID_JSONB, 1, tval("{}"), o), 3);
  ck_assert(o[0] == 1 && o[1] == '{');
  /* numeric 12345.678: ndigits 3, weight 1, sign 0, dscale 3, digits 1 2345 6780 */
  ck_assert_int_eq(enc(PGOID_NUMERIC, 1, tval("12345.678"), o), 14);
  const unsigned char want[] = {0, 3, 0, 1, 0, 0, 0, 3, 0, 1, 0x09, 0x29, 0x1a, 0x7c};
  ck_assert_mem_eq(o, want, sizeof want);
}
END_TEST

START_TEST(test_utf8_verification_reports_bytes_as_postgresql) {
  char err[128];
  ck_assert_int_eq(pgtypes_verify_utf8("plain \xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 15, err, sizeof err), 0);
  static const struct {
    const char *in;
    size_t n;
    const char *msg;
  } bad[] = {
      {"a\xff", 2, "0xff"},
      {"\xe2\x28\xa1", 3, "0xe2 0x28 0xa1"},          /* bad continuation */
      {"abc\xe2\x82'", 6, "0xe2 0x82 0x27"},          /* cut short: the bytes that follow are shown */
      {"\xe2\x82", 2, "0xe2 0x82"},                   /* cut short at the end */
      {"\xc0\xaf", 2, "0xc0 0xaf"},                   /* overlong */
      {"\xed\xa0\x80", 3, "0xed 0xa0 0x80"},          /* surrogate */
      {"\xf4\x90\x80\x80", 4, "0xf4 0x90 0x80 0x80"}, /* above U+10FFFF */
      {"x\0y", 3, "0x00"},                            /* NUL */
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    char want[128];
    snprintf(want, sizeof want, "invalid byte sequence for encoding \"UTF8\": %s", bad[i].msg);
    ck_assert_int_eq(pgtypes_verify_utf8(bad[i].in, bad[i].n, err, sizeof err), -1);
    ck_assert_str_eq(err, want);
  }
}
END_TEST

/* numeric(p,s) text: the value rounded half away from zero to s decimals. */
static void expect_scaled(pgvalue v, int p, int sc, const char *want) {
  pqbuf b;
  pqbuf_init(&b);
  ck_assert_int_eq(pgtypes_put_value_typmod(&b, PGOID_NUMERIC, ((p << 16) | sc) + 4, 0, &v), 0);
  ck_assert_int_eq((int)b.len, 4 + (int)strlen(want));
  ck_assert_mem_eq(b.data + 4, want, strlen(want));
  pqbuf_free(&b);
}

START_TEST(test_numeric_typmod_scale) {
  pgvalue v;
  memset(&v, 0, sizeof v);
  v.type = MICA_FLOAT;
  static const struct {
    double d;
    int p, s;
    const char *want;
  } f[] = {{1.5, 5, 2, "1.50"},
           {1.005, 5, 2, "1.01"},
           {-1.005, 5, 2, "-1.01"},
           {9.999, 5, 2, "10.00"},
           {0.005, 4, 2, "0.01"},
           {-0.001, 3, 2, "0.00"},
           {2.5, 10, 0, "3"},
           {1e-7, 8, 3, "0.000"},
           {12345.6789, 8, 3, "12345.679"},
           {1e20, 25, 1, "100000000000000000000.0"}};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
    v.d = f[i].d;
    expect_scaled(v, f[i].p, f[i].s, f[i].want);
  }
  v.type = MICA_INTEGER;
  v.i = -7;
  expect_scaled(v, 6, 3, "-7.000");
  v.type = MICA_TEXT;
  v.p = (const unsigned char *)"0.125e1";
  v.n = 7;
  expect_scaled(v, 6, 2, "1.25");
  v.p = (const unsigned char *)"abc"; /* not a number: sent as it is */
  v.n = 3;
  expect_scaled(v, 6, 2, "abc");
}
END_TEST

START_TEST(test_parameter_decoding) {
  pgvalue v;
  char *scratch = NULL, err[128];
  const unsigned char be4[] = {0, 0, 1, 0};
  ck_assert_int_eq(pgtypes_decode_param(PGOID_INT4, 1, be4, 4, &v, &scratch, err, sizeof err), 0);
  ck_assert(v.type == MICA_INTEGER && v.i == 256);
  ck_assert_int_eq(pgtypes_decode_param(PGOID_INT4, 1, be4, 3, &v, &scratch, err, sizeof err), -1);
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_INT4, 0, (const unsigned char *)"42", 2, &v, &scratch, err, sizeof err), 0);
  ck_assert(v.type == MICA_INTEGER && v.i == 42);
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_INT4, 0, (const unsigned char *)"4x", 2, &v, &scratch, err, sizeof err), -1);
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_BOOL, 0, (const unsigned char *)"true", 4, &v, &scratch, err, sizeof err),
      0);
  ck_assert(v.type == MICA_INTEGER && v.i == 1);
  ck_assert_int_eq(pgtypes_decode_param(PGOID_BYTEA, 0, (const unsigned char *)"\\x0aff", 6, &v, &scratch,
                                        err, sizeof err),
                   0);
  ck_assert(v.type == MICA_BLOB && v.n == 2 && v.p[0] == 0x0a && v.p[1] == 0xff);
  free(scratch);
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_BYTEA, 0, (const unsigned char *)"\\x0", 3, &v, &scratch, err, sizeof err),
      -1);
  const unsigned char num[] = {0, 2, 0, 0, 0x40, 0, 0, 2, 0, 12, 0x13, 0x88}; /* -12.50 */
  ck_assert_int_eq(pgtypes_decode_param(PGOID_NUMERIC, 1, num, sizeof num, &v, &scratch, err, sizeof err), 0);
  ck_assert_str_eq((const char *)v.p, "-12.50");
  free(scratch);
  const unsigned char date[] = {0, 0, 0, 31}; /* 2000-02-01 */
  ck_assert_int_eq(pgtypes_decode_param(PGOID_DATE, 1, date, 4, &v, &scratch, err, sizeof err), 0);
  ck_assert_str_eq((const char *)v.p, "2000-02-01");
  free(scratch);
  /* A uuid in text without hyphens (psycopg 3 sends this) becomes the canonical form, not a number. */
  const char *bare = "A0EEBC999C0B4EF8BB6D6BB9BD380A11";
  ck_assert_int_eq(pgtypes_decode_param(PGOID_UUID, 0, (const unsigned char *)bare, strlen(bare), &v,
                                        &scratch, err, sizeof err),
                   0);
  ck_assert(v.type == MICA_TEXT && v.n == 36);
  ck_assert_str_eq((const char *)v.p, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  free(scratch);
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_UUID, 0, (const unsigned char *)"a0ee-x", 6, &v, &scratch, err, sizeof err),
      -1);
  ck_assert(strstr(err, "type uuid") != NULL);
  /* Dates and times in text are stored as PostgreSQL prints them (node-postgres sends ISO 8601). */
  static const struct {
    uint32_t oid;
    const char *in, *want;
  } times[] = {
      {PGOID_TIMESTAMPTZ, "2024-01-02T03:04:05.006+02:00", "2024-01-02 01:04:05.006+00"},
      {PGOID_TIMESTAMP, "2024-01-02T03:04:05.000+02:00", "2024-01-02 03:04:05"},
      {PGOID_DATE, "2024-02-29T00:00:00.000Z", "2024-02-29"},
      {PGOID_TIME, "13:14:15.500000", "13:14:15.5"},
      {PGOID_DATE, "2024-02-30", "2024-02-30"},
      {PGOID_TIMESTAMP, "now", "now"},
  };
  for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
    ck_assert_int_eq(pgtypes_decode_param(times[i].oid, 0, (const unsigned char *)times[i].in,
                                          strlen(times[i].in), &v, &scratch, err, sizeof err),
                     0);
    ck_assert(v.type == MICA_TEXT && v.n == strlen(times[i].want) && !memcmp(v.p, times[i].want, v.n));
    free(scratch);
  }
  const unsigned char bad_numeric[] = {0, 5, 0, 0, 0, 0, 0, 0, 0, 1};
  ck_assert_int_eq(
      pgtypes_decode_param(PGOID_NUMERIC, 1, bad_numeric, sizeof bad_numeric, &v, &scratch, err, sizeof err),
      -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pgtypes");
  TCase *tc = tcase_create("pgtypes");
  tcase_add_test(tc, test_declared_types_map_to_postgres_oids);
  tcase_add_test(tc, test_storage_classes_map_for_expressions);
  tcase_add_test(tc, test_text_encodings);
  tcase_add_test(tc, test_double_text_like_postgres);
  tcase_add_test(tc, test_binary_encodings);
  tcase_add_test(tc, test_parameter_decoding);
  tcase_add_test(tc, test_numeric_typmod_scale);
  tcase_add_test(tc, test_utf8_verification_reports_bytes_as_postgresql);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
