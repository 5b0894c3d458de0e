/* test_pgarray.c: PostgreSQL array text form, element conversions and the binary array format. Expected
 * strings are what PostgreSQL 15 prints for the same input. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "mica.h"
#include "pgarray.h"
#include "pgtypes.h"

/* pgarray_normalise into a NUL-terminated string (caller frees), or NULL with the message in err. */
static char *norm(uint32_t elem, const char *in, char *err, size_t errlen) {
  pqbuf b;
  pqbuf_init(&b);
  if (pgarray_normalise(&b, elem, in, strlen(in), err, errlen)) {
    pqbuf_free(&b);
    return NULL;
  }
  pqbuf_put_byte(&b, 0);
  return b.data;
}

static void check_norm(uint32_t elem, const char *in, const char *want) {
  char err[256] = "";
  char *got = norm(elem, in, err, sizeof err);
  ck_assert_msg(got != NULL, "%s: %s", in, err);
  ck_assert_msg(!strcmp(got, want), "%s -> %s, want %s", in, got, want);
  free(got);
}

static void check_bad(uint32_t elem, const char *in, const char *msg_start) {
  char err[256] = "";
  char *got = norm(elem, in, err, sizeof err);
  ck_assert_msg(got == NULL, "%s accepted as %s", in, got ? got : "");
  ck_assert_msg(!strncmp(err, msg_start, strlen(msg_start)), "%s: %s, want %s...", in, err, msg_start);
}

START_TEST(test_array_text_input_is_read_like_postgres) {
  check_norm(PGOID_TEXT, "{a, \"b c\", NULL, \"NULL\", \"\"}", "{a,\"b c\",NULL,\"NULL\",\"\"}");
  check_norm(PGOID_TEXT, "{ }", "{}");
  check_norm(PGOID_TEXT, "  {}  ", "{}");
  check_norm(PGOID_TEXT, "{a b\\ }", "{\"a b \"}");
  check_norm(PGOID_TEXT, "{\"x\\\"y\", \"back\\\\slash\", null, nULl}",
             "{\"x\\\"y\",\"back\\\\slash\",NULL,NULL}");
  check_norm(PGOID_TEXT, "{\\NULL}", "{\"NULL\"}");
}
END_TEST

START_TEST(test_array_text_errors) {
  check_bad(PGOID_INT4, "{1,,2}", "malformed array literal: \"{1,,2}\"");
  check_bad(PGOID_INT4, "{1,2}x", "malformed array literal");
  check_bad(PGOID_INT4, "{1,2", "malformed array literal");
  check_bad(PGOID_INT4, "1", "malformed array literal");
  check_bad(PGOID_INT4, "", "malformed array literal");
  check_bad(PGOID_INT4, "{,}", "malformed array literal");
  check_bad(PGOID_TEXT, "{\"a\"b}", "malformed array literal");
  check_bad(PGOID_TEXT, "{a\"b}", "malformed array literal");
  check_bad(PGOID_TEXT, "{\"a}", "malformed array literal");
  check_bad(PGOID_TEXT, "{a\\", "malformed array literal");
  check_bad(PGOID_INT4, "[1:3]={1,2}", "malformed array literal");
  check_bad(PGOID_INT4, "[1:2]{1,2}", "malformed array literal");
  check_bad(PGOID_INT4, "{{1,2},{3,4}}", "multidimensional arrays are not supported");
  check_bad(PGOID_INT4, "[0:1]={1,2}", "arrays with a lower bound other than 1 are not supported");
  check_bad(PGOID_INT4, "{a}", "invalid input syntax for type integer: \"a\"");
  check_bad(PGOID_INT4, "{3000000000}", "value \"3000000000\" is out of range for type integer");
  check_bad(PGOID_INT2, "{40000}", "value \"40000\" is out of range for type smallint");
  check_bad(PGOID_BOOL, "{maybe}", "invalid input syntax for type boolean: \"maybe\"");
  check_bad(PGOID_FLOAT8, "{1.5x}", "invalid input syntax for type double precision");
  check_bad(PGOID_NUMERIC, "{1.2.3}", "invalid input syntax for type numeric");
  check_bad(PGOID_NUMERIC, "{e5}", "invalid input syntax for type numeric");
  check_bad(PGOID_DATE, "{2024-02-30}", "invalid input syntax for type date");
  check_bad(PGOID_UUID, "{xyz}", "invalid input syntax for type uuid");
  check_bad(PGOID_INTERVAL, "{soon}", "invalid input syntax for type interval");
}
END_TEST

START_TEST(test_elements_are_normalised_per_type) {
  check_norm(PGOID_INT4, "{ 1 , 2 ,NULL}", "{1,2,NULL}");
  check_norm(PGOID_INT4, "[1:2]={3,4}", "{3,4}");
  check_norm(PGOID_INT8, "{-9223372036854775808}", "{-9223372036854775808}");
  check_norm(PGOID_NUMERIC, "{1.50, 1e2, -0, NaN, +007.10, 1.5e-3, -2E+1}",
             "{1.50,100,0,NaN,7.10,0.0015,-20}");
  check_norm(PGOID_FLOAT8, "{1.5, 1e20, -0, NaN, inf, -Infinity, 0.1}",
             "{1.5,1e+20,-0,NaN,Infinity,-Infinity,0.1}");
  check_norm(PGOID_FLOAT4, "{1.1, 3.4e38}", "{1.1,3.4e+38}");
  check_norm(PGOID_BOOL, "{t, yes, 0, FALSE, on}", "{t,t,f,f,t}");
  check_norm(PGOID_BYTEA, "{\"\\\\x01\", \"abc\"}", "{\"\\\\x01\",\"\\\\x616263\"}");
  check_norm(PGOID_DATE, "{2024-1-2}", "{2024-01-02}");
  check_norm(PGOID_TIMESTAMPTZ, "{\"2024-01-02 03:04:05+02\"}", "{\"2024-01-02 01:04:05+00\"}");
  check_norm(PGOID_TIMESTAMP, "{\"2024-01-02T03:04:05.5\"}", "{\"2024-01-02 03:04:05.5\"}");
  check_norm(PGOID_TIME, "{12:30}", "{12:30:00}");
  check_norm(PGOID_INTERVAL, "{\"1 day 2 hours\", \"3 mons\"}", "{\"1 day 02:00:00\",\"3 mons\"}");
  check_norm(PGOID_UUID, "{A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11}", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}");
  check_norm(PGOID_JSONB, "{\"{\\\"a\\\": 1}\"}", "{\"{\\\"a\\\": 1}\"}");
  check_norm(PGOID_VARCHAR, "{\" padded \"}", "{\" padded \"}");
}
END_TEST

static char *elem_text(uint32_t oid, const pgvalue *v) {
  pqbuf b;
  char err[128];
  pqbuf_init(&b);
  ck_assert_int_eq(pgarray_elem_text(&b, oid, v, err, sizeof err), 0);
  pqbuf_put_byte(&b, 0);
  return b.data;
}

START_TEST(test_values_become_element_text) {
  pgvalue i = {.type = MICA_INTEGER, .i = 1};
  pgvalue d = {.type = MICA_FLOAT, .d = 2.0};
  pgvalue blob = {.type = MICA_BLOB, .p = (const unsigned char *)"\x01\xff", .n = 2};
  pgvalue txt = {.type = MICA_TEXT, .p = (const unsigned char *)" 42 ", .n = 4};
  char *s;
  ck_assert_str_eq(s = elem_text(PGOID_BOOL, &i), "t");
  free(s);
  ck_assert_str_eq(s = elem_text(PGOID_INT4, &d), "2");
  free(s);
  ck_assert_str_eq(s = elem_text(PGOID_FLOAT8, &d), "2");
  free(s);
  ck_assert_str_eq(s = elem_text(PGOID_BYTEA, &blob), "\\x01ff");
  free(s);
  ck_assert_str_eq(s = elem_text(PGOID_INT8, &txt), "42");
  free(s);
  ck_assert_str_eq(s = elem_text(PGOID_TEXT, &txt), " 42 ");
  free(s);
  ck_assert_str_eq(s = elem_text(0, &blob), "\\x01ff"); /* unknown type: by storage class */
  free(s);
  pgvalue big = {.type = MICA_INTEGER, .i = 1LL << 40};
  pqbuf b;
  char err[128];
  pqbuf_init(&b);
  ck_assert_int_eq(pgarray_elem_text(&b, PGOID_INT4, &big, err, sizeof err), -1);
  ck_assert_str_eq(err, "value \"1099511627776\" is out of range for type integer");
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_element_text_becomes_engine_values) {
  pgvalue v;
  char *scratch;
  ck_assert_int_eq(pgarray_elem_value(PGOID_INT4, "12", 2, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_INTEGER);
  ck_assert_int_eq(v.i, 12);
  ck_assert_int_eq(pgarray_elem_value(PGOID_BOOL, "f", 1, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_INTEGER);
  ck_assert_int_eq(v.i, 0);
  ck_assert_int_eq(pgarray_elem_value(PGOID_NUMERIC, "1.50", 4, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_FLOAT);
  ck_assert_int_eq(pgarray_elem_value(PGOID_NUMERIC, "7", 1, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_INTEGER);
  ck_assert_int_eq(pgarray_elem_value(PGOID_BYTEA, "\\x0102", 6, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_BLOB);
  ck_assert_int_eq((int)v.n, 2);
  free(scratch);
  ck_assert_int_eq(pgarray_elem_value(PGOID_TEXT, "x", 1, &v, &scratch), 0);
  ck_assert_int_eq(v.type, MICA_TEXT);
}
END_TEST

/* The binary array of '{1,NULL,3}'::int4[] as PostgreSQL's array_send writes it. */
static const unsigned char int4_bin[] = {0,    0,    0,    1,    0, 0, 0, 1, 0, 0, 0, 23, 0, 0,
                                         0,    3,    0,    0,    0, 1, 0, 0, 0, 4, 0, 0,  0, 1,
                                         0xff, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 3};

START_TEST(test_binary_arrays_round_trip) {
  pqbuf b;
  pqbuf_init(&b);
  ck_assert_int_eq(pgarray_put_binary(&b, PGOID_INT4, "{1,NULL,3}", 10), 0);
  ck_assert_int_eq((int)b.len, 4 + (int)sizeof int4_bin);
  ck_assert_int_eq(memcmp(b.data + 4, int4_bin, sizeof int4_bin), 0);
  ck_assert_int_eq(b.data[3], (char)sizeof int4_bin);
  pqbuf_reset(&b);
  char err[256];
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_INT4, int4_bin, sizeof int4_bin, err, sizeof err), 0);
  ck_assert_int_eq((int)b.len, 10);
  ck_assert_int_eq(memcmp(b.data, "{1,NULL,3}", 10), 0);
  /* wrong element type, truncated data, trailing bytes, two dimensions */
  pqbuf_reset(&b);
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_INT8, int4_bin, sizeof int4_bin, err, sizeof err), -1);
  ck_assert_str_eq(err, "binary data has array element type 23 (integer) instead of expected 20 (bigint)");
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_INT4, int4_bin, sizeof int4_bin - 1, err, sizeof err), -1);
  unsigned char longer[sizeof int4_bin + 1];
  memcpy(longer, int4_bin, sizeof int4_bin);
  longer[sizeof int4_bin] = 0;
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_INT4, longer, sizeof longer, err, sizeof err), -1);
  unsigned char two[sizeof int4_bin];
  memcpy(two, int4_bin, sizeof two);
  two[3] = 2;
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_INT4, two, sizeof two, err, sizeof err), -1);
  ck_assert_str_eq(err, "multidimensional arrays are not supported");
  /* empty: ndim 0 */
  pqbuf_reset(&b);
  ck_assert_int_eq(pgarray_put_binary(&b, PGOID_TEXT, "{}", 2), 0);
  ck_assert_int_eq((int)b.len, 16);
  ck_assert_int_eq(b.data[7], 0);
  ck_assert_int_eq(b.data[15], 25);
  pqbuf_reset(&b);
  ck_assert_int_eq(pgarray_from_binary(&b, PGOID_TEXT, (const unsigned char *)"\0\0\0\0\0\0\0\0\0\0\0\x19",
                                       12, err, sizeof err),
                   0);
  ck_assert_int_eq((int)b.len, 2);
  /* text elements are quoted on the way in; bytea elements are decoded for the binary form */
  pqbuf_reset(&b);
  ck_assert_int_eq(pgarray_put_binary(&b, PGOID_BYTEA, "{\"\\\\x01ff\"}", 11), 0);
  ck_assert_int_eq((int)b.len, 4 + 20 + 4 + 2);
  ck_assert_int_eq((unsigned char)b.data[29], 0xff);
  ck_assert_int_eq(pgarray_put_binary(&b, PGOID_INT4, "not an array", 12), -1);
  ck_assert_int_eq(pgarray_put_binary(&b, PGOID_INT4, "{x}", 3), -1);
  ck_assert_int_eq((int)b.len, 30); /* nothing left behind by the failures */
  pqbuf_free(&b);
}
END_TEST

START_TEST(test_array_types_through_pgtypes) {
  ck_assert_uint_eq(pgtypes_from_decltype("int4[]").oid, 1007);
  ck_assert_uint_eq(pgtypes_from_decltype("INTEGER[]").oid, 1007);
  ck_assert_uint_eq(pgtypes_from_decltype("text[]").oid, 1009);
  ck_assert_uint_eq(pgtypes_from_decltype("varchar[](20)").oid, 1015);
  ck_assert_int_eq(pgtypes_from_decltype("varchar[](20)").typmod, 24);
  ck_assert_uint_eq(pgtypes_from_decltype("varchar(20)[]").oid, 1015);
  ck_assert_uint_eq(pgtypes_from_decltype("int[3]").oid, 1007);
  ck_assert_uint_eq(pgtypes_from_decltype("timestamp with time zone[]").oid, 1185);
  ck_assert_uint_eq(pgtypes_from_decltype("whatever[]").oid, 1009);
  static const uint32_t pairs[][2] = {
      {16, 1000},   {21, 1005},   {23, 1007},   {20, 1016},   {700, 1021}, {701, 1022},  {1700, 1231},
      {25, 1009},   {1043, 1015}, {1042, 1014}, {19, 1003},   {17, 1001},  {1082, 1182}, {1083, 1183},
      {1114, 1115}, {1184, 1185}, {1186, 1187}, {2950, 2951}, {114, 199},  {3802, 3807}, {26, 1028}};
  for (size_t i = 0; i < sizeof pairs / sizeof pairs[0]; i++) {
    ck_assert_uint_eq(pgtypes_array_of(pairs[i][0]), pairs[i][1]);
    ck_assert_uint_eq(pgtypes_elem_of(pairs[i][1]), pairs[i][0]);
    ck_assert_int_eq(pgtypes_typlen(pairs[i][1]), -1);
  }
  ck_assert_str_eq(pgtypes_name(1007), "integer[]");
  /* text results carry the stored text; parameters are normalised */
  pqbuf b;
  pqbuf_init(&b);
  pgvalue v = {.type = MICA_TEXT, .p = (const unsigned char *)"{1,2}", .n = 5};
  ck_assert_int_eq(pgtypes_put_value(&b, 1007, 0, &v), 0);
  ck_assert_int_eq((int)b.len, 9);
  ck_assert_int_eq(memcmp(b.data + 4, "{1,2}", 5), 0);
  pqbuf_free(&b);
  pgvalue out;
  char *scratch;
  char err[200];
  ck_assert_int_eq(
      pgtypes_decode_param(1007, 0, (const unsigned char *)"{ 1, 02 }", 9, &out, &scratch, err, sizeof err),
      0);
  ck_assert_int_eq(out.type, MICA_TEXT);
  ck_assert_int_eq((int)out.n, 5);
  ck_assert_int_eq(memcmp(out.p, "{1,2}", 5), 0);
  free(scratch);
  ck_assert_int_eq(pgtypes_decode_param(1007, 1, int4_bin, sizeof int4_bin, &out, &scratch, err, sizeof err),
                   0);
  ck_assert_int_eq(memcmp(out.p, "{1,NULL,3}", 10), 0);
  free(scratch);
  ck_assert_int_eq(
      pgtypes_decode_param(1007, 0, (const unsigned char *)"{x}", 3, &out, &scratch, err, sizeof err), -1);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pgarray");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, test_array_text_input_is_read_like_postgres);
  tcase_add_test(tc, test_array_text_errors);
  tcase_add_test(tc, test_elements_are_normalised_per_type);
  tcase_add_test(tc, test_values_become_element_text);
  tcase_add_test(tc, test_element_text_becomes_engine_values);
  tcase_add_test(tc, test_binary_arrays_round_trip);
  tcase_add_test(tc, test_array_types_through_pgtypes);
  suite_add_tcase(s, tc);
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
